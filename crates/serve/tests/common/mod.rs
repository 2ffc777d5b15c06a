//! What the router tests share: a route table fed real route events,
//! and (in [`api`]) the API's test server and requests to it. Each test
//! file uses a part of it.
#![allow(dead_code)]

pub mod api;

use std::net::IpAddr;

use rib::{Rib, RibConfig};
use serve::RouteTable;
use wire::attr::{AttrContext, Attributes};
use wire::encode::attr;
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::AsnWidth;
use wire::Reader;

/// When the table's routes were announced (2014-12-22T16:20:00Z).
pub const T0: u32 = 1_419_265_200;

fn peer(n: u8) -> PeerKey {
    PeerKey {
        collector: 0,
        addr: IpAddr::from([192, 0, 2, n]),
        asn: 64_500 + u32::from(n),
    }
}

/// A table where three peers reach 175.45.176.0/22 through AS4837 and a
/// fourth peer has only a default route.
pub fn route_table() -> RouteTable {
    let mut rib = Rib::new(RibConfig::default());
    let mut deltas = Vec::new();
    let mut announce = |who: u8, prefix: &str, path: &[u32]| {
        let mut bytes = Vec::new();
        attr::route(&mut bytes, path).unwrap();
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&bytes), ctx);
        let event = RouteEvent {
            prefix: Some(prefix.parse().unwrap()),
            attrs: Some(&attrs),
            ..RouteEvent::session(peer(who), EventKind::Announce, Timestamp::from_secs(T0))
        };
        rib.apply(&event, &mut deltas);
    };
    for who in 1..=3 {
        announce(
            who,
            "175.45.176.0/22",
            &[64_500 + u32::from(who), 4837, 131_279],
        );
        announce(
            who,
            "198.51.100.0/24",
            &[64_500 + u32::from(who), 3356, 64_496],
        );
    }
    announce(4, "0.0.0.0/0", &[64_504]);
    rib.refresh_full_feed(&mut deltas);
    RouteTable {
        rib,
        collectors: vec!["route-views.test".into()],
        as_of: u64::from(T0),
    }
}
