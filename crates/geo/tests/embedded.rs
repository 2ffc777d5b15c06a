//! The default table built from the `iptocc` crate's compiled-in data.
#![cfg(feature = "embedded")]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use geo::{Country, RegistryTable};
use wire::prefix::Prefix;

fn cc(s: &str) -> Country {
    s.parse().unwrap()
}

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

#[test]
fn embedded_default_knows_north_korea_and_agrees_with_iptocc() {
    let started = Instant::now();
    let t = RegistryTable::embedded();
    eprintln!(
        "embedded table built in {:?}: {:?}",
        started.elapsed(),
        t.stats()
    );
    assert!(t.stats().v4_ranges > 50_000);

    assert_eq!(t.lookup_v4(Ipv4Addr::new(175, 45, 176, 1)), Some(cc("KP")));
    assert_eq!(t.lookup_prefix(&p("175.45.176.0/22")), Some(cc("KP")));
    let mut parts = Vec::new();
    let s = t.split(&p("175.45.176.0/22"), |c, n| parts.push((c, n)));
    assert_eq!(parts, [(cc("KP"), 4)]);
    assert_eq!(s.unallocated, 0);

    assert_eq!(t.lookup_v4(Ipv4Addr::new(8, 8, 8, 8)), Some(cc("US")));
    assert_eq!(t.lookup_v4(Ipv4Addr::new(10, 0, 0, 1)), None);
    assert_eq!(t.lookup_prefix(&p("2001:4860::/32")), Some(cc("US")));
    assert_eq!(
        t.lookup_v6("2001:db8::1".parse::<Ipv6Addr>().unwrap()),
        None
    );
    // No AS data in iptocc.
    assert_eq!(t.asn_country(131279), None);

    // The swept IPv4 table answers like iptocc itself, at every 4099th
    // address (a stride that visits every offset inside a /24).
    let mut checked = 0;
    let mut addr: u64 = 0;
    while addr <= u64::from(u32::MAX) {
        let a = Ipv4Addr::from(addr as u32);
        let want = iptocc::country_code(a).map(cc);
        assert_eq!(t.lookup_v4(a), want, "{a}");
        checked += 1;
        addr += 4099;
    }
    assert!(checked > 1_000_000);

    // An IPv6 split: Google's /32 is all US.
    let mut parts = Vec::new();
    let s = t.split(&p("2001:4860::/32"), |c, n| parts.push((c, n)));
    assert_eq!(parts, [(cc("US"), 65536)]);
    assert_eq!(s.total, 65536);
}

/// The swept table against iptocc at every 251st address: 17 million
/// addresses, each /24 met at a varying last octet (251 is prime to 256),
/// so sub-/24 blocks inside a /24 are found too. (Asking all 2^32 found no
/// difference either, in 97 s; this sample keeps the test under a second
/// in release builds.)
#[test]
fn sweep_agrees_with_iptocc_across_the_address_space() {
    let t = RegistryTable::embedded();
    let mut wrong = 0u64;
    for addr in (0..=u32::MAX).step_by(251) {
        let a = Ipv4Addr::from(addr);
        if t.lookup_v4(a) != iptocc::country_code(a).map(cc) {
            if wrong < 20 {
                eprintln!(
                    "differs at {a}: table {:?}, iptocc {:?}",
                    t.lookup_v4(a),
                    iptocc::country_code(a)
                );
            }
            wrong += 1;
        }
    }
    assert_eq!(wrong, 0, "addresses where the sweep differs from iptocc");
}
