//! Fuzz target: any bytes as the body of a BGP UPDATE, decoded under
//! every session flavour (2- and 4-byte AS numbers, with and without
//! ADD-PATH). It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::attr::AttrContext;
use wire::bgp::Update;
use wire::{AsnWidth, Reader};

fuzz_target!(|data: &[u8]| {
    let Ok(update) = Update::decode(Reader::new(data)) else {
        return;
    };
    for asn_width in [AsnWidth::Two, AsnWidth::Four] {
        for add_path in [false, true] {
            let _ = update.withdrawn(add_path).count();
            let _ = update.announced(add_path).count();
            let ctx = AttrContext {
                asn_width,
                add_path,
                rib: false,
            };
            let attrs = update.attributes(ctx);
            if let Some(path) = attrs.path() {
                let mut out = Vec::new();
                path.write_text(&mut out);
                let _ = path.origin_asn();
                let _ = path.hops();
            }
            if let Some(reach) = attrs.mp_reach {
                let _ = reach.nlri().count();
                let _ = reach.next_hop_addr();
            }
            if let Some(unreach) = attrs.mp_unreach {
                let _ = unreach.nlri().count();
            }
            if let Some(c) = attrs.communities {
                let _ = c.iter().count();
            }
            if let Some(c) = attrs.large_communities {
                let _ = c.iter().count();
            }
        }
    }
});
