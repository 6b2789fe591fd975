//! The shared corpus (`../shared/corpus`, beside the repository) for the corpus tests of
//! every crate (they include this file). Where it is absent, a test says so on the
//! terminal itself, past the test harness's capture of printed output, and checks
//! nothing; under CI (`CI` set), where the corpus is always beside the clone, it fails.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `../shared/corpus/<below>`, or `None` (said out loud) when it is absent.
pub fn shared_corpus(below: &str) -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")));
    let dir = workspace.join("../shared/corpus").join(below);
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "CORPUS ABSENT: {} does not exist; this corpus test checked nothing",
        dir.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    // Straight to the terminal: `eprintln!` inside a passing test is captured and lost.
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
    None
}
