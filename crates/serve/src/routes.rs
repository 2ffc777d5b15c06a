//! `/api/v1/prefixes/{prefix}` and `/api/v1/peers`: questions about the
//! routing table itself (who originates a prefix, which peers see it, by
//! which paths; which peers feed the collectors and whether they are
//! full-feed). They are answered from the route table the server holds
//! in memory: the one a replay ended with (`demo`, `serve --routes`), and
//! later the live one.

use std::sync::{RwLock, TryLockError};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rib::{PrefixId, Rib};
use serde_json::{json, Value};
use wire::{Afi, Prefix};

use crate::error::ApiError;
use crate::query::PathParam;
use crate::AppState;

/// A route table and what is needed to name its peers.
pub struct RouteTable {
    /// The table.
    pub rib: Rib,
    /// Collector names, indexed by a peer key's collector.
    pub collectors: Vec<String>,
    /// The time of the last route event applied, Unix seconds.
    pub as_of: u64,
}

/// The table the server answers from, when it has one.
pub type SharedRoutes = Option<std::sync::Arc<RwLock<RouteTable>>>;

fn no_table() -> ApiError {
    ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "no_routes",
        message: "this server holds no route table: start it with `darkwatch serve --routes FILE...` (the archives are replayed into memory), or run `darkwatch demo`".into(),
    }
}

async fn read_table<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&RouteTable) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let table = std::sync::Arc::clone(state.routes.as_ref().ok_or_else(no_table)?);
    // A live core holds the table's write lock while it applies a batch
    // or closes a bin: the wait is a blocking thread's, so the runtime's
    // workers go on answering every other route meanwhile.
    tokio::task::spawn_blocking(move || {
        let guard = table.read().map_err(|_| {
            ApiError::internal("the route table is unusable after an earlier failure")
        })?;
        f(&guard)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the route table's reader failed: {e}")))?
}

/// A collector peer as people name it.
pub struct PeerName {
    /// The collector (`route-views.jinx`, `rrc06`, a BMP router).
    pub collector: String,
    /// The peer's address.
    pub address: String,
    /// The peer's AS.
    pub asn: u32,
}

impl PeerName {
    fn of(table: &RouteTable, peer: rib::PeerId) -> Option<PeerName> {
        let info = table.rib.peer(peer)?;
        Some(PeerName {
            collector: table
                .collectors
                .get(usize::from(info.key.collector))
                .cloned()
                .unwrap_or_default(),
            address: info.key.addr.to_string(),
            asn: info.key.asn,
        })
    }

    fn json(&self) -> Value {
        json!({ "collector": self.collector, "address": self.address, "asn": self.asn })
    }
}

/// One peer's route to a prefix.
pub struct RouteLine {
    /// Whose route.
    pub peer: Option<PeerName>,
    /// The AS path, the peer's AS first.
    pub path: Vec<u32>,
    /// The origin AS, when the path has one.
    pub origin: Option<u32>,
    /// The ADD-PATH id, when the peer sends several paths.
    pub path_id: Option<u32>,
}

/// What the route table says about a prefix.
pub struct PrefixRoutes {
    /// The prefix asked about.
    pub asked: Prefix,
    /// The table's entry that answers: the prefix itself, or the longest
    /// prefix covering it that some peer has a route to.
    pub matched: Prefix,
    /// More than half the full-feed peers have a route (DESIGN.md).
    pub visible: bool,
    /// Origin ASes of the routes, sorted.
    pub origins: Vec<u32>,
    /// Every peer's route.
    pub routes: Vec<RouteLine>,
    /// Full-feed peers of the prefix's family.
    pub full_feed_peers: u16,
    /// Time of the table.
    pub as_of: u64,
}

/// Reads `text` as a prefix, or says how to write one.
pub fn parse_prefix(text: &str) -> Result<Prefix, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "`{text}` is not a prefix: write it as 175.45.176.0/24 or 2001:db8::/32"
        ))
    })
}

/// The routes to `asked` (or to the longest prefix covering it) in the
/// server's table: 503 without a table, 404 when nothing covers it.
pub async fn lookup(state: &AppState, asked: Prefix) -> Result<PrefixRoutes, ApiError> {
    read_table(state, move |table| {
        let rib = &table.rib;
        let Some((matched, id)) = routed_match(rib, &asked) else {
            return Err(ApiError::not_found(format!(
                "no peer has a route to {asked} or to a prefix covering it"
            )));
        };
        let paths = rib.paths();
        let routes: Vec<RouteLine> = rib
            .routes(id)
            .map(|(peer, path_id, path)| RouteLine {
                peer: PeerName::of(table, peer),
                path: paths.asns(path).to_vec(),
                origin: paths.origin(path),
                path_id,
            })
            .collect();
        let mut origins: Vec<u32> = routes.iter().filter_map(|r| r.origin).collect();
        origins.sort_unstable();
        origins.dedup();
        Ok(PrefixRoutes {
            asked,
            matched,
            visible: rib.is_visible(id),
            origins,
            routes,
            full_feed_peers: rib.full_feed_peers(matched.afi()),
            as_of: table.as_of,
        })
    })
    .await
}

