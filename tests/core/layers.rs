//! The crate's modules depend on each other one way only (docs/architecture.md): no
//! module of `src/` reaches, through the paths of its code, a module that reaches it back.
//!
//! The scan is textual. Each file under `src/` is a module (`rt/core.rs` is `rt::core`,
//! `rt/mod.rs` is `rt`). Its dependencies are the modules that its `crate::`, `super::`
//! and `self::` paths and the paths through its own child modules (`core::Core` in
//! `rt/mod.rs`) name: the longest known module a path starts with, or, for a name the
//! crate root re-exports (`crate::Socket`), the module it comes from. `use` trees are
//! expanded (`crate::{a::{B, C}, d}`), `super::` inside an inline `mod { }` stays in its
//! file, and comment lines are skipped, so doc links do not count.
//!
//! One relation is allowed: a module using its own ancestors (`rt::core` using
//! `crate::rt::Multipart`), since an ancestor's file is where its children are declared
//! and re-exported. Cycles among siblings and across the tree are what this test forbids.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module's name and its code without comment lines.
fn modules() -> BTreeMap<String, String> {
    let mut paths = Vec::new();
    super::docs::files(&src(), &["rs"], &mut paths);
    paths
        .iter()
        .map(|path| {
            // src/rt/core.rs -> rt::core; src/rt/mod.rs -> rt; src/lib.rs -> the root.
            let relative = path.strip_prefix(src()).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|last| last == "mod") || parts == ["lib"] {
                parts.pop();
            }
            let code: String = fs::read_to_string(path)
                .unwrap()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(|line| format!("{line}\n"))
                .collect();
            (parts.join("::"), code)
        })
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths of a `use` tree or path starting at `text` (after a `prefix::`): `a::b::C`
/// gives `a::b::C`; `{A, b::{C, D}}` gives `A`, `b::C` and `b::D`.
fn tree_paths(text: &str) -> Vec<String> {
    fn walk(text: &str, prefix: &str, out: &mut Vec<String>) -> usize {
        let mut at = 0;
        let bytes: Vec<char> = text.chars().collect();
        // A path segment run: identifiers and `::`.
        while at < bytes.len() && (is_ident(bytes[at]) || bytes[at] == ':') {
            at += 1;
        }
        let head: String = bytes[..at].iter().collect();
        let full = format!("{prefix}{head}");
        if at < bytes.len() && bytes[at] == '{' {
            // A group: each entry continues `full`.
            at += 1;
            loop {
                while at < bytes.len() && (bytes[at].is_whitespace() || bytes[at] == ',') {
                    at += 1;
                }
                if at >= bytes.len() || bytes[at] == '}' {
                    return at + 1;
                }
                let rest: String = bytes[at..].iter().collect();
                at += walk(&rest, &full, out);
                // Skip an `as name` or anything else up to the next entry.
                while at < bytes.len() && bytes[at] != ',' && bytes[at] != '}' {
                    at += 1;
                }
            }
        }
        out.push(full.trim_end_matches(':').to_owned());
        at
    }
    let mut out = Vec::new();
    // A use tree is short; the text after it does not matter.
    let end = text
        .char_indices()
        .nth(2000)
        .map_or(text.len(), |(at, _)| at);
    walk(&text[..end], "", &mut out);
    out.retain(|path| !path.is_empty());
    out
}

