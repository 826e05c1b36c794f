//! The crate's modules depend on each other one way only (docs/architecture.md): no
//! module of `src/` reaches, through the `crate::` and `super::` paths of its code, a
//! module that reaches it back.
//!
//! The scan is textual: each file under `src/` is a module (`rt/core.rs` is `rt::core`,
//! `rt/mod.rs` is `rt`); a path names the longest module it starts with, and a name
//! re-exported at the crate root (`crate::Socket`) names the module it comes from. Comment
//! lines are skipped, so doc links do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module's name and its code without comment lines.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut parts = prefix.to_vec();
            if stem != "mod" && !(prefix.is_empty() && stem == "lib") {
                parts.push(stem.to_owned());
            }
            let code: String = fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(|line| format!("{line}\n"))
                .collect();
            out.insert(parts.join("::"), code);
        }
    }
}

/// The paths after `marker` in `code`: `crate::a::b::C` gives `a::b::C`; a braced list
/// (`crate::{A, b::C}`) gives each of its entries.
fn paths_after(code: &str, marker: &str) -> Vec<String> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(marker) {
        // `xcrate::` or `my_super::` are not our markers.
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + marker.len()..];
        rest = tail;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(list) = tail.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            found.extend(
                list[..end]
                    .split(',')
                    .map(|entry| entry.trim().split(' ').next().unwrap_or("").to_owned()),
            );
        } else {
            let end = tail.find(|c: char| !ident(c)).unwrap_or(tail.len());
            found.push(tail[..end].trim_end_matches(':').to_owned());
        }
    }
    found
}

/// The module a path names: the longest module prefix, or the origin of a root re-export.
fn module_of(
    path: &str,
    known: &BTreeMap<String, String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|candidate| known.contains_key(candidate))
        .or_else(|| {
            parts
                .first()
                .and_then(|first| reexports.get(*first).cloned())
        })
}

fn graph() -> Graph {
    let mut known = BTreeMap::new();
    modules(&src(), &[], &mut known);
    // `pub use crate::m::{A, B};` and `pub use crate::m::A;` in lib.rs.
    let mut reexports = BTreeMap::new();
    for line in known[""].lines() {
        let Some(used) = line.trim().strip_prefix("pub use crate::") else {
            continue;
        };
        let used = used.trim_end_matches(';');
        let (module, names) = match used.split_once("::{") {
            Some((module, names)) => (module, names.trim_end_matches('}')),
            None => used.rsplit_once("::").unwrap_or(("", used)),
        };
        for name in names.split(',') {
            let name = name.trim().split(' ').next().unwrap_or("");
            if !name.is_empty() {
                reexports.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    let mut graph = Graph::new();
    for (module, code) in &known {
        let parent: Vec<&str> = module.split("::").collect();
        let parent = parent[..parent.len().saturating_sub(1)].join("::");
        let mut deps = BTreeSet::new();
        for path in paths_after(code, "crate::") {
            deps.extend(module_of(&path, &known, &reexports));
        }
        for path in paths_after(code, "super::") {
            let full = if parent.is_empty() {
                path
            } else {
                format!("{parent}::{path}")
            };
            deps.extend(module_of(&full, &known, &reexports));
        }
        deps.remove(module);
        deps.remove("");
        graph.insert(module.clone(), deps);
    }
    graph
}

/// The cycles of `graph`: its strongly connected components of more than one module.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Two modules are in one cycle when each reaches the other.
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(module) = stack.pop() {
            for dep in graph.get(&module).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|module| (module, reach(module))).collect();
    let mut done = BTreeSet::new();
    let mut cycles = Vec::new();
    for module in graph.keys() {
        if done.contains(module) || !reached[module].contains(module) {
            continue;
        }
        let cycle: Vec<String> = reached[module]
            .iter()
            .filter(|other| reached[*other].contains(module))
            .cloned()
            .collect();
        done.extend(cycle.iter().cloned());
        cycles.push(cycle);
    }
    cycles
}

#[test]
fn no_module_reaches_itself() {
    let graph = graph();
    assert!(
        graph.len() > 20 && graph.values().map(BTreeSet::len).sum::<usize>() > 40,
        "the scan found too little: {graph:?}"
    );
    let cycles = cycles(&graph);
    let described: Vec<String> = cycles
        .iter()
        .map(|cycle| {
            let edges: Vec<String> = cycle
                .iter()
                .map(|module| {
                    let inside: Vec<&String> =
                        graph[module].iter().filter(|d| cycle.contains(d)).collect();
                    format!("  {module} -> {inside:?}")
                })
                .collect();
            format!("{cycle:?}\n{}", edges.join("\n"))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "module cycles (move the shared part one layer down):\n{}",
        described.join("\n")
    );
}

#[test]
fn the_scan_sees_a_cycle() {
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".into()].into());
    graph.insert("b".into(), ["c".into()].into());
    graph.insert("c".into(), ["a".into()].into());
    graph.insert("d".into(), ["a".into()].into());
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
    let code = "use crate::{Result, poll::PollItem};\nlet x = super::waiters::Slot::new();";
    assert_eq!(paths_after(code, "crate::"), ["Result", "poll::PollItem"]);
    assert_eq!(paths_after(code, "super::"), ["waiters::Slot::new"]);
}
