//! `trustlint server` driven through the Language Server Protocol over standard input and
//! output, as an editor does: initialize, didOpen, publishDiagnostics (with the workspace
//! context of the cross-file rules), didChange of an unsaved buffer re-checking the
//! pipeline that links to it, codeAction (a fix, preferred when safe; an inline
//! suppression), hover on a rule code, protocol errors on malformed requests, shutdown and
//! exit. Then the same with Neovim's own client, headless, where `nvim` is installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::{copy, workspace_root};

/// How long any answer may take (a debug build on a busy machine).
const PATIENCE: Duration = Duration::from_secs(60);

/// A copy of `fixtures/<from>` in a fresh folder: `(folder, canonical path)`.
fn copy_fixture(from: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("server-{name}"));
    let _ = fs::remove_dir_all(&dir);
    copy(&workspace_root().join("fixtures").join(from), &dir);
    dir.canonicalize().unwrap()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A language client on the server's standard input and output.
struct Client {
    child: Child,
    stdin: ChildStdin,
    inbox: Receiver<Value>,
    next_id: i64,
    /// Notifications and requests from the server not yet looked at.
    seen: Vec<Value>,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_trustlint"))
            .arg("server")
            .current_dir(root)
            .env_remove("CI_SERVER_HOST")
            .env_remove("CI_PROJECT_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, inbox) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.unwrap()];
                reader.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            inbox,
            next_id: 0,
            seen: Vec::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "root"}],
                "capabilities": {}
            }),
        );
        assert_eq!(
            result["result"]["serverInfo"]["name"], "trustlint",
            "{result}"
        );
        let capabilities = &result["result"]["capabilities"];
        assert_eq!(capabilities["hoverProvider"], true, "{result}");
        assert_eq!(capabilities["textDocumentSync"]["change"], 1, "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|message| message["id"] == id && message.get("method").is_none())
    }

    /// The first message (seen before or arriving within [`PATIENCE`]) that `wanted`
    /// accepts, the others kept.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.seen.iter().position(&wanted) {
            return self.seen.remove(index);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.inbox.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.seen.push(message),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no such message in time; seen: {:#?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server went away; seen: {:#?}", self.seen)
                }
            }
        }
    }

    /// The next diagnostics published for `path` that `wanted` accepts (earlier ones of
    /// the file dropped).
    fn diagnostics(&mut self, path: &Path, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = uri(path);
        let message = self.wait(|message| {
            message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri.as_str()
                && wanted(message["params"]["diagnostics"].as_array().unwrap())
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// shutdown, exit, and the server's exit status.
    fn stop(mut self) -> Option<i32> {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "{response}");
        assert_eq!(response["result"], Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn has(code: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |diagnostics| codes(diagnostics).contains(&code)
}

/// Applies LSP text edits (UTF-16 positions; ASCII texts here) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            (
                offset(&edit["range"]["start"]),
                offset(&edit["range"]["end"]),
                edit["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut text = text.to_string();
    for (start, end, new) in edits {
        text.replace_range(start..end, new);
    }
    text
}

#[test]
fn an_editor_session_through_the_protocol() {
    let root = copy_fixture("TL402/bad/other-project", "session");
    let pipeline = root.join(".gitlab-ci.yml");
    let trust = root.join("iam/trust.json");
    let mut client = Client::start(&root);

    // Opening the trust policy: the workspace is checked, with the pipeline linking to it.
    let text = fs::read_to_string(&trust).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&trust), "languageId": "json", "version": 1, "text": text}}),
    );
    let on_pipeline = client.diagnostics(&pipeline, has("TL402"));
    let tl402 = &on_pipeline[codes(&on_pipeline)
        .iter()
        .position(|c| *c == "TL402")
        .unwrap()];
    assert_eq!(tl402["severity"], 1, "{tl402}");
    assert_eq!(tl402["source"], "trustlint");
    assert!(tl402["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("docs/rules/TL402.md"));
    assert_eq!(
        tl402["range"]["start"],
        json!({"line": 15, "character": 18})
    );
    let related = tl402["relatedInformation"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == uri(&trust).as_str()),
        "{tl402}"
    );
    let on_trust = client.diagnostics(&trust, has("TL119"));
    assert_eq!(
        on_trust[0]["severity"], 3,
        "a note is information: {on_trust:?}"
    );

    // The inline suppression of the pipeline's finding, above its line, indented like it.
    let response = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri(&pipeline)},
            "range": tl402["range"],
            "context": {"diagnostics": [tl402]}
        }),
    );
    let actions = response["result"].as_array().unwrap();
    let suppress = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("ignore[TL402]"))
        .unwrap_or_else(|| panic!("{response}"));
    let edits = &suppress["edit"]["changes"][uri(&pipeline)];
    assert_eq!(
        edits[0]["newText"], "      # trustlint: ignore[TL402]\n",
        "{suppress}"
    );

    // An unsaved change to the trust accepts the pipeline's project with `StringLike` and
    // no wildcard: the pipeline's TL402 goes, the trust gets TL105 with a safe fix.
    let changed = text
        .replace("acme/api", "acme/web")
        .replace("StringEquals", "StringLike");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&trust), "version": 2},
            "contentChanges": [{"text": changed}]
        }),
    );
    // The edited file first, alone (a fast pass without the rules that join files), then
    // the workspace whole: the pipeline's finding goes.
    let on_trust = client.diagnostics(&trust, has("TL105"));
    let fast = client.wait(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap()
                .contains("fast pass over 1 edited files")
    });
    assert_eq!(fast["params"]["type"], 4, "{fast}");
    client.diagnostics(&pipeline, |d| !has("TL402")(d));
    let tl105 = &on_trust[codes(&on_trust).iter().position(|c| *c == "TL105").unwrap()];
    let response = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri(&trust)},
            "range": tl105["range"],
            "context": {"diagnostics": [tl105], "only": ["quickfix"]}
        }),
    );
    let actions = response["result"].as_array().unwrap();
    let fix = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("TL105"))
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true, "a safe fix is preferred: {fix}");
    // JSON has no comments: no suppression is offered there.
    assert!(!actions
        .iter()
        .any(|a| a["title"].as_str().unwrap().contains("ignore[")));
    let edits = fix["edit"]["changes"][uri(&trust)].as_array().unwrap();
    let fixed = apply(&changed, edits);
    assert!(fixed.contains("\"StringEquals\""), "{fixed}");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&trust), "version": 3},
            "contentChanges": [{"text": fixed}]
        }),
    );
    client.diagnostics(&trust, |d| !has("TL105")(d));

    // Hover on a rule code in a suppression comment shows the rule's documentation.
    let commented = "# trustlint: ignore[tl402] reviewed\nvariables: {}\n";
    let other = root.join("other.gitlab-ci.yml");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&other), "languageId": "yaml", "version": 1, "text": commented}}),
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&other)}, "position": {"line": 0, "character": 22}}),
    );
    let contents = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(contents.starts_with("# TL402 "), "{hover}");
    assert_eq!(
        hover["result"]["range"],
        json!({"start": {"line": 0, "character": 20}, "end": {"line": 0, "character": 25}})
    );
    let nothing = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&other)}, "position": {"line": 1, "character": 2}}),
    );
    assert_eq!(nothing["result"], Value::Null, "{nothing}");

    // Malformed requests get protocol errors, and the server goes on.
    let bad = client.request("textDocument/codeAction", json!({"textDocument": 7}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let unknown = client.request("trustlint/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    client.notify("textDocument/didChange", json!({"nonsense": true}));
    client.notify("textDocument/didOpen", json!([1, 2, 3]));
    let garbage = "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": ";
    write!(
        client.stdin,
        "Content-Length: {}\r\n\r\n{garbage}",
        garbage.len()
    )
    .unwrap();
    let parse_error = client.wait(|m| m["error"]["code"] == -32700);
    assert_eq!(parse_error["id"], Value::Null, "{parse_error}");
    client.send(&json!({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "shutdown"}));
    let invalid = client.wait(|m| m["error"]["code"] == -32600);
    assert_eq!(invalid["id"], Value::Null, "{invalid}");

    // Closing the buffer unsaved: the file on disk is checked again (TL402 back).
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&trust)}}),
    );
    client.diagnostics(&pipeline, has("TL402"));
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn exit_without_shutdown_is_an_error_status() {
    let root = copy_fixture("TL105/bad", "exit");
    let mut client = Client::start(&root);
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}

