//! The command line as docs/cli.md describes it (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "trustlint",
    version,
    about = "Offline linter for GitLab CI/CD OIDC pipelines and the AWS IAM roles they assume"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files or folders (default: the current folder)
    Check(Box<CheckArgs>),
    /// List every rule: code, name, severity, summary
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print the access map: which project and refs (which jobs) can assume which role,
    /// through which trust, holding which permissions
    Graph(GraphArgs),
    /// Print shell completions for trustlint on standard output
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a rule's full documentation
    Explain {
        /// A rule code or name, such as TL101 or oidc-trust-missing-sub
        rule: String,
    },
}

/// `Default` is what an empty command line gives, but with no path: the `graph` command
/// fills in the ones it shares.
#[derive(Debug, Default, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (`-`: standard input); kinds are detected
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file for every checked file (default: each file's nearest trustlint.toml or .trustlint.toml upward)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Force the kind of the files named, and of the files of that kind's extensions in named folders
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Exit 1 when a finding at or above this severity remains
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Only these rules: codes, code prefixes (TL1) or rule names, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Skip these rules: codes, code prefixes (TL40) or rule names, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// The GitLab host that issues the ID tokens (default: $CI_SERVER_HOST, else gitlab.com)
    #[arg(long, value_name = "HOST")]
    pub gitlab_host: Option<String>,
    /// The project the pipelines run in (default: $CI_PROJECT_PATH, else the git remote)
    #[arg(long, value_name = "GROUP/PROJECT")]
    pub gitlab_project: Option<String>,
    /// Report only findings whose fingerprint is not in FILE (written by --write-baseline)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding's fingerprint to FILE, then exit 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Colour in human output: `auto` on a terminal unless NO_COLOR is set, `always`
    /// also in files and CI logs (even with NO_COLOR), `never`
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,
    /// No colours, as `--color never`
    #[arg(long, conflicts_with = "color")]
    pub no_color: bool,
    /// After the report, per-rule counts: reported, suppressed (inline or `[[ignore]]`), baselined
    #[arg(long)]
    pub statistics: bool,
    /// Human output: one line per finding
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Apply the safe fixes of the findings to the files, then report what remains
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also the fixes that change what a policy allows or a job does
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (no report; exit 1 when
    /// there is one)
    #[arg(long)]
    pub diff: bool,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Files or folders to read, as for `check`
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
    /// Write the map to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file, as for `check`
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The GitLab host that issues the ID tokens, as for `check`
    #[arg(long, value_name = "HOST")]
    pub gitlab_host: Option<String>,
    /// The project the pipelines run in, as for `check`
    #[arg(long, value_name = "GROUP/PROJECT")]
    pub gitlab_project: Option<String>,
}

impl GraphArgs {
    /// The `check` arguments that read the same files with the same settings.
    pub fn check_args(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            config: self.config.clone(),
            gitlab_host: self.gitlab_host.clone(),
            gitlab_project: self.gitlab_project.clone(),
            ..CheckArgs::default()
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (GitLab renders it in Markdown)
    #[default]
    Mermaid,
    /// Graphviz DOT
    Dot,
    /// One object per job and role it assumes (docs/graph.md)
    Json,
}

impl CheckArgs {
    /// Whether human output is coloured, given whether it goes to a terminal.
    pub fn color(&self, to_terminal: bool) -> bool {
        match self.color {
            _ if self.no_color => false,
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Codequality,
    GitlabSast,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    GitlabCi,
    IamPolicy,
    Cloudformation,
    Terraform,
    /// A shell script whose commands configure a relying party (`*.sh`).
    Script,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    #[default]
    Warning,
    Note,
    Never,
}
