//! Where a job presents an ID token, and how: the `$NAME` references its scripts and
//! variables pass to a cloud (`aws … --web-identity-token`, `AWS_WEB_IDENTITY_TOKEN_FILE`
//! and files written from the token, `vault … jwt=`, `gcloud … --credential-source-file`,
//! `az login --federated-token`, Terraform's `web_identity_token`) and the `secrets:` that
//! authenticate with one. Shared by the ID-token rules (TL303, TL304, TL309) and the
//! cross-file rules (TL401, TL402).
//!
//! A variable set to the token (`TOKEN=$GITLAB_OIDC_TOKEN`, `variables: TOKEN: $…`) is
//! followed: the use is reported for the original name, at the reference that reads it.

use std::collections::HashMap;
use std::sync::Arc;

use trustlint_parser::gitlab::{Job, Text};
use trustlint_parser::{SourceMap, Span};

use super::shell::{self, Command, Reference};

/// How a token reaches the service that checks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenChannel {
    /// `aws sts assume-role-with-web-identity --web-identity-token $X` (or `=$X`,
    /// `file://` of a file written from `$X`, PowerShell's `-WebIdentityToken`).
    WebIdentityTokenFlag,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` (or an AWS profile's `web_identity_token_file`)
    /// pointing at a file written from `$X`, or a variable of that name set to `$X`.
    WebIdentityTokenFile,
    /// `secrets: …: token: $X`, or the job's only `id_tokens` entry used implicitly;
    /// `provider` is the entry's provider key (`vault`, `aws_secrets_manager`, …), empty
    /// when it has none.
    Secrets { provider: String },
    /// `vault write auth/…/login jwt=$X` (or `jwt=@file`, a variable such as
    /// `VAULT_ID_TOKEN`/`VAULT_JWT` set to it).
    VaultLogin,
    /// A file written from `$X` given to `gcloud iam workload-identity-pools
    /// create-cred-config --credential-source-file`.
    GcloudLogin,
    /// `az login --federated-token $X`, `AZURE_FEDERATED_TOKEN_FILE`, `ARM_OIDC_TOKEN`.
    AzureLogin,
    /// Another consumer: a file written from the token, or a variable such as
    /// `TF_VAR_web_identity_token`, `TF_VAR_gitlab_oidc_token` or `AWS_WEB_IDENTITY_TOKEN`
    /// read by Terraform or an SDK.
    Other,
}

impl TokenChannel {
    /// What the channel presents the token to, for messages.
    pub fn describe(&self) -> String {
        match self {
            TokenChannel::WebIdentityTokenFlag => "an AWS web-identity token".to_string(),
            TokenChannel::WebIdentityTokenFile => {
                "the content of an AWS web-identity token file".to_string()
            }
            TokenChannel::Secrets { provider } if provider.is_empty() => {
                "the `token:` of a `secrets:` entry".to_string()
            }
            TokenChannel::Secrets { provider } => format!("the `token:` of `{provider}` secrets"),
            TokenChannel::VaultLogin => "the JWT of a Vault login".to_string(),
            TokenChannel::GcloudLogin => {
                "the credential source of a Google Cloud workload identity login".to_string()
            }
            TokenChannel::AzureLogin => "an Azure federated token".to_string(),
            TokenChannel::Other => "an identity token".to_string(),
        }
    }
}

/// One place where a job presents the ID token in variable `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUse {
    /// The variable name, e.g. `GITLAB_OIDC_TOKEN`.
    pub name: String,
    /// Exactly where `$NAME`/`${NAME}` is written (the whole scalar when the written text
    /// can't be mapped; the `secrets:` entry's key for an implicit use).
    pub span: Span,
    pub channel: TokenChannel,
    /// A `secrets:` entry without `token:`, using the job's only `id_tokens` entry.
    pub implicit: bool,
}

/// Every place where `job` presents an ID token, with spans of whole script scalars
/// (use [`token_uses_in`] for the exact `$NAME` spans).
pub fn token_uses(job: &Job) -> Vec<TokenUse> {
    token_uses_in(job, &SourceMap::new())
}

