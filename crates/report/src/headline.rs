//! The headline: one sentence in plain words that says who lost what,
//! when, for how long, and what the hints point at; built from whatever
//! hints the event has, for any entity.

use store::EntityInfo;

use crate::event::{EventView, Hint};
use crate::words::{
    asn, capitalize, coarse_duration, duration, entity_name, number, percent, plural, shares,
    signal_unit, thousands, when,
};

/// The headline of `event`, whose entity the store describes as `info`;
/// `bin_secs` is the length of a series bin (the churn threshold is per
/// bin).
pub fn headline(event: &EventView, info: Option<&EntityInfo>, bin_secs: u64) -> String {
    let open = event.is_open();
    let tense = |past: &'static str, present: &'static str| if open { present } else { past };
    let subject = entity_name(&event.entity, info).full;
    let verb = if event.is_outage() {
        match event.worst_severity.as_str() {
            "dark" => tense(
                "was completely off the Internet",
                "has been completely off the Internet",
            ),
            "critical" => tense(
                "was mostly off the Internet",
                "has been mostly off the Internet",
            ),
            _ => tense(
                "was partly off the Internet",
                "has been partly off the Internet",
            ),
        }
    } else {
        tense("had unstable routing", "has had unstable routing")
    };
    let span = if open {
        format!(
            "since {} ({} so far)",
            when(event.start),
            duration(event.duration_s)
        )
    } else {
        format!(
            "from {} for {}",
            when(event.start),
            duration(event.duration_s)
        )
    };
    let mut text = format!("{subject} {verb} {span}");
    if event.is_outage() {
        if event.worst_severity != "dark" {
            text.push_str(&format!(
                ", at worst {} of its usual {} {}",
                percent(event.min_ratio),
                number(event.baseline),
                signal_unit(&event.signal)
            ));
        }
    } else {
        text.push_str(&format!(
            ", with churn up to {} times its alert level of {} routing changes per {}",
            number(event.min_ratio),
            number(event.baseline),
            coarse_duration(bin_secs).trim_start_matches("1 ")
        ));
    }
    if let Some(since) = event.hint(|h| match h {
        Hint::PrecededByInstability { since, .. } => Some(*since),
        _ => None,
    }) {
        if since < event.start {
            text.push_str(&format!(
                ", after {} of instability",
                coarse_duration(event.start - since)
            ));
        }
    }
    let clauses = clauses(event, open);
    if !clauses.is_empty() {
        text.push_str("; ");
        text.push_str(&join_clauses(&clauses));
    }
    text.push('.');
    capitalize(&text)
}

