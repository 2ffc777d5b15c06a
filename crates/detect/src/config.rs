//! The detector's thresholds and times, with the defaults of DESIGN.md.
//! Read from TOML (`darkwatch replay --detect FILE`): every field is
//! optional, unknown keys are errors.

use serde::Deserialize;

/// Everything the detector judges by.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectConfig {
    /// Length of a bin, seconds (300): the signal stage's, not read from
    /// a settings file.
    #[serde(skip)]
    pub bin_secs: u64,
    /// The past the baselines look at, seconds (a day).
    pub baseline_window_s: u64,
    /// History (outside outages) an entity needs before an event can
    /// start, seconds (an hour).
    pub warmup_s: u64,
    /// An outage starts under this share of the baseline (0.8).
    pub warning: f64,
    /// Critical under this share (0.5); `dark` when nothing is visible.
    pub critical: f64,
    /// Restored at or above this share (0.95) ...
    pub restore: f64,
    /// ... held this long, seconds (600).
    pub restore_after_s: u64,
    /// A drop must last this long before an outage is raised, seconds
    /// (5): a withdrawal that is re-announced at once raises nothing, and
    /// a live feed alerts within seconds (the explanation is completed
    /// once `origin_spread_s` has passed).
    pub debounce_s: u64,
    /// Outages shorter than this are flagged `short`, seconds (600).
    pub short_s: u64,
    /// Raise short outages at all (true); when false a drop must last
    /// `short_s` before it is raised.
    pub report_short: bool,
    /// Entities whose baseline is under this many blocks are not judged
    /// (1).
    pub min_baseline: f64,
    /// Instability: churn over median + k·MAD of the entity's own bins
    /// (k = 5) ...
    pub instability_k: f64,
    /// ... and over this many route changes in the bin (10).
    pub instability_min_churn: f64,
    /// An instability event ends after this long at normal churn,
    /// seconds (an hour).
    pub instability_quiet_s: u64,
    /// While an entity is already unstable, a drop must last this long to
    /// be an outage rather than a flap, seconds (30 minutes).
    pub flap_tolerance_s: u64,
    /// Instability this recent (seconds, a day) precedes an outage.
    pub instability_memory_s: u64,
    /// Withdrawals by every peer at most this far apart, seconds (120),
    /// are a withdrawal at the origin.
    pub origin_spread_s: u64,
    /// One upstream with at least this share of the routes (0.9) is a
    /// single upstream.
    pub single_upstream_share: f64,
    /// How long route changes are kept as evidence, seconds (an hour).
    pub evidence_window_s: u64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            bin_secs: 300,
            baseline_window_s: 86_400,
            warmup_s: 3_600,
            warning: 0.8,
            critical: 0.5,
            restore: 0.95,
            restore_after_s: 600,
            debounce_s: 5,
            short_s: 600,
            report_short: true,
            min_baseline: 1.0,
            instability_k: 5.0,
            instability_min_churn: 10.0,
            instability_quiet_s: 3_600,
            flap_tolerance_s: 1_800,
            instability_memory_s: 86_400,
            origin_spread_s: 120,
            single_upstream_share: 0.9,
            evidence_window_s: 3_600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_keeps_the_other_defaults_and_unknown_keys_fail() {
        let c: DetectConfig =
            serde_json::from_str(r#"{"debounce_s": 5, "report_short": false}"#).unwrap();
        assert_eq!((c.debounce_s, c.report_short), (5, false));
        assert_eq!(c.warning, DetectConfig::default().warning);
        let err = serde_json::from_str::<DetectConfig>(r#"{"debounce": 5}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `debounce`"),
            "{err}"
        );
    }
}
