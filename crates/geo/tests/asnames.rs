//! AS names from the real pyasn-derived file, in its JSON form and in the
//! equivalent text form.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use geo::load::load_as_names;
use geo::{open_maybe_gzip, Country};

fn json_path() -> std::path::PathBuf {
    common::data_dir().join("asnames/asnames.json.gz")
}

#[test]
fn north_korea_from_the_json_file() {
    let (names, issues) = load_as_names(&json_path()).unwrap();
    assert!(issues.is_empty(), "{:?}", issues.first());
    // The README gives 77,586 entries.
    assert_eq!(names.len(), 77_586);
    let kp = names.get(131279).unwrap();
    assert_eq!(kp.name, "STAR-KP Ryugyong-dong");
    assert_eq!(kp.country, Some("KP".parse::<Country>().unwrap()));
    let unicom = names.get(4837).unwrap();
    assert_eq!(unicom.country, Some("CN".parse::<Country>().unwrap()));
    assert!(names.get(4_294_967_295).is_none());
}

#[test]
fn text_form_of_the_same_data_reads_the_same() {
    // Write the JSON's entries as `ASN NAME description, CC` lines, gzip
    // them, and read them back through the text parser.
    let mut json = String::new();
    open_maybe_gzip(&json_path())
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
    let mut text = Vec::new();
    for (asn, value) in &map {
        writeln!(text, "{asn} {value}").unwrap();
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("geo-{}-asnames.txt.gz", std::process::id()));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&text).unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();

    let (from_text, issues) = load_as_names(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(issues.is_empty(), "{:?}", issues.first());
    let (from_json, _) = load_as_names(&json_path()).unwrap();
    assert_eq!(from_text.len(), from_json.len());
    let kp = from_text.get(131279).unwrap();
    assert_eq!(kp.name, "STAR-KP Ryugyong-dong");
    assert_eq!(kp.country.unwrap().to_string(), "KP");
    for asn in map.keys().map(|k| k.parse::<u32>().unwrap()) {
        assert_eq!(from_text.get(asn), from_json.get(asn), "AS{asn}");
    }
}
