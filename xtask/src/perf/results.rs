//! The raw results (`target/perf/results.json`): what a run measured, saved so that the
//! report can be rendered again (`--report-only`). The format is the one the Python
//! harness wrote, so that older results render too:
//!
//! `{"meta": {...}, "impls": [{name, label, note, available, why}], "samples": [...],
//! "loads": [[1, 5, 15 min], ...]}`, where `meta.counts` maps `["thr", "net", 64]`
//! (a JSON list written as a string) to the messages or round trips per run.

use crate::util::Result;
use serde_json::{json, Map, Value};
use std::fs;
use std::path::Path;

/// One implementation as the report names it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImplInfo {
    pub name: String,
    pub label: String,
    pub note: String,
    pub available: bool,
    pub why: String,
}

/// One run of one case: its figures, or an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub implementation: String,
    pub kind: String,
    pub transport: String,
    pub size: u64,
    pub count: u64,
    pub round: u64,
    /// Throughput in messages per second.
    pub msgs: Option<f64>,
    /// Throughput in megabits per second.
    pub mbps: Option<f64>,
    /// One-way latency in microseconds.
    pub lat_us: Option<f64>,
    /// Peak RSS of the receiving (binding) process, KiB (0: not read).
    pub rss_kib: f64,
    pub error: Option<String>,
}

impl Sample {
    /// A figure by its results.json name (`msgs`, `mbps`, `lat_us`, `rss_kib`).
    pub fn metric(&self, metric: &str) -> Option<f64> {
        match metric {
            "msgs" => self.msgs,
            "mbps" => self.mbps,
            "lat_us" => self.lat_us,
            "rss_kib" => Some(self.rss_kib),
            _ => None,
        }
    }
}

/// The 1-minute load average over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadSummary {
    pub min: f64,
    pub median: f64,
    pub max: f64,
    /// `[1, 5, 15]`-minute averages before each round and at the end.
    pub samples: Vec<[f64; 3]>,
}

/// A run's conditions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// The CPUs the machine has (None when unknown).
    pub cpus: Option<u64>,
    pub cpu_model: String,
    pub kernel: String,
    pub commit: String,
    pub date: String,
    /// `full` or `quick`.
    pub mode: String,
    pub rounds: u64,
    pub transports: Vec<String>,
    pub sizes: Vec<u64>,
    /// (kind, transport class, size) and the messages or round trips per run.
    pub counts: Vec<((String, String, u64), u64)>,
    pub loadavg: LoadSummary,
    pub wall_s: f64,
    /// `--note`: a sentence on the conditions.
    pub load_note: String,
}

/// A run, as saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub meta: Meta,
    pub impls: Vec<ImplInfo>,
    pub samples: Vec<Sample>,
    pub loads: Vec<[f64; 3]>,
}

/// How `meta.counts` keys its entries: a JSON list as Python's `json.dumps` spells it.
pub fn count_key((kind, class, size): &(String, String, u64)) -> String {
    format!("[\"{kind}\", \"{class}\", {size}]")
}

fn parse_count_key(key: &str) -> Option<(String, String, u64)> {
    let list: Value = serde_json::from_str(key).ok()?;
    match list.as_array()?.as_slice() {
        [kind, class, size] => Some((
            kind.as_str()?.to_string(),
            class.as_str()?.to_string(),
            size.as_u64()?,
        )),
        _ => None,
    }
}

fn loads_json(loads: &[[f64; 3]]) -> Value {
    loads.iter().map(|l| json!(l)).collect()
}

