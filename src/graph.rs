//! `trustlint graph`: the access map as Mermaid, Graphviz DOT or JSON. Each job that
//! assumes a role becomes a path `project × refs → job → trust → role → permissions`;
//! the rules crate's [`access_map`] says what each step holds.

use std::fs;
use std::io::{self, Write};

use trustlint_rules::access::{access_map, Access, Admits};
use trustlint_rules::Context;

use crate::check;
use crate::cli::{GraphArgs, GraphFormat};

pub fn run(args: &GraphArgs) -> Result<(), String> {
    let mut map = Vec::new();
    let request = check::request(&args.check_args());
    for part in trustlint_lint::load(&request).map_err(|error| error.0)? {
        let cx = Context::new(&part.workspace, &part.settings);
        map.extend(access_map(&cx));
    }
    let text = match args.format {
        GraphFormat::Mermaid => Graph::of(&map).mermaid(),
        GraphFormat::Dot => Graph::of(&map).dot(),
        GraphFormat::Json => json(&map),
    };
    match &args.output {
        Some(path) => {
            fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the map: {e}")),
    }
}

fn json(map: &[Access]) -> String {
    let access: Vec<serde_json::Value> = map
        .iter()
        .map(|access| {
            serde_json::json!({
                "project": access.project,
                "refs": access.refs,
                "pipeline": access.pipeline,
                "job": access.job,
                "role": access.role,
                "trust": {
                    "admits": access.trust.as_str(),
                    "file": access.trust_file,
                    "subs": access.trust_subs,
                },
                "permissions": {
                    "files": access.permission_files,
                    "actions": access.actions,
                    "dangers": access.dangers,
                },
            })
        })
        .collect();
    let map = serde_json::json!({ "version": 1, "access": access });
    serde_json::to_string_pretty(&map).unwrap_or_default() + "\n"
}

/// A node: its lines of text.
#[derive(Debug, PartialEq, Eq)]
struct Node {
    key: String,
    lines: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
struct Edge {
    from: usize,
    to: usize,
    label: String,
    /// Drawn dashed: the trust refuses the job's tokens everywhere.
    refused: bool,
}

/// The map as nodes and edges, each once.
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

/// How many permitted actions a permissions node lists.
const LISTED_ACTIONS: usize = 6;

impl Graph {
    fn of(map: &[Access]) -> Graph {
        let mut graph = Graph::default();
        for access in map {
            let project = access.project.as_deref().unwrap_or("any project");
            let refs = graph.node(
                format!("refs {project} {}", access.refs),
                vec![project.to_owned(), access.refs.replace('`', "")],
            );
            let job = graph.node(
                format!("job {}:{}", access.pipeline, access.job),
                vec![format!("job {}", access.job), access.pipeline.clone()],
            );
            let role = graph.node(format!("role {}", access.role), role_lines(access));
            let trust = graph.node(format!("trust {}", access.role), trust_lines(access));
            graph.edge(refs, job, "runs", false);
            graph.edge(
                job,
                trust,
                admits(access.trust),
                access.trust == Admits::Nowhere,
            );
            graph.edge(trust, role, "assumes", false);
            if !access.permission_files.is_empty() {
                let permissions = graph.node(
                    format!("permissions {}", access.role),
                    permission_lines(access),
                );
                graph.edge(role, permissions, "holds", false);
            }
        }
        graph
    }

    fn node(&mut self, key: String, lines: Vec<String>) -> usize {
        if let Some(index) = self.nodes.iter().position(|node| node.key == key) {
            return index;
        }
        self.nodes.push(Node { key, lines });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: &str, refused: bool) {
        let edge = Edge {
            from,
            to,
            label: label.to_owned(),
            refused,
        };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }

    /// A Mermaid flowchart, left to right.
    fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (index, node) in self.nodes.iter().enumerate() {
            let lines: Vec<String> = node.lines.iter().map(|l| mermaid_text(l)).collect();
            out.push_str(&format!("    n{index}[\"{}\"]\n", lines.join("<br/>")));
        }
        for edge in &self.edges {
            let arrow = if edge.refused { "-.->" } else { "-->" };
            out.push_str(&format!(
                "    n{} {arrow}|\"{}\"| n{}\n",
                edge.from,
                mermaid_text(&edge.label),
                edge.to
            ));
        }
        out
    }

    /// A Graphviz digraph, left to right.
    fn dot(&self) -> String {
        let mut out = String::from(
            "digraph access {\n    rankdir=LR;\n    node [shape=box, fontname=\"Helvetica\"];\n",
        );
        for (index, node) in self.nodes.iter().enumerate() {
            let lines: Vec<String> = node.lines.iter().map(|l| dot_text(l)).collect();
            out.push_str(&format!(
                "    n{index} [label=\"{}\"];\n",
                lines.join("\\n")
            ));
        }
        for edge in &self.edges {
            let style = if edge.refused { ", style=dashed" } else { "" };
            out.push_str(&format!(
                "    n{} -> n{} [label=\"{}\"{style}];\n",
                edge.from,
                edge.to,
                dot_text(&edge.label)
            ));
        }
        out.push_str("}\n");
        out
    }
}

fn role_lines(access: &Access) -> Vec<String> {
    let mut lines = vec![format!("role {}", access.role)];
    if access.trust_file.is_none() && access.permission_files.is_empty() {
        lines.push("(not among the scanned files)".to_owned());
    }
    lines
}

fn trust_lines(access: &Access) -> Vec<String> {
    let mut lines = vec![match &access.trust_file {
        Some(file) => format!("trust {file}"),
        None => "trust (unknown)".to_owned(),
    }];
    lines.extend(access.trust_subs.iter().map(|sub| format!("sub {sub}")));
    lines
}

fn permission_lines(access: &Access) -> Vec<String> {
    let mut lines = vec![format!(
        "permissions {}",
        access.permission_files.join(", ")
    )];
    let mut actions = access
        .actions
        .iter()
        .take(LISTED_ACTIONS)
        .cloned()
        .collect::<Vec<_>>();
    if access.actions.len() > LISTED_ACTIONS {
        actions.push(format!("… {} more", access.actions.len() - LISTED_ACTIONS));
    }
    if !actions.is_empty() {
        lines.push(format!("allows {}", actions.join(", ")));
    }
    lines.extend(access.dangers.iter().map(|danger| format!("⚠ {danger}")));
    lines
}

fn admits(admits: Admits) -> &'static str {
    match admits {
        Admits::Everywhere => "trust admits its tokens on every ref",
        Admits::SomeRefs => "trust admits its tokens on some refs only",
        Admits::Nowhere => "trust refuses its tokens (AccessDenied)",
        Admits::Unknown => "trust not judged",
    }
}

/// Text inside a quoted Mermaid label: quotes and markup characters as entity codes.
fn mermaid_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted DOT string.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
