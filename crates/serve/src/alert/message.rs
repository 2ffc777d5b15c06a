//! What a webhook receives: the event's JSON as it stood at the
//! transition, what changed, and a Slack-compatible `text` with the
//! headline, so that the same POST feeds a chat channel and a program.

use serde_json::{json, Value};
use store::{Alert, EntityInfo};

/// The body POSTed for `alert`, whose entity the store describes as
/// `info`.
pub fn body(alert: &Alert, info: Option<&EntityInfo>, bin_secs: u64) -> Value {
    let event: Value = serde_json::from_str(&alert.event_json).unwrap_or(Value::Null);
    json!({
        "text": text(alert, &event, info, bin_secs),
        "alert": {
            "id": alert.id,
            "transition": alert.transition,
            "event_id": alert.event_id,
            "entity": alert.entity,
            "at": detect::rfc3339(alert.at),
        },
        "event": event,
    })
}

/// One line a person reads first: what changed, then the headline.
fn text(alert: &Alert, event: &Value, info: Option<&EntityInfo>, bin_secs: u64) -> String {
    let severity = event["severity"].as_str().unwrap_or("");
    let what = match (alert.transition.as_str(), event["kind"].as_str()) {
        ("start", Some("instability")) => "Instability".to_owned(),
        ("start", _) => format!("Outage ({severity})"),
        ("escalation", _) => format!("Worse: now {severity}"),
        ("deescalation", _) => format!("Better: now {severity}"),
        ("restore", Some("instability")) => "Stable again".to_owned(),
        ("restore", _) => "Restored".to_owned(),
        ("data_gap", _) => "Data stopped, end unknown".to_owned(),
        (other, _) => other.to_owned(),
    };
    let headline = report::headline(event, info, bin_secs)
        .unwrap_or_else(|_| format!("{} (event {})", alert.entity, alert.event_id));
    format!("[darkwatch] {what}: {headline}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_says_the_transition_and_the_body_carries_the_event() {
        let event = detect::Event {
            last_change: 1_419_265_800,
            baseline: 4.0,
            ..detect::Event::raised(
                7,
                signal::Entity::Country("KP".parse().unwrap()),
                detect::EventKind::Outage,
                detect::Severity::Dark,
                1_419_265_200,
                "visible_24s",
            )
        }
        .to_json(1_419_265_800);
        let alert = Alert {
            id: 3,
            event_id: 7,
            transition: "escalation".into(),
            entity: "country/KP".into(),
            kind: "outage".into(),
            worst_severity: "dark".into(),
            at: 1_419_265_800,
            event_json: event.to_string(),
        };
        let body = body(&alert, None, 300);
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with("[darkwatch] Worse: now dark: "), "{text}");
        assert!(text.contains("North Korea"), "{text}");
        assert_eq!(body["alert"]["transition"], "escalation");
        assert_eq!(body["alert"]["at"], "2014-12-22T16:30:00Z");
        assert_eq!(body["event"]["id"], 7);
    }
}
