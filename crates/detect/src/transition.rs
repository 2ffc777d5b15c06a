//! What an alert reports: the moments an event starts, gets worse, gets
//! better and ends (or is cut off by a gap in the data). The detector hands out an event's whole state each
//! time it changes; [`Transitions`] turns that stream of states into
//! these moments, remembering only the open events' severities.

use std::collections::{HashMap, HashSet};

use crate::event::{Event, Severity};

/// A moment worth an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The event was raised.
    Start,
    /// Its severity rose (warning to critical, critical to dark).
    Escalation,
    /// Its severity fell while it is still open.
    Deescalation,
    /// It ended: routes came back, or churn calmed down.
    Restore,
    /// The data stopped while it was open: it ended there, unresolved.
    DataGap,
}

impl Transition {
    /// `start`, `escalation`, `deescalation`, `restore` or `data_gap`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Escalation => "escalation",
            Transition::Deescalation => "deescalation",
            Transition::Restore => "restore",
            Transition::DataGap => "data_gap",
        }
    }

    /// When it happened to `event`: its start, its end, or its last
    /// change of severity.
    pub fn time(self, event: &Event) -> u64 {
        match self {
            Transition::Start => event.start,
            Transition::Restore | Transition::DataGap => event.end.unwrap_or(event.last_change),
            Transition::Escalation | Transition::Deescalation => event.last_change,
        }
    }
}

/// Follows event states into transitions.
#[derive(Debug, Default)]
pub struct Transitions {
    /// Severity of each open event, by id.
    open: HashMap<u64, Severity>,
    /// Ids of the events that ended, so that a final state handed out
    /// again says nothing (8 bytes an event).
    ended: HashSet<u64>,
}

impl Transitions {
    /// An empty follower.
    pub fn new() -> Transitions {
        Transitions::default()
    }

    /// The transitions that `event`'s new state makes, in order.
    pub fn observe(&mut self, event: &Event) -> Vec<Transition> {
        let mut out = Vec::new();
        if self.ended.contains(&event.id) {
            return out;
        }
        match self.open.get(&event.id).copied() {
            None => out.push(Transition::Start),
            Some(before) if event.severity > before => out.push(Transition::Escalation),
            Some(before) if event.severity < before && event.end.is_none() => {
                out.push(Transition::Deescalation);
            }
            Some(_) => {}
        }
        if event.end.is_some() {
            self.open.remove(&event.id);
            self.ended.insert(event.id);
            let unresolved = event
                .hints
                .iter()
                .any(|h| matches!(h, crate::event::Hint::DataGap { .. }));
            out.push(if unresolved {
                Transition::DataGap
            } else {
                Transition::Restore
            });
        } else {
            self.open.insert(event.id, event.severity);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;
    use signal::Entity;

    fn state(id: u64, severity: Severity, end: Option<u64>) -> Event {
        Event {
            end,
            ..Event::raised(
                id,
                Entity::World,
                EventKind::Outage,
                severity,
                100,
                "visible_24s",
            )
        }
    }

    #[test]
    fn states_become_start_escalation_deescalation_restore() {
        use Severity::*;
        use Transition::*;
        let mut t = Transitions::new();
        assert_eq!(t.observe(&state(1, Warning, None)), [Start]);
        assert_eq!(t.observe(&state(1, Warning, None)), []);
        assert_eq!(t.observe(&state(1, Dark, None)), [Escalation]);
        assert_eq!(t.observe(&state(1, Critical, None)), [Deescalation]);
        // A close that also lowers the severity is one restore.
        assert_eq!(t.observe(&state(1, Warning, Some(900))), [Restore]);
        assert_eq!(t.observe(&state(1, Warning, Some(900))), []);
        // Raised and ended between two looks: both moments.
        assert_eq!(t.observe(&state(2, Dark, Some(400))), [Start, Restore]);
        // Ended by a gap in the data: no restore, the data stopped.
        assert_eq!(t.observe(&state(3, Dark, None)), [Start]);
        let mut cut = state(3, Dark, Some(900));
        cut.hints.push(crate::event::Hint::DataGap {
            since: 900,
            until: 90_000,
        });
        assert_eq!(t.observe(&cut), [DataGap]);
    }
}
