//! One router's BMP stream, encoded whole before it is sent: Initiation,
//! a Peer Up per peer, each peer's table in Route Monitoring messages
//! (routes sharing attributes packed into UPDATEs of at most 4096 bytes,
//! IPv6 in MP_REACH_NLRI), an End-of-RIB per peer and family, optionally
//! every route withdrawn again, and optionally a Termination.
//!
//! A flapping peer's stream ([`Stream::flapping`]) has one peer whose
//! session goes down and comes back up again and again: after its table,
//! each flap is a Peer Down (the router closed the session, Hold Timer
//! Expired), a Peer Up and the whole table again with its End-of-RIBs,
//! as a router sends when a session is reset and re-established. The
//! stream remembers where each Peer Down and Peer Up starts, so that the
//! sender can keep the session up, then down, for a while.

use std::net::{IpAddr, Ipv4Addr};

use anyhow::bail;
use wire::bgp::Notification;
use wire::bgp::{HEADER_LEN, MAX_MESSAGE_LEN};
use wire::bmp::{info_tlv, termination_tlv, PeerDownReason, Tlv};
use wire::encode::{self, attr, bmp, Capability};
use wire::{Afi, Nlri};

use super::table::Routes;
use super::Peer;

/// The router's own AS (a documentation AS) and address.
const ROUTER_ASN: u32 = 64_500;
const ROUTER_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

/// AFI/SAFI codes of the two families announced.
const IPV4: u16 = 1;
const IPV6: u16 = 2;
const UNICAST: u8 = 1;

/// UPDATE bytes around the attributes and NLRI: the header, and the
/// withdrawn-routes and attribute-block lengths.
const UPDATE_OVERHEAD: usize = HEADER_LEN + 2 + 2;
/// An MP_REACH_NLRI or MP_UNREACH_NLRI attribute's header with a
/// two-byte length, and its AFI and SAFI.
const MP_OVERHEAD: usize = 4 + 3;
/// A NEXT_HOP attribute.
const NEXT_HOP_LEN: usize = 3 + 4;

/// What a stream holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    /// Routes announced.
    pub(super) announced: u64,
    /// Routes withdrawn.
    pub(super) withdrawn: u64,
    /// BMP messages.
    pub(super) messages: u64,
    /// Peer Up messages.
    pub(super) peer_ups: u64,
    /// Peer Down messages.
    pub(super) peer_downs: u64,
    /// End-of-RIB markers.
    pub(super) end_of_ribs: u64,
}

impl Counts {
    /// Both counts together.
    pub(super) fn add(self, other: Counts) -> Counts {
        Counts {
            announced: self.announced + other.announced,
            withdrawn: self.withdrawn + other.withdrawn,
            messages: self.messages + other.messages,
            peer_ups: self.peer_ups + other.peer_ups,
            peer_downs: self.peer_downs + other.peer_downs,
            end_of_ribs: self.end_of_ribs + other.end_of_ribs,
        }
    }
}

/// What a stream ends with after the tables.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ending {
    /// Withdraw every route once all End-of-RIBs are sent.
    pub(super) withdraw: bool,
    /// Send a Termination last.
    pub(super) terminate: bool,
}

/// Builds one router's stream.
pub(super) struct Stream {
    /// The stream so far.
    pub(super) bytes: Vec<u8>,
    pub(super) counts: Counts,
    /// Offsets in `bytes` where the sender may pause: before each Peer
    /// Down and each Peer Up of a flap (none but in a flapping peer's
    /// stream).
    pub(super) pauses: Vec<usize>,
    update: Vec<u8>,
    attrs: Vec<u8>,
}

impl Stream {
    /// The whole stream of router `name` for `peers`.
    pub(super) fn encode(
        name: &str,
        peers: &[Peer],
        routes: &mut Routes,
        ending: Ending,
    ) -> anyhow::Result<Stream> {
        let mut s = Stream::start(name)?;
        for peer in peers {
            s.peer_up(peer)?;
        }
        for peer in peers {
            s.table(peer, routes)?;
        }
        s.end(peers, routes, ending)?;
        Ok(s)
    }

    /// The stream of router `name` with the one peer `peer` whose session
    /// flaps `flaps` times after its table: each time a Peer Down, a Peer
    /// Up and the table again.
    pub(super) fn flapping(
        name: &str,
        peer: &Peer,
        routes: &mut Routes,
        flaps: u32,
        ending: Ending,
    ) -> anyhow::Result<Stream> {
        let mut s = Stream::start(name)?;
        s.peer_up(peer)?;
        s.table(peer, routes)?;
        for _ in 0..flaps {
            s.pauses.push(s.bytes.len());
            s.peer_down(peer)?;
            s.pauses.push(s.bytes.len());
            s.peer_up(peer)?;
            s.table(peer, routes)?;
        }
        s.end(std::slice::from_ref(peer), routes, ending)?;
        Ok(s)
    }

