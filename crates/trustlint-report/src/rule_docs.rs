//! Where each rule's documentation lives online, and the generated docs page of a rule
//! (`docs/rules/<CODE>.md`, written by `make docs` from `rules/<CODE>.md`).

use trustlint_rules::RuleMeta;

/// The project's home page.
pub(crate) const HOME: &str = env!("CARGO_PKG_REPOSITORY");

/// The URL of a rule's docs page.
pub fn help_uri(code: &str) -> String {
    format!("{HOME}/-/blob/main/docs/rules/{code}.md")
}

/// The docs page of a rule: its documentation under a header table.
pub fn rule_page(rule: &RuleMeta) -> String {
    let body = rule.body();
    let rest = body.split_once('\n').map_or("", |(_, rest)| rest);
    format!(
        "<!-- generated from rules/{code}.md by `make docs`: edit that file, not this one -->\n\
         # {code} {name}\n\n\
         | severity | domain | fires when |\n\
         |---|---|---|\n\
         | {severity} | {domain} | {summary} |\n\n\
         Show it offline with `trustlint explain {code}`; silence one occurrence in YAML \
         with `# trustlint: ignore[{code}]` on its line or the line above.\n\
         {rest}",
        code = rule.code,
        name = rule.name,
        severity = rule.severity,
        domain = rule.domain,
        summary = rule.summary,
        rest = rest.trim_end().to_string() + "\n",
    )
}
