//! The `--format json` form of `dump`: one JSON object per line, every key
//! always present (`null` when the entry has no such value), so that the
//! shape is stable for consumers. The fields are listed in the README.

use std::net::IpAddr;

use wire::attr::write_community;
use wire::entry::{Entry, EntryKind, Source};
use wire::text::{write_ipv4, write_ipv6, write_u32};

/// Appends the JSON line of `entry` to `out`.
pub fn write_line(out: &mut Vec<u8>, entry: &Entry<'_, '_>) {
    let attrs = entry.attrs;
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(match entry.kind {
        EntryKind::Rib => b"rib",
        EntryKind::Announce => b"announce",
        EntryKind::Withdraw => b"withdraw",
        EntryKind::State { .. } => b"state",
        EntryKind::EndOfRib { .. } => b"end_of_rib",
    });
    out.extend_from_slice(b"\",\"source\":\"");
    out.extend_from_slice(match entry.source {
        Source::TableDump => b"TABLE_DUMP".as_slice(),
        Source::TableDumpV2 => b"TABLE_DUMP_V2",
        Source::Bgp4mp => b"BGP4MP",
        Source::Bgp4mpEt => b"BGP4MP_ET",
        Source::LegacyBgp => b"BGP",
    });
    out.extend_from_slice(b"\",\"timestamp\":");
    write_u32(out, entry.timestamp);
    key(out, "microseconds");
    opt_u32(out, entry.microseconds);
    key(out, "peer_ip");
    opt_ip(out, entry.peer_ip);
    key(out, "peer_asn");
    write_u32(out, entry.peer_asn);
    key(out, "sent");
    out.extend_from_slice(if entry.sent { b"true" } else { b"false" });
    key(out, "prefix");
    match entry.prefix {
        Some(p) => {
            out.push(b'"');
            p.write_text(out);
            out.push(b'"');
        }
        None => null(out),
    }
    key(out, "path_id");
    opt_u32(out, entry.path_id);
    key(out, "as_path");
    let path = attrs.and_then(|a| a.path());
    match path {
        Some(p) => {
            out.push(b'"');
            p.write_text(out);
            out.push(b'"');
        }
        None => null(out),
    }
    key(out, "origin_asn");
    opt_u32(out, path.and_then(|p| p.origin_asn()));
    key(out, "origin");
    match attrs.and_then(|a| a.origin) {
        Some(o) => {
            out.push(b'"');
            out.extend_from_slice(o.name().as_bytes());
            out.push(b'"');
        }
        None => null(out),
    }
    key(out, "next_hop");
    opt_ip(out, entry.next_hop);
    key(out, "local_pref");
    opt_u32(out, attrs.and_then(|a| a.local_pref));
    key(out, "med");
    opt_u32(out, attrs.and_then(|a| a.med));
    key(out, "communities");
    match attrs.and_then(|a| a.communities) {
        Some(cs) => write_string_list(out, cs.iter(), write_community),
        None => null(out),
    }
    key(out, "large_communities");
    match attrs.and_then(|a| a.large_communities) {
        Some(cs) => write_string_list(out, cs.iter(), |out, (g, l1, l2)| {
            write_u32(out, g);
            out.push(b':');
            write_u32(out, l1);
            out.push(b':');
            write_u32(out, l2);
        }),
        None => null(out),
    }
    key(out, "atomic_aggregate");
    match attrs {
        Some(a) => out.extend_from_slice(if a.atomic_aggregate {
            b"true"
        } else {
            b"false"
        }),
        None => null(out),
    }
    key(out, "aggregator");
    match attrs.and_then(|a| a.effective_aggregator()) {
        Some(agg) => {
            out.extend_from_slice(b"{\"asn\":");
            write_u32(out, agg.asn);
            out.extend_from_slice(b",\"addr\":\"");
            write_ipv4(out, agg.addr.octets());
            out.extend_from_slice(b"\"}");
        }
        None => null(out),
    }
    let (old, new) = match entry.kind {
        EntryKind::State { old, new } => (Some(u32::from(old)), Some(u32::from(new))),
        _ => (None, None),
    };
    key(out, "old_state");
    opt_u32(out, old);
    key(out, "new_state");
    opt_u32(out, new);
    key(out, "originated");
    opt_u32(out, entry.originated);
    out.extend_from_slice(b"}\n");
}

/// A JSON array of strings, each written by `write` (no escaping needed:
/// the values are digits, colons and letters).
fn write_string_list<T>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = T>,
    write: impl Fn(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        write(out, item);
        out.push(b'"');
    }
    out.push(b']');
}

fn key(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}

fn opt_u32(out: &mut Vec<u8>, v: Option<u32>) {
    match v {
        Some(v) => write_u32(out, v),
        None => null(out),
    }
}

fn opt_ip(out: &mut Vec<u8>, ip: Option<IpAddr>) {
    match ip {
        Some(ip) => {
            out.push(b'"');
            match ip {
                IpAddr::V4(a) => write_ipv4(out, a.octets()),
                IpAddr::V6(a) => write_ipv6(out, a.octets()),
            }
            out.push(b'"');
        }
        None => null(out),
    }
}
