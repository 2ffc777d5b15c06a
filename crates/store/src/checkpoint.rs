//! What the pipeline hands on, written as one transaction, and how far a
//! replay has come: the rows of closed bins, the events in their latest
//! state and the alerts of their transitions commit together with the
//! replay's progress, so that after a crash the store holds exactly the
//! output up to a point the replay can resume from (`replay --resume`).

use detect::Event;
use signal::BinRow;

use crate::alerts::NewAlert;
use crate::db::Param;
use crate::events::put_events;
use crate::series::put_rows;
use crate::{as_i64, Store, StoreError};

/// How far the replay writing into this store has come. The replay is
/// deterministic, so the count of outputs it handed on tells where to
/// pick it up again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayProgress {
    /// What was replayed: a digest of the inputs and settings, so that a
    /// resumed replay can tell it is given the same ones.
    pub inputs: String,
    /// The largest event id stored before the replay began; its events
    /// are numbered after it.
    pub first_event_id: u64,
    /// Outputs of the core (calls of its output callback) written.
    pub outputs: u64,
    /// The replay ran to its end.
    pub done: bool,
}

const PUT: &str = "INSERT INTO replay_progress (id, inputs, first_event_id, outputs, done)
    VALUES (1, ?1, ?2, ?3, ?4)
    ON CONFLICT (id) DO UPDATE SET inputs = excluded.inputs,
        first_event_id = excluded.first_event_id, outputs = excluded.outputs,
        done = excluded.done";

const GET: &str = "SELECT inputs, first_event_id, outputs, done FROM replay_progress WHERE id = 1";

/// One output of the pipeline, ready to be written.
pub struct Output<'a> {
    /// Rows of closed bins.
    pub rows: &'a [BinRow],
    /// Events in their latest state.
    pub events: &'a [Event],
    /// Alerts of the events' transitions.
    pub alerts: &'a [NewAlert],
    /// The latest time judged: the duration of open events.
    pub now: u64,
}

impl Store {
    /// Writes `output`, and `progress` when a replay is writing, in one
    /// transaction: either all of it is stored or none.
    pub fn write_output(
        &mut self,
        output: &Output<'_>,
        progress: Option<&ReplayProgress>,
    ) -> Result<(), StoreError> {
        let Store { db, entity_ids, .. } = self;
        let written = db.transaction(|tx| {
            let added = put_rows(tx, entity_ids, output.rows)?;
            put_events(tx, output.events, output.alerts, output.now)?;
            if let Some(p) = progress {
                tx.execute_each(PUT, [progress_params(p)])?;
            }
            Ok(added)
        });
        self.after_write(written, "writing series and events")
    }

    /// Records a replay's progress on its own (its start, or its end).
    pub fn set_replay_progress(&mut self, progress: &ReplayProgress) -> Result<(), StoreError> {
        self.db
            .transaction(|tx| tx.execute_each(PUT, [progress_params(progress)]))
            .map_err(|e| self.err("writing the replay's progress", e))
    }

    /// The progress of the last replay into this store, if any.
    pub fn replay_progress(&mut self) -> Result<Option<ReplayProgress>, StoreError> {
        self.db
            .query_opt(GET, &[], |r| {
                Ok(ReplayProgress {
                    inputs: r.text(0)?,
                    first_event_id: r.uint(1)?,
                    outputs: r.uint(2)?,
                    done: r.int(3)? != 0,
                })
            })
            .map_err(|e| self.err("reading the replay's progress", e))
    }
}

fn progress_params(p: &ReplayProgress) -> [Param<'_>; 4] {
    [
        Param::Text(&p.inputs),
        Param::Int(as_i64(p.first_event_id)),
        Param::Int(as_i64(p.outputs)),
        Param::Int(p.done.into()),
    ]
}
