//! The store end of the pipeline, for `replay` and for the live feeds of
//! `serve`: the rows of closed bins, the events in their latest state and
//! an alert for every transition the detector's events went through,
//! gathered and then written in one transaction, with a replay's progress.
//!
//! A resumed replay hands on again the outputs a crash interrupted it
//! after: those already written are followed (their transitions, so that
//! the next alert is the right one) and not written twice.

use std::collections::BTreeMap;

use detect::{Event, Transitions};
use signal::BinRow;
use store::{NewAlert, Output, ReplayProgress, Store, StoreError};

/// What the core handed on and is not written yet.
pub struct StoreWriter {
    store: Store,
    rows: Vec<BinRow>,
    events: BTreeMap<u64, Event>,
    /// Alerts keep every transition, where events keep only the last
    /// state.
    transitions: Transitions,
    alerts: Vec<NewAlert>,
    latest: u64,
    written: u64,
    /// A replay's progress, written with each batch; `outputs` counts
    /// the outputs taken so far.
    progress: Option<ReplayProgress>,
    /// Outputs taken so far.
    taken: u64,
    /// Outputs already in the store when a resumed replay began.
    stored: u64,
}

impl StoreWriter {
    /// A writer into `store` (the live feeds).
    pub fn new(store: Store) -> StoreWriter {
        StoreWriter {
            store,
            rows: Vec::new(),
            events: BTreeMap::new(),
            transitions: Transitions::new(),
            alerts: Vec::new(),
            latest: 0,
            written: 0,
            progress: None,
            taken: 0,
            stored: 0,
        }
    }

    /// A writer for a replay that has got as far as `progress` says (no
    /// output for a new one): the outputs it counts are not written again.
    pub fn for_replay(store: Store, progress: ReplayProgress) -> StoreWriter {
        StoreWriter {
            stored: progress.outputs,
            progress: Some(progress),
            ..StoreWriter::new(store)
        }
    }

    /// Takes the events a restarted server carries on with, as the store
    /// holds them: their next transitions are told from these states, and
    /// nothing is written for them now.
    pub fn adopt(&mut self, open: &[Event]) {
        for event in open {
            self.transitions.observe(event);
        }
    }

    /// Takes what the core handed on: rows of closed bins, events that
    /// changed, and the time judged.
    pub fn push(&mut self, rows: &[BinRow], events: &[Event], now: u64) {
        self.taken += 1;
        let in_store = self.taken <= self.stored;
        for event in events {
            for transition in self.transitions.observe(event) {
                if !in_store {
                    self.alerts.push(NewAlert {
                        transition,
                        event: event.clone(),
                        now,
                    });
                }
            }
            if !in_store {
                self.events.insert(event.id, event.clone());
            }
        }
        if !in_store {
            self.rows.extend_from_slice(rows);
            self.latest = now;
        }
    }

    /// Rows waiting to be written.
    pub fn pending_rows(&self) -> usize {
        self.rows.len()
    }

    /// Writes what waits, with the replay's progress. What failed to be
    /// written is dropped: the error says so, and the caller decides
    /// whether to go on.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.rows);
        let events: Vec<Event> = std::mem::take(&mut self.events).into_values().collect();
        let alerts = std::mem::take(&mut self.alerts);
        if let Some(p) = self.progress.as_mut() {
            p.outputs = self.taken.max(self.stored);
        }
        if rows.is_empty() && events.is_empty() && alerts.is_empty() {
            return Ok(());
        }
        let output = Output {
            rows: &rows,
            events: &events,
            alerts: &alerts,
            now: self.latest,
        };
        self.store.write_output(&output, self.progress.as_ref())?;
        self.written += rows.len() as u64;
        Ok(())
    }

    /// Series rows written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes what waits and, for a replay, that it ran to its end; gives
    /// back the store.
    pub fn finish(mut self) -> Result<Store, StoreError> {
        self.flush()?;
        if let Some(p) = self.progress.as_mut() {
            p.done = true;
            self.store.set_replay_progress(p)?;
        }
        Ok(self.store)
    }
}