/// The entry of `prefix` or of the longest prefix covering it that some
/// peer has a route to.
fn routed_match(rib: &Rib, prefix: &Prefix) -> Option<(Prefix, PrefixId)> {
    (0..=prefix.len()).rev().find_map(|len| {
        let candidate = Prefix::new(prefix.afi(), prefix.addr_bytes(), len)?.masked();
        let id = rib.prefix_id_of(&candidate)?;
        rib.routes(id).next().is_some().then_some((candidate, id))
    })
}

/// `GET /api/v1/prefixes/{prefix}`: the routes to a prefix (or to the
/// longest prefix covering it), their origins and the peers that see it.
pub async fn prefix(
    State(state): State<AppState>,
    PathParam(text): PathParam<String>,
) -> Result<Json<Value>, ApiError> {
    let found = lookup(&state, parse_prefix(&text)?).await?;
    let routes: Vec<Value> = found
        .routes
        .iter()
        .map(|r| {
            json!({
                "peer": r.peer.as_ref().map_or(Value::Null, PeerName::json),
                "path": r.path,
                "origin": r.origin,
                "path_id": r.path_id,
            })
        })
        .collect();
    Ok(Json(json!({
        "prefix": found.asked.to_string(),
        "matched": found.matched.to_string(),
        "exact": found.matched == found.asked.masked(),
        "as_of": detect::rfc3339(found.as_of),
        "visible": found.visible,
        "origins": found.origins,
        "peers_seeing": routes.len(),
        "full_feed_peers": found.full_feed_peers,
        "routes": routes,
    })))
}

/// `GET /api/v1/peers`: every collector peer, its session state, table
/// sizes and whether it counts as full-feed. While a live core holds the
/// table for long (closing a bin over full tables can take seconds), the
/// last answer is given again: its `as_of` says when it was true.
pub async fn peers(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let table = state.routes.as_ref().ok_or_else(no_table)?;
    let last = &state.last_peers;
    for _ in 0..PEERS_PATIENCE_STEPS {
        // The guard is gone before any wait: the handler's future must
        // be Send.
        let fresh = match table.try_read() {
            Ok(guard) => Some(peers_json(&guard)),
            Err(TryLockError::WouldBlock) => None,
            Err(TryLockError::Poisoned(_)) => break,
        };
        match fresh {
            Some(answer) => {
                if let Ok(mut l) = last.lock() {
                    *l = Some(answer.clone());
                }
                return Ok(Json(answer));
            }
            None => tokio::time::sleep(PEERS_PATIENCE_STEP).await,
        }
    }
    match last.lock().ok().and_then(|l| l.clone()) {
        Some(answer) => Ok(Json(answer)),
        None => read_table(&state, |table| Ok(peers_json(table)))
            .await
            .map(Json),
    }
}

/// How long `/api/v1/peers` waits for the table before it gives the last
/// answer again: longer than the core holds it for a batch or a tick,
/// shorter than a bin close over full tables.
const PEERS_PATIENCE_STEPS: u32 = 20;
const PEERS_PATIENCE_STEP: std::time::Duration = std::time::Duration::from_millis(5);

/// The answer of [`peers`] from `table`.
fn peers_json(table: &RouteTable) -> Value {
    let rib = &table.rib;
    let peers: Vec<Value> = rib
        .peers()
        .map(|(id, info)| {
            let mut peer = PeerName::of(table, id).map_or(Value::Null, |p| p.json());
            if let Value::Object(fields) = &mut peer {
                fields.insert("up".into(), info.up.into());
                fields.insert("prefixes_v4".into(), info.prefixes[0].into());
                fields.insert("prefixes_v6".into(), info.prefixes[1].into());
                fields.insert("full_feed_v4".into(), info.full_feed[0].into());
                fields.insert("full_feed_v6".into(), info.full_feed[1].into());
            }
            peer
        })
        .collect();
    json!({
        "as_of": detect::rfc3339(table.as_of),
        "full_feed_peers": {
            "v4": rib.full_feed_peers(Afi::Ipv4),
            "v6": rib.full_feed_peers(Afi::Ipv6),
        },
        "peers": peers,
    })
}