/// The paths after each `marker` (`crate::`, `super::`, `self::`, or `child::`) of `code`,
/// each with the number of inline `mod name {` blocks around it.
fn paths_after(code: &str, marker: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut inline = Vec::new(); // brace depths at which inline modules opened
    let mut depth = 0usize;
    let mut previous = ' ';
    let mut skip_to = 0;
    for (at, c) in code.char_indices() {
        if at < skip_to {
            previous = c;
            continue;
        }
        if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
            while inline.last().is_some_and(|&d| d > depth) {
                inline.pop();
            }
        }
        let boundary = !is_ident(previous) && previous != ':';
        previous = c;
        if !boundary {
            continue;
        }
        let rest = &code[at..];
        if let Some(after) = rest.strip_prefix("mod ") {
            // `mod name {` opens an inline module at the next depth.
            let name_end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
            if after[name_end..].trim_start().starts_with('{') {
                inline.push(depth + 1);
            }
        }
        if let Some(after) = rest.strip_prefix(marker) {
            for path in tree_paths(after) {
                found.push((path, inline.len()));
            }
            skip_to = at + marker.len();
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

/// `module::path`, or `path` for the crate root.
fn join(module: &str, path: &str) -> String {
    if module.is_empty() {
        path.to_owned()
    } else {
        format!("{module}::{path}")
    }
}

/// The dependency graph of the modules in `known` (name -> code).
fn graph_of(known: &BTreeMap<String, String>) -> Graph {
    // What the crate root re-exports: name -> the module it comes from.
    let mut reexports = BTreeMap::new();
    for (path, _) in paths_after(known.get("").map_or("", String::as_str), "pub use crate::") {
        if let Some((module, name)) = path.rsplit_once("::") {
            reexports.insert(name.to_owned(), module.to_owned());
        }
    }
    let mut graph = Graph::new();
    for (module, code) in known {
        let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
        let mut paths = Vec::new();
        paths.extend(paths_after(code, "crate::").into_iter().map(|(p, _)| p));
        for (path, inline) in paths_after(code, "self::") {
            // `self::` inside an inline module names that module's items: this file.
            paths.push(if inline > 0 {
                module.clone()
            } else {
                join(module, &path)
            });
        }
        for (path, inline) in paths_after(code, "super::") {
            // Inside an inline module, the first `super::` is this file's own module; each
            // further `super::` goes one level up.
            let mut base = if inline > 0 { module.as_str() } else { parent };
            let mut rest = path.as_str();
            while let Some(after) = rest.strip_prefix("super::") {
                base = base.rsplit_once("::").map_or("", |(up, _)| up);
                rest = after;
            }
            paths.push(join(base, rest));
        }
        // Paths through this module's own children (`core::Core` in rt/mod.rs).
        for child in known.keys().filter_map(|name| {
            let rest = if module.is_empty() {
                Some(name.as_str())
            } else {
                name.strip_prefix(module.as_str())?.strip_prefix("::")
            };
            rest.filter(|rest| !rest.is_empty() && !rest.contains("::"))
        }) {
            for (path, _) in paths_after(code, &format!("{child}::")) {
                paths.push(join(module, &format!("{child}::{path}")));
            }
        }
        let mut deps = BTreeSet::new();
        for path in paths {
            deps.extend(module_of(&path, known, &reexports));
        }
        // Allowed: a module using its ancestors (see the module doc).
        deps.retain(|dep| {
            dep != module && !dep.is_empty() && !module.starts_with(&format!("{dep}::"))
        });
        graph.insert(module.clone(), deps);
    }
    graph
}

fn graph() -> Graph {
    graph_of(&modules())
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
}

#[test]
fn the_scan_reads_paths_as_rust_does() {
    let paths = |code: &str, marker: &str| -> Vec<String> {
        paths_after(code, marker)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    assert_eq!(
        paths("use crate::{Result, a::{B, c::D as E}, f};", "crate::"),
        ["Result", "a::B", "a::c::D", "f"]
    );
    assert_eq!(
        paths("x = super::waiters::Slot::new();", "super::"),
        ["waiters::Slot::new"]
    );
    assert_eq!(
        paths("let a = xcrate::b; my_super::c;", "crate::"),
        Vec::<String>::new()
    );

    // A small tree: lib re-exports `Socket` from `socket`; `rt` (a directory) uses its
    // child `core`, which uses its parent (allowed); `context` and `socket` use each other
    // through a re-export and a `super::` path; `poll` has an inline test module whose
    // `super::` is poll itself.
    let known: BTreeMap<String, String> = [
        (
            "",
            "pub use crate::socket::{Socket, Kind};\nmod context;\nmod socket;",
        ),
        ("context", "use crate::Socket;"),
        ("socket", "fn f() { super::context::make() }"),
        ("rt", "pub(crate) type CoreOf = core::Core;"),
        ("rt::core", "use crate::rt::Multipart;"),
        (
            "poll",
            "#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::socket::Kind;\n}",
        ),
    ]
    .into_iter()
    .map(|(name, code)| (name.to_owned(), code.to_owned()))
    .collect();
    let graph = graph_of(&known);
    assert_eq!(graph["context"], ["socket".to_owned()].into());
    assert_eq!(graph["socket"], ["context".to_owned()].into());
    assert_eq!(graph["rt"], ["rt::core".to_owned()].into());
    assert!(graph["rt::core"].is_empty(), "{graph:?}");
    assert_eq!(graph["poll"], ["socket".to_owned()].into());
    assert_eq!(cycles(&graph), vec![vec!["context", "socket"]]);
}
