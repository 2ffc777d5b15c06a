//! Entities in the store: what the replay learns of them (an AS's name and
//! country), and finding them by id or label for the API and the CLI.

use crate::db::{BackendError, Param, Row};
use crate::{Store, StoreError};

/// What an entity is, beyond its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityInfo {
    /// The entity id (`as/131279`).
    pub name: String,
    /// A human label: an AS's name (`STAR-KP Ryugyong-dong`).
    pub label: Option<String>,
    /// A country code: an AS's registry country.
    pub country: Option<String>,
}

impl EntityInfo {
    /// Reads the columns `name, label, country`.
    fn read(r: Row<'_>) -> Result<EntityInfo, BackendError> {
        Ok(EntityInfo {
            name: r.text(0)?,
            label: r.opt_text(1)?,
            country: r.opt_text(2)?,
        })
    }
}

const DESCRIBE: &str = "UPDATE entities SET label = ?2, country = ?3 WHERE name = ?1";

const ENTITY: &str = "SELECT name, label, country FROM entities WHERE name = ?1";

/// Entities whose id or label matches a `LIKE` pattern (lowered as the
/// columns are, so that the match ignores case).
const SEARCH: &str = "SELECT name, label, country FROM entities
    WHERE lower(name) LIKE lower(CAST(?1 AS TEXT)) ESCAPE '\\'
       OR lower(COALESCE(label, '')) LIKE lower(CAST(?1 AS TEXT)) ESCAPE '\\'
    ORDER BY name LIMIT ?2";

const NAMES: &str = "SELECT name FROM entities ORDER BY name";

/// The `LIKE` pattern of the strings that contain `q`: its wildcards and
/// the escape character itself escaped.
fn contains_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Records what an entity is: a label (an AS's name) and a country
    /// (an AS's registry country). Entities not stored are skipped.
    pub fn describe(&mut self, infos: &[EntityInfo]) -> Result<(), StoreError> {
        self.db
            .transaction(|tx| {
                tx.execute_each(
                    DESCRIBE,
                    infos.iter().map(|info| {
                        [
                            Param::Text(&info.name),
                            info.label.as_deref().into(),
                            info.country.as_deref().into(),
                        ]
                    }),
                )
            })
            .map_err(|e| self.err("describing entities", e))
    }

    /// What the store knows of an entity, if it has its series.
    pub fn entity(&mut self, name: &str) -> Result<Option<EntityInfo>, StoreError> {
        self.db
            .query_opt(ENTITY, &[Param::Text(name)], EntityInfo::read)
            .map_err(|e| self.err("reading an entity", e))
    }

    /// Entities whose id or label contains `q` (case-insensitive), ids
    /// sorted, at most `limit`.
    pub fn search_entities(
        &mut self,
        q: &str,
        limit: usize,
    ) -> Result<Vec<EntityInfo>, StoreError> {
        let pattern = contains_pattern(q);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .query(
                SEARCH,
                &[Param::Text(&pattern), Param::Int(limit)],
                EntityInfo::read,
            )
            .map_err(|e| self.err("searching entities", e))
    }

    /// Names of the stored entities, sorted.
    pub fn entities(&mut self) -> Result<Vec<String>, StoreError> {
        self.db
            .query(NAMES, &[], |r| r.text(0))
            .map_err(|e| self.err("listing entities", e))
    }
}