/// Every place where `job` presents an ID token, in script order, then `secrets:`; the
/// spans are those of the `$NAME` references inside the scalars written in `sources`.
pub fn token_uses_in(job: &Job, sources: &SourceMap) -> Vec<TokenUse> {
    uses_in_flow(job, &ScriptFlow::of(job, sources), sources)
}

/// The token uses `flow`, the script flow of `job`, shows (see [`token_uses_in`]).
pub(crate) fn uses_in_flow(job: &Job, flow: &ScriptFlow, sources: &SourceMap) -> Vec<TokenUse> {
    let mut uses: Vec<TokenUse> = Vec::new();
    let mut push = |name: &str, span: Span, channel: TokenChannel, implicit: bool| {
        let found = TokenUse {
            name: name.to_string(),
            span,
            channel,
            implicit,
        };
        if !uses.contains(&found) {
            uses.push(found);
        }
    };
    for (name, span, channel) in &flow.channels {
        let (name, span) = flow.resolve(job, name, *span);
        push(name, span, channel.clone(), false);
    }
    for write in &flow.writes {
        let (name, span) = flow.resolve(job, &write.name, write.span);
        let consumers: Vec<_> = flow
            .consumers
            .iter()
            .filter(|(path, _)| same_file(path, &write.path))
            .collect();
        for (_, channel) in &consumers {
            push(name, span, channel.clone(), false);
        }
        if consumers.is_empty() && defines(job, name) {
            push(name, span, TokenChannel::Other, false);
        }
    }
    for secret in &job.secrets {
        let provider = secret
            .provider
            .as_ref()
            .map_or("", |p| p.value.as_ref())
            .to_string();
        let channel = TokenChannel::Secrets { provider };
        match (&secret.token, job.id_tokens.as_slice()) {
            (Some(token), _) => {
                for reference in shell::references(&token.value) {
                    let span = shell::span_in(token, sources, reference.start, reference.end);
                    push(&reference.name, span, channel.clone(), false);
                }
            }
            (None, [only]) => push(&only.name.value, secret.name.span, channel, true),
            (None, _) => {}
        }
    }
    uses
}

/// Whether the job requests an ID token named `name`.
pub(crate) fn defines(job: &Job, name: &str) -> bool {
    job.id_tokens.iter().any(|t| t.name.value.as_ref() == name)
}

/// The script lines of a job: `before_script`, `script`, `after_script`.
pub(crate) fn script_lines(job: &Job) -> impl Iterator<Item = &Text> {
    job.before_script
        .iter()
        .chain(&job.script)
        .chain(&job.after_script)
}

/// A variable reference in a job's script, with the line and command it is in.
#[derive(Clone, Debug)]
pub(crate) struct ScriptRef {
    /// The line's text.
    pub line: Arc<str>,
    /// Offsets in the line's value.
    pub reference: Reference,
    pub span: Span,
    /// The command holding the reference, then the commands it pipes into.
    pub pipeline: Vec<Command>,
}

impl ScriptRef {
    /// The text of a command of this line.
    pub fn text(&self, command: &Command) -> &str {
        self.line
            .get(command.start..command.end)
            .unwrap_or_default()
    }

    /// The words of the command holding the reference.
    pub fn words(&self) -> Vec<String> {
        self.pipeline
            .first()
            .map(|c| shell::words(self.text(c)))
            .unwrap_or_default()
    }

    /// Whether the reference ends the word it is in (`KEY=$X`, not `KEY=$X/file`).
    fn is_whole_value(&self) -> bool {
        let end = self.pipeline.first().map_or(self.line.len(), |c| c.end);
        self.line
            .get(self.reference.end..end)
            .and_then(|rest| rest.chars().next())
            .is_none_or(|c| c.is_whitespace() || "\"';)`".contains(c))
    }

    /// The line's text before the reference, within its command.
    fn prefix(&self) -> &str {
        let start = self.pipeline.first().map_or(0, |c| c.start);
        self.line
            .get(start..self.reference.start)
            .unwrap_or_default()
    }
}

/// A variable written to a file by `echo`, `printf`, `cat` or `tee` (possibly through a
/// pipe such as `| base64`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileWrite {
    pub name: String,
    pub span: Span,
    /// The file, as [`shell::normalize_path`] writes it.
    pub path: String,
}

