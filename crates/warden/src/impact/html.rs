//! The `--html` impact report: one self-contained page (inline CSS and
//! SVG, no script, no external font or image) with three plots — flows
//! blocked over time, top rules, top services — and the tables of the
//! terminal report.

use std::fmt::Write as _;

use super::report::{Impact, Report, Tally};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.plot{margin:.5em 0}\
.bar{fill:#c0392b}.axis{stroke:#555;stroke-width:1}.lbl{font-size:11px;fill:#333}";

/// A column chart of flows first blocked per time bucket.
fn timeline_svg(i: &Impact, id: &str) -> String {
    let (w, h, left, bottom) = (720.0_f64, 220.0_f64, 40.0_f64, 30.0_f64);
    let mut s = format!(
        "<svg class=\"plot\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Flows blocked over time\">"
    );
    let max = i.timeline.iter().map(|t| t.1).max().unwrap_or(0).max(1) as f64;
    let n = i.timeline.len().max(1) as f64;
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - 10.0;
    let bw = plot_w / n;
    for (k, (_, flows)) in i.timeline.iter().enumerate() {
        let bh = (*flows as f64 / max) * plot_h;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{} flow(s)</title></rect>",
            left + k as f64 * bw + 1.0,
            10.0 + plot_h - bh,
            (bw - 2.0).max(1.0),
            bh,
            flows
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\"/>\
         <line class=\"axis\" x1=\"{left}\" y1=\"10\" x2=\"{left}\" y2=\"{y}\"/>\
         <text class=\"lbl\" x=\"{lx}\" y=\"20\" text-anchor=\"end\">{max}</text>\
         <text class=\"lbl\" x=\"{lx}\" y=\"{y}\" text-anchor=\"end\">0</text>",
        y = 10.0 + plot_h,
        x2 = w - 10.0,
        lx = left - 4.0,
        max = max as u64,
    );
    if let (Some(first), Some(last)) = (i.timeline.first(), i.timeline.last()) {
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{left}\" y=\"{y}\">{}</text><text class=\"lbl\" x=\"{x}\" y=\"{y}\" text-anchor=\"end\">{}</text>",
            esc(&super::iso_time(first.0)),
            esc(&super::iso_time(last.0)),
            y = h - 8.0,
            x = w - 10.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars, one per labelled tally, scaled to the largest.
fn bars_svg(id: &str, title: &str, rows: &[(String, &Tally)]) -> String {
    let (w, row_h, label_w) = (720.0_f64, 22.0_f64, 330.0_f64);
    let h = row_h * rows.len().max(1) as f64 + 10.0;
    let mut s = format!(
        "<svg class=\"plot\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    let max = rows.iter().map(|r| r.1.flows).max().unwrap_or(0).max(1) as f64;
    for (k, (label, t)) in rows.iter().enumerate() {
        let y = 5.0 + k as f64 * row_h;
        let bw = (t.flows as f64 / max) * (w - label_w - 70.0);
        let shown: String = if label.chars().count() > 48 {
            label.chars().take(47).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\"><title>{}: {} flow(s)</title></rect>\
             <text class=\"lbl\" x=\"{nx:.1}\" y=\"{ty:.1}\">{}</text>",
            esc(&shown),
            esc(label),
            t.flows,
            t.flows,
            lx = label_w - 6.0,
            ty = y + row_h * 0.65,
            bh = row_h - 6.0,
            nx = label_w + bw + 4.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn impact_html(out: &mut String, i: &Impact, top: usize, heading: &str, part: &str) {
    let t = &i.total;
    let _ = write!(
        out,
        "<h2>{}</h2><p>{} flow(s) blocked ({} reset), {} packet(s) and {} byte(s) dropped; {} established session(s) cut mid-way.</p>",
        esc(heading),
        t.flows,
        t.reset,
        t.packets,
        t.bytes,
        t.cut
    );
    out.push_str("<h3>Flows blocked over time</h3>");
    out.push_str(&timeline_svg(i, &format!("{part}-timeline")));
    let rules: Vec<(String, &Tally)> = i
        .rules
        .iter()
        .take(top)
        .map(|(r, t)| (format!("{} {}", r.sid, r.msg), t))
        .collect();
    out.push_str("<h3>Top rules</h3>");
    out.push_str(&bars_svg(&format!("{part}-rules"), "Top rules", &rules));
    let services: Vec<(String, &Tally)> = i
        .services
        .iter()
        .take(top)
        .map(|(s, t)| (s.label(), t))
        .collect();
    out.push_str("<h3>Top services</h3>");
    out.push_str(&bars_svg(
        &format!("{part}-services"),
        "Top services",
        &services,
    ));
    out.push_str("<h3>By rule</h3><table><tr><th>SID</th><th>Flows</th><th>Bytes</th><th>Cut</th><th>Owner</th><th>Message</th></tr>");
    for (r, t) in &i.rules {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            r.sid,
            t.flows,
            t.bytes,
            t.cut,
            esc(&r.owner),
            esc(&r.msg)
        );
    }
    out.push_str(
        "</table><h3>By service</h3><table><tr><th>Service</th><th>Flows</th><th>Bytes</th></tr>",
    );
    for (s, t) in i.services.iter().take(top * 5) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&s.label()),
            t.flows,
            t.bytes
        );
    }
    out.push_str(
        "</table><h3>By client</h3><table><tr><th>Client</th><th>Flows</th><th>Bytes</th></tr>",
    );
    for (c, t) in i.clients.iter().take(top * 5) {
        let _ = write!(
            out,
            "<tr><td>{c}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            t.flows, t.bytes
        );
    }
    out.push_str("</table>");
}

/// The complete page.
pub(crate) fn render(report: &Report, title: &str, top: usize) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>",
        esc(title),
        esc(title)
    );
    match (&report.unblocked, report.unchanged_flows) {
        (Some(u), Some(same)) => {
            let _ = write!(
                out,
                "<p>Against the baseline: {} flow(s) newly blocked, {} no longer blocked, {same} blocked by both.</p>",
                report.blocked.total.flows, u.total.flows
            );
            impact_html(&mut out, &report.blocked, top, "Newly blocked", "blocked");
            impact_html(&mut out, u, top, "No longer blocked", "unblocked");
        }
        _ => impact_html(&mut out, &report.blocked, top, "Blocked", "blocked"),
    }
    out.push_str("</body></html>\n");
    out
}
