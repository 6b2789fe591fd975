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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use trustlint_parser::yaml::{declare_thread_stack, parser_stack_bytes};
use trustlint_parser::{FileId, Limits};

#[path = "../benches/syntax/mod.rs"]
mod syntax;

/// The binary's allocator, so that the floor allocates as trustlint does.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The file names the linters read (the generated corpus holds only these).
const EXTENSIONS: [&str; 4] = ["json", "yml", "yaml", "tf"];

/// What one reader thread did.
#[derive(Debug, Default)]
struct Tally {
    bytes: u64,
    parsed: u64,
    unreadable: u64,
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
    let limits = parse.then_some(&limits);
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    // Each reader takes the next file not yet taken, so all cores stay busy to the end
    // whatever the sizes and the order of the files.
    let next = AtomicUsize::new(0);
    let (tallies, panicked) = thread::scope(|scope| {
        let readers: Vec<_> = (0..threads)
            .filter_map(|_| {
                thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, || {
                        declare_thread_stack(stack);
                        read_all(&files, &next, limits)
                    })
                    .ok()
            })
            .collect();
        let mut tallies = Vec::new();
        let mut panicked = false;
        for reader in readers {
            match reader.join() {
                Ok(tally) => tallies.push(tally),
                Err(_) => panicked = true,
            }
        }
        // What no reader took (when none could start) is read on this thread.
        tallies.push(read_all(&files, &next, limits));
        (tallies, panicked)
    });
    let total = |count: fn(&Tally) -> u64| tallies.iter().map(count).sum::<u64>();
    let (bytes, parsed, unreadable) = (
        total(|t| t.bytes),
        total(|t| t.parsed),
        total(|t| t.unreadable),
    );
    if unreadable > 0 || panicked {
        // Not a floor: some files were not read (exit 2, which bench/compare.py stops on).
        eprintln!(
            "walk_and_read: {unreadable} files could not be read{}",
            if panicked { "; a reader panicked" } else { "" }
        );
        return ExitCode::from(2);
    }
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

/// Reads the files of `files` not yet taken (`next` is the first of them), one after the
/// other, whole into memory, and parses each when `limits` are given.
fn read_all(files: &[PathBuf], next: &AtomicUsize, limits: Option<&Limits>) -> Tally {
    let mut tally = Tally::default();
    while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
        let Ok(bytes) = std::fs::read(file) else {
            tally.unreadable += 1;
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
    std::str::from_utf8(bytes).is_ok_and(|text| syntax::parses(FileId(0), file, text, limits))
}
