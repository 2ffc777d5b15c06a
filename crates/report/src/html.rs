//! The report as one self-contained HTML page: inline CSS, the chart as
//! inline SVG, no scripts, no fonts or images fetched from anywhere. The
//! layout is a single readable column that fits a phone; wide tables and
//! the chart scroll sideways inside their own box. The markup is also
//! well-formed XML (void elements self-closed), so it can be checked
//! mechanically.

use crate::content::{Block, Doc, Section, Table};
use crate::escape::html as esc;

const STYLE: &str = "
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5a5a5a; --rule: #dcdcdc; --accent: #a31d1d; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f6f4; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
main { max-width: 64rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; background: #fff; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1.5rem; }
.kicker { margin: 0; color: var(--muted); font-size: .85rem; letter-spacing: .04em; text-transform: uppercase; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .3rem 0 .8rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--rule); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.headline { font-size: 1.15rem; margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
figure { margin: 0; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
svg.timeline { display: block; width: 100%; min-width: 40rem; height: auto; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { text-align: left; padding: .3rem .75rem .3rem 0; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.no { color: var(--accent); font-weight: 600; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  main { padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.35rem; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: .4rem; }
}
@media print { body { background: #fff; } main { max-width: none; } .scroll { overflow: visible; } }
";

/// The page for `doc`, with `chart` (an `<svg>` element) in its timeline.
pub fn render(doc: &Doc, chart: &str) -> String {
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    s.push_str("<meta name=\"generator\" content=\"darkwatch report\"/>\n");
    s.push_str(&format!("<title>{}</title>\n", esc(&doc.title)));
    s.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    s.push_str("<header>\n");
    s.push_str(&format!("<p class=\"kicker\">{}</p>\n", esc(&doc.kicker)));
    s.push_str(&format!("<h1>{}</h1>\n", esc(&doc.title)));
    s.push_str(&format!(
        "<p class=\"headline\" id=\"headline\">{}</p>\n",
        esc(&doc.headline)
    ));
    s.push_str("</header>\n");

    s.push_str("<section id=\"facts\">\n<h2>Key facts</h2>\n<dl class=\"facts\">\n");
    for (label, value) in &doc.facts {
        s.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(label), esc(value)));
    }
    s.push_str("</dl>\n</section>\n");

    s.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n<figure>\n<div class=\"scroll\">\n");
    s.push_str(chart);
    s.push_str("\n</div>\n");
    s.push_str(&format!(
        "<figcaption>{} {}</figcaption>\n</figure>\n</section>\n",
        esc(&doc.chart_caption),
        esc(&doc.signal_summary)
    ));

    let mut open_part = false;
    for section in &doc.sections {
        if section.level <= 2 {
            if open_part {
                s.push_str("</section>\n");
            }
            s.push_str(&format!("<section id=\"{}\">\n", esc(&section.id)));
            open_part = true;
        }
        section_html(&mut s, section);
    }
    if open_part {
        s.push_str("</section>\n");
    }
    s.push_str(&format!(
        "<footer>{} · All times UTC · Written by darkwatch from its routing data.</footer>\n",
        esc(&doc.kicker)
    ));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn section_html(s: &mut String, section: &Section) {
    let level = section.level.clamp(2, 4);
    if level == 2 {
        s.push_str(&format!("<h2>{}</h2>\n", esc(&section.title)));
    } else {
        s.push_str(&format!(
            "<h{level} id=\"{}\">{}</h{level}>\n",
            esc(&section.id),
            esc(&section.title)
        ));
    }
    for block in &section.blocks {
        match block {
            Block::Para(text) => s.push_str(&format!("<p>{}</p>\n", esc(text))),
            Block::Table(table) => table_html(s, table),
        }
    }
}

fn table_html(s: &mut String, table: &Table) {
    let class = |i: usize| {
        if table.numeric.get(i).copied().unwrap_or(false) {
            " class=\"num\""
        } else {
            ""
        }
    };
    s.push_str("<div class=\"scroll\">\n<table>\n<thead><tr>");
    for (i, h) in table.head.iter().enumerate() {
        s.push_str(&format!("<th scope=\"col\"{}>{}</th>", class(i), esc(h)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if cell == "no" && table.head.get(i).is_some_and(|h| h == "Sees it") {
                " class=\"no\""
            } else {
                class(i)
            };
            s.push_str(&format!("<td{class}>{}</td>", esc(cell)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</div>\n");
}
