//! docs/scale.svg: three log-log panels against N, written by hand (no plotting library):
//! row 1's and row 3's round trips/s and row 4's handshakes/s (NULL, the big backlog).

use super::report::{failed, human, n_of, num, row_of, text, thousands};
use super::BIG_BACKLOG;
use serde_json::Value;
use std::fmt::Write;

/// The colour of an implementation's series (grey for one not listed).
fn color(name: &str) -> &'static str {
    match name {
        "c" => "#000000",
        "sync" => "#1f77b4",
        "async" => "#9467bd",
        "async-mt" => "#2ca02c",
        "async-io" => "#8c564b",
        "py" => "#ff7f0e",
        "py-asyncio" => "#e377c2",
        "zmq.rs" => "#d62728",
        _ => "#777",
    }
}

/// One panel: a figure of a row against N, for the runs that match `storm` (security,
/// backlog) in row 4.
struct Panel {
    row: u8,
    key: &'static str,
    storm: Option<(&'static str, i64)>,
    title: String,
}

/// The chart; `names` in legend order, `label` their legend text.
pub fn render(results: &[Value], names: &[&str], label: &dyn Fn(&str) -> String) -> String {
    let panels = [
        Panel {
            row: 1,
            key: "rt_s",
            storm: None,
            title: "1. broker: round trips/s".into(),
        },
        Panel {
            row: 3,
            key: "rt_s",
            storm: None,
            title: "3. N sockets in one process: round trips/s".into(),
        },
        Panel {
            row: 4,
            key: "hs_s",
            storm: Some(("null", BIG_BACKLOG)),
            title: format!("4. storm, NULL, backlog {BIG_BACKLOG}: handshakes/s"),
        },
    ];
    let (pw, ph, top, left, gap): (i32, i32, i32, i32, i32) = (300, 220, 60, 60, 40);
    let width = left + panels.len() as i32 * (pw + gap);
    let height = top + ph + 50;
    let mut out = String::new();
    let mut w = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    w(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">"
    ));
    w(format!(
        "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    ));
    let mut x = left;
    for name in names {
        let text = label(name);
        w(format!(
            "<rect x=\"{x}\" y=\"10\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            color(name)
        ));
        w(format!("<text x=\"{}\" y=\"20\">{text}</text>", x + 16));
        x += 30 + 7 * text.chars().count() as i32;
    }
    for (i, panel) in panels.iter().enumerate() {
        let Panel {
            row,
            key,
            storm,
            title,
        } = panel;
        let x0 = left + i as i32 * (pw + gap);
        let pts: Vec<(&str, i64, f64)> = results
            .iter()
            .filter(|r| row_of(r) == *row && !failed(r))
            .filter(|r| {
                storm.is_none_or(|(security, backlog)| {
                    text(r, "security") == security && num(r, "backlog") == Some(backlog as f64)
                })
            })
            .filter_map(|r| {
                let v = num(r, key).filter(|&v| v != 0.0)?;
                Some((text(r, "peer"), n_of(r), v))
            })
            .collect();
        w(format!(
            "<text x=\"{x0}\" y=\"{}\" font-weight=\"bold\">{title}</text>",
            top - 10
        ));
        w(format!(
            "<rect x=\"{x0}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>"
        ));
        if pts.is_empty() {
            continue;
        }
        let nmin = pts.iter().map(|p| p.1).min().unwrap_or(1);
        let nmax = pts.iter().map(|p| p.1).max().unwrap_or(1);
        let vmin = pts.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
        let vmax = pts.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
        // Whole decades on the y axis, at least one.
        let lo = vmin.log10().floor() as i32;
        let hi = (vmax.log10().ceil() as i32).max(lo + 1);
        let lx0 = (nmin as f64).log10();
        let lx1 = if nmax > nmin {
            (nmax as f64).log10()
        } else {
            lx0 + 1.0
        };
        let px = |n: i64| {
            f64::from(x0) + 10.0 + ((n as f64).log10() - lx0) / (lx1 - lx0) * f64::from(pw - 20)
        };
        let py = |v: f64| {
            f64::from(top + ph) - (v.log10() - f64::from(lo)) / f64::from(hi - lo) * f64::from(ph)
        };
        for d in lo..=hi {
            let v = 10f64.powi(d);
            let y = py(v);
            w(format!(
                "<line x1=\"{x0}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#eee\"/>",
                x0 + pw
            ));
            w(format!(
                "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 - 4,
                y + 4.0,
                human(Some(v))
            ));
        }
        let mut ns: Vec<i64> = pts.iter().map(|p| p.1).collect();
        ns.sort_unstable();
        ns.dedup();
        for n in ns {
            w(format!(
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                px(n),
                top + ph + 14,
                thousands(n)
            ));
        }
        w(format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">N</text>",
            f64::from(x0) + f64::from(pw) / 2.0,
            top + ph + 30
        ));
        for name in names {
            let mut series: Vec<(i64, f64)> = pts
                .iter()
                .filter(|p| p.0 == *name)
                .map(|p| (p.1, p.2))
                .collect();
            if series.is_empty() {
                continue;
            }
            series.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let color = color(name);
            let mut path = String::new();
            for (j, (n, v)) in series.iter().enumerate() {
                if j > 0 {
                    path.push(' ');
                }
                // Writing to a String cannot fail.
                let _ = write!(
                    path,
                    "{}{:.1},{:.1}",
                    if j == 0 { 'M' } else { 'L' },
                    px(*n),
                    py(*v)
                );
            }
            w(format!(
                "<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>"
            ));
            for (n, v) in &series {
                w(format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\">\
                     <title>{} N={}: {}</title></circle>",
                    px(*n),
                    py(*v),
                    label(name),
                    thousands(*n),
                    human(Some(*v))
                ));
            }
        }
    }
    w("</svg>".into());
    out
}
