//! The RIS Live JSON messages: the `ris_subscribe` and `ping` the client
//! sends, and what the server sends back (`ris_message`, `ris_error`,
//! `pong`, `ris_subscribe_ok`). The first step of the RIS Live source, before
//! [`super::to_update`] turns messages into BGP UPDATE bytes.
//!
//! Parsing never panics and never stops the stream: fields this code does
//! not use are ignored, message types it does not know are kept by name,
//! and a message that cannot be read is a [`ParseError`] naming what was
//! wrong with an excerpt of the text, so the caller counts it and goes on.

use core::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

/// Longest excerpt of a bad message kept in a [`ParseError`]: enough to
/// recognise it, short enough for a log line.
const EXCERPT_CHARS: usize = 120;

/// Which messages to ask for: the `ris_subscribe` filters darkwatch uses.
/// Read from the configuration, hence the strict field names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Only this collector (`rrc00`, …); all collectors when absent.
    #[serde(default)]
    pub host: Option<String>,
    /// Only these prefixes (sent as the `prefix` filter).
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Also prefixes more specific than the ones given (`moreSpecific`).
    #[serde(default)]
    pub more_specific: bool,
    /// Only this peer.
    #[serde(default)]
    pub peer: Option<IpAddr>,
    /// Only this message type (`UPDATE`, `RIS_PEER_STATE`, …). Leave it
    /// unset to get peer states with the updates.
    #[serde(default, rename = "type")]
    pub message_type: Option<String>,
}

/// The `ris_subscribe` message for `filters`; `include_raw` asks for each
/// message's original bytes as well (`socketOptions.includeRaw`).
pub fn subscribe(filters: &Filters, include_raw: bool) -> String {
    let mut data = Map::new();
    if let Some(host) = &filters.host {
        data.insert("host".into(), json!(host));
    }
    if let Some(kind) = &filters.message_type {
        data.insert("type".into(), json!(kind));
    }
    // One prefix is sent as a string, several as a list: the server takes
    // both, and older versions only the string.
    match filters.prefixes.as_slice() {
        [] => {}
        [one] => {
            data.insert("prefix".into(), json!(one));
        }
        many => {
            data.insert("prefix".into(), json!(many));
        }
    }
    if filters.more_specific {
        data.insert("moreSpecific".into(), json!(true));
    }
    if let Some(peer) = filters.peer {
        data.insert("peer".into(), json!(peer.to_string()));
    }
    if include_raw {
        data.insert("socketOptions".into(), json!({ "includeRaw": true }));
    }
    json!({ "type": "ris_subscribe", "data": data }).to_string()
}

/// The `ping` message: the server answers `pong`, a sign of life on a
/// quiet subscription.
pub fn ping() -> String {
    json!({ "type": "ping" }).to_string()
}

/// A message from the server.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerMessage {
    /// `ris_message`: one BGP message a collector received, or a peer's
    /// state change.
    Message(Box<RisMessage>),
    /// `ris_error`: the server refused something (usually the
    /// subscription), with its explanation.
    Error(String),
    /// `ris_subscribe_ok`: the subscription is in place.
    SubscribeOk,
    /// `pong`: the answer to a `ping`.
    Pong,
    /// A type this code does not know, by name.
    Unknown(String),
}

/// Kind of a `ris_message`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum MessageKind {
    /// `UPDATE`.
    Update,
    /// `OPEN`.
    Open,
    /// `NOTIFICATION`.
    Notification,
    /// `KEEPALIVE`.
    Keepalive,
    /// `RIS_PEER_STATE`: the collector's session with the peer changed.
    PeerState,
    /// Any other kind, by name.
    Other(String),
}

impl From<String> for MessageKind {
    fn from(name: String) -> MessageKind {
        match name.as_str() {
            "UPDATE" => MessageKind::Update,
            "OPEN" => MessageKind::Open,
            "NOTIFICATION" => MessageKind::Notification,
            "KEEPALIVE" => MessageKind::Keepalive,
            "RIS_PEER_STATE" => MessageKind::PeerState,
            _ => MessageKind::Other(name),
        }
    }
}

/// One element of a `path`: an AS number of a sequence, or an AS_SET
/// (written as a nested list).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PathElement {
    /// One AS of the sequence.
    Asn(u32),
    /// An AS_SET.
    Set(Vec<u32>),
}

/// Routes announced with one next hop.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Announcement {
    /// The next hop; for IPv6 possibly `global,link-local`.
    pub next_hop: String,
    /// The prefixes, as text.
    #[serde(default, deserialize_with = "nullable")]
    pub prefixes: Vec<String>,
}