/// What a job's scripts and variables do with variable references.
#[derive(Debug)]
pub(crate) struct ScriptFlow {
    pub refs: Vec<ScriptRef>,
    pub writes: Vec<FileWrite>,
    /// References passed straight to a channel.
    channels: Vec<(String, Span, TokenChannel)>,
    /// `KEY=$NAME` assignments that are no channel: `KEY` holds the token too.
    aliases: HashMap<String, (String, Span)>,
    /// Files some channel reads (normalized paths).
    consumers: Vec<(String, TokenChannel)>,
}

/// Programs that print their arguments or input.
const PRINTERS: &[&str] = &[
    "echo",
    "printf",
    "cat",
    "tee",
    "Write-Output",
    "Set-Content",
];

impl ScriptFlow {
    pub fn of(job: &Job, sources: &SourceMap) -> Self {
        let mut flow = ScriptFlow {
            refs: Vec::new(),
            writes: Vec::new(),
            channels: Vec::new(),
            aliases: HashMap::new(),
            consumers: Vec::new(),
        };
        // Every reference is written with `$`: scripts and variables without one pass
        // no variable anywhere (the files channels read matter only for written ones).
        let mut texts =
            script_lines(job).chain(job.variables.iter().filter_map(|v| v.value.as_ref()));
        if !texts.any(|text| text.value.contains('$')) {
            return flow;
        }
        flow.consumers = vec![
            (
                "$AWS_WEB_IDENTITY_TOKEN_FILE".to_string(),
                TokenChannel::WebIdentityTokenFile,
            ),
            (
                "$AZURE_FEDERATED_TOKEN_FILE".to_string(),
                TokenChannel::AzureLogin,
            ),
        ];
        for variable in job.variables.iter() {
            let Some(value) = &variable.value else {
                continue;
            };
            let key = variable.name.value.as_ref();
            flow.consumers
                .extend(consumed_paths(&format!("{key}={}", value.value)));
            if let [reference] = shell::references(&value.value).as_slice() {
                if value.value.get(reference.start..reference.end) == Some(value.value.trim()) {
                    let span = shell::span_in(value, sources, reference.start, reference.end);
                    flow.assign(key, "", &reference.name, span);
                }
            }
        }
        for line in script_lines(job) {
            flow.read_line(line, sources);
        }
        flow
    }

    fn read_line(&mut self, line: &Text, sources: &SourceMap) {
        let commands = shell::commands(&line.value);
        for (index, command) in commands.iter().enumerate() {
            let text = line
                .value
                .get(command.start..command.end)
                .unwrap_or_default();
            self.consumers.extend(consumed_paths(text));
            if command.captured {
                self.read_file_argument(line, command, text);
            }
            let references = shell::references(text);
            if references.is_empty() {
                continue;
            }
            let pipeline: Vec<Command> = std::iter::once(*command)
                .chain(
                    commands
                        .iter()
                        .skip(index)
                        .zip(commands.iter().skip(index + 1))
                        .take_while(|(before, _)| before.piped)
                        .map(|(_, after)| *after),
                )
                .collect();
            let written = written_file(line, &pipeline);
            for mut reference in references {
                reference.start += command.start;
                reference.end += command.start;
                let span = shell::span_in(line, sources, reference.start, reference.end);
                let found = ScriptRef {
                    line: Arc::clone(&line.value),
                    reference,
                    span,
                    pipeline: pipeline.clone(),
                };
                let name = found.reference.name.clone();
                if let Some(channel) = flag_channel(found.prefix()) {
                    self.channels.push((name.clone(), span, channel));
                } else if let Some(key) =
                    assigned_key(found.prefix()).filter(|_| found.is_whole_value())
                {
                    self.assign(key, text, &name, span);
                }
                let target = written.as_deref().filter(|p| *p != format!("${name}"));
                if let Some(path) = target {
                    self.writes.push(FileWrite {
                        name,
                        span,
                        path: path.to_string(),
                    });
                }
                self.refs.push(found);
            }
        }
    }

