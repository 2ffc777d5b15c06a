//! BGP-4 messages (RFC 4271 §4): OPEN with capabilities (RFC 5492, 9072),
//! UPDATE, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH (RFC 2918, 7313).

use std::net::Ipv4Addr;

use crate::attr::{AttrContext, Attributes};
use crate::error::{ErrorKind, Result, WireError};
use crate::prefix::{Afi, NlriIter};
use crate::reader::Reader;

/// Length of the BGP message header (marker, length, type).
pub const HEADER_LEN: usize = 19;
/// Longest BGP message without RFC 8654 extended messages.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// BGP message type codes.
pub mod msg_type {
    /// OPEN.
    pub const OPEN: u8 = 1;
    /// UPDATE.
    pub const UPDATE: u8 = 2;
    /// NOTIFICATION.
    pub const NOTIFICATION: u8 = 3;
    /// KEEPALIVE.
    pub const KEEPALIVE: u8 = 4;
    /// ROUTE-REFRESH.
    pub const ROUTE_REFRESH: u8 = 5;
}

/// The fixed header of a BGP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageHeader {
    /// Total length declared by the header, header included.
    pub length: u16,
    /// Message type code.
    pub msg_type: u8,
}

impl MessageHeader {
    /// Reads and checks the marker, length and type.
    pub fn read(r: &mut Reader<'_>) -> Result<MessageHeader> {
        MessageHeader::read_partial(r, 16)
    }

    /// Like [`MessageHeader::read`] when only the last `marker_len` bytes
    /// of the marker are left to read.
    pub fn read_partial(r: &mut Reader<'_>, marker_len: usize) -> Result<MessageHeader> {
        let at = r.offset();
        let marker = r.take(marker_len)?;
        if marker.iter().any(|&b| b != 0xff) {
            return Err(WireError::new(ErrorKind::BadMarker, at));
        }
        let length = r.u16()?;
        if usize::from(length) < HEADER_LEN {
            return Err(WireError::new(ErrorKind::BadMessageLength(length), at + 16));
        }
        let msg_type = r.u8()?;
        Ok(MessageHeader { length, msg_type })
    }

    /// Bytes of the message after the header.
    pub fn body_len(&self) -> usize {
        usize::from(self.length).saturating_sub(HEADER_LEN)
    }
}

/// A decoded BGP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// OPEN.
    Open(Open<'a>),
    /// UPDATE.
    Update(Update<'a>),
    /// NOTIFICATION.
    Notification(Notification<'a>),
    /// KEEPALIVE.
    Keepalive,
    /// ROUTE-REFRESH.
    RouteRefresh(RouteRefresh),
}

impl<'a> Message<'a> {
    /// Decodes one whole message (header included) from `r`, which must
    /// hold at least the declared length.
    pub fn read(r: &mut Reader<'a>) -> Result<Message<'a>> {
        let header = MessageHeader::read(r)?;
        let body = r.sub(header.body_len())?;
        Message::decode_body(header.msg_type, body)
    }

    /// Decodes a message body of type `msg_type` (the header already read).
    pub fn decode_body(msg_type: u8, mut body: Reader<'a>) -> Result<Message<'a>> {
        match msg_type {
            msg_type::OPEN => Open::decode(body).map(Message::Open),
            msg_type::UPDATE => Update::decode(body).map(Message::Update),
            msg_type::NOTIFICATION => Ok(Message::Notification(Notification {
                code: body.u8()?,
                subcode: body.u8()?,
                data: body.take_rest(),
            })),
            msg_type::KEEPALIVE => Ok(Message::Keepalive),
            msg_type::ROUTE_REFRESH => Ok(Message::RouteRefresh(RouteRefresh {
                afi: body.u16()?,
                subtype: body.u8()?,
                safi: body.u8()?,
            })),
            other => Err(body.error(ErrorKind::UnknownMessageType(other))),
        }
    }
}

/// OPEN message (RFC 4271 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Open<'a> {
    /// Protocol version (4).
    pub version: u8,
    /// My Autonomous System (AS_TRANS for 4-byte speakers).
    pub my_asn: u16,
    /// Proposed hold time in seconds.
    pub hold_time: u16,
    /// BGP identifier.
    pub bgp_id: Ipv4Addr,
    params: Reader<'a>,
    extended: bool,
}

impl<'a> Open<'a> {
    fn decode(mut r: Reader<'a>) -> Result<Open<'a>> {
        let version = r.u8()?;
        let my_asn = r.u16()?;
        let hold_time = r.u16()?;
        let bgp_id = Ipv4Addr::from(r.array::<4>()?);
        let mut len = usize::from(r.u8()?);
        // RFC 9072: a non-extended length of 255 followed by type 255 means
        // a 2-byte length follows.
        let extended = len == 255 && r.rest().first() == Some(&255);
        if extended {
            r.skip(1)?;
            len = usize::from(r.u16()?);
        }
        let params = r.sub(len)?;
        Ok(Open {
            version,
            my_asn,
            hold_time,
            bgp_id,
            params,
            extended,
        })
    }

    /// The capabilities advertised in all capability parameters.
    pub fn capabilities(&self) -> Capabilities<'a> {
        Capabilities {
            params: self.params,
            current: Reader::new(&[]),
            extended: self.extended,
        }
    }

    /// The 4-byte AS number from the capability (RFC 6793), if advertised.
    pub fn four_octet_asn(&self) -> Option<u32> {
        self.capabilities()
            .filter_map(Result::ok)
            .find(|c| c.code == capability::FOUR_OCTET_AS)
            .and_then(|c| Reader::new(c.value).u32().ok())
    }

    /// The speaker's AS: the 4-byte capability's when present.
    pub fn asn(&self) -> u32 {
        self.four_octet_asn().unwrap_or(u32::from(self.my_asn))
    }

    /// ADD-PATH capability tuples (RFC 7911 §4): AFI, SAFI, send/receive.
    pub fn add_path(&self) -> impl Iterator<Item = (u16, u8, u8)> + 'a {
        self.capabilities()
            .filter_map(Result::ok)
            .filter(|c| c.code == capability::ADD_PATH)
            .flat_map(|c| {
                c.value.chunks_exact(4).filter_map(|t| {
                    let [a, b, safi, dir] = <[u8; 4]>::try_from(t).ok()?;
                    Some((u16::from_be_bytes([a, b]), safi, dir))
                })
            })
    }
}

/// Capability codes (IANA).
pub mod capability {
    /// Multiprotocol extensions (RFC 4760).
    pub const MULTIPROTOCOL: u8 = 1;
    /// Route refresh (RFC 2918).
    pub const ROUTE_REFRESH: u8 = 2;
    /// Graceful restart (RFC 4724).
    pub const GRACEFUL_RESTART: u8 = 64;
    /// 4-octet AS numbers (RFC 6793).
    pub const FOUR_OCTET_AS: u8 = 65;
    /// ADD-PATH (RFC 7911).
    pub const ADD_PATH: u8 = 69;
    /// Enhanced route refresh (RFC 7313).
    pub const ENHANCED_ROUTE_REFRESH: u8 = 70;
}

/// One capability: code and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability<'a> {
    /// Capability code.
    pub code: u8,
    /// Capability value.
    pub value: &'a [u8],
}

/// Iterator over the capabilities of an OPEN; other optional parameters
/// are skipped. Stops after the first malformed parameter.
#[derive(Clone, Debug)]
pub struct Capabilities<'a> {
    params: Reader<'a>,
    current: Reader<'a>,
    extended: bool,
}