/// The `data` of a `ris_message`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RisMessage {
    /// When the collector received it: seconds since the epoch.
    pub timestamp: f64,
    /// The peer's address.
    pub peer: IpAddr,
    /// The peer's AS (the server writes it as a string).
    #[serde(deserialize_with = "asn")]
    pub peer_asn: u32,
    /// The server's id of the message.
    #[serde(default)]
    pub id: Option<String>,
    /// The collector (`rrc00`, …).
    pub host: String,
    /// The message kind.
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// AS_PATH (UPDATE with announcements).
    #[serde(default)]
    pub path: Option<Vec<PathElement>>,
    /// COMMUNITIES as `[asn, value]` pairs.
    #[serde(default, deserialize_with = "nullable")]
    pub community: Vec<[u32; 2]>,
    /// ORIGIN: `IGP`, `EGP` or `INCOMPLETE`.
    #[serde(default)]
    pub origin: Option<String>,
    /// Announced routes, grouped by next hop.
    #[serde(default, deserialize_with = "nullable")]
    pub announcements: Vec<Announcement>,
    /// Withdrawn prefixes, as text.
    #[serde(default, deserialize_with = "nullable")]
    pub withdrawals: Vec<String>,
    /// The new state (RIS_PEER_STATE): `connected`, `down`.
    #[serde(default)]
    pub state: Option<String>,
    /// The BGP message as hex (with `includeRaw`).
    #[serde(default)]
    pub raw: Option<String>,
}

/// Why a message could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub what: String,
    /// The start of the message.
    pub excerpt: String,
}

impl ParseError {
    /// An error about `text`, with an excerpt of it.
    pub fn new(what: impl Into<String>, text: &str) -> ParseError {
        ParseError {
            what: what.into(),
            excerpt: excerpt(text),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in `{}`", self.what, self.excerpt)
    }
}

impl std::error::Error for ParseError {}

/// The first [`EXCERPT_CHARS`] characters of `text`, marked when cut.
fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Every server message is `{"type": …, "data": …}`.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

/// Reads one server message.
pub fn parse(text: &str) -> Result<ServerMessage, ParseError> {
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|e| ParseError::new(e.to_string(), text))?;
    Ok(match envelope.kind.as_str() {
        "ris_message" => {
            let message = serde_json::from_value(envelope.data)
                .map_err(|e| ParseError::new(format!("ris_message: {e}"), text))?;
            ServerMessage::Message(Box::new(message))
        }
        "ris_error" => {
            let message = envelope.data.get("message").and_then(Value::as_str);
            ServerMessage::Error(message.unwrap_or_default().to_owned())
        }
        "ris_subscribe_ok" => ServerMessage::SubscribeOk,
        "pong" => ServerMessage::Pong,
        _ => ServerMessage::Unknown(envelope.kind),
    })
}

/// A list that may also be `null`.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An AS number written as a string (as the server does) or a number.
fn asn<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Asn {
        Number(u32),
        Text(String),
    }
    match Asn::deserialize(d)? {
        Asn::Number(n) => Ok(n),
        Asn::Text(s) => s
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("bad AS number `{s}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_with_set_and_string_asn() {
        let text = r#"{"type":"ris_message","data":{"timestamp":1700000000.25,
            "peer":"192.0.2.1","peer_asn":"64496","id":"x","host":"rrc00",
            "type":"UPDATE","path":[64496,64500,[64501,64502]],
            "community":[[64496,1]],"origin":"IGP","something_new":1,
            "announcements":[{"next_hop":"192.0.2.1","prefixes":["198.51.100.0/24"]}],
            "withdrawals":["203.0.113.0/24"]}}"#;
        let ServerMessage::Message(m) = parse(text).unwrap() else {
            panic!("not a ris_message")
        };
        assert_eq!(m.peer_asn, 64496);
        assert_eq!(m.kind, MessageKind::Update);
        assert_eq!(
            m.path.as_deref().unwrap().last(),
            Some(&PathElement::Set(vec![64501, 64502]))
        );
        assert_eq!(m.withdrawals, ["203.0.113.0/24"]);
    }

    #[test]
    fn odd_input_is_an_error_or_unknown_never_a_panic() {
        assert_eq!(
            parse(r#"{"type":"ris_rrc_list","data":[]}"#).unwrap(),
            ServerMessage::Unknown("ris_rrc_list".into())
        );
        assert_eq!(
            parse(r#"{"type":"pong","data":null}"#).unwrap(),
            ServerMessage::Pong
        );
        let long = format!("{{\"type\": {}", "9".repeat(500));
        let err = parse(&long).unwrap_err();
        assert!(err.excerpt.chars().count() <= EXCERPT_CHARS + 1);
        let err = parse(r#"{"type":"ris_message","data":{"peer":"nope"}}"#).unwrap_err();
        assert!(err.what.starts_with("ris_message"), "{err}");
        for text in ["", "[]", "null", "{\"type\":3}", "\u{1F600}"] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn subscription_names_only_the_filters_set() {
        let filters = Filters {
            host: Some("rrc21".into()),
            prefixes: vec!["193.0.0.0/16".into()],
            more_specific: true,
            ..Filters::default()
        };
        let sent: Value = serde_json::from_str(&subscribe(&filters, true)).unwrap();
        assert_eq!(
            sent,
            json!({"type": "ris_subscribe", "data": {"host": "rrc21",
                "prefix": "193.0.0.0/16", "moreSpecific": true,
                "socketOptions": {"includeRaw": true}}})
        );
    }
}