    /// `--web-identity-token "$(cat FILE)"`, `jwt=$(< FILE)`: the file is read by the
    /// channel before the substitution.
    fn read_file_argument(&mut self, line: &Text, command: &Command, text: &str) {
        let words = shell::words(text);
        let file = match words.as_slice() {
            [cat, file] if cat == "cat" || cat == "<" => file.clone(),
            [only] => match only.strip_prefix('<') {
                Some(file) => file.to_string(),
                None => return,
            },
            _ => return,
        };
        let before = line
            .value
            .get(..command.start.saturating_sub(2))
            .unwrap_or_default();
        let channel = flag_channel(before)
            .or_else(|| assigned_key(before).and_then(|key| classify_key(key, &line.value)));
        if let Some(channel) = channel {
            self.consumers.push((shell::normalize_path(&file), channel));
        }
    }

    fn assign(&mut self, key: &str, command: &str, name: &str, span: Span) {
        match classify_key(key, command) {
            Some(channel) => self.channels.push((name.to_string(), span, channel)),
            None => {
                self.aliases
                    .insert(key.to_string(), (name.to_string(), span));
            }
        }
    }

    /// The variable a token reference really reads: through `KEY=$NAME` assignments,
    /// unless the job requests a token named `KEY` itself.
    pub fn resolve<'n>(&'n self, job: &Job, name: &'n str, span: Span) -> (&'n str, Span) {
        let (mut name, mut span) = (name, span);
        for _ in 0..4 {
            match self.aliases.get(name) {
                Some((original, at)) if !defines(job, name) && original != name => {
                    (name, span) = (original.as_str(), *at);
                }
                _ => break,
            }
        }
        (name, span)
    }
}

/// The file a printing command (or the pipeline it starts) writes its output to.
fn written_file(line: &Text, pipeline: &[Command]) -> Option<String> {
    let first = pipeline.first()?;
    let text = line.value.get(first.start..first.end)?;
    // Most commands print nothing: their words are not needed.
    if !PRINTERS.contains(&shell::program_of(text)?.as_str()) {
        return None;
    }
    let last = pipeline.last()?;
    let last_words = shell::words(line.value.get(last.start..last.end)?);
    shell::output_file(&last_words)
        .or_else(|| shell::output_file(&shell::words(text)))
        .map(|path| shell::normalize_path(&path))
}

/// The channel of a flag the text before a reference ends with (an opening quote and
/// `=` or blanks between them): `--web-identity-token $X`, `--federated-token=$X`.
fn flag_channel(prefix: &str) -> Option<TokenChannel> {
    let prefix = prefix.trim_end_matches(['"', '\'']);
    let flag = match prefix.strip_suffix('=') {
        Some(flag) => flag,
        None => {
            let flag = prefix.trim_end_matches(|c: char| c.is_whitespace() || c == '\\');
            if flag.len() == prefix.len() {
                return None;
            }
            flag
        }
    };
    let flag = flag.to_ascii_lowercase();
    if flag.ends_with("--web-identity-token") || flag.ends_with("-webidentitytoken") {
        Some(TokenChannel::WebIdentityTokenFlag)
    } else if flag.ends_with("--federated-token") {
        Some(TokenChannel::AzureLogin)
    } else {
        None
    }
}

/// The variable or option assigned when the text before a reference ends with `KEY=`
/// (and maybe an opening quote).
fn assigned_key(prefix: &str) -> Option<&str> {
    let before = prefix.trim_end_matches(['"', '\'']).strip_suffix('=')?;
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let key = before.get(start..)?;
    shell::is_name(key).then_some(key)
}

/// The channel a variable or option named `key` feeds (`command` is the command that
/// sets it, for `jwt=` of `vault`); `None` for a plain variable holding the token.
fn classify_key(key: &str, command: &str) -> Option<TokenChannel> {
    let key = key.to_ascii_lowercase();
    if key == "aws_web_identity_token_file" {
        Some(TokenChannel::WebIdentityTokenFile)
    } else if key.contains("web_identity_token")
        || (key.starts_with("tf_var_")
            && ["oidc", "jwt", "id_token"].iter().any(|w| key.contains(w)))
    {
        Some(TokenChannel::Other)
    } else if (key.contains("vault") && ["jwt", "id_token", "oidc"].iter().any(|w| key.contains(w)))
        || (key == "jwt" && command.to_lowercase().contains("vault"))
    {
        Some(TokenChannel::VaultLogin)
    } else if key.contains("federated_token") || key == "arm_oidc_token" {
        Some(TokenChannel::AzureLogin)
    } else {
        None
    }
}

