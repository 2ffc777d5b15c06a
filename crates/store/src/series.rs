//! Series in the store: the change points the replay writes in batches
//! (the store's hot path) and the points the API, reports and the CLI read
//! back for an entity and a time range.

use std::collections::HashMap;

use signal::{BinRow, Entity, Values};

use crate::db::{BackendError, Param, Row, Tx};
use crate::{as_i64, Store, StoreError};

/// One stored point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// Bin start, Unix seconds.
    pub bin_start: u64,
    /// The values.
    pub values: Values,
}

/// The id of an entity, added when new. (`DO UPDATE` rather than `DO
/// NOTHING`, which would return no row for an existing name.)
const ENTITY_ID: &str = "INSERT INTO entities (name) VALUES (?1)
    ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id";

/// A point: values in the order of [`Values::NAMES`].
const PUT_POINT: &str = "INSERT INTO series (entity, bin_start, visible_24s, visible_48s,
        visible_prefixes, announcements, withdrawals, path_changes, origin_changes,
        full_feed_v4, full_feed_v6)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT (entity, bin_start) DO UPDATE SET
        visible_24s = excluded.visible_24s, visible_48s = excluded.visible_48s,
        visible_prefixes = excluded.visible_prefixes, announcements = excluded.announcements,
        withdrawals = excluded.withdrawals, path_changes = excluded.path_changes,
        origin_changes = excluded.origin_changes, full_feed_v4 = excluded.full_feed_v4,
        full_feed_v6 = excluded.full_feed_v6";

/// The change points from `?1` on, and each entity's point in force at
/// `?1` (its last one before), in time order.
const SINCE: &str = "SELECT e.name, s.bin_start, s.visible_24s, s.visible_48s, s.visible_prefixes,
        s.announcements, s.withdrawals, s.path_changes, s.origin_changes, s.full_feed_v4,
        s.full_feed_v6
    FROM series s JOIN entities e ON e.id = s.entity
    WHERE s.bin_start >= ?1
    UNION ALL
    SELECT e.name, s.bin_start, s.visible_24s, s.visible_48s, s.visible_prefixes,
        s.announcements, s.withdrawals, s.path_changes, s.origin_changes, s.full_feed_v4,
        s.full_feed_v6
    FROM (SELECT entity, MAX(bin_start) AS bin_start FROM series WHERE bin_start < ?1
          GROUP BY entity) f
    JOIN series s ON s.entity = f.entity AND s.bin_start = f.bin_start
    JOIN entities e ON e.id = s.entity
    ORDER BY 2";

/// MAX over the primary key (entity, bin_start): one seek.
const LATEST: &str = "SELECT MAX(bin_start) FROM series
    WHERE entity = (SELECT id FROM entities WHERE name = 'world')";

const POINTS: &str = "SELECT bin_start, visible_24s, visible_48s, visible_prefixes,
        announcements, withdrawals, path_changes, origin_changes, full_feed_v4, full_feed_v6
    FROM series JOIN entities ON entities.id = series.entity
    WHERE entities.name = ?1 AND bin_start >= ?2 AND bin_start < ?3
    ORDER BY bin_start";

impl Store {
    /// Writes series rows in one transaction (a later row of the same
    /// entity and bin replaces an earlier one).
    pub fn write_rows(&mut self, rows: &[BinRow]) -> Result<(), StoreError> {
        let Store { db, entity_ids, .. } = self;
        let written = db.transaction(|tx| put_rows(tx, entity_ids, rows));
        self.after_write(written, "writing series")
    }

    /// The stored points of `entity` (e.g. `country/KP`) with bins in
    /// `[from, to)`, in time order.
    pub fn series(&mut self, entity: &str, from: u64, to: u64) -> Result<Vec<Point>, StoreError> {
        let params = [
            Param::Text(entity),
            Param::Int(as_i64(from)),
            Param::Int(as_i64(to)),
        ];
        self.db
            .query(POINTS, &params, |r| point(&r, 0))
            .map_err(|e| self.err("reading series", e))
    }

    /// Every entity's change points from `from` on, with the point in
    /// force at `from`, by entity name, in time order: the history a
    /// restarted server's detector carries on from.
    pub fn series_since(&mut self, from: u64) -> Result<Vec<(String, Point)>, StoreError> {
        self.db
            .query(SINCE, &[Param::Int(as_i64(from))], |r| {
                Ok((r.text(0)?, point(&r, 1)?))
            })
            .map_err(|e| self.err("reading recent series", e))
    }

    /// The start of the latest bin stored for `world`, which every bin
    /// with data touches: the "now" of the data, which is not the wall
    /// clock when history is replayed. `None` when nothing is stored.
    pub fn latest_bin(&mut self) -> Result<Option<u64>, StoreError> {
        self.db
            .query_opt(LATEST, &[], |r| r.opt_int(0))
            .map(|bin| bin.flatten().map(|b| u64::try_from(b).unwrap_or(0)))
            .map_err(|e| self.err("reading the latest bin", e))
    }
}

/// The point whose bin start is column `at` of `r`, its values after it.
fn point(r: &Row<'_>, at: usize) -> Result<Point, BackendError> {
    let mut values = [0u64; 9];
    for (i, v) in values.iter_mut().enumerate() {
        *v = r.uint(at + 1 + i)?;
    }
    Ok(Point {
        bin_start: r.uint(at)?,
        values: Values::from_array(values),
    })
}

/// Writes `rows` in `tx`; returns the ids of the entities it added to
/// those `known`, for the caller to keep once the transaction commits (ids
/// of a rolled-back one are void, and a retried one gets new ones).
pub(crate) fn put_rows(
    tx: &mut Tx<'_>,
    known: &HashMap<Entity, i64>,
    rows: &[BinRow],
) -> Result<HashMap<Entity, i64>, BackendError> {
    let mut added = HashMap::new();
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let id = match known.get(&row.entity).or_else(|| added.get(&row.entity)) {
            Some(&id) => id,
            None => {
                let name = row.entity.to_string();
                let id = tx.query_one(ENTITY_ID, &[Param::Text(&name)], |r| r.int(0))?;
                added.insert(row.entity, id);
                id
            }
        };
        ids.push(id);
    }
    tx.execute_each(
        PUT_POINT,
        rows.iter().zip(ids).map(|(row, id)| {
            let [a, b, c, d, e, f, g, h, i] = row.values.to_array().map(|v| Param::Int(as_i64(v)));
            let bin_start = Param::Int(as_i64(row.bin_start));
            [Param::Int(id), bin_start, a, b, c, d, e, f, g, h, i]
        }),
    )?;
    Ok(added)
}
