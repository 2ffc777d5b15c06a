//! The store end of the pipeline, for `replay` and for the live feeds of
//! `serve`: the rows of closed bins, the events in their latest state and
//! an alert for every transition the detector's events went through,
//! gathered and then written together, events and alerts in one
//! transaction.

use std::collections::BTreeMap;

use detect::{Event, Transitions};
use signal::BinRow;
use store::{NewAlert, Store, StoreError};

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
}

impl StoreWriter {
    /// A writer into `store`.
    pub fn new(store: Store) -> StoreWriter {
        StoreWriter {
            store,
            rows: Vec::new(),
            events: BTreeMap::new(),
            transitions: Transitions::new(),
            alerts: Vec::new(),
            latest: 0,
            written: 0,
        }
    }

    /// Takes what the core handed on: rows of closed bins, events that
    /// changed, and the time judged.
    pub fn push(&mut self, rows: &[BinRow], events: &[Event], now: u64) {
        self.rows.extend_from_slice(rows);
        for event in events {
            for transition in self.transitions.observe(event) {
                self.alerts.push(NewAlert {
                    transition,
                    event: event.clone(),
                    now,
                });
            }
            self.events.insert(event.id, event.clone());
        }
        self.latest = now;
    }

    /// Rows waiting to be written.
    pub fn pending_rows(&self) -> usize {
        self.rows.len()
    }

    /// Writes what waits. What failed to be written is dropped: the error
    /// says so, and the caller decides whether to go on.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.rows);
        let events: Vec<Event> = std::mem::take(&mut self.events).into_values().collect();
        let alerts = std::mem::take(&mut self.alerts);
        if !rows.is_empty() {
            self.store.write_rows(&rows)?;
            self.written += rows.len() as u64;
        }
        if !events.is_empty() || !alerts.is_empty() {
            self.store.write_events(&events, &alerts, self.latest)?;
        }
        Ok(())
    }

    /// Series rows written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The store, once everything is flushed.
    pub fn into_store(self) -> Store {
        self.store
    }
}
