//! Fuzz target: any text as a `darkwatch serve --config` file and as a
//! scenario file for `darkwatch synth`. Both must be refused with a
//! message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = darkwatch::config::Config::parse(text);
    let _ = darkwatch::scenario::parse("fuzz.toml", text);
});
