-- Neovim's own LSP client (0.7 and later) on `trustlint server`, headless: open the file
-- $TRUSTLINT_FILE of the workspace $TRUSTLINT_ROOT, wait for trustlint's diagnostics,
-- apply the first code action of the one of code $TRUSTLINT_CODE (chosen as a user
-- would in the menu), wait
-- for the diagnostics that follow the edit, write what happened to $TRUSTLINT_OUT as JSON
-- and quit. Run by tests/server.rs; `vim.lsp.start_client` + `vim.lsp.buf_attach_client`
-- rather than `vim.lsp.start`, which Neovim 0.8 added.
local out = {}

local function finish()
  local file = io.open(vim.env.TRUSTLINT_OUT, 'w')
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd('qall!')
end

local function codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'trustlint' then
      table.insert(found, d.code)
    end
  end
  table.sort(found)
  return found
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.TRUSTLINT_FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'trustlint',
    cmd = { vim.env.TRUSTLINT_BIN, 'server' },
    root_dir = vim.env.TRUSTLINT_ROOT,
  })
  out.client = client_id ~= nil
  vim.lsp.buf_attach_client(bufnr, client_id)

  local code = vim.env.TRUSTLINT_CODE
  out.diagnostics_arrived = vim.wait(60000, function()
    return vim.tbl_contains(codes(bufnr), code)
  end, 50)
  out.before = codes(bufnr)
  if not out.diagnostics_arrived then
    return
  end
  local first
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code and not first then
      first = d
    end
  end
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })

  -- The menu of code actions: take the first (the fix comes before the suppression).
  vim.ui.select = function(items, _, on_choice)
    out.actions = {}
    for _, item in ipairs(items) do
      table.insert(out.actions, item[2].title)
    end
    on_choice(items[1], 1)
  end
  local before = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  vim.lsp.buf.code_action()
  out.applied = vim.wait(60000, function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') ~= before
  end, 50)
  out.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  -- The edit goes to the server as didChange; its run answers with new diagnostics.
  out.rechecked = vim.wait(60000, function()
    return not vim.tbl_contains(codes(bufnr), first.code)
  end, 50)
  out.fixed_code = first.code
  out.after = codes(bufnr)
end)
if not ok then
  out.error = tostring(err)
end
finish()