/// The files a command (or a `KEY=value` variable) hands to a channel:
/// `web_identity_token_file=P`, `AWS_WEB_IDENTITY_TOKEN_FILE=P`,
/// `--credential-source-file P`, `AZURE_FEDERATED_TOKEN_FILE=P`, `jwt=@P`,
/// `--web-identity-token file://P`.
fn consumed_paths(text: &str) -> Vec<(String, TokenChannel)> {
    const SETTINGS: &[(&str, bool)] = &[
        ("web_identity_token_file", false),
        ("azure_federated_token_file", false),
        ("--credential-source-file", true),
        ("--web-identity-token", true),
        ("jwt", false),
    ];
    /// The bytes a setting starts with, in either case.
    const STARTS: [bool; 256] = {
        let mut starts = [false; 256];
        let mut index = 0;
        while index < SETTINGS.len() {
            let first = SETTINGS[index].0.as_bytes()[0];
            starts[first.to_ascii_lowercase() as usize] = true;
            starts[first.to_ascii_uppercase() as usize] = true;
            index += 1;
        }
        starts
    };
    // The settings' occurrences in any case (ASCII), found in one pass without a
    // lower-cased copy, then read setting by setting. (No setting overlaps itself, so
    // each one's are non-overlapping.)
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (at, byte) in text.bytes().enumerate() {
        // Most bytes start no setting: one lookup skips them.
        if !STARTS[usize::from(byte)] {
            continue;
        }
        let byte = byte.to_ascii_lowercase();
        for (index, &(setting, _)) in SETTINGS.iter().enumerate() {
            if setting.as_bytes().first() == Some(&byte)
                && text
                    .get(at..at + setting.len())
                    .is_some_and(|here| here.eq_ignore_ascii_case(setting))
            {
                found.push((index, at));
            }
        }
    }
    found.sort_unstable();
    let mut out = Vec::new();
    for (index, at) in found {
        let Some(&(setting, blank_ok)) = SETTINGS.get(index) else {
            continue;
        };
        let rest = text.get(at + setting.len()..).unwrap_or_default();
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let value = match trimmed.strip_prefix('=') {
            Some(value) => value.trim_start_matches([' ', '\t']),
            None if blank_ok && trimmed.len() < rest.len() => trimmed,
            None => continue,
        };
        let value = value.trim_start_matches(['"', '\'']);
        let path: String = value
            .chars()
            .take_while(|c| !c.is_whitespace() && !"\"'\\;)`".contains(*c))
            .collect();
        let (path, channel) = match setting {
            "web_identity_token_file" => (path.as_str(), TokenChannel::WebIdentityTokenFile),
            "azure_federated_token_file" => (path.as_str(), TokenChannel::AzureLogin),
            "--credential-source-file" => (path.as_str(), TokenChannel::GcloudLogin),
            "--web-identity-token" => match path.strip_prefix("file://") {
                Some(file) => (file, TokenChannel::WebIdentityTokenFlag),
                None => continue,
            },
            _ => match path.strip_prefix('@') {
                Some(file) => (file, TokenChannel::VaultLogin),
                None => continue,
            },
        };
        if !path.is_empty() && !path.starts_with("$(") {
            out.push((shell::normalize_path(path), channel));
        }
    }
    out
}

