//! The report as Markdown (CommonMark with GitHub tables): the same
//! content as the HTML page, without the chart, which a sentence points
//! to; the signal before, during and after is given in words instead.

use crate::content::{Block, Doc, Table};
use crate::escape::markdown as esc;

/// The Markdown text of `doc`; `html_command` is the command that writes
/// the HTML report with the chart.
pub fn render(doc: &Doc, html_command: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {}\n\n", esc(&doc.title)));
    s.push_str(&format!("*{}*\n\n", esc(&doc.kicker)));
    s.push_str(&format!("**{}**\n\n", esc(&doc.headline)));
    s.push_str("## Key facts\n\n");
    for (label, value) in &doc.facts {
        s.push_str(&format!("- **{}:** {}\n", esc(label), esc(value)));
    }
    s.push_str("\n## Timeline\n\n");
    s.push_str(&format!(
        "The timeline chart is left out of the Markdown version; `{}` draws it in the HTML \
         report. In it: {}\n\n",
        html_command.replace('`', "'"),
        esc(&doc.chart_caption)
    ));
    s.push_str(&format!("{}\n", esc(&doc.signal_summary)));
    for section in &doc.sections {
        let hashes = "#".repeat(usize::from(section.level.clamp(2, 4)));
        s.push_str(&format!("\n{hashes} {}\n", esc(&section.title)));
        for block in &section.blocks {
            s.push('\n');
            match block {
                Block::Para(text) => {
                    s.push_str(&esc(text));
                    s.push('\n');
                }
                Block::Table(table) => table_md(&mut s, table),
            }
        }
    }
    s.push_str(&format!(
        "\n---\n\n{} · All times UTC · Written by darkwatch from its routing data.\n",
        esc(&doc.kicker)
    ));
    s
}

fn table_md(s: &mut String, table: &Table) {
    s.push('|');
    for h in &table.head {
        s.push_str(&format!(" {} |", esc(h)));
    }
    s.push_str("\n|");
    for i in 0..table.head.len() {
        let numeric = table.numeric.get(i).copied().unwrap_or(false);
        s.push_str(if numeric { " ---: |" } else { " --- |" });
    }
    s.push('\n');
    for row in &table.rows {
        s.push('|');
        for cell in row {
            s.push_str(&format!(" {} |", esc(cell)));
        }
        s.push('\n');
    }
}
