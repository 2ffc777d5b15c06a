//! The `[alerts]` part of the configuration: the watch list that the
//! server starts with, and the webhook sinks with their own filters.
//! Checked when the server starts, so a typo is an error on the command
//! line and not a silent loss of alerts.

use serde::Deserialize;
use store::watch_matches as matches;

/// `[alerts]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertConfig {
    /// Entities to alert on (`country/KP`, `as/131279`, or a family as
    /// `country/*`). Added to the stored watch list when the server
    /// starts; `PUT`/`DELETE /api/v1/watch/{entity}` change it later.
    pub watch: Vec<String>,
    /// Seconds before the first retry of a failed delivery; doubled at
    /// each failure up to `retry_max_s`.
    pub retry_initial_s: u64,
    /// The longest wait between retries.
    pub retry_max_s: u64,
    /// Milliseconds between looks at the outbox for new alerts.
    pub poll_ms: u64,
    /// `[[alerts.webhook]]`: where alerts are posted.
    pub webhook: Vec<WebhookConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            watch: Vec::new(),
            retry_initial_s: 2,
            retry_max_s: 300,
            poll_ms: 1000,
            webhook: Vec::new(),
        }
    }
}

/// One `[[alerts.webhook]]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A name, unique among the sinks: the outbox remembers per name what
    /// was delivered, so renaming a sink starts it afresh.
    pub name: String,
    /// `http://` or `https://` URL that receives a POST per alert.
    pub url: String,
    /// Only these of the watched entities (same patterns); empty: all.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Only these kinds (`outage`, `instability`); empty: both.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only events that reached at least this severity (`warning`,
    /// `critical`, `dark`; instabilities count as `warning`).
    #[serde(default = "default_severity")]
    pub min_severity: String,
    /// Seconds to wait for the receiver's answer.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

fn default_severity() -> String {
    "warning".into()
}

fn default_timeout() -> u64 {
    10
}

/// The severities in rising order.
pub const SEVERITIES: [&str; 3] = ["warning", "critical", "dark"];

/// The rank of a severity name (unknown names rank lowest).
pub fn severity_rank(name: &str) -> usize {
    SEVERITIES.iter().position(|s| *s == name).unwrap_or(0)
}

/// Checks a watch-list pattern: an entity id (of the forms darkwatch
/// stores) or a family with `*`, whose head holds only what entity ids
/// hold (no `..`, no control characters, at most 64 bytes).
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    let wildcard = pattern.ends_with('*');
    let head = pattern.strip_suffix('*').unwrap_or(pattern);
    let family_ok = ["world", "country/", "as/", "prefix/"]
        .iter()
        .any(|f| head.starts_with(f) || (f.starts_with(head) && wildcard));
    let id_ok = wildcard || crate::query::entity(pattern).is_ok();
    let plain = head.len() <= 64
        && !head.contains("..")
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.:".contains(&b));
    if pattern.is_empty() || !plain || !family_ok || !id_ok {
        return Err(format!(
            "`{pattern}` is not an entity pattern: use world, country/KP, as/131279, prefix/175.45.176.0/24, or a family such as country/*"
        ));
    }
    Ok(())
}

impl AlertConfig {
    /// Checks every value a typo could spoil; the message names the
    /// sink and the key.
    pub fn check(&self) -> Result<(), String> {
        for pattern in &self.watch {
            check_pattern(pattern).map_err(|e| format!("[alerts] watch: {e}"))?;
        }
        if self.retry_initial_s == 0 || self.retry_max_s < self.retry_initial_s {
            return Err(
                "[alerts] retry_initial_s must be at least 1 and retry_max_s at least retry_initial_s"
                    .into(),
            );
        }
        let mut names = std::collections::HashSet::new();
        for sink in &self.webhook {
            let at = format!("[[alerts.webhook]] `{}`", sink.name);
            let plain = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
            if sink.name.is_empty() || !sink.name.chars().all(plain) {
                return Err(format!(
                    "{at}: a name is letters, digits, `_`, `.` and `-` (it labels the sink's metrics)"
                ));
            }
            if !names.insert(sink.name.as_str()) {
                return Err(format!("{at}: every webhook needs a name of its own"));
            }
            if !(sink.url.starts_with("http://") || sink.url.starts_with("https://")) {
                return Err(format!(
                    "{at}: url `{}` must start with http:// or https://",
                    sink.url
                ));
            }
            for pattern in &sink.entities {
                check_pattern(pattern).map_err(|e| format!("{at}: entities: {e}"))?;
            }
            if let Some(kind) = sink
                .kinds
                .iter()
                .find(|k| !["outage", "instability"].contains(&k.as_str()))
            {
                return Err(format!(
                    "{at}: kinds: `{kind}` is not outage or instability"
                ));
            }
            if !SEVERITIES.contains(&sink.min_severity.as_str()) {
                return Err(format!(
                    "{at}: min_severity `{}` is not one of {}",
                    sink.min_severity,
                    SEVERITIES.join(", ")
                ));
            }
            if sink.timeout_s == 0 {
                return Err(format!("{at}: timeout_s must be at least 1"));
            }
        }
        Ok(())
    }
}

impl WebhookConfig {
    /// Whether this sink takes an alert of `entity`'s event of `kind`
    /// that reached `worst` (the watch list is checked apart).
    pub fn wants(&self, entity: &str, kind: &str, worst: &str) -> bool {
        (self.entities.is_empty() || self.entities.iter().any(|p| matches(p, entity)))
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
            && severity_rank(worst) >= severity_rank(&self.min_severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink(url: &str) -> WebhookConfig {
        WebhookConfig {
            name: "ops".into(),
            url: url.into(),
            entities: Vec::new(),
            kinds: Vec::new(),
            min_severity: default_severity(),
            timeout_s: 10,
        }
    }

    #[test]
    fn patterns_are_ids_or_families() {
        for good in ["world", "country/KP", "as/*", "prefix/175.45.176.0/22", "*"] {
            assert!(check_pattern(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "KP",
            "country/*/x*",
            "nation/KP",
            "country/kp",
            "worldwide",
            "country/../../etc",
            "country/../*",
            "as/1\n",
        ] {
            assert!(check_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sinks_filter_by_entity_kind_and_severity() {
        let mut s = sink("http://127.0.0.1:9/hook");
        s.entities = vec!["country/*".into()];
        s.kinds = vec!["outage".into()];
        s.min_severity = "critical".into();
        assert!(s.wants("country/KP", "outage", "dark"));
        assert!(!s.wants("country/KP", "outage", "warning"));
        assert!(!s.wants("country/KP", "instability", "dark"));
        assert!(!s.wants("as/131279", "outage", "dark"));
    }

    #[test]
    fn bad_values_are_named() {
        let mut config = AlertConfig {
            webhook: vec![sink("ftp://example.invalid/")],
            ..AlertConfig::default()
        };
        assert!(config.check().unwrap_err().contains("http://"));
        config.webhook = vec![sink("http://127.0.0.1:9/"), sink("http://127.0.0.1:9/")];
        assert!(config.check().unwrap_err().contains("name of its own"));
        config.webhook = vec![WebhookConfig {
            min_severity: "severe".into(),
            ..sink("https://hooks.example/")
        }];
        assert!(config.check().unwrap_err().contains("min_severity"));
        config.webhook.clear();
        config.watch = vec!["KP".into()];
        assert!(config.check().unwrap_err().contains("[alerts] watch"));
    }
}
