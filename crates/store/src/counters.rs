//! Named counters in the store: the last replay's summary (records read,
//! peers, ...), which `/metrics` serves.

use crate::db::Param;
use crate::{as_i64, Store, StoreError};

const PUT: &str = "INSERT INTO counters (name, value) VALUES (?1, ?2)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value";

const ALL: &str = "SELECT name, value FROM counters ORDER BY name";

impl Store {
    /// Sets named counters (the last replay's summary: records, peers,
    /// ...), replacing earlier values of the same names.
    pub fn set_counters(&mut self, counters: &[(&str, u64)]) -> Result<(), StoreError> {
        self.db
            .transaction(|tx| {
                tx.execute_each(
                    PUT,
                    counters
                        .iter()
                        .map(|&(name, value)| [Param::Text(name), Param::Int(as_i64(value))]),
                )
            })
            .map_err(|e| self.err("writing counters", e))
    }

    /// The named counters, by name.
    pub fn counters(&mut self) -> Result<Vec<(String, u64)>, StoreError> {
        self.db
            .query(ALL, &[], |r| Ok((r.text(0)?, r.uint(1)?)))
            .map_err(|e| self.err("reading counters", e))
    }
}
