//! The repository's documents stand on their own: every document under docs/ that code,
//! tests or scripts cite exists, and every guide in `docs/` is run as a doctest (listed
//! in `src/guides.rs`), so none of their snippets can go stale.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (recursively) whose name ends with one of `exts`.
pub(super) fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, exts, out);
        } else if exts
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            out.push(path);
        }
    }
}

/// The `docs/<name>.md` paths a text mentions.
fn cited_docs(text: &str) -> Vec<String> {
    let mut cited = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("docs/") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "/._-".contains(c)))
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        if path.ends_with(".md") {
            cited.push(path.to_owned());
        }
        rest = &tail[end.max(1)..];
    }
    cited
}

#[test]
fn every_cited_document_exists() {
    let mut sources = Vec::new();
    for dir in [
        "src", "tests", "scripts", "examples", "benches", "perf", "zmq-sys", ".ci", "xtask",
    ] {
        files(
            &root().join(dir),
            &["rs", "sh", "py", "toml", "c", "md"],
            &mut sources,
        );
    }
    sources.push(root().join(".ci/run"));
    sources.push(root().join("build.rs"));
    let mut missing = Vec::new();
    let mut checked = 0;
    for source in &sources {
        let Ok(text) = fs::read_to_string(source) else {
            continue;
        };
        // A generator naming the file it writes ("Writes docs/scale.md") cites nothing:
        // the file may not have been generated yet.
        for line in text
            .lines()
            .filter(|line| !line.to_lowercase().contains("writes"))
        {
            for doc in cited_docs(line) {
                checked += 1;
                if !root().join(&doc).is_file() {
                    missing.push(format!("{} cites {doc}", source.display()));
                }
            }
        }
    }
    assert!(
        checked > 10,
        "found only {checked} citations: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "cited but not in the repository:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_guide_runs_as_a_doctest() {
    let guides = fs::read_to_string(root().join("src/guides.rs")).unwrap();
    let mut docs = Vec::new();
    files(&root().join("docs"), &["md"], &mut docs);
    assert!(!docs.is_empty());
    let unlisted: Vec<String> = docs
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .filter(|doc| !guides.contains(&format!("\"../{doc}\"")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "not in src/guides.rs (so their snippets are not tested): {unlisted:?}"
    );
}

/// The targets of the Markdown links (`](target)`) and the `*.md` names in backticks of a
/// text, without their `#anchor`; web addresses and pure anchors are left out.
fn doc_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (open, close) in [("](", ')'), ("`", '`')] {
        let mut rest = text;
        while let Some(at) = rest.find(open) {
            let tail = &rest[at + open.len()..];
            let Some(end) = tail.find(close) else { break };
            let target = tail[..end].split('#').next().unwrap_or_default();
            let markdown_name = target.ends_with(".md") && !target.contains(char::is_whitespace);
            let link = open == "](" && !target.is_empty() && !target.contains("://");
            if link || (open == "`" && markdown_name) {
                found.push(target.to_owned());
            }
            rest = &tail[end + 1..];
        }
    }
    found
}

#[test]
fn every_link_and_document_name_in_the_docs_resolves() {
    let mut docs = vec![root().join("README.md")];
    files(&root().join("docs"), &["md"], &mut docs);
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = fs::read_to_string(doc).unwrap();
        let dir = doc.parent().unwrap();
        for target in doc_references(&text) {
            checked += 1;
            // A link is relative to its document; a bare name in backticks may also be a
            // path from the repository root or a name under docs/ or docs/design/.
            let candidates = [
                dir.join(&target),
                root().join(&target),
                root().join("docs").join(&target),
                root().join("docs/design").join(&target),
            ];
            if !candidates.iter().any(|path| path.exists()) {
                missing.push(format!(
                    "{} refers to {target}",
                    doc.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        checked > 20,
        "found only {checked} references: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "referred to but not in the repository:\n{}",
        missing.join("\n")
    );
}