/// Whether two normalized paths name the same file: equal, or the same literal file
/// name (`/tmp/web_identity_token` and `web_identity_token_file=/tmp/web_identity_token`
/// written through different variables).
fn same_file(a: &str, b: &str) -> bool {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    a == b || (base(a) == base(b) && !base(a).is_empty() && !base(a).contains('$'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use trustlint_parser::gitlab::{load_file, NoIncludes, Pipeline};
    use trustlint_parser::Limits;

    fn pipeline(yaml: &str) -> (SourceMap, Pipeline) {
        let mut sources = SourceMap::new();
        let file = sources.add(PathBuf::from(".gitlab-ci.yml"), yaml);
        let (pipeline, _) = load_file(file, yaml, &NoIncludes, &Limits::default(), true).unwrap();
        (sources, pipeline)
    }

    /// `(name, written text at span, channel, implicit)` of every use of job `job`.
    fn uses(yaml: &str) -> Vec<(String, String, TokenChannel, bool)> {
        let (sources, pipeline) = pipeline(yaml);
        let job = &pipeline.jobs[0];
        token_uses_in(job, &sources)
            .into_iter()
            .map(|u| {
                let text = sources.get(u.span.file).unwrap().slice(u.span).to_string();
                (u.name, text, u.channel, u.implicit)
            })
            .collect()
    }

    fn one(name: &str, text: &str, channel: TokenChannel) -> (String, String, TokenChannel, bool) {
        (name.to_string(), text.to_string(), channel, false)
    }

    #[test]
    fn web_identity_token_flag_in_a_folded_scalar() {
        let yaml = "assume:\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n  script:\n    - >\n      aws sts assume-role-with-web-identity\n      --role-arn ${ROLE_ARN}\n      --web-identity-token ${GITLAB_OIDC_TOKEN}\n      --duration-seconds 3600\n    - aws sts assume-role-with-web-identity --web-identity-token=\"$T2\"\n";
        assert_eq!(
            uses(yaml),
            vec![
                one(
                    "GITLAB_OIDC_TOKEN",
                    "${GITLAB_OIDC_TOKEN}",
                    TokenChannel::WebIdentityTokenFlag
                ),
                one("T2", "$T2", TokenChannel::WebIdentityTokenFlag),
            ]
        );
    }

    #[test]
    fn web_identity_token_file_written_from_the_token() {
        let yaml = "j:\n  id_tokens:\n    MY_TOKEN:\n      aud: x\n  variables:\n    AWS_WEB_IDENTITY_TOKEN: $VAR_TOKEN\n  script:\n    - echo \"${MY_TOKEN}\" > /tmp/web_identity_token\n    - echo -e \"[profile oidc]\\nrole_arn=${ARN}\\nweb_identity_token_file=/tmp/web_identity_token\" > ~/.aws/config\n    - echo $OTHER > $AWS_WEB_IDENTITY_TOKEN_FILE\n    - export AWS_WEB_IDENTITY_TOKEN_FILE=$DIRECT\n";
        assert_eq!(
            uses(yaml),
            vec![
                one("VAR_TOKEN", "$VAR_TOKEN", TokenChannel::Other),
                one("DIRECT", "$DIRECT", TokenChannel::WebIdentityTokenFile),
                one(
                    "MY_TOKEN",
                    "${MY_TOKEN}",
                    TokenChannel::WebIdentityTokenFile
                ),
                one("OTHER", "$OTHER", TokenChannel::WebIdentityTokenFile),
            ]
        );
    }

    #[test]
    fn secrets_explicit_and_implicit() {
        let yaml = "j:\n  id_tokens:\n    VAULT_ID_TOKEN:\n      aud: https://vault.example.com\n  secrets:\n    DB:\n      vault: db/password@ops\n    API:\n      gcp_secret_manager:\n        name: api\n      token: $VAULT_ID_TOKEN\n  script: [make]\n";
        let vault = TokenChannel::Secrets {
            provider: "vault".to_string(),
        };
        let gcp = TokenChannel::Secrets {
            provider: "gcp_secret_manager".to_string(),
        };
        assert_eq!(
            uses(yaml),
            vec![
                ("VAULT_ID_TOKEN".to_string(), "DB".to_string(), vault, true),
                one("VAULT_ID_TOKEN", "$VAULT_ID_TOKEN", gcp),
            ]
        );
        // Several tokens and no `token:`: GitLab can't choose, no use.
        let yaml = "j:\n  id_tokens:\n    A:\n      aud: a\n    B:\n      aud: b\n  secrets:\n    DB:\n      vault: db/password@ops\n  script: [make]\n";
        assert_eq!(uses(yaml), vec![]);
    }

    #[test]
    fn vault_login() {
        let yaml = "j:\n  script:\n    - export VAULT_TOKEN=\"$(vault write -field=token auth/jwt/login role=app jwt=$VAULT_ID_TOKEN)\"\n    - echo $T2 > jwt.txt\n    - vault write auth/jwt/login role=app jwt=@jwt.txt\n";
        assert_eq!(
            uses(yaml),
            vec![
                one(
                    "VAULT_ID_TOKEN",
                    "$VAULT_ID_TOKEN",
                    TokenChannel::VaultLogin
                ),
                one("T2", "$T2", TokenChannel::VaultLogin),
            ]
        );
    }

    #[test]
    fn gcloud_login() {
        let yaml = "j:\n  id_tokens:\n    GCP_ID_TOKEN:\n      aud: https://iam.googleapis.com/x\n  script:\n    - echo ${GCP_ID_TOKEN} > .ci_job_jwt_file\n    - gcloud iam workload-identity-pools create-cred-config ${PROVIDER} --service-account=\"${SA}\" --output-file=.gcp_temp_cred.json --credential-source-file=.ci_job_jwt_file\n";
        assert_eq!(
            uses(yaml),
            vec![one(
                "GCP_ID_TOKEN",
                "${GCP_ID_TOKEN}",
                TokenChannel::GcloudLogin
            )]
        );
    }

    #[test]
    fn azure_login() {
        let yaml = "j:\n  variables:\n    ARM_OIDC_TOKEN: ${AZ_TOKEN}\n  script:\n    - az login --service-principal -u $ID -t $TENANT --federated-token $GITLAB_OIDC_TOKEN\n";
        assert_eq!(
            uses(yaml),
            vec![
                one("AZ_TOKEN", "${AZ_TOKEN}", TokenChannel::AzureLogin),
                one(
                    "GITLAB_OIDC_TOKEN",
                    "$GITLAB_OIDC_TOKEN",
                    TokenChannel::AzureLogin
                ),
            ]
        );
    }

    #[test]
    fn other_consumers_and_aliases() {
        let yaml = "j:\n  id_tokens:\n    ID:\n      aud: a\n  variables:\n    TF_VAR_web_identity_token: $ID\n    TF_VAR_gitlab_token: $GITLAB_TOKEN\n  script:\n    - TOKEN=$ID\n    - aws sts assume-role-with-web-identity --web-identity-token \"$TOKEN\"\n    - echo $ID > id.jwt\n    - echo $NOT_A_TOKEN > other.txt\n    - echo $$ID $ID_2\n";
        assert_eq!(
            uses(yaml),
            vec![
                one("ID", "$ID", TokenChannel::Other),
                one("ID", "$ID", TokenChannel::WebIdentityTokenFlag),
                one("ID", "$ID", TokenChannel::Other),
            ]
        );
        let (sources, pipeline) = pipeline(yaml);
        let spans: Vec<_> = token_uses_in(&pipeline.jobs[0], &sources)
            .iter()
            .map(|u| u.span.start)
            .collect();
        // The alias is reported where `$ID` is read into `TOKEN`.
        assert_eq!(spans[1] as usize, yaml.find("TOKEN=$ID").unwrap() + 6);
    }

    #[test]
    fn plain_variables_are_no_channel() {
        let yaml = "j:\n  variables:\n    VAULT_ADDR: $VAULT_SERVER_URL\n    VAULT_TOKEN: $STORED\n    AWS_ROLE_ARN: $ROLE\n  script:\n    - export AWS_WEB_IDENTITY_TOKEN_FILE=$CI_PROJECT_DIR/token\n    - curl -H \"PRIVATE-TOKEN: $API_TOKEN\" $CI_API_V4_URL/projects\n";
        assert_eq!(uses(yaml), vec![]);
    }

    #[test]
    fn web_identity_token_from_a_file_substitution() {
        let yaml = "j:\n  script:\n    - echo \"$T\" | tee /tmp/t >/dev/null\n    - aws sts assume-role-with-web-identity --web-identity-token \"$(cat /tmp/t)\"\n    - printf %s $U > u.jwt\n    - az login --federated-token \"$(< u.jwt)\"\n";
        assert_eq!(
            uses(yaml),
            vec![
                one("T", "$T", TokenChannel::WebIdentityTokenFlag),
                one("U", "$U", TokenChannel::AzureLogin),
            ]
        );
    }
}
