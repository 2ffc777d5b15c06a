//! Fuzz target: any text as one RIS Live server message (JSON), parsed,
//! converted into BGP UPDATEs as the live ingest converts it, and every
//! UPDATE decoded again. Parsing may refuse; nothing may panic, and every
//! UPDATE the converter writes must decode.
#![no_main]

use feed::rislive::{self, Converted, ServerMessage};
use libfuzzer_sys::fuzz_target;
use wire::attr::AttrContext;
use wire::bgp::Message;
use wire::{AsnWidth, Reader};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ServerMessage::Message(message)) = rislive::parse(text) else {
        return;
    };
    let Ok(Converted::Updates(updates)) = rislive::convert(&message) else {
        return;
    };
    for bytes in updates {
        let Ok(Message::Update(update)) = Message::read(&mut Reader::new(&bytes)) else {
            panic!("the converter wrote an UPDATE that does not decode: {bytes:02x?}");
        };
        let attrs = update.attributes(AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        });
        assert!(attrs.error.is_none(), "{:?} in {bytes:02x?}", attrs.error);
    }
});
