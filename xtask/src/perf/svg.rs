//! docs/perf.svg: two grouped bar charts of the ratios to C (throughput, latency), one
//! group per (transport, size), one bar per implementation. Written by hand: no plotting
//! dependency.

use super::report::{ratio, size_label, Medians};
use std::collections::HashMap;
use std::fmt::Write;

/// The colour of an implementation's bars (grey for one not listed).
fn color(name: &str) -> &'static str {
    match name {
        "sync" => "#1f77b4",
        "tuned" => "#2ca02c",
        "copy" => "#bcbd22",
        "async" => "#9467bd",
        "bytes" => "#17becf",
        "bytes-tuned" => "#8c564b",
        "rust-zmq" => "#ff7f0e",
        "zmq.rs" => "#d62728",
        _ => "#777",
    }
}

/// Text for an SVG element or attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart, ending with a newline.
pub fn chart(
    med: &Medians,
    names: &[String],
    labels: &HashMap<String, String>,
    transports: &[String],
    sizes: &[u64],
) -> String {
    let series: Vec<&String> = names.iter().filter(|n| *n != "c").collect();
    let label = |name: &str| escape(labels.get(name).map_or(name, String::as_str));
    let cases: Vec<(&str, u64)> = transports
        .iter()
        .flat_map(|t| sizes.iter().map(move |&s| (t.as_str(), s)))
        .collect();
    let (width, panel_h, top, left) = (980_i64, 260_i64, 58_i64, 50_i64);
    let group_w = (width - left - 20) as f64 / cases.len().max(1) as f64;
    let bar_w = ((group_w - 10.0) / series.len().max(1) as f64).max(2.0);
    let height = top + 2 * (panel_h + 70) - 20;
    let right = width - 20;
    let mut parts: Vec<String> = Vec::new();
    parts.push(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">"
    ));
    parts.push(format!(
        "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    ));
    // The legend: a swatch and a label per implementation, spaced by the label's length.
    let mut x = left;
    for n in &series {
        let text = labels.get(n.as_str()).map_or(n.as_str(), String::as_str);
        parts.push(format!(
            "<rect x=\"{x}\" y=\"10\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            color(n)
        ));
        parts.push(format!(
            "<text x=\"{}\" y=\"20\">{}</text>",
            x + 16,
            label(n)
        ));
        x += 30 + 7 * text.chars().count() as i64;
    }
    for (panel, (kind, metric, title)) in [
        ("thr", "msgs", "throughput ÷ C, medians (higher is better)"),
        ("lat", "lat_us", "latency ÷ C, medians (lower is better)"),
    ]
    .into_iter()
    .enumerate()
    {
        let y0 = top + panel as i64 * (panel_h + 70);
        let ratio_of = |name: &str, transport: &str, size: u64| {
            ratio(
                med.get(name, kind, transport, size, metric),
                med.get("c", kind, transport, size, metric),
            )
        };
        let vmax = cases
            .iter()
            .flat_map(|&(t, s)| series.iter().filter_map(move |n| ratio_of(n, t, s)))
            .fold(1.2_f64, f64::max)
            * 1.1;
        let y_of = |v: f64| y0 as f64 + panel_h as f64 - v / vmax * panel_h as f64;
        let baseline = y0 + panel_h;
        parts.push(format!(
            "<text x=\"{left}\" y=\"{}\" font-weight=\"bold\">{title}</text>",
            y0 - 6
        ));
        parts.push(format!(
            "<line x1=\"{left}\" y1=\"{baseline}\" x2=\"{right}\" y2=\"{baseline}\" stroke=\"#444\"/>"
        ));
        // Grid lines every 0.5 (every 1 past 3×), accumulated as the Python chart did so
        // that the same results draw the same lines.
        let step = if vmax <= 3.0 { 0.5 } else { 1.0 };
        let mut v = 0.0_f64;
        while v <= vmax {
            let yy = y_of(v);
            parts.push(format!(
                "<line x1=\"{}\" y1=\"{yy:.1}\" x2=\"{right}\" y2=\"{yy:.1}\" stroke=\"#eee\"/>",
                left - 4
            ));
            parts.push(format!(
                "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text>",
                left - 8,
                yy + 4.0
            ));
            v += step;
        }
        let yy = y_of(1.0);
        parts.push(format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{right}\" y2=\"{yy:.1}\" stroke=\"black\" \
             stroke-dasharray=\"4,3\"/>"
        ));
        for (g, &(t, s)) in cases.iter().enumerate() {
            let gx = left as f64 + g as f64 * group_w + 5.0;
            for (b, n) in series.iter().enumerate() {
                let Some(r) = ratio_of(n, t, s) else {
                    continue;
                };
                let bx = gx + b as f64 * bar_w;
                let mut bar = String::new();
                let _ = write!(
                    bar,
                    "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
                     <title>{} {t} {}: {r:.2}× C</title></rect>",
                    y_of(r),
                    bar_w - 1.0,
                    baseline as f64 - y_of(r),
                    color(n),
                    label(n),
                    size_label(s)
                );
                parts.push(bar);
            }
            let mid = gx + (group_w - 10.0) / 2.0;
            parts.push(format!(
                "<text x=\"{mid:.1}\" y=\"{}\" text-anchor=\"middle\">{t}</text>",
                baseline + 14
            ));
            parts.push(format!(
                "<text x=\"{mid:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                baseline + 27,
                size_label(s)
            ));
        }
    }
    parts.push("</svg>".into());
    parts.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_unknown_implementations_grey() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
        assert_eq!(color("sync"), "#1f77b4");
        assert_eq!(color("other"), "#777");
    }

    #[test]
    fn an_empty_run_still_draws_the_frame() {
        let svg = chart(&Medians::default(), &[], &HashMap::new(), &[], &[]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"980\""));
        assert!(svg.ends_with("</svg>\n"));
    }
}
