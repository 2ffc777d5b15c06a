//! What a report says, independent of its format: the facts, the
//! headline, every hint in plain words with its evidence as tables, the
//! affected prefixes. The HTML and Markdown renderers only lay this out,
//! so both formats carry the same content. All text here is plain (not
//! escaped); the renderers escape it.

use store::{EntityInfo, Point};

use crate::event::{EventView, Hint, PeerView, UpstreamShare};
use crate::headline::headline;
use crate::series::{steps, Window};
use crate::words::{
    asn, capitalize, clock, clock_s, coarse_duration, date, duration, entity_name, list, number,
    percent, plural, signal_unit, thousands, when, EntityName,
};

/// A table: header cells and rows of cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Column titles.
    pub head: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

/// A block of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Para(String),
    /// A table.
    Table(Table),
}

/// A titled part of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// 2 for a part, 3 for a hint within "What the data shows".
    pub level: u8,
    /// An anchor: `hint-vantage`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its paragraphs and tables.
    pub blocks: Vec<Block>,
}

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// The page title: `Outage of North Korea (country/KP), 22 December 2014`.
    pub title: String,
    /// The line above the title: `darkwatch incident report · event 34`.
    pub kicker: String,
    /// The headline sentence.
    pub headline: String,
    /// Key facts: label and value.
    pub facts: Vec<(String, String)>,
    /// The signal before, during and after the event in one sentence.
    pub signal_summary: String,
    /// What the chart shows.
    pub chart_caption: String,
    /// The sections after the chart.
    pub sections: Vec<Section>,
}

/// Builds the content of the report of `event`.
pub fn build(
    event: &EventView,
    info: Option<&EntityInfo>,
    points: &[Point],
    window: Window,
    bin_secs: u64,
    plotted: &str,
) -> Doc {
    let name = entity_name(&event.entity, info);
    let what = if event.is_outage() {
        "Outage"
    } else {
        "Routing instability"
    };
    let mut sections = vec![Section {
        level: 2,
        id: "hints".into(),
        title: "What the data shows".into(),
        blocks: vec![Block::Para(if event.hints.is_empty() {
            "The detector attached no hints to this event: the data shows the change, not its cause."
                .into()
        } else {
            format!(
                "{} from the routing data, each with its evidence.",
                capitalize(&plural(event.hints.len() as u64, "finding"))
            )
        })],
    }];
    sections.extend(
        event
            .hints
            .iter()
            .filter_map(|h| hint_section(h, event, &name)),
    );
    sections.push(prefixes_section(event));
    sections.push(about_section(event, bin_secs, plotted));
    Doc {
        title: format!("{what} of {}, {}", name.full, date(event.start)),
        kicker: format!("darkwatch incident report · event {}", event.id),
        headline: headline(event, info, bin_secs),
        facts: facts(event, &name, bin_secs),
        signal_summary: signal_summary(event, points, window, plotted, bin_secs),
        chart_caption: chart_caption(event, &name, window, plotted, bin_secs),
        sections,
    }
}

fn severity_words(event: &EventView, severity: &str) -> String {
    if !event.is_outage() {
        return format!("{severity} (churn far above its usual level)");
    }
    match severity {
        "dark" => "dark (nothing visible)".into(),
        "critical" => "critical (under half of the baseline visible)".into(),
        "warning" => "warning (under 80% of the baseline visible)".into(),
        other => other.into(),
    }
}

fn facts(event: &EventView, name: &EntityName, bin_secs: u64) -> Vec<(String, String)> {
    let at = |secs: u64| format!("{} UTC, {}", clock_s(secs), date(secs));
    let mut out = vec![
        ("Entity".to_owned(), name.full.clone()),
        (
            "Kind".into(),
            format!(
                "{}{}",
                event.kind,
                if event.short { " (short)" } else { "" }
            ),
        ),
        (
            "Worst severity".into(),
            severity_words(event, &event.worst_severity),
        ),
    ];
    if event.is_open() {
        out.push((
            "Severity now".into(),
            severity_words(event, &event.severity),
        ));
    }
    out.push(("Started".into(), at(event.start)));
    out.push((
        "Ended".into(),
        match event.end {
            Some(end) => at(end),
            None => format!("not yet (last update {})", at(event.end_or_now())),
        },
    ));
    out.push((
        "Duration".into(),
        if event.is_open() {
            format!("{} so far", duration(event.duration_s))
        } else {
            duration(event.duration_s)
        },
    ));
    if event.is_outage() {
        out.push((
            "Signal".into(),
            format!("{} ({})", signal_unit(&event.signal), event.signal),
        ));
        out.push((
            "Baseline".into(),
            format!("{} {}", number(event.baseline), signal_unit(&event.signal)),
        ));
        out.push((
            "Lowest".into(),
            format!("{} of the baseline", percent(event.min_ratio)),
        ));
    } else {
        out.push((
            "Signal".into(),
            "churn: announcements, withdrawals and path changes per bin".into(),
        ));
        out.push((
            "Alert level".into(),
            format!(
                "{} changes per {}",
                number(event.baseline),
                coarse_duration(bin_secs).trim_start_matches("1 ")
            ),
        ));
        out.push((
            "Highest".into(),
            format!("{} times the alert level", number(event.min_ratio)),
        ));
    }
    out.push((
        "Affected prefixes".into(),
        thousands(event.prefixes.len() as u64),
    ));
    out.push(("Event id".into(), event.id.to_string()));
    out
}

