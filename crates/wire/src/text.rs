//! Allocation-free text forms of addresses and numbers, appended to a byte
//! buffer: what every output (bgpdump lines, JSON, logs) writes millions of
//! times, so it avoids `core::fmt`.
//!
//! IPv6 follows inet_ntop(3) as found in glibc, which is what the field's
//! tools print: RFC 5952 zero compression (longest run of two or more zero
//! groups, the first on a tie), lower-case hex, and the dotted IPv4 tail for
//! IPv4-compatible (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`) addresses.

/// Appends the decimal form of `n`.
#[inline]
pub fn write_u32(out: &mut Vec<u8>, n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// Appends a dotted-quad IPv4 address.
#[inline]
pub fn write_ipv4(out: &mut Vec<u8>, octets: [u8; 4]) {
    let [a, b, c, d] = octets;
    write_u32(out, u32::from(a));
    out.push(b'.');
    write_u32(out, u32::from(b));
    out.push(b'.');
    write_u32(out, u32::from(c));
    out.push(b'.');
    write_u32(out, u32::from(d));
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_hex_group(out: &mut Vec<u8>, group: u16) {
    let mut started = false;
    for shift in [12u16, 8, 4, 0] {
        let nibble = usize::from((group >> shift) & 0xf);
        if nibble != 0 || started || shift == 0 {
            started = true;
            out.push(HEX.get(nibble).copied().unwrap_or(b'0'));
        }
    }
}

/// Appends an IPv6 address as inet_ntop(3) writes it.
pub fn write_ipv6(out: &mut Vec<u8>, octets: [u8; 16]) {
    let mut groups = [0u16; 8];
    for (g, pair) in groups.iter_mut().zip(octets.chunks_exact(2)) {
        if let [hi, lo] = *pair {
            *g = u16::from_be_bytes([hi, lo]);
        }
    }
    // Longest run of zero groups, first one on a tie; runs of one are kept.
    let (mut best_start, mut best_len) = (usize::MAX, 0usize);
    let mut run_start = 0usize;
    let mut run_len = 0usize;
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            if run_len == 0 {
                run_start = i;
            }
            run_len += 1;
            if run_len > best_len {
                best_start = run_start;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    if best_len < 2 {
        best_start = usize::MAX;
    }
    let [.., g5, _, _] = groups;
    let ipv4_tail = best_start == 0 && (best_len == 6 || (best_len == 5 && g5 == 0xffff));
    let mut i = 0usize;
    while i < 8 {
        if i == best_start {
            out.push(b':');
            if i == 0 {
                out.push(b':');
            }
            i += best_len;
            continue;
        }
        if i == 6 && ipv4_tail {
            let [.., a, b, c, d] = octets;
            write_ipv4(out, [a, b, c, d]);
            return;
        }
        write_hex_group(out, groups.get(i).copied().unwrap_or(0));
        if i < 7 {
            out.push(b':');
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> String {
        let a: std::net::Ipv6Addr = s.parse().unwrap();
        let mut out = Vec::new();
        write_ipv6(&mut out, a.octets());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ipv6_like_inet_ntop() {
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("2001:db8::1"), "2001:db8::1");
        assert_eq!(v6("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
        assert_eq!(v6("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
        assert_eq!(v6("2001:db8:1:1:1:1:0:1"), "2001:db8:1:1:1:1:0:1");
        assert_eq!(v6("2001:db8::"), "2001:db8::");
        assert_eq!(v6("fe80::"), "fe80::");
        assert_eq!(v6("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(v6("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(v6("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(v6("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
    }

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        write_u32(&mut out, 0);
        out.push(b' ');
        write_u32(&mut out, u32::MAX);
        assert_eq!(out, b"0 4294967295");
    }
}
