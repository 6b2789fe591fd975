//! Releases: one version for every crate, the metadata crates.io needs, packages that hold
//! what the crates embed, and a container image definition that ships the binary only.
//! (`cargo package --workspace --locked` itself, which builds every package, is
//! `make package`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::process::Command;

mod common;
use common::workspace_root;

fn manifest(path: &str) -> toml::Table {
    toml::from_str(&fs::read_to_string(workspace_root().join(path)).unwrap()).unwrap()
}

const MANIFESTS: [&str; 5] = [
    "Cargo.toml",
    "crates/trustlint-parser/Cargo.toml",
    "crates/trustlint-rules/Cargo.toml",
    "crates/trustlint-lint/Cargo.toml",
    "crates/trustlint-report/Cargo.toml",
];

#[test]
fn every_crate_takes_the_workspace_version_and_has_crates_io_metadata() {
    let root = manifest("Cargo.toml");
    let workspace = root["workspace"].as_table().unwrap();
    let version = workspace["package"]["version"].as_str().unwrap();
    for crate_name in [
        "trustlint-parser",
        "trustlint-rules",
        "trustlint-lint",
        "trustlint-report",
    ] {
        assert_eq!(
            workspace["dependencies"][crate_name]["version"].as_str(),
            Some(version),
            "[workspace.dependencies] {crate_name} must name the workspace version"
        );
    }
    for path in MANIFESTS {
        let package = manifest(path)["package"].as_table().unwrap().clone();
        assert_eq!(
            package["version"]["workspace"].as_bool(),
            Some(true),
            "{path}"
        );
        for key in [
            "description",
            "license",
            "repository",
            "readme",
            "keywords",
            "categories",
        ] {
            assert!(package.contains_key(key), "{path} lacks `{key}`");
        }
    }
    assert!(workspace_root().join("LICENSE").is_file());
    let changelog = fs::read_to_string(workspace_root().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.contains(&format!("## [{version}]")),
        "CHANGELOG.md lacks {version}"
    );
}

/// The packages hold what the crates read at build time: the rules crate embeds
/// `rules/` (a link to the repository's), and the binary's package has its license.
#[test]
fn packages_hold_the_embedded_rules_and_the_license() {
    let Ok(cargo) = std::env::var("CARGO") else {
        println!("skipped: not run by cargo");
        return;
    };
    let output = Command::new(cargo)
        .args([
            "package",
            "--workspace",
            "--list",
            "--offline",
            "--locked",
            "--allow-dirty",
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = listed.lines().collect();
    for file in [
        "rules/TL101.md",
        "rules/data/aws_actions.txt",
        "build.rs",
        "LICENSE",
        "CHANGELOG.md",
    ] {
        assert!(lines.contains(&file), "no {file} in:\n{listed}");
    }
    assert!(
        !lines
            .iter()
            .any(|line| line.starts_with("fixtures/") || line.starts_with("target/")),
        "{listed}"
    );
}

#[test]
fn the_dockerfile_is_multi_stage_non_root_and_ships_the_binary_only() {
    let dockerfile = fs::read_to_string(workspace_root().join("Dockerfile")).unwrap();
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .collect();
    let stages: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with("FROM "))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(stages.len(), 2, "a build stage and the image");
    let image = &instructions[stages[1]..];
    let copies: Vec<&&str> = image.iter().filter(|l| l.starts_with("COPY")).collect();
    assert_eq!(
        copies,
        [&"COPY --from=build /out/trustlint /usr/local/bin/trustlint"]
    );
    let user = image.iter().find(|l| l.starts_with("USER ")).unwrap();
    assert!(
        !user.contains("root:") || user.contains("nonroot"),
        "{user}"
    );
    assert!(instructions[stages[0]..stages[1]]
        .iter()
        .any(|l| l.contains("cargo build --release --locked")));
}

/// `make run` builds the `local` profile (no LTO, for a fresh clone in under two
/// minutes); releases, `cargo install` and benchmarks keep fat LTO.
#[test]
fn make_run_builds_without_lto_and_releases_keep_fat_lto() {
    let root = manifest("Cargo.toml");
    let profiles = root["profile"].as_table().unwrap();
    assert_eq!(profiles["release"]["lto"].as_str(), Some("fat"));
    assert_eq!(profiles["release"]["codegen-units"].as_integer(), Some(1));
    let local = &profiles["local"];
    assert_eq!(local["inherits"].as_str(), Some("release"));
    assert_eq!(local["lto"].as_bool(), Some(false));
    let makefile = fs::read_to_string(workspace_root().join("Makefile")).unwrap();
    let target = |name: &str| -> String {
        let start = makefile.find(&format!("\n{name}:")).unwrap();
        makefile[start + 1..]
            .lines()
            .skip(1)
            .take_while(|line| line.starts_with('\t'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        makefile.contains("\nrun: local\n"),
        "make run builds `local`"
    );
    assert!(target("local").contains("--profile local --locked"));
    assert!(target("build").contains("--release --locked"));
    assert!(
        makefile.contains("\nbench: build\n"),
        "benchmarks use the release build"
    );
}