fn signal_summary(
    event: &EventView,
    points: &[Point],
    window: Window,
    plotted: &str,
    bin_secs: u64,
) -> String {
    let unit = signal_unit(plotted);
    let line = steps(points, window, plotted);
    let at = |t: u64| {
        line.iter()
            .rev()
            .find(|&&(s, _)| s <= t)
            .map_or(0, |&(_, v)| v)
    };
    let start_bin = event.start - event.start % bin_secs.max(1);
    let end = event.end_or_now();
    let before = at(start_bin.saturating_sub(1));
    let lowest = line
        .iter()
        .filter(|&&(t, _)| t >= start_bin && t < end)
        .map(|&(_, v)| v)
        .chain([at(start_bin)])
        .min()
        .unwrap_or(0);
    let last = window.to.saturating_sub(1);
    let mut text = format!(
        "Just before {}: {} {unit}; lowest during the event: {}",
        clock(event.start),
        thousands(before),
        thousands(lowest)
    );
    match event.end {
        Some(_) => text.push_str(&format!(
            "; at {} UTC on {}: {}.",
            clock(window.to),
            date(window.to),
            thousands(at(last))
        )),
        None => text.push_str(&format!("; at the last update: {}.", thousands(at(last)))),
    }
    text
}

fn chart_caption(
    event: &EventView,
    name: &EntityName,
    window: Window,
    plotted: &str,
    bin_secs: u64,
) -> String {
    let mut parts = vec![format!(
        "Solid step line: the {} of {}.",
        signal_unit(plotted),
        name.full
    )];
    if event.is_outage() {
        parts.push("Dashed: its baseline.".into());
    }
    parts.push(format!("Shaded red: the {}.", event.kind));
    if event
        .hints
        .iter()
        .any(|h| matches!(h, Hint::PrecededByInstability { .. }))
    {
        parts.push("Orange band: the instability before it.".into());
    }
    parts.push(format!(
        "Grey bars: churn per {} min, on their own scale{}.",
        bin_secs / 60,
        if event.is_outage() {
            ""
        } else {
            ", with the alert level dashed"
        }
    ));
    parts.push(format!(
        "From {} to {}.",
        when(window.from),
        when(window.to)
    ));
    parts.join(" ")
}

fn share_table(upstreams: &[UpstreamShare]) -> Table {
    Table {
        head: vec!["Upstream AS".into(), "Routes".into(), "Share".into()],
        numeric: vec![false, true, true],
        rows: upstreams
            .iter()
            .map(|u| vec![asn(u.asn), thousands(u64::from(u.routes)), percent(u.share)])
            .collect(),
    }
}

fn vantage_table(seeing: &[PeerView], not_seeing: &[PeerView]) -> Table {
    let row = |p: &PeerView, sees: bool| {
        vec![
            asn(p.asn),
            p.address.clone(),
            thousands(u64::from(p.routes_before)),
            thousands(u64::from(p.routes_now)),
            if sees { "yes" } else { "no" }.to_owned(),
        ]
    };
    Table {
        head: vec![
            "Peer AS".into(),
            "Address".into(),
            "Routes before".into(),
            "Routes now".into(),
            "Sees it".into(),
        ],
        numeric: vec![false, false, true, true, false],
        rows: seeing
            .iter()
            .map(|p| row(p, true))
            .chain(not_seeing.iter().map(|p| row(p, false)))
            .collect(),
    }
}

