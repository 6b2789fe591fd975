//! The floors under a linter's whole-process time on a set of files: walks the given
//! folders and reads every `.json`, `.yml`, `.yaml` and `.tf` file into memory on every
//! core, and does nothing else; with `--parse` it also runs each file through the syntax
//! parser trustlint uses for it (JSON, YAML, HCL, into the spanned tree; no model, no
//! rules). `bench/compare.py` times both beside trustlint and each peer tool: a peer's
//! time divided by the reading floor is the most any tool could be faster than that peer
//! on this machine, and divided by the parsing floor, the most a tool that parses the
//! files as trustlint does could be.
//!
//! ```text
//! cargo build --release --example walk_and_read
//! target/release/examples/walk_and_read [--parse] FOLDER...
//! ```
//! It prints how many files and bytes it read (and, with `--parse`, how many parsed).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use trustlint_parser::json::parse_json;
use trustlint_parser::yaml::{declare_thread_stack, parse_yaml, parser_stack_bytes};
use trustlint_parser::{FileId, Limits};

/// The file names the linters read (the generated corpus holds only these).
const EXTENSIONS: [&str; 4] = ["json", "yml", "yaml", "tf"];

/// What one reader thread did.
#[derive(Debug, Default)]
struct Tally {
    bytes: u64,
    parsed: u64,
}

fn main() -> ExitCode {
    let mut parse = false;
    let mut files = Vec::new();
    for argument in std::env::args_os().skip(1) {
        if argument == "--parse" {
            parse = true;
        } else if let Err(error) = collect(Path::new(&argument), &mut files) {
            eprintln!("walk_and_read: {}: {error}", Path::new(&argument).display());
            return ExitCode::from(2);
        }
    }
    let limits = Limits::default();
    let stack = parser_stack_bytes(&limits);
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    let limits = parse.then_some(&limits);
    let tallies = thread::scope(|scope| {
        let readers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let reader =
                    thread::Builder::new()
                        .stack_size(stack)
                        .spawn_scoped(scope, move || {
                            declare_thread_stack(stack);
                            read_all(part, limits)
                        });
                (part, reader)
            })
            .collect();
        // A part whose thread could not start is read here; a reader that panicked
        // counts nothing (the parsers do not panic: they are fuzzed).
        readers
            .into_iter()
            .map(|(part, reader)| match reader {
                Ok(reader) => reader.join().unwrap_or_default(),
                Err(_) => read_all(part, limits),
            })
            .collect::<Vec<_>>()
    });
    let bytes: u64 = tallies.iter().map(|tally| tally.bytes).sum();
    let parsed: u64 = tallies.iter().map(|tally| tally.parsed).sum();
    if parse {
        println!("{} files, {bytes} bytes, {parsed} parsed", files.len());
    } else {
        println!("{} files, {bytes} bytes", files.len());
    }
    ExitCode::SUCCESS
}

/// Appends the files under `folder` (recursively, symlinks not followed) whose extension
/// is one of [`EXTENSIONS`].
fn collect(folder: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            collect(&path, files)?;
        } else if kind.is_file() && extension(&path).is_some_and(|e| EXTENSIONS.contains(&e)) {
            files.push(path);
        }
    }
    Ok(())
}

fn extension(path: &Path) -> Option<&str> {
    path.extension().and_then(|extension| extension.to_str())
}

/// Reads `files` whole into memory, one after the other, and parses each when `limits`
/// are given.
fn read_all(files: &[PathBuf], limits: Option<&Limits>) -> Tally {
    let mut tally = Tally::default();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        tally.bytes += bytes.len() as u64;
        if let Some(limits) = limits {
            tally.parsed += u64::from(parses(file, &bytes, limits));
        }
    }
    tally
}

/// Whether `bytes`, the text of `file`, parse without error in trustlint's syntax parser
/// for the file's extension.
fn parses(file: &Path, bytes: &[u8], limits: &Limits) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    match extension(file) {
        Some("json") => parse_json(FileId(0), text, limits).is_ok(),
        Some("yml" | "yaml") => parse_yaml(FileId(0), text, limits).is_ok(),
        Some("tf") => hcl_edit::parser::parse_body(text).is_ok(),
        _ => false,
    }
}
