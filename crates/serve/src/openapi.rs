//! The OpenAPI 3.1 document of the API, served at
//! `/api/v1/openapi.json`. [`ROUTES`] lists the routes the router
//! serves; a test checks that each is in the document and answers.

use axum::Json;
use serde_json::{json, Value};

/// Every route of the API, as OpenAPI paths, with its methods.
pub const ROUTES: [(&str, &[&str]); 13] = [
    ("/api/v1/health", &["get"]),
    ("/api/v1/openapi.json", &["get"]),
    ("/api/v1/entities", &["get"]),
    ("/api/v1/entities/{id}/signals", &["get"]),
    ("/api/v1/events", &["get"]),
    ("/api/v1/events/{id}", &["get"]),
    ("/api/v1/events/{id}/report", &["get"]),
    ("/api/v1/prefixes/{prefix}", &["get"]),
    ("/api/v1/peers", &["get"]),
    ("/api/v1/sources", &["get"]),
    ("/api/v1/watch", &["get"]),
    ("/api/v1/watch/{entity}", &["put", "delete"]),
    ("/metrics", &["get"]),
];

fn param(name: &str, place: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": place,
        "required": place == "path",
        "description": description,
        "schema": schema,
    })
}

fn time(name: &str, description: &str) -> Value {
    param(
        name,
        "query",
        &format!("{description}: Unix seconds or RFC 3339"),
        json!({ "type": "string" }),
    )
}

fn get(summary: &str, parameters: Vec<Value>, content: &str) -> Value {
    json!({
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": { "description": "OK", "content": { content: {} } },
                "400": { "$ref": "#/components/responses/Error" },
                "404": { "$ref": "#/components/responses/Error" },
            }
        }
    })
}

/// The document.
pub fn document() -> Value {
    let json_type = "application/json";
    let entity_id = || {
        param(
            "id",
            "path",
            "entity id: world, country/KP, as/131279, prefix/175.45.176.0/24",
            json!({ "type": "string" }),
        )
    };
    let event_id = || param("id", "path", "event id", json!({ "type": "integer" }));
    let watched = || {
        param(
            "entity",
            "path",
            "an entity id, or a family such as country/*",
            json!({ "type": "string" }),
        )
    };
    let change = |summary: &str| {
        json!({
            "summary": summary,
            "security": [{ "bearer": [] }],
            "parameters": [watched()],
            "responses": {
                "200": { "description": "OK", "content": { json_type: {} } },
                "400": { "$ref": "#/components/responses/Error" },
                "401": { "$ref": "#/components/responses/Error" },
                "403": { "$ref": "#/components/responses/Error" },
                "404": { "$ref": "#/components/responses/Error" },
            }
        })
    };
    let at = |i: usize| ROUTES[i].0;
    let paths = json!({
        at(0): get("Liveness", vec![], json_type),
        at(1): get("This document", vec![], json_type),
        at(2): get("Entities whose id or name contains q", vec![
            param("q", "query", "text to look for", json!({ "type": "string" })),
            param("limit", "query", "at most this many (1-1000, default 50)", json!({ "type": "integer" })),
        ], json_type),
        at(3): get("An entity's series: change points in [from, to) (at most 31 days) and the values in force at from", vec![
            entity_id(),
            time("from", "start"),
            time("to", "end (excluded)"),
            param("signal", "query", "one value only: visible_24s, visible_48s, visible_prefixes, announcements, withdrawals, path_changes, origin_changes, full_feed_v4, full_feed_v6", json!({ "type": "string" })),
        ], json_type),
        at(4): get("Events overlapping [from, to), by id, a page at a time", vec![
            param("entity", "query", "only this entity's", json!({ "type": "string" })),
            time("from", "not ended before"),
            time("to", "started before"),
            param("active", "query", "only open events", json!({ "type": "boolean" })),
            param("limit", "query", "page size (1-1000, default 100)", json!({ "type": "integer" })),
            param("after", "query", "the `next` of the previous page", json!({ "type": "integer" })),
        ], json_type),
        at(5): get("One event (the JSON contract of the README)", vec![event_id()], json_type),
        at(6): get("An event's incident report", vec![
            event_id(),
            param("format", "query", "html (default), md or json", json!({ "type": "string", "enum": ["html", "md", "json"] })),
        ], "text/html"),
        at(7): get("Who originates a prefix (or the longest prefix covering it), which peers see it and by which paths, in the route table the server holds", vec![
            param("prefix", "path", "175.45.176.0/24 or 2001:db8::/32", json!({ "type": "string" })),
        ], json_type),
        at(8): get("Collector peers: session state, table sizes, full-feed state", vec![], json_type),
        at(9): get("Live sources (BMP listeners, BGP neighbors, RIS Live, archive pulls): connections up, messages, errors, the last message and problem; empty when the server runs no feeds", vec![], json_type),
        at(10): get("The watch list: entities whose events are sent to the webhooks", vec![], json_type),
        at(11): {
            "put": change("Watch an entity (needs the bearer token)"),
            "delete": change("Stop watching an entity (needs the bearer token)"),
        },
        at(12): get("Prometheus metrics: events by kind and state, the last replay's counters, requests answered and failed, alerts sent and failed per webhook, live sources and the live route table", vec![], "text/plain"),
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "darkwatch",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Outages of countries and networks from BGP routing data: series, events and their reasons, the route table, and the watch list of the alerts. Read-only, except the watch list, which needs the bearer token of the server's configuration.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" }
            },
            "responses": {
                "Error": {
                    "description": "{\"error\": {\"code\", \"message\"}}",
                    "content": { "application/json": {} }
                }
            }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(document())
}