/// Neovim's LSP client, headless (tests/data/nvim/code-action.lua), on a bad trust
/// policy: trustlint's diagnostics arrive, the fix of TL105 is applied from the code
/// action menu, and the check that follows the edit clears it.
#[test]
fn neovim_gets_the_diagnostics_and_applies_a_code_action() {
    let found = Command::new("nvim").arg("--version").output().ok();
    let Some(version) = found.filter(|output| output.status.success()) else {
        eprintln!(
            "SKIPPED neovim_gets_the_diagnostics_and_applies_a_code_action: `nvim` is not \
             installed (`apt-get install neovim`; .ci/run installs it)"
        );
        return;
    };
    eprintln!(
        "{}",
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    let root = copy_fixture("TL105/bad", "neovim");
    let file = root.join("like-without-wildcard-note.json");
    let home = root.join(".nvim-home");
    let out = root.join("nvim-result.json");
    let script = workspace_root().join("tests/data/nvim/code-action.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(&root)
        .env("TRUSTLINT_BIN", env!("CARGO_BIN_EXE_trustlint"))
        .env("TRUSTLINT_ROOT", &root)
        .env("TRUSTLINT_FILE", &file)
        .env("TRUSTLINT_CODE", "TL105")
        .env("TRUSTLINT_OUT", &out)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "nvim: {status}");
    let result: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert!(result.get("error").is_none(), "{result:#}");
    assert_eq!(result["client"], true, "{result:#}");
    assert_eq!(result["diagnostics_arrived"], true, "{result:#}");
    assert!(
        result["actions"][0].as_str().unwrap().starts_with("TL105"),
        "{result:#}"
    );
    assert_eq!(result["applied"], true, "{result:#}");
    let text = result["text"].as_str().unwrap();
    assert!(
        text.contains("\"StringEquals\"") && !text.contains("StringLike"),
        "{result:#}"
    );
    assert_eq!(result["rechecked"], true, "{result:#}");
    // The buffer is edited, not the file: the file on disk keeps its finding.
    assert!(fs::read_to_string(&file).unwrap().contains("StringLike"));
}

/// Every method the server knows, and some it does not, with parameters of every shape:
/// each request gets an answer (a result or a protocol error), and the server still
/// works afterwards.
#[test]
fn hostile_messages_get_answers_and_the_server_goes_on() {
    let root = copy_fixture("TL105/bad", "hostile");
    let file = root.join("equals-with-star.json");
    let mut client = Client::start(&root);
    let methods = [
        "initialize",
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didSave",
        "textDocument/didClose",
        "textDocument/codeAction",
        "textDocument/hover",
        "workspace/didChangeWatchedFiles",
        "workspace/didChangeWorkspaceFolders",
        "$/cancelRequest",
        "initialized",
        "textDocument/completion",
    ];
    let far = json!({"line": u32::MAX, "character": u32::MAX});
    let params = [
        Value::Null,
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!({"textDocument": {"uri": "file:///does/not/exist.json", "version": 1, "text": "{"}}),
        json!({"textDocument": {"uri": "untitled:1"}, "position": far, "range": {"start": far, "end": far}, "context": {"diagnostics": []}}),
        json!({"textDocument": {"uri": uri(&file)}, "position": far, "range": {"start": far, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["refactor"]}}),
        json!({"textDocument": {"uri": uri(&root), "version": 1, "text": "\u{0}\u{FFFF}"}, "contentChanges": [{"range": {"start": far, "end": far}, "text": "x"}]}),
        json!({"changes": [{"uri": "file:///%ZZ", "type": 2}], "event": {"added": [{"uri": "file:///nowhere", "name": "x"}], "removed": []}}),
    ];
    for method in methods {
        for params in &params {
            client.notify(method, params.clone());
            let answer = client.request(method, params.clone());
            assert!(
                answer.get("result").is_some() || answer["error"]["code"].is_i64(),
                "{method} {params}: {answer}"
            );
        }
    }
    // Still checking and answering.
    let text = fs::read_to_string(&file).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&file), "languageId": "json", "version": 9, "text": text}}),
    );
    client.diagnostics(&file, has("TL105"));
    // A client that sends ranges though whole texts were asked for: applied in order.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&file), "version": 10},
            "contentChanges": [
                {"range": {"start": {"line": 10, "character": 9}, "end": {"line": 10, "character": 21}}, "text": "StringLik"},
                {"range": {"start": {"line": 10, "character": 18}, "end": {"line": 10, "character": 18}}, "text": "e"}
            ]
        }),
    );
    client.diagnostics(&file, |d| !has("TL105")(d));
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&file)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    assert_eq!(client.stop(), Some(0));
}
