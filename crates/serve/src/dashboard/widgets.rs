//! Small pieces of markup the dashboard's pages share: entities as links
//! with their names, badges for kinds and severities, times and
//! durations. Everything taken from the data is escaped here.

use report::escape_html as esc;
use report::{words, EventView};
use store::EntityInfo;

/// The path of an entity's page.
pub fn entity_href(id: &str) -> String {
    format!("/entity/{id}")
}

/// An entity's name for titles and tables: `North Korea`, `AS131279
/// STAR-KP`, `Prefix 175.45.176.0/24`, `Netherlands` (the article of
/// running text left out).
pub fn entity_title(id: &str, info: Option<&EntityInfo>) -> String {
    let name = words::entity_name(id, info).name;
    words::capitalize(name.strip_prefix("the ").unwrap_or(&name))
}

/// A link to an entity's page by its name, with a country's id
/// underneath (the other names already say theirs).
pub fn entity_link(id: &str, info: Option<&EntityInfo>) -> String {
    let name = entity_title(id, info);
    let id_line = if id.starts_with("country/") {
        format!("<span class=\"id\">{}</span>", esc(id))
    } else {
        String::new()
    };
    format!(
        "<a class=\"entity\" href=\"{}\">{}</a>{id_line}",
        esc(&entity_href(id)),
        esc(&name)
    )
}

/// A severity as a coloured badge (`warning`, `critical`, `dark`).
pub fn severity(name: &str) -> String {
    let class = match name {
        "warning" | "critical" | "dark" => name,
        _ => "unknown",
    };
    format!("<span class=\"sev sev-{class}\">{}</span>", esc(name))
}

/// An event's kind, coloured as on the charts (outage red, instability
/// amber).
pub fn kind(name: &str) -> String {
    let class = match name {
        "outage" | "instability" => name,
        _ => "unknown",
    };
    format!("<span class=\"kind kind-{class}\">{}</span>", esc(name))
}

/// A time in a table: `22 Dec 16:15`, the full date on hover.
pub fn time(t: u64) -> String {
    format!(
        "<time datetime=\"{}\" title=\"{}\">{} {}</time>",
        words::rfc3339(t),
        esc(&words::when(t)),
        esc(&words::short_date(t)),
        words::clock(t)
    )
}

/// How long an event lasted, or has lasted so far.
pub fn duration(event: &EventView) -> String {
    let d = words::duration(event.duration_s);
    if event.is_open() {
        format!("{d} so far")
    } else {
        d
    }
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    words::thousands(n)
}

/// What the gauge counts, for labels: `visible /24s` or `visible /48s`.
pub fn gauge_label(signal: &str) -> &'static str {
    if signal == "visible_48s" {
        "visible /48s"
    } else {
        "visible /24s"
    }
}

/// A figure with its label, in a row of tiles; `value` is HTML
/// (escaped by the caller), `alert` colours it.
pub fn tile(label: &str, value: &str, alert: bool) -> String {
    format!(
        "<div class=\"tile{}\"><span class=\"value\">{value}</span><span class=\"label\">{}</span></div>\n",
        if alert { " alert" } else { "" },
        esc(label)
    )
}