/// `3356 198.51.100.1` as `AS3356 (198.51.100.1)`.
fn peer_words(peer: &str) -> String {
    match peer.split_once(' ') {
        Some((a, addr)) if a.parse::<u32>().is_ok() => format!("AS{a} ({addr})"),
        _ => peer.to_owned(),
    }
}

fn hint_section(hint: &Hint, event: &EventView, name: &EntityName) -> Option<Section> {
    let section = |id: &str, title: String, blocks: Vec<Block>| Section {
        level: 3,
        id: format!("hint-{id}"),
        title,
        blocks,
    };
    let who = &name.name;
    Some(match hint {
        Hint::WithdrawnAtOrigin {
            peers,
            routes,
            first,
            last,
            spread_s,
        } => section(
            "withdrawn-at-origin",
            "Withdrawn at the origin".into(),
            vec![
                Block::Para(format!(
                    "{} lost {} to the affected prefixes, every prefix within {} across all of them: \
                     the first withdrawal came at {} UTC and the last at {} UTC on {}.",
                    capitalize(&plural(u64::from(*peers), "collector peer")),
                    plural(u64::from(*routes), "route"),
                    plural(*spread_s, "second"),
                    clock_s(*first),
                    clock_s(*last),
                    date(*last)
                )),
                Block::Para(
                    "When every vantage point loses a prefix at the same moment, the prefix was \
                     withdrawn at its origin, or by the only network between the origin and the rest \
                     of the Internet; a fault in one transit network or at one collector looks different."
                        .into(),
                ),
            ],
        ),
        Hint::UpstreamLoss {
            upstream,
            routes_before,
            routes_elsewhere,
        } => section(
            "upstream-loss",
            format!("Routes lost through {}", asn(*upstream)),
            vec![Block::Para(format!(
                "Before the event, {} to {who}'s prefixes went through {}. They went away, while {} \
                 through other upstreams stayed: the change is at {} or on its link to {who}, not in \
                 {who}'s own announcements.",
                plural(u64::from(*routes_before), "route"),
                asn(*upstream),
                plural(u64::from(*routes_elsewhere), "route"),
                asn(*upstream)
            ))],
        ),
        Hint::PrecededByInstability {
            event: id,
            since,
            flaps,
            churn,
        } => section(
            "preceded-by-instability",
            "Preceded by instability".into(),
            vec![Block::Para(format!(
                "{}'s routing had been unstable since {}, {} before this event began: {} (visibility \
                 drops) and {} (announcements, withdrawals and path changes); the instability began with \
                 event {id}.",
                capitalize(who),
                when(*since),
                duration(event.start.saturating_sub(*since)),
                plural(*flaps, "flap"),
                plural(*churn, "routing change")
            ))],
        ),
        Hint::SingleUpstream { upstreams } => {
            let top = upstreams.first()?;
            let share = if top.share >= 0.995 {
                "All".to_owned()
            } else {
                format!("{} of", percent(top.share))
            };
            section(
                "single-upstream",
                format!("A single upstream: {}", asn(top.asn)),
                vec![
                    Block::Para(format!(
                        "{share} the routes to {who}'s prefixes went through {} (the AS next to the \
                         origin on the path). With one way out, a failure or a decision at {}, or on the \
                         link to it, is enough to cut {who} off.",
                        asn(top.asn),
                        asn(top.asn)
                    )),
                    Block::Table(share_table(upstreams)),
                ],
            )
        }
        Hint::Upstreams { upstreams } => section(
            "upstreams",
            "Several upstreams".into(),
            vec![
                Block::Para(format!(
                    "The routes to {who}'s prefixes went through {} (the AS next to the origin on the \
                     path), so no single one of them could cut it off alone.",
                    plural(upstreams.len() as u64, "upstream")
                )),
                Block::Table(share_table(upstreams)),
            ],
        ),
        Hint::Vantage {
            seeing,
            not_seeing,
            upstream,
            upstream_peers_seeing,
            upstream_peers_not_seeing,
        } => {
            let total = seeing.len() + not_seeing.len();
            let saw = if event.is_open() { "see" } else { "saw" };
            let mut text = if seeing.is_empty() {
                format!(
                    "None of the {} collector peers {saw} the affected prefixes any more: all lost them.",
                    total
                )
            } else if not_seeing.is_empty() {
                format!("All {total} collector peers still {saw} the affected prefixes.")
            } else {
                format!(
                    "{} of {} still {saw} the affected prefixes; {} lost them all.",
                    seeing.len(),
                    plural(total as u64, "collector peer"),
                    not_seeing.len()
                )
            };
            if let Some(up) = upstream {
                let inside = upstream_peers_seeing + upstream_peers_not_seeing;
                let up = asn(*up);
                text.push(' ');
                text.push_str(&match (upstream_peers_seeing, upstream_peers_not_seeing) {
                    (0, _) => format!(
                        "{} inside {up}, the main upstream, lost them too: the routes are gone from \
                         {up} itself, not only from what it passes on.",
                        capitalize(&peers_phrase(inside))
                    ),
                    (_, 0) => format!(
                        "{} inside {up}, the main upstream, still saw them: {up} had the routes but \
                         did not pass them on.",
                        capitalize(&peers_phrase(inside))
                    ),
                    (s, n) => format!(
                        "Of the {inside} peers inside {up}, the main upstream, {s} still saw them \
                         and {n} did not."
                    ),
                });
            }
            text.push_str(
                " The routes now are as the detector saw them during the event, not after it ended.",
            );
            section(
                "vantage",
                "Vantage points".into(),
                vec![
                    Block::Para(text),
                    Block::Table(vantage_table(seeing, not_seeing)),
                ],
            )
        }
        Hint::PeerReset { peers, at } => {
            let names: Vec<String> = peers.iter().map(|p| peer_words(p)).collect();
            section(
                "peer-reset",
                "A collector session went down".into(),
                vec![Block::Para(format!(
                    "The BGP {} of {} with the collector went down at {}. Routes lost with a session \
                     are that peer's view, not {who}'s reachability, so part of what the signal shows \
                     may not be a real loss.",
                    if peers.len() == 1 {
                        "session"
                    } else {
                        "sessions"
                    },
                    list(&names),
                    when(*at)
                ))],
            )
        }
        Hint::DataGap { since, until } => section(
            "data-gap",
            "The data stops".into(),
            vec![Block::Para(format!(
                "The routing data stops at {} and resumes only at {}, while the event was still                  open. It is shown as ending where the data stops; whether {who} came back then,                  later or not at all cannot be told from this data.",
                when(*since),
                when(*until)
            ))],
        ),
    })
}