    /// A stream holding the Initiation of router `name`.
    fn start(name: &str) -> anyhow::Result<Stream> {
        let mut s = Stream {
            bytes: Vec::new(),
            counts: Counts::default(),
            pauses: Vec::new(),
            update: Vec::new(),
            attrs: Vec::new(),
        };
        let info = [
            Tlv {
                tlv_type: info_tlv::SYS_DESCR,
                value: b"darkwatch loadgen",
            },
            Tlv {
                tlv_type: info_tlv::SYS_NAME,
                value: name.as_bytes(),
            },
        ];
        bmp::initiation(&mut s.bytes, &info)?;
        s.counts.messages += 1;
        Ok(s)
    }

    /// `peer`'s whole table, then its End-of-RIBs.
    fn table(&mut self, peer: &Peer, routes: &mut Routes) -> anyhow::Result<()> {
        routes.for_each_group(peer, |afi, attrs, nlri| {
            self.announce(peer, afi, attrs, nlri)
        })?;
        for afi in [Afi::Ipv4, Afi::Ipv6] {
            self.end_of_rib(peer, afi)?;
        }
        Ok(())
    }

    /// What follows the tables: every route of `peers` withdrawn, a
    /// Termination, as `ending` asks.
    fn end(&mut self, peers: &[Peer], routes: &mut Routes, ending: Ending) -> anyhow::Result<()> {
        if ending.withdraw {
            for peer in peers {
                let (mut v4, mut v6) = (Vec::new(), Vec::new());
                routes.for_each_group(peer, |afi, _, nlri| {
                    match afi {
                        Afi::Ipv4 => v4.extend_from_slice(nlri),
                        Afi::Ipv6 => v6.extend_from_slice(nlri),
                    }
                    Ok(())
                })?;
                self.withdraw(peer, Afi::Ipv4, &v4)?;
                self.withdraw(peer, Afi::Ipv6, &v6)?;
            }
        }
        if ending.terminate {
            // Reason 0: administratively closed (RFC 7854 §4.5).
            let reason = Tlv {
                tlv_type: termination_tlv::REASON,
                value: &[0, 0],
            };
            bmp::termination(&mut self.bytes, &[reason])?;
            self.counts.messages += 1;
        }
        Ok(())
    }

    /// A Peer Down: the router closed the session with a NOTIFICATION,
    /// Hold Timer Expired (RFC 4271 §6.5), as when a link flaps.
    fn peer_down(&mut self, peer: &Peer) -> anyhow::Result<()> {
        let reason = PeerDownReason::LocalNotification(Notification {
            code: 4,
            subcode: 0,
            data: &[],
        });
        bmp::peer_down(&mut self.bytes, &peer.header, &reason)?;
        self.counts.messages += 1;
        self.counts.peer_downs += 1;
        Ok(())
    }

    /// A Peer Up: the router and the peer both offer IPv4 and IPv6
    /// unicast and 4-octet AS numbers, no ADD-PATH.
    fn peer_up(&mut self, peer: &Peer) -> anyhow::Result<()> {
        let open = |asn: u32, bgp_id: Ipv4Addr| -> anyhow::Result<Vec<u8>> {
            let caps = [
                Capability::Multiprotocol {
                    afi: IPV4,
                    safi: UNICAST,
                },
                Capability::Multiprotocol {
                    afi: IPV6,
                    safi: UNICAST,
                },
                Capability::FourOctetAs(asn),
            ];
            let mut out = Vec::new();
            encode::open(&mut out, asn, 90, bgp_id, &caps)?;
            Ok(out)
        };
        let up = bmp::PeerUp {
            peer: peer.header,
            local_addr: IpAddr::V4(ROUTER_ADDR),
            local_port: 179,
            remote_port: 50_179,
            sent_open: &open(ROUTER_ASN, ROUTER_ADDR)?,
            received_open: &open(peer.header.asn, peer.header.bgp_id)?,
            information: &[],
        };
        bmp::peer_up(&mut self.bytes, &up)?;
        self.counts.messages += 1;
        self.counts.peer_ups += 1;
        Ok(())
    }

