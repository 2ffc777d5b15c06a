//! Fuzz target: any bytes as one MRT record (12-byte header, then the
//! body) through every decoder the dump uses. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::entry::{visit, PeerTable};
use wire::mrt::{Header, RawRecord, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<HEADER_LEN>() else {
        return;
    };
    let header = Header::parse(*head);
    let Ok(raw) = RawRecord::new(header, body) else {
        return;
    };
    let _ = raw.check();
    // A peer table from the same bytes lets RIB records name peers.
    let mut peers = PeerTable::default();
    let _ = visit(&raw, &mut peers, |e| {
        if let Some(a) = e.attrs {
            let mut out = Vec::new();
            if let Some(p) = a.path() {
                p.write_text(&mut out);
            }
            let _ = a.effective_aggregator();
            let _ = a.unknown_attributes().count();
        }
        if let Some(p) = e.prefix {
            let mut out = Vec::new();
            p.write_text(&mut out);
        }
    });
});