/// `a`, `a, and b`, `a, b, and c`: clauses that may hold an `and` of
/// their own.
fn join_clauses(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// What the hints add, each a clause.
fn clauses(event: &EventView, open: bool) -> Vec<String> {
    let dark = event.is_outage() && event.worst_severity == "dark";
    let mut out = Vec::new();
    for hint in &event.hints {
        match hint {
            Hint::SingleUpstream { upstreams } => {
                if let Some(top) = upstreams.first() {
                    let share = if top.share >= 0.995 {
                        "all its routes".to_owned()
                    } else {
                        format!("{} of its routes", percent(top.share))
                    };
                    out.push(format!("{share} went through {}", asn(top.asn)));
                }
            }
            Hint::Upstreams { upstreams } if !upstreams.is_empty() => {
                out.push(format!("its routes went through {}", shares(upstreams)));
            }
            Hint::UpstreamLoss {
                upstream,
                routes_before,
                routes_elsewhere,
            } => out.push(format!(
                "the {} through {} went away while {} through other upstreams stayed",
                plural(u64::from(*routes_before), "route"),
                asn(*upstream),
                thousands(u64::from(*routes_elsewhere))
            )),
            Hint::Vantage {
                seeing,
                not_seeing,
                upstream,
                upstream_peers_seeing,
                upstream_peers_not_seeing,
            } => {
                // A partial outage: only the affected prefixes are gone.
                let (it, was) = match (dark, open) {
                    (true, true) => ("it", "is"),
                    (true, false) => ("it", "was"),
                    (false, true) => ("its affected prefixes", "are"),
                    (false, false) => ("its affected prefixes", "were"),
                };
                match upstream {
                    Some(up) if *upstream_peers_not_seeing > 0 && *upstream_peers_seeing == 0 => {
                        let either = if seeing.is_empty() { " either" } else { "" };
                        out.push(format!(
                            "{it} {was} not visible from inside {}{either}",
                            asn(*up)
                        ));
                    }
                    Some(up) if *upstream_peers_seeing > 0 && *upstream_peers_not_seeing == 0 => {
                        out.push(format!("{it} {was} still visible from inside {}", asn(*up)));
                    }
                    Some(up) if *upstream_peers_seeing > 0 => out.push(format!(
                        "{} of the {} peers inside {} still {}",
                        upstream_peers_seeing,
                        upstream_peers_seeing + upstream_peers_not_seeing,
                        asn(*up),
                        if open { "see it" } else { "saw it" }
                    )),
                    _ => {
                        let total = seeing.len() + not_seeing.len();
                        if total > 0 && !dark {
                            let verb = if open { "see" } else { "saw" };
                            out.push(if seeing.is_empty() {
                                format!(
                                    "none of the {total} collector peers {verb} the affected prefixes"
                                )
                            } else {
                                format!(
                                    "{} of {total} collector peers still {verb} the affected prefixes",
                                    seeing.len()
                                )
                            });
                        }
                    }
                }
            }
            Hint::PeerReset { peers, at } => out.push(format!(
                "{} went down at {}, so part of the loss is {} view, not the entity's reachability",
                if peers.len() == 1 {
                    "a collector peer's session".to_owned()
                } else {
                    format!("the sessions of {} collector peers", peers.len())
                },
                when(*at),
                if peers.len() == 1 { "its" } else { "their" }
            )),
            Hint::DataGap { since, .. } => out.push(format!(
                "the data stops at {} with the event still open, so how long it lasted is unknown",
                when(*since)
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(v: serde_json::Value) -> EventView {
        EventView::from_json(&v).unwrap()
    }

    fn peers(n: u32, asn: u32, before: u32, now: u32) -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({"asn": asn, "address": format!("192.0.2.{}", i + 1), "routes_before": before, "routes_now": now}))
            .collect()
    }

    #[test]
    fn dark_with_every_hint() {
        let e = event(json!({
            "id": 34, "entity": "country/KP", "kind": "outage", "severity": "warning",
            "worst_severity": "dark", "start": "2014-12-22T16:15:08Z",
            "end": "2014-12-23T01:45:27Z", "duration_s": 34219, "min_ratio": 0.0,
            "baseline": 4.0, "signal": "visible_24s", "short": false, "prefixes": [],
            "hints": [
                {"kind": "preceded_by_instability", "event": 4, "since": 1419045600, "flaps": 34, "churn": 1280},
                {"kind": "withdrawn_at_origin", "peers": 8, "routes": 32, "first": 1419264900, "last": 1419264913, "spread_s": 13},
                {"kind": "single_upstream", "upstreams": [{"asn": 4837, "routes": 32, "share": 1.0}]},
                {"kind": "vantage", "seeing": [], "not_seeing": peers(8, 4837, 4, 0), "upstream": 4837,
                 "upstream_peers_seeing": 0, "upstream_peers_not_seeing": 2}
            ]
        }));
        assert_eq!(
            headline(&e, None, 300),
            "North Korea (country/KP) was completely off the Internet from 16:15 UTC on 22 December 2014 \
             for 9 h 30 min, after 2 days of instability; all its routes went through AS4837, and it was \
             not visible from inside AS4837 either."
        );
    }

    #[test]
    fn critical_partial_with_several_upstreams() {
        let mut vantage_peers = peers(5, 174, 5, 1);
        vantage_peers.truncate(3);
        let e = event(json!({
            "id": 1, "entity": "country/IQ", "kind": "outage", "severity": "warning",
            "worst_severity": "critical", "start": "2023-06-12T03:00:45Z",
            "end": "2023-06-12T05:02:50Z", "duration_s": 7325, "min_ratio": 0.1,
            "baseline": 240.0, "signal": "visible_24s", "short": false, "prefixes": [],
            "hints": [
                {"kind": "withdrawn_at_origin", "peers": 8, "routes": 36, "first": 1686538845, "last": 1686539247, "spread_s": 56},
                {"kind": "upstreams", "upstreams": [
                    {"asn": 9121, "routes": 24, "share": 0.6666666666666666},
                    {"asn": 200612, "routes": 12, "share": 0.3333333333333333}]},
                {"kind": "vantage", "seeing": vantage_peers, "not_seeing": peers(5, 3356, 5, 0),
                 "upstream": null, "upstream_peers_seeing": 0, "upstream_peers_not_seeing": 0}
            ]
        }));
        assert_eq!(
            headline(&e, None, 300),
            "Iraq (country/IQ) was mostly off the Internet from 03:00 UTC on 12 June 2023 for 2 h 2 min, \
             at worst 10% of its usual 240 visible IPv4 /24 blocks; its routes went through AS9121 (67%) \
             and AS200612 (33%), and 3 of 8 collector peers still saw the affected prefixes."
        );
    }

    #[test]
    fn instability_with_upstream_loss() {
        let info = EntityInfo {
            name: "as/44395".into(),
            label: Some("UCOM".into()),
            country: Some("AM".into()),
        };
        let e = event(json!({
            "id": 2, "entity": "as/44395", "kind": "instability", "severity": "warning",
            "worst_severity": "warning", "start": "2024-10-07T11:05:00Z",
            "end": "2024-10-07T11:10:00Z", "duration_s": 300, "min_ratio": 4.0,
            "baseline": 10.0, "signal": "churn", "short": false, "prefixes": [],
            "hints": [{"kind": "upstream_loss", "upstream": 12389, "routes_before": 16, "routes_elsewhere": 32}]
        }));
        assert_eq!(
            headline(&e, Some(&info), 300),
            "AS44395 UCOM (as/44395, Armenia) had unstable routing from 11:05 UTC on 7 October 2024 for \
             5 min, with churn up to 4 times its alert level of 10 routing changes per 5 minutes; the 16 \
             routes through AS12389 went away while 32 through other upstreams stayed."
        );
    }

    #[test]
    fn open_event_speaks_in_the_present() {
        let e = event(json!({
            "id": 9, "entity": "prefix/175.45.176.0/22", "kind": "outage", "severity": "dark",
            "worst_severity": "dark", "start": "2014-12-22T16:15:08Z", "end": null,
            "duration_s": 2700, "min_ratio": 0.0, "baseline": 4.0, "signal": "visible_24s",
            "hints": [
                {"kind": "single_upstream", "upstreams": [{"asn": 4837, "routes": 31, "share": 0.97}]},
                {"kind": "vantage", "seeing": [], "not_seeing": peers(2, 4837, 4, 0), "upstream": 4837,
                 "upstream_peers_seeing": 0, "upstream_peers_not_seeing": 2},
                {"kind": "peer_reset", "peers": ["3356 198.51.100.1"], "at": 1419265000}
            ]
        }));
        assert_eq!(
            headline(&e, None, 300),
            "The prefix 175.45.176.0/22 has been completely off the Internet since 16:15 UTC on \
             22 December 2014 (45 min so far); 97% of its routes went through AS4837, it is not visible \
             from inside AS4837 either, and a collector peer's session went down at 16:16 UTC on \
             22 December 2014, so part of the loss is its view, not the entity's reachability."
        );
    }

    #[test]
    fn a_partial_outage_speaks_of_its_affected_prefixes() {
        let e = event(json!({
            "id": 22, "entity": "as/131279", "kind": "outage", "severity": "warning",
            "worst_severity": "warning", "start": "2014-12-21T14:35:05Z",
            "end": "2014-12-21T14:45:05Z", "duration_s": 600, "min_ratio": 0.5,
            "baseline": 4.0, "signal": "visible_24s",
            "hints": [
                {"kind": "vantage", "seeing": peers(1, 3356, 4, 4), "not_seeing": peers(2, 4837, 4, 0),
                 "upstream": 4837, "upstream_peers_seeing": 0, "upstream_peers_not_seeing": 2}
            ]
        }));
        assert_eq!(
            headline(&e, None, 300),
            "AS131279 was partly off the Internet from 14:35 UTC on 21 December 2014 for 10 min, at \
             worst 50% of its usual 4 visible IPv4 /24 blocks; its affected prefixes were not visible \
             from inside AS4837."
        );
    }
}
