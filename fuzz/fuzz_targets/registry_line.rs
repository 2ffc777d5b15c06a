//! Fuzz target: any text as RIR delegated-extended rows and as AS-name
//! lines. Parsing must report bad rows, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for line in text.lines() {
        let _ = geo::delegated::parse_line(line);
    }
    let mut builder = geo::table::RegistryTableBuilder::new();
    let _ = builder.add_delegated_str(text, None);
    let _ = builder.build();
    let _ = geo::AsNames::from_text(text.as_bytes());
});
