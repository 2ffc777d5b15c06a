//! The OpenAPI 3.1 document of the API, served at
//! `/api/v1/openapi.json`. [`ROUTES`] lists the routes the router
//! serves; a test checks that each is in the document and answers.

use axum::Json;
use serde_json::{json, Value};

/// Every route of the API, as OpenAPI paths.
pub const ROUTES: [&str; 8] = [
    "/api/v1/health",
    "/api/v1/openapi.json",
    "/api/v1/entities",
    "/api/v1/entities/{id}/signals",
    "/api/v1/events",
    "/api/v1/events/{id}",
    "/api/v1/events/{id}/report",
    "/metrics",
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
    let paths = json!({
        ROUTES[0]: get("Liveness", vec![], json_type),
        ROUTES[1]: get("This document", vec![], json_type),
        ROUTES[2]: get("Entities whose id or name contains q", vec![
            param("q", "query", "text to look for", json!({ "type": "string" })),
            param("limit", "query", "at most this many (1-1000, default 50)", json!({ "type": "integer" })),
        ], json_type),
        ROUTES[3]: get("An entity's series: change points in [from, to) (at most 31 days) and the values in force at from", vec![
            entity_id(),
            time("from", "start"),
            time("to", "end (excluded)"),
            param("signal", "query", "one value only: visible_24s, visible_48s, visible_prefixes, announcements, withdrawals, path_changes, origin_changes, full_feed_v4, full_feed_v6", json!({ "type": "string" })),
        ], json_type),
        ROUTES[4]: get("Events overlapping [from, to), by id, a page at a time", vec![
            param("entity", "query", "only this entity's", json!({ "type": "string" })),
            time("from", "not ended before"),
            time("to", "started before"),
            param("active", "query", "only open events", json!({ "type": "boolean" })),
            param("limit", "query", "page size (1-1000, default 100)", json!({ "type": "integer" })),
            param("after", "query", "the `next` of the previous page", json!({ "type": "integer" })),
        ], json_type),
        ROUTES[5]: get("One event (the JSON contract of the README)", vec![event_id()], json_type),
        ROUTES[6]: get("An event's incident report", vec![
            event_id(),
            param("format", "query", "html (default), md or json", json!({ "type": "string", "enum": ["html", "md", "json"] })),
        ], "text/html"),
        ROUTES[7]: get("Prometheus metrics: events by kind and state, the last replay's counters, requests answered and failed", vec![], "text/plain"),
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "darkwatch",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Outages of countries and networks from BGP routing data: series, events and their reasons. Read-only.",
        },
        "paths": paths,
        "components": {
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
