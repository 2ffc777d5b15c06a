//! Query parameters as users write them: times as Unix seconds or RFC
//! 3339, ranges checked (`from` before `to`, not longer than a limit),
//! entity ids checked against the forms darkwatch stores.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters whose rejection (an unknown or malformed parameter)
/// is a JSON 400 like every other error of the API.
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Params(t))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Path parameters whose rejection (a segment that is not UTF-8 once
/// percent-decoded, such as `%FF`) is a JSON 400 like every other error
/// of the API, not axum's plain text.
pub struct PathParam<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParam<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| PathParam(t))
            .map_err(|e| path_error(&e))
    }
}

/// The error a path that cannot be read is answered with: 400 (axum
/// answers 500 only for a route whose parameters do not fit its handler,
/// which is this crate's bug).
pub fn path_error(e: &axum::extract::rejection::PathRejection) -> ApiError {
    if e.status().is_client_error() {
        ApiError::bad_request(e.body_text())
    } else {
        ApiError::internal(e.body_text())
    }
}

/// The longest range of series one request returns, seconds (31 days).
pub const MAX_SERIES_RANGE: u64 = 31 * 86_400;

/// A time: Unix seconds or RFC 3339 (`2014-12-22T16:15:00Z`).
pub fn time(name: &str, text: &str) -> Result<u64, ApiError> {
    detect::parse_time(text).map_err(|e| ApiError::bad_request(format!("{name}={e}")))
}

/// An optional time parameter.
pub fn opt_time(name: &str, text: Option<&str>) -> Result<Option<u64>, ApiError> {
    text.map(|t| time(name, t)).transpose()
}

/// `[from, to)` with `from` before `to`.
pub fn range(from: Option<u64>, to: Option<u64>) -> Result<(u64, u64), ApiError> {
    let (from, to) = (from.unwrap_or(0), to.unwrap_or(i64::MAX as u64));
    if from >= to {
        return Err(ApiError::bad_request(format!(
            "from ({from}) must be before to ({to})"
        )));
    }
    Ok((from, to))
}

/// The longest search text, bytes: longer than any entity id or name,
/// far shorter than the store's limit on a pattern (SQLite refuses a
/// LIKE pattern past 50 000 bytes).
pub const MAX_SEARCH: usize = 256;

/// A search text (`q`) no longer than [`MAX_SEARCH`].
pub fn search(q: &str) -> Result<(), ApiError> {
    if q.len() > MAX_SEARCH {
        return Err(ApiError::bad_request(format!(
            "q is {} bytes long, more than the {MAX_SEARCH} a search takes (entity ids and names are shorter)",
            q.len()
        )));
    }
    Ok(())
}

/// An entity id of the forms darkwatch stores.
pub fn entity(id: &str) -> Result<(), ApiError> {
    let ok = match id.split_once('/') {
        None => id == "world",
        Some(("country", cc)) => cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()),
        Some(("as", asn)) => asn.parse::<u32>().is_ok(),
        Some(("prefix", p)) => p.contains('/') && p.split('/').count() == 2,
        Some(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{id:?} is not an entity id (world, country/KP, as/131279, prefix/175.45.176.0/24)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_ranges_and_entity_ids() {
        assert_eq!(time("from", "1419264900"), Ok(1_419_264_900));
        assert_eq!(time("from", "2014-12-22T16:15:00Z"), Ok(1_419_264_900));
        assert_eq!(time("from", "yesterday").unwrap_err().status, 400);
        assert_eq!(range(Some(5), Some(5)).unwrap_err().status, 400);
        assert_eq!(range(None, Some(7)), Ok((0, 7)));
        for good in ["world", "country/KP", "as/131279", "prefix/175.45.176.0/24"] {
            assert!(entity(good).is_ok(), "{good}");
        }
        for bad in ["country/kp", "as/x", "planet/earth", "prefix/1.2.3.4", ""] {
            assert_eq!(entity(bad).unwrap_err().status, 400, "{bad}");
        }
        assert!(search(&"x".repeat(MAX_SEARCH)).is_ok());
        assert_eq!(search(&"x".repeat(MAX_SEARCH + 1)).unwrap_err().status, 400);
    }
}
