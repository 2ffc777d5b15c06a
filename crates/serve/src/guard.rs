//! How the service edge guards itself: the bearer token that routes
//! changing state (the watch list) require, and the limits on every
//! request (body size, time to answer). The API is read-only without a
//! configured token.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::ApiError;
use crate::AppState;

/// Limits on each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest request body accepted, in bytes (413 past it).
    pub max_body_bytes: usize,
    /// Seconds a request may take before it is answered 503.
    pub request_timeout_s: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            request_timeout_s: 30,
        }
    }
}

/// Answers 503 when the request takes longer than the configured limit
/// (a slow store query must not hold a connection for ever).
pub async fn time_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.limits.request_timeout_s);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "timeout",
            message: format!(
                "the request took longer than {} s (ask for a shorter range, or raise [limits] request_timeout_s)",
                limit.as_secs()
            ),
        }
        .into_response(),
    }
}

/// Answers 413 to a request whose body is longer than the limit: at once
/// when it declares its length (`Content-Length`), before anything reads
/// it; otherwise (`Transfer-Encoding: chunked`) after reading at most
/// the limit and one byte more, so that no route accepts a body past the
/// limit, whether or not its handler reads it. The body read is handed on
/// to the route whole.
pub async fn size_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = state.limits.max_body_bytes;
    let too_large = |size: String| {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: format!("the request body is {size} bytes, more than the {limit} accepted"),
        }
        .into_response()
    };
    match declared {
        Some(n) if n > limit as u64 => too_large(n.to_string()),
        Some(_) => next.run(request).await,
        None if request.body().size_hint().exact() == Some(0) => next.run(request).await,
        None => {
            let (parts, body) = request.into_parts();
            match read_at_most(body, limit).await {
                Ok(Some(bytes)) => {
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
                Ok(None) => too_large(format!("more than {limit}")),
                Err(e) => ApiError::bad_request(format!("the request body could not be read: {e}"))
                    .into_response(),
            }
        }
    }
}

/// The whole of `body` if it is at most `limit` bytes long, `None` as
/// soon as more arrives.
async fn read_at_most(mut body: Body, limit: usize) -> Result<Option<Vec<u8>>, axum::Error> {
    let mut bytes = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame?.into_data() {
            if data.len() > limit - bytes.len() {
                return Ok(None);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Some(bytes))
}

/// Checks the `Authorization: Bearer TOKEN` header against the
/// configured token. Without a configured token nothing may change
/// state.
pub fn authorize(headers: &HeaderMap, token: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = token else {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "read_only",
            message:
                "this server is read-only: set [server] token in its configuration to allow changes"
                    .into(),
        });
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(given) if same_secret(given.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "this route changes state: send the configured token as `Authorization: Bearer TOKEN`".into(),
        }),
    }
}

/// Compares two secrets in time that depends only on their lengths, so
/// that response times do not reveal how much of a guess was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let longest = given.len().max(expected.len());
    let mut differ = u8::from(given.len() != expected.len());
    for i in 0..longest {
        let a = given.get(i).copied().unwrap_or(0);
        let b = expected.get(i).copied().unwrap_or(0);
        differ |= a ^ b;
    }
    std::hint::black_box(differ) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn only_the_configured_token_is_accepted() {
        assert!(authorize(&bearer("s3cret"), Some("s3cret")).is_ok());
        for wrong in ["s3cre", "s3cret!", "S3cret", ""] {
            let err = authorize(&bearer(wrong), Some("s3cret")).unwrap_err();
            assert_eq!(err.status, StatusCode::UNAUTHORIZED, "{wrong}");
        }
        let err = authorize(&HeaderMap::new(), Some("s3cret")).unwrap_err();
        assert_eq!(err.status, StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn without_a_token_the_server_is_read_only() {
        let err = authorize(&bearer("anything"), None).unwrap_err();
        assert_eq!((err.status, err.code), (StatusCode::FORBIDDEN, "read_only"));
    }
}