impl<'a> Iterator for Capabilities<'a> {
    type Item = Result<Capability<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if !self.current.is_empty() {
                let item = (|| {
                    let code = self.current.u8()?;
                    let len = usize::from(self.current.u8()?);
                    let value = self.current.sub(len)?.take_rest();
                    Ok(Capability { code, value })
                })();
                if item.is_err() {
                    self.current = Reader::new(&[]);
                    self.params = Reader::new(&[]);
                }
                return Some(item);
            }
            if self.params.is_empty() {
                return None;
            }
            let param = (|| {
                let ptype = self.params.u8()?;
                let len = if self.extended {
                    usize::from(self.params.u16()?)
                } else {
                    usize::from(self.params.u8()?)
                };
                Ok((ptype, self.params.sub(len)?))
            })();
            match param {
                Ok((2, value)) => self.current = value,
                Ok(_) => {}
                Err(e) => {
                    self.params = Reader::new(&[]);
                    return Some(Err(e));
                }
            }
        }
    }
}

/// UPDATE message (RFC 4271 §4.3): withdrawn routes, path attributes and
/// announced IPv4 NLRI, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Update<'a> {
    withdrawn: Reader<'a>,
    attributes: Reader<'a>,
    nlri: Reader<'a>,
}

impl<'a> Update<'a> {
    /// Splits an UPDATE body into its three parts.
    pub fn decode(mut r: Reader<'a>) -> Result<Update<'a>> {
        let withdrawn_len = usize::from(r.u16()?);
        let withdrawn = r.sub(withdrawn_len)?;
        let attr_len = usize::from(r.u16()?);
        let attributes = r.sub(attr_len)?;
        Ok(Update {
            withdrawn,
            attributes,
            nlri: r,
        })
    }

    /// Withdrawn IPv4 routes.
    pub fn withdrawn(&self, add_path: bool) -> NlriIter<'a> {
        NlriIter::new(self.withdrawn, Afi::Ipv4, add_path)
    }

    /// Announced IPv4 routes.
    pub fn announced(&self, add_path: bool) -> NlriIter<'a> {
        NlriIter::new(self.nlri, Afi::Ipv4, add_path)
    }

    /// The path attributes.
    pub fn attributes(&self, ctx: AttrContext) -> Attributes<'a> {
        Attributes::decode(self.attributes, ctx)
    }

    /// True when the UPDATE has no attributes and no routes: an End-of-RIB
    /// marker for IPv4 unicast (RFC 4724 §2).
    pub fn is_end_of_rib(&self) -> bool {
        self.withdrawn.is_empty() && self.attributes.is_empty() && self.nlri.is_empty()
    }

    /// Length of the path attribute block.
    pub fn attributes_len(&self) -> usize {
        self.attributes.remaining()
    }
}

/// NOTIFICATION message (RFC 4271 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification<'a> {
    /// Error code.
    pub code: u8,
    /// Error subcode.
    pub subcode: u8,
    /// Data.
    pub data: &'a [u8],
}

/// ROUTE-REFRESH message (RFC 2918, RFC 7313).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteRefresh {
    /// AFI code.
    pub afi: u16,
    /// Message subtype (RFC 7313; 0 in RFC 2918).
    pub subtype: u8,
    /// SAFI code.
    pub safi: u8,
}