/// `the one peer`, `both peers`, `all 3 peers`.
fn peers_phrase(n: u32) -> String {
    match n {
        1 => "the one peer".into(),
        2 => "both peers".into(),
        n => format!("all {n} peers"),
    }
}

fn prefixes_section(event: &EventView) -> Section {
    let blocks = if event.prefixes.is_empty() {
        vec![Block::Para(
            "The event lists no prefixes (instability events do not).".into(),
        )]
    } else {
        vec![Block::Table(Table {
            head: vec!["Prefix".into(), "Origin".into(), "Last AS path".into()],
            numeric: vec![false, false, false],
            rows: event
                .prefixes
                .iter()
                .map(|p| {
                    vec![
                        p.prefix.clone(),
                        p.origin.map_or_else(|| "unknown".into(), asn),
                        if p.last_path.is_empty() {
                            "unknown".into()
                        } else {
                            p.last_path
                                .iter()
                                .map(u32::to_string)
                                .collect::<Vec<_>>()
                                .join(" ")
                        },
                    ]
                })
                .collect(),
        })]
    };
    Section {
        level: 2,
        id: "prefixes".into(),
        title: "Affected prefixes".into(),
        blocks,
    }
}

fn about_section(event: &EventView, bin_secs: u64, plotted: &str) -> Section {
    let mut text = vec![
        format!(
            "darkwatch counts the {} that the collectors' full-feed peers see, in bins of {} \
             minutes, and compares them with the entity's own recent level (its baseline). An outage \
             is warning under 80% of the baseline, critical under half, dark at nothing.",
            signal_unit(plotted),
            bin_secs / 60
        ),
        "Churn counts announcements, withdrawals and path changes per bin; an instability is churn \
         far above the entity's usual level."
            .to_owned(),
        "The hints come from the routes themselves: who withdrew them and when, which upstreams \
         carried them, and which collector peers still see them. All times are UTC."
            .to_owned(),
    ];
    if event.short {
        text.push(
            "This event is shorter than darkwatch's short-outage threshold: treat it as a blip \
             unless other sources confirm it."
                .to_owned(),
        );
    }
    Section {
        level: 2,
        id: "about".into(),
        title: "How to read this report".into(),
        blocks: text.into_iter().map(Block::Para).collect(),
    }
}
