//! The `trustlint` binary: parses the command line, runs the command, and maps the
//! outcome to the exit status of docs/cli.md (0 clean, 1 findings, 2 the run failed).

mod baseline;
mod check;
mod cli;
mod graph;
mod server;
mod statistics;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use trustlint_lint::selector;
use trustlint_rules::meta;

use crate::cli::{Cli, Command, ListFormat};

/// The allocator (see the `jemalloc` feature in Cargo.toml).
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check::run(&args) {
            Ok(false) => ExitCode::SUCCESS,
            Ok(true) => ExitCode::from(1),
            Err(message) => failed(&message),
        },
        Command::Rules { format } => {
            print_rules(format);
            ExitCode::SUCCESS
        }
        Command::Graph(args) => match graph::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => failed(&message),
        },
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "trustlint", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match selector::rule(&rule) {
            Ok(rule) => {
                print(&format!("{}\n", rule.body().trim_end()));
                ExitCode::SUCCESS
            }
            Err(message) => failed(&message),
        },
        Command::Server => match server::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => failed(&message),
        },
    }
}

fn failed(message: &str) -> ExitCode {
    eprintln!("trustlint: error: {message}");
    ExitCode::from(2)
}

/// Writes `text` to standard output; a reader that has gone (`trustlint rules | head`)
/// ends the output quietly.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn print_rules(format: ListFormat) {
    match format {
        ListFormat::Human => {
            let lines: String = meta::ALL
                .iter()
                .map(|rule| {
                    format!(
                        "{}  {:<34} {:<8} {}\n",
                        rule.code, rule.name, rule.severity, rule.summary
                    )
                })
                .collect();
            print(&lines);
        }
        ListFormat::Json => {
            let rules: Vec<_> = meta::ALL
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "code": rule.code,
                        "name": rule.name,
                        "severity": rule.severity.as_str(),
                        "domain": rule.domain,
                        "summary": rule.summary,
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&rules).unwrap_or_default();
            print(&format!("{text}\n"));
        }
    }
}
