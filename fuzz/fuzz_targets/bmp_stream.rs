//! Fuzz target: any bytes as a BMP stream from a router (RFC 7854, 9069),
//! framed as the station frames it, every message decoded and turned into
//! route events under the ADD-PATH state its Peer Ups negotiated. It must
//! never panic, and a framed length must never be shorter than a header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::bmp::{self, AddPath, Message};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let mut add_path = AddPath::NONE;
    while let Ok(Some(len)) = bmp::message_len(rest) {
        assert!(len >= bmp::COMMON_HEADER_LEN, "framed {len} bytes");
        let Some(message) = rest.get(..len) else {
            return;
        };
        rest = &rest[len..];
        let Ok(message) = Message::decode(message) else {
            continue;
        };
        if let Message::PeerUp(up) = &message {
            add_path = up.add_path();
            let _ = up.four_octet_as();
        }
        if let Message::PeerDown(down) = &message {
            let _ = down.reason();
        }
        if let Some(peer) = message.peer() {
            let _ = (peer.view(), peer.asn_width(), peer.time());
        }
        let _ = bmp::route_events(&message, 0, add_path, |event| {
            if let Some(prefix) = event.prefix {
                let mut out = Vec::new();
                prefix.write_text(&mut out);
            }
            if let Some(path) = event.attrs.and_then(|a| a.path()) {
                let _ = path.origin_asn();
            }
        });
    }
});