impl Results {
    /// The JSON document results.json holds.
    pub fn to_json(&self) -> Value {
        let m = &self.meta;
        let mut meta = Map::new();
        meta.insert("cpus".into(), json!(m.cpus));
        meta.insert("cpu_model".into(), json!(m.cpu_model));
        meta.insert("kernel".into(), json!(m.kernel));
        meta.insert("commit".into(), json!(m.commit));
        meta.insert("date".into(), json!(m.date));
        meta.insert("mode".into(), json!(m.mode));
        meta.insert("rounds".into(), json!(m.rounds));
        meta.insert("transports".into(), json!(m.transports));
        meta.insert("sizes".into(), json!(m.sizes));
        meta.insert(
            "counts".into(),
            m.counts
                .iter()
                .map(|(key, count)| (count_key(key), json!(count)))
                .collect::<Map<_, _>>()
                .into(),
        );
        meta.insert(
            "loadavg".into(),
            json!({
                "min": m.loadavg.min,
                "median": m.loadavg.median,
                "max": m.loadavg.max,
                "samples": loads_json(&m.loadavg.samples),
            }),
        );
        meta.insert("wall_s".into(), json!(m.wall_s));
        meta.insert("load_note".into(), json!(m.load_note));
        let impls: Vec<Value> = self
            .impls
            .iter()
            .map(|i| {
                json!({"name": i.name, "label": i.label, "note": i.note,
                       "available": i.available, "why": i.why})
            })
            .collect();
        let samples: Vec<Value> = self
            .samples
            .iter()
            .map(|s| {
                let mut sample = Map::new();
                for (name, value) in [("msgs", s.msgs), ("mbps", s.mbps), ("lat_us", s.lat_us)] {
                    if let Some(value) = value {
                        sample.insert(name.into(), json!(value));
                    }
                }
                // KiB read from /proc: a whole number.
                sample.insert("rss_kib".into(), json!(s.rss_kib as u64));
                if let Some(error) = &s.error {
                    sample.insert("error".into(), json!(error));
                }
                sample.insert("impl".into(), json!(s.implementation));
                sample.insert("kind".into(), json!(s.kind));
                sample.insert("transport".into(), json!(s.transport));
                sample.insert("size".into(), json!(s.size));
                sample.insert("count".into(), json!(s.count));
                sample.insert("round".into(), json!(s.round));
                Value::Object(sample)
            })
            .collect();
        json!({
            "meta": meta,
            "impls": impls,
            "samples": samples,
            "loads": loads_json(&self.loads),
        })
    }

