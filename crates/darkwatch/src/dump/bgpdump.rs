//! The `bgpdump -m` line format (bgpdump 1.6): pipe-separated fields, one
//! route per line, the format most MRT tooling of the field reads.
//!
//! RIB and announce lines:
//! `KIND|TIME|B or A|PEER_IP|PEER_AS|PREFIX[|PATH_ID]|AS_PATH|ORIGIN|NEXT_HOP|LOCAL_PREF|MED|COMMUNITIES|AG or NAG|AGGREGATOR|`
//! withdraw lines: `KIND|TIME|W|PEER_IP|PEER_AS|PREFIX[|PATH_ID]`, state
//! lines: `KIND|TIME|STATE|PEER_IP|PEER_AS|OLD|NEW`. KIND names the record
//! format (TABLE_DUMP, TABLE_DUMP2, BGP4MP, BGP4MP_ET, BGP, with `_LOCAL`
//! and `_AP` variants); TIME is Unix seconds, with `.micro` for BGP4MP_ET.
//!
//! Where bgpdump 1.6 is provably wrong this writer is not; each deviation is
//! pinned by a test in `tests/dump_bgpdump.rs` named after it.

use std::net::IpAddr;

use wire::attr::write_community;
use wire::entry::{Entry, EntryKind, Source};
use wire::text::{write_ipv4, write_ipv6_styled, write_u32, Ipv6Style};

/// Appends the line of `entry` to `out` (nothing for an End-of-RIB marker,
/// which bgpdump does not print).
pub fn write_line(out: &mut Vec<u8>, entry: &Entry<'_, '_>) {
    let tag: &[u8] = match entry.kind {
        EntryKind::Rib => b"|B|",
        EntryKind::Announce => b"|A|",
        EntryKind::Withdraw => b"|W|",
        EntryKind::State { .. } => b"|STATE|",
        EntryKind::EndOfRib { .. } => return,
    };
    out.extend_from_slice(kind_label(entry).as_bytes());
    out.push(b'|');
    write_u32(out, entry.timestamp);
    if let Some(us) = entry.microseconds {
        out.push(b'.');
        write_micros(out, us);
    }
    out.extend_from_slice(tag);
    write_ip(out, entry.peer_ip);
    out.push(b'|');
    write_u32(out, entry.peer_asn);
    out.push(b'|');
    if let EntryKind::State { old, new } = entry.kind {
        write_u32(out, u32::from(old));
        out.push(b'|');
        write_u32(out, u32::from(new));
        out.push(b'\n');
        return;
    }
    if let Some(prefix) = entry.prefix {
        prefix.write_text_styled(out, Ipv6Style::Bgpdump);
    }
    if entry.add_path {
        out.push(b'|');
        write_u32(out, entry.path_id.unwrap_or(0));
    }
    if entry.kind == EntryKind::Withdraw {
        out.push(b'\n');
        return;
    }
    write_route_attributes(out, entry);
}

fn write_route_attributes(out: &mut Vec<u8>, entry: &Entry<'_, '_>) {
    let Some(attrs) = entry.attrs else {
        out.push(b'\n');
        return;
    };
    out.push(b'|');
    if let Some(path) = attrs.path() {
        path.write_text(out);
    }
    out.push(b'|');
    // An absent ORIGIN prints as INCOMPLETE, as bgpdump does.
    out.extend_from_slice(attrs.origin.map_or("INCOMPLETE", |o| o.name()).as_bytes());
    out.push(b'|');
    match entry.next_hop {
        Some(ip) => write_ip(out, Some(ip)),
        // bgpdump prints INADDR_NONE for a route without any next hop.
        None => out.extend_from_slice(b"255.255.255.255"),
    }
    out.push(b'|');
    write_u32(out, attrs.local_pref.unwrap_or(0));
    out.push(b'|');
    write_u32(out, attrs.med.unwrap_or(0));
    // The deprecated BGP records have no communities column in bgpdump's
    // output unless the route carries communities.
    if entry.source != Source::LegacyBgp || attrs.communities.is_some() {
        out.push(b'|');
        if let Some(communities) = attrs.communities {
            for (i, c) in communities.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_community(out, c);
            }
        }
    }
    out.extend_from_slice(if attrs.atomic_aggregate {
        b"|AG|"
    } else {
        b"|NAG|"
    });
    if let Some(agg) = attrs.effective_aggregator() {
        write_u32(out, agg.asn);
        out.push(b' ');
        write_ipv4(out, agg.addr.octets());
    }
    out.extend_from_slice(b"|\n");
}

/// The first field: the record format and its variant.
fn kind_label(entry: &Entry<'_, '_>) -> &'static str {
    let state = matches!(entry.kind, EntryKind::State { .. });
    match (entry.source, state, entry.sent, entry.add_path) {
        (Source::TableDump, ..) => "TABLE_DUMP",
        (Source::TableDumpV2, _, _, false) => "TABLE_DUMP2",
        (Source::TableDumpV2, _, _, true) => "TABLE_DUMP2_AP",
        (Source::LegacyBgp, ..) => "BGP",
        (Source::Bgp4mp, true, ..) => "BGP4MP",
        (Source::Bgp4mpEt, true, ..) => "BGP4MP_ET",
        (Source::Bgp4mp, false, false, false) => "BGP4MP",
        (Source::Bgp4mp, false, false, true) => "BGP4MP_AP",
        (Source::Bgp4mp, false, true, false) => "BGP4MP_LOCAL",
        (Source::Bgp4mp, false, true, true) => "BGP4MP_LOCAL_AP",
        (Source::Bgp4mpEt, false, false, false) => "BGP4MP_ET",
        (Source::Bgp4mpEt, false, false, true) => "BGP4MP_ET_AP",
        (Source::Bgp4mpEt, false, true, false) => "BGP4MP_ET_LOCAL",
        (Source::Bgp4mpEt, false, true, true) => "BGP4MP_ET_LOCAL_AP",
    }
}

/// An address, or `0.0.0.0` when the record has none (bgpdump's rendering
/// of the shortened Zebra state changes).
fn write_ip(out: &mut Vec<u8>, ip: Option<IpAddr>) {
    match ip {
        Some(IpAddr::V4(a)) => write_ipv4(out, a.octets()),
        Some(IpAddr::V6(a)) => write_ipv6_styled(out, a.octets(), Ipv6Style::Bgpdump),
        None => out.extend_from_slice(b"0.0.0.0"),
    }
}

/// Six-digit zero-padded microseconds.
fn write_micros(out: &mut Vec<u8>, us: u32) {
    let mut digits = [b'0'; 6];
    let mut v = us;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    if v > 0 {
        // Out of range (over a second): print it whole rather than wrap.
        write_u32(out, us);
    } else {
        out.extend_from_slice(&digits);
    }
}
