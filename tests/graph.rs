//! `trustlint graph`: the access map of the demo as Mermaid (checked by a small parser of
//! the flowchart subset it writes), DOT (rendered by Graphviz when installed) and JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::{scratch, trustlint, workspace_root};

fn demo() -> PathBuf {
    workspace_root().join("fixtures/demo")
}

fn graph(format: &str) -> String {
    let output = trustlint(&demo())
        .args(["graph", "--format", format])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A Mermaid flowchart of `id["label"]` nodes and `a -->|"label"| b` (or `-.->`) edges,
/// parsed strictly: node labels by id, and edges as (from label, arrow, edge label, to label).
struct Flowchart {
    nodes: BTreeMap<String, String>,
    edges: Vec<(String, String, String, String)>,
}

fn quoted(text: &str) -> (&str, &str) {
    let rest = text
        .strip_prefix('"')
        .unwrap_or_else(|| panic!("no opening quote: {text}"));
    let end = rest
        .find('"')
        .unwrap_or_else(|| panic!("no closing quote: {text}"));
    (&rest[..end], &rest[end + 1..])
}

fn parse_mermaid(text: &str) -> Flowchart {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut nodes = BTreeMap::new();
    let mut raw_edges = Vec::new();
    for line in lines {
        let line = line
            .strip_prefix("    ")
            .unwrap_or_else(|| panic!("indent: {line}"));
        let id_end = line.find(|c: char| !c.is_ascii_alphanumeric()).unwrap();
        let (id, rest) = line.split_at(id_end);
        if let Some(rest) = rest.strip_prefix('[') {
            let (label, rest) = quoted(rest);
            assert_eq!(rest, "]", "{line}");
            assert!(
                !label.contains(['<', '>']) || label.contains("<br/>"),
                "{line}"
            );
            assert!(
                nodes.insert(id.to_string(), label.to_string()).is_none(),
                "{line}"
            );
        } else {
            let (arrow, rest) = rest.trim_start().split_once('|').unwrap();
            assert!(arrow == "-->" || arrow == "-.->", "{line}");
            let (label, rest) = quoted(rest);
            let to = rest.strip_prefix("| ").unwrap_or_else(|| panic!("{line}"));
            assert!(to.chars().all(|c| c.is_ascii_alphanumeric()), "{line}");
            raw_edges.push((
                id.to_string(),
                arrow.to_string(),
                label.to_string(),
                to.to_string(),
            ));
        }
    }
    let label = |id: &str| {
        nodes
            .get(id)
            .unwrap_or_else(|| panic!("edge to undefined node {id}"))
            .clone()
    };
    let edges = raw_edges
        .iter()
        .map(|(from, arrow, text, to)| (label(from), arrow.clone(), text.clone(), label(to)))
        .collect();
    Flowchart { nodes, edges }
}

#[test]
fn the_demo_map_in_mermaid_links_refs_jobs_trust_role_and_permissions() {
    let chart = parse_mermaid(&graph("mermaid"));
    let edge = |from: &str, to: &str| {
        chart
            .edges
            .iter()
            .find(|(f, _, _, t)| f.starts_with(from) && t.starts_with(to))
            .unwrap_or_else(|| panic!("no edge {from} -> {to}: {:#?}", chart.edges))
    };
    assert_eq!(
        edge("acme/web<br/>branch main", "job deploy-production").2,
        "runs"
    );
    let production = edge("job deploy-production", "trust iam/deploy-trust.json");
    assert_eq!(production.1, "-->");
    assert!(production.2.contains("every ref"), "{production:?}");
    for refused in ["job release", "job deploy-preview"] {
        let edge = edge(refused, "trust iam/deploy-trust.json");
        assert_eq!(edge.1, "-.->", "{edge:?}");
        assert!(edge.2.contains("AccessDenied"), "{edge:?}");
    }
    let role = edge(
        "trust iam/deploy-trust.json",
        "role arn:aws:iam::123456789012:role/acme-infra-deploy",
    );
    assert_eq!(role.2, "assumes");
    let holds = edge("role arn:", "permissions iam/deploy-permissions.json");
    assert!(
        holds.3.contains("administrator access") && holds.3.contains("s3:PutObject"),
        "{holds:?}"
    );
    // One node per job, trust, role and permissions: shared ones are not repeated.
    let distinct: BTreeSet<&String> = chart.nodes.values().collect();
    assert_eq!(distinct.len(), chart.nodes.len());
    assert_eq!(
        chart
            .nodes
            .values()
            .filter(|l| l.starts_with("trust "))
            .count(),
        1
    );
}

#[test]
fn the_demo_map_in_dot_renders_with_graphviz() {
    let dot = graph("dot");
    assert!(dot.starts_with("digraph access {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("style=dashed"), "{dot}");
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        println!("skipped: Graphviz `dot` is not installed (apt-get install graphviz)");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.is_empty(), "{stderr}");
    let svg = String::from_utf8_lossy(&output.stdout);
    assert!(
        svg.contains("<svg") && svg.contains("administrator access"),
        "{svg}"
    );
}

#[test]
fn the_demo_map_in_json_names_each_job_and_what_its_role_allows() {
    let map: Value = serde_json::from_str(&graph("json")).unwrap();
    assert_eq!(map["version"], 1);
    let access = map["access"].as_array().unwrap();
    let jobs: Vec<(&str, &str)> = access
        .iter()
        .map(|a| {
            (
                a["job"].as_str().unwrap(),
                a["trust"]["admits"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        jobs,
        [
            ("deploy-production", "everywhere"),
            ("release", "nowhere"),
            ("deploy-preview", "nowhere")
        ]
    );
    let first = &access[0];
    assert_eq!(first["project"], "acme/web");
    assert_eq!(first["refs"], "branch `main`");
    assert_eq!(
        first["role"],
        "arn:aws:iam::123456789012:role/acme-infra-deploy"
    );
    assert_eq!(first["trust"]["file"], "iam/deploy-trust.json");
    assert_eq!(first["permissions"]["dangers"][0], "administrator access");
    assert!(first["permissions"]["actions"]
        .as_array()
        .unwrap()
        .contains(&Value::from("*")));
}

#[test]
fn the_map_is_written_to_output_and_a_folder_without_links_gives_an_empty_map() {
    let dir = scratch("graph_output", &[("empty.txt", "")]);
    let out = dir.join("map.mmd");
    trustlint(&demo())
        .args(["graph", "--output"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(fs::read_to_string(&out).unwrap(), graph("mermaid"));
    let output = trustlint(&dir)
        .args(["graph", "--format", "json"])
        .output()
        .unwrap();
    let map: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(map["access"], serde_json::json!([]));
    trustlint(&dir).args(["graph", "missing"]).assert().code(2);
}

/// docs/graph.md shows the demo's current map.
#[test]
fn docs_show_the_demo_map() {
    let docs = fs::read_to_string(workspace_root().join("docs/graph.md")).unwrap();
    let mermaid = graph("mermaid");
    assert!(
        docs.contains(&format!("```mermaid\n{mermaid}```")),
        "docs/graph.md is stale; its map is:\n{mermaid}"
    );
}