    /// Announces `nlri` with `attrs` and the peer's next hop, in as few
    /// UPDATEs as fit.
    fn announce(
        &mut self,
        peer: &Peer,
        afi: Afi,
        attrs: &[u8],
        nlri: &[Nlri],
    ) -> anyhow::Result<()> {
        let next_hop = peer.next_hop_v6.octets();
        let fixed = UPDATE_OVERHEAD
            + attrs.len()
            + match afi {
                Afi::Ipv4 => NEXT_HOP_LEN,
                // Next-hop length, next hop, reserved byte.
                Afi::Ipv6 => MP_OVERHEAD + 1 + next_hop.len() + 1,
            };
        for chunk in Chunks::new(nlri, fixed)? {
            self.attrs.clear();
            self.attrs.extend_from_slice(attrs);
            self.update.clear();
            match afi {
                Afi::Ipv4 => {
                    attr::next_hop(&mut self.attrs, peer.next_hop_v4());
                    encode::update(&mut self.update, &[], &self.attrs, chunk)?;
                }
                Afi::Ipv6 => {
                    attr::mp_reach(&mut self.attrs, IPV6, UNICAST, &next_hop, chunk)?;
                    encode::update(&mut self.update, &[], &self.attrs, &[])?;
                }
            }
            self.route_monitoring(peer)?;
            self.counts.announced += chunk.len() as u64;
        }
        Ok(())
    }

    /// Withdraws `nlri`, in as few UPDATEs as fit.
    fn withdraw(&mut self, peer: &Peer, afi: Afi, nlri: &[Nlri]) -> anyhow::Result<()> {
        let fixed = UPDATE_OVERHEAD
            + match afi {
                Afi::Ipv4 => 0,
                Afi::Ipv6 => MP_OVERHEAD,
            };
        for chunk in Chunks::new(nlri, fixed)? {
            self.update.clear();
            match afi {
                Afi::Ipv4 => encode::update(&mut self.update, chunk, &[], &[])?,
                Afi::Ipv6 => {
                    self.attrs.clear();
                    attr::mp_unreach(&mut self.attrs, IPV6, UNICAST, chunk)?;
                    encode::update(&mut self.update, &[], &self.attrs, &[])?;
                }
            }
            self.route_monitoring(peer)?;
            self.counts.withdrawn += chunk.len() as u64;
        }
        Ok(())
    }

    /// The End-of-RIB of `afi` (RFC 4724 §2): an empty UPDATE for IPv4,
    /// an empty MP_UNREACH_NLRI for the others.
    fn end_of_rib(&mut self, peer: &Peer, afi: Afi) -> anyhow::Result<()> {
        self.update.clear();
        self.attrs.clear();
        if afi == Afi::Ipv6 {
            attr::mp_unreach(&mut self.attrs, IPV6, UNICAST, &[])?;
        }
        encode::update(&mut self.update, &[], &self.attrs, &[])?;
        self.counts.end_of_ribs += 1;
        self.route_monitoring(peer)
    }

    /// Wraps the UPDATE just built in a Route Monitoring message.
    fn route_monitoring(&mut self, peer: &Peer) -> anyhow::Result<()> {
        bmp::route_monitoring(&mut self.bytes, &peer.header, &self.update)?;
        self.counts.messages += 1;
        Ok(())
    }
}

/// Splits NLRI into runs that fit an UPDATE beside `fixed` other bytes.
struct Chunks<'a> {
    rest: &'a [Nlri],
    room: usize,
}

impl<'a> Chunks<'a> {
    fn new(nlri: &'a [Nlri], fixed: usize) -> anyhow::Result<Chunks<'a>> {
        // The longest NLRI: a /128 (length byte and 16 address bytes).
        const LONGEST: usize = 17;
        if fixed + LONGEST > MAX_MESSAGE_LEN {
            bail!(
                "a route's attributes take {fixed} bytes of an UPDATE: no room for routes \
                 in {MAX_MESSAGE_LEN} bytes; use a RIB whose routes carry fewer attributes"
            );
        }
        Ok(Chunks {
            rest: nlri,
            room: MAX_MESSAGE_LEN - fixed,
        })
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [Nlri];

    fn next(&mut self) -> Option<&'a [Nlri]> {
        if self.rest.is_empty() {
            return None;
        }
        let mut used = 0;
        let n = self
            .rest
            .iter()
            .take_while(|n| {
                used += 1 + usize::from(n.prefix.len()).div_ceil(8);
                used <= self.room
            })
            .count();
        let (chunk, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(chunk)
    }
}
