//! Fuzz target: any bytes as the messages a BGP neighbor sends on its
//! session (RFC 4271 framing; OPEN capabilities, RFC 9072 extended
//! parameters; UPDATEs walked into route events with the ADD-PATH state
//! its OPEN offered). It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::attr::AttrContext;
use wire::bgp::Message;
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::{changes, AsnWidth, Reader};

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let mut asn_width = AsnWidth::Two;
    let mut add_path = false;
    let peer = PeerKey {
        collector: 0,
        addr: [192, 0, 2, 1].into(),
        asn: 64_500,
    };
    while let Ok(message) = Message::read(&mut r) {
        match message {
            Message::Open(open) => {
                if open.four_octet_asn().is_some() {
                    asn_width = AsnWidth::Four;
                }
                add_path = open.add_path().any(|(afi, safi, _)| afi == 1 && safi == 1);
                let _ = (open.asn(), open.capabilities().count());
            }
            Message::Update(update) => {
                let ctx = AttrContext {
                    asn_width,
                    add_path,
                    rib: false,
                };
                let attrs = update.attributes(ctx);
                let base = RouteEvent::session(peer, EventKind::Announce, Timestamp::from_secs(0));
                let mut opaque = 0;
                let _ = changes::walk_events(&update, &attrs, add_path, base, &mut opaque, &mut |e| {
                    if let Some(path) = e.attrs.and_then(|a| a.path()) {
                        let mut out = Vec::new();
                        path.write_text(&mut out);
                    }
                });
            }
            Message::Notification(_) | Message::Keepalive | Message::RouteRefresh(_) => {}
        }
    }
});