    /// Reads results from their JSON document.
    pub fn from_json(doc: &Value) -> Result<Results> {
        let meta = &doc["meta"];
        let loadavg = &meta["loadavg"];
        let counts = meta["counts"]
            .as_object()
            .ok_or("meta.counts: not an object")?
            .iter()
            .map(|(key, count)| {
                let key =
                    parse_count_key(key).ok_or_else(|| format!("meta.counts: bad key {key:?}"))?;
                Ok((key, count.as_u64().ok_or("meta.counts: not a count")?))
            })
            .collect::<Result<Vec<_>>>()?;
        let meta = Meta {
            cpus: meta["cpus"].as_u64(),
            cpu_model: text(meta, "cpu_model", "meta")?,
            kernel: text(meta, "kernel", "meta")?,
            commit: text(meta, "commit", "meta")?,
            date: text(meta, "date", "meta")?,
            mode: text(meta, "mode", "meta")?,
            rounds: whole(meta, "rounds", "meta")?,
            transports: list(meta, "transports")?
                .iter()
                .map(|t| t.as_str().map(String::from))
                .collect::<Option<_>>()
                .ok_or("meta.transports: not a list of names")?,
            sizes: list(meta, "sizes")?
                .iter()
                .map(Value::as_u64)
                .collect::<Option<_>>()
                .ok_or("meta.sizes: not a list of sizes")?,
            counts,
            loadavg: LoadSummary {
                min: number(loadavg, "min", "meta.loadavg")?,
                median: number(loadavg, "median", "meta.loadavg")?,
                max: number(loadavg, "max", "meta.loadavg")?,
                samples: load_list(&loadavg["samples"]).unwrap_or_default(),
            },
            wall_s: number(meta, "wall_s", "meta")?,
            load_note: meta["load_note"].as_str().unwrap_or_default().to_string(),
        };
        let impls = list(doc, "impls")?
            .iter()
            .map(|i| {
                Ok(ImplInfo {
                    name: text(i, "name", "impls")?,
                    label: text(i, "label", "impls")?,
                    note: i["note"].as_str().unwrap_or_default().to_string(),
                    available: i["available"].as_bool().ok_or("impls: no `available`")?,
                    why: i["why"].as_str().unwrap_or_default().to_string(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let samples = list(doc, "samples")?
            .iter()
            .map(|s| {
                Ok(Sample {
                    implementation: text(s, "impl", "samples")?,
                    kind: text(s, "kind", "samples")?,
                    transport: text(s, "transport", "samples")?,
                    size: whole(s, "size", "samples")?,
                    count: whole(s, "count", "samples")?,
                    round: whole(s, "round", "samples")?,
                    msgs: s["msgs"].as_f64(),
                    mbps: s["mbps"].as_f64(),
                    lat_us: s["lat_us"].as_f64(),
                    rss_kib: s["rss_kib"].as_f64().unwrap_or(0.0),
                    error: s["error"].as_str().map(String::from),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let loads = load_list(&doc["loads"]).ok_or("loads: not a list of [1, 5, 15] averages")?;
        Ok(Results {
            meta,
            impls,
            samples,
            loads,
        })
    }

    /// Reads a results.json file.
    pub fn load(path: &Path) -> Result<Results> {
        let text = fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read {}: {e} (run the benchmarks first, or pass --out/--quick to pick the results)",
                path.display()
            )
        })?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Results::from_json(&doc).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes a results.json file (indented by one space, as before).
    pub fn save(&self, path: &Path) -> Result {
        let mut text = String::new();
        write_indented(&self.to_json(), 0, &mut text);
        fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// JSON with one space of indentation per level (the layout of Python's `indent=1`).
fn write_indented(value: &Value, depth: usize, out: &mut String) {
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth));
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_indented(item, depth + 1, out);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(entries) if !entries.is_empty() => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push_str(": ");
                write_indented(item, depth + 1, out);
            }
            newline(out, depth);
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn text(object: &Value, key: &str, what: &str) -> Result<String> {
    object[key]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("{what}: no text `{key}`"))
}

fn number(object: &Value, key: &str, what: &str) -> Result<f64> {
    object[key]
        .as_f64()
        .ok_or_else(|| format!("{what}: no number `{key}`"))
}

fn whole(object: &Value, key: &str, what: &str) -> Result<u64> {
    object[key]
        .as_u64()
        .ok_or_else(|| format!("{what}: no whole number `{key}`"))
}

fn list<'a>(object: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    object[key]
        .as_array()
        .ok_or_else(|| format!("no list `{key}`"))
}

fn load_list(value: &Value) -> Option<Vec<[f64; 3]>> {
    value
        .as_array()?
        .iter()
        .map(|triple| match triple.as_array()?.as_slice() {
            [a, b, c] => Some([a.as_f64()?, b.as_f64()?, c.as_f64()?]),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_keys_are_json_lists_in_python_spelling() {
        let key = ("thr".to_string(), "net".to_string(), 64);
        assert_eq!(count_key(&key), "[\"thr\", \"net\", 64]");
        assert_eq!(parse_count_key(&count_key(&key)), Some(key));
        assert_eq!(parse_count_key("[\"thr\", 64]"), None);
    }

    #[test]
    fn results_survive_a_round_trip_through_json() {
        let results = Results {
            meta: Meta {
                cpus: Some(2),
                cpu_model: "cpu".into(),
                kernel: "Linux 6".into(),
                commit: "abc".into(),
                date: "2026-12-03 20:13".into(),
                mode: "quick".into(),
                rounds: 1,
                transports: vec!["inproc".into()],
                sizes: vec![64],
                counts: vec![(("lat".into(), "inproc".into(), 64), 200)],
                loadavg: LoadSummary {
                    min: 1.5,
                    median: 1.5,
                    max: 1.5,
                    samples: vec![[1.5, 1.0, 0.5]],
                },
                wall_s: 28.5,
                load_note: String::new(),
            },
            impls: vec![ImplInfo {
                name: "c".into(),
                label: "C libzmq".into(),
                note: "n".into(),
                available: true,
                why: String::new(),
            }],
            samples: vec![Sample {
                implementation: "c".into(),
                kind: "lat".into(),
                transport: "inproc".into(),
                size: 64,
                count: 200,
                round: 0,
                lat_us: Some(43.087),
                rss_kib: 4164.0,
                error: Some("rc=1: x".into()),
                ..Sample::default()
            }],
            loads: vec![[1.5, 1.0, 0.5]; 2],
        };
        let again = Results::from_json(&results.to_json()).unwrap();
        assert_eq!(again, results);
        let mut text = String::new();
        write_indented(&results.to_json()["loads"], 0, &mut text);
        assert_eq!(
            text,
            "[\n [\n  1.5,\n  1.0,\n  0.5\n ],\n [\n  1.5,\n  1.0,\n  0.5\n ]\n]"
        );
        let mut empty = String::new();
        write_indented(&json!({"a": [], "b": {}}), 0, &mut empty);
        assert_eq!(empty, "{\n \"a\": [],\n \"b\": {}\n}");
    }
}
