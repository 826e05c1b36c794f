//! `msrv`: the declared MSRV (`rust-version` of zmq and zmq-sys) is true for the whole build
//! graph. Every package that `cargo build` compiles for them (normal and build dependencies,
//! with the default features and with `full`) must declare a rust-version no newer than
//! ours. Reads `cargo tree` (which packages) and `cargo metadata` (their rust-version).
//!
//! It does not compile with the old toolchain; clippy's `incompatible_msrv` lint (on in the
//! CI's clippy run) catches std APIs newer than the declared version.

use crate::util::{cargo, output, Result};
use std::collections::{BTreeSet, HashMap};

/// A version as numbers ("1.88" and "1.88.0" compare equal).
fn parse(version: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    parts
}

pub fn check() -> Result {
    let metadata = output(cargo().args(["metadata", "--format-version", "1", "--locked"]))?;
    let metadata: serde_json::Value =
        serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    // "name version" -> rust-version, and our own declarations (path packages).
    let mut needs = HashMap::new();
    let mut declared = HashMap::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let version = package["version"].as_str().unwrap_or_default();
        let rust = package["rust_version"].as_str();
        if let Some(rust) = rust {
            needs.insert(format!("{name} {version}"), rust.to_owned());
        }
        if package["source"].is_null() {
            declared.insert(name.to_owned(), rust.unwrap_or("none").to_owned());
        }
    }
    let mut failures = Vec::new();
    for (krate, features) in [("zmq", None), ("zmq", Some("full")), ("zmq-sys", None)] {
        let ours = declared
            .get(krate)
            .ok_or_else(|| format!("{krate} is not in the workspace"))?;
        let mut tree = cargo();
        tree.args(["tree", "--locked", "-p", krate, "-e", "normal,build"])
            .args(["--prefix", "none", "-f", "{p}"]);
        if let Some(features) = features {
            tree.args(["--features", features]);
        }
        // Lines read "name vX.Y.Z" with an optional " (path)" or " (*)" after.
        let graph: BTreeSet<String> = output(&mut tree)?
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let name = words.next()?;
                let version = words.next()?.strip_prefix('v')?;
                Some(format!("{name} {version}"))
            })
            .collect();
        let worst = graph
            .iter()
            .filter_map(|package| needs.get(package).map(|need| (parse(need), need, package)))
            .max();
        let label = features.unwrap_or("default");
        match worst {
            Some((need, text, package)) => {
                println!(
                    "{krate} ({label} features): declares {ours}; newest requirement in its \
                     build graph: {text} ({package})"
                );
                if need > parse(ours) {
                    failures.push(format!(
                        "{krate} declares rust-version {ours}, but {package} needs {text}"
                    ));
                }
            }
            None => println!("{krate} ({label} features): declares {ours}; no requirement found"),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}
