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

/// How an IPv6 address is shortened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipv6Style {
    /// inet_ntop(3) as in glibc, RFC 5952: only runs of two or more zero
    /// groups are shortened; `::a.b.c.d` only when the seventh group is
    /// not zero.
    InetNtop,
    /// bgpdump's own writer: a single zero group is shortened too
    /// (`2001:7f8:30::2:1:0:8447`), and `::a.b.c.d` is used for every
    /// IPv4-compatible address but `::` and `::1`.
    Bgpdump,
}

/// Appends an IPv6 address as inet_ntop(3) writes it.
pub fn write_ipv6(out: &mut Vec<u8>, octets: [u8; 16]) {
    write_ipv6_styled(out, octets, Ipv6Style::InetNtop);
}

/// Appends an IPv6 address in `style`: lower-case hex, the longest run of
/// zero groups (the first on a tie) as `::`, and IPv4-mapped and
/// IPv4-compatible addresses with a dotted IPv4 tail.
pub fn write_ipv6_styled(out: &mut Vec<u8>, octets: [u8; 16], style: Ipv6Style) {
    let groups = std::net::Ipv6Addr::from(octets).segments();
    let [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
    let high_zero = g0 == 0 && g1 == 0 && g2 == 0 && g3 == 0 && g4 == 0;
    let compatible = match style {
        Ipv6Style::InetNtop => g6 != 0,
        Ipv6Style::Bgpdump => (u32::from(g6) << 16 | u32::from(g7)) > 1,
    };
    if high_zero && (g5 == 0xffff || (g5 == 0 && compatible)) {
        out.extend_from_slice(if g5 == 0xffff { b"::ffff:" } else { b"::" });
        let [.., a, b, c, d] = octets;
        write_ipv4(out, [a, b, c, d]);
        return;
    }
    let shortest = match style {
        Ipv6Style::InetNtop => 2,
        Ipv6Style::Bgpdump => 1,
    };
    let (mut best_start, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        let run = groups.iter().skip(i).take_while(|&&g| g == 0).count();
        if run >= shortest && run > best_len {
            best_start = i;
            best_len = run;
        }
        i += run.max(1);
    }
    let mut i = 0;
    while i < 8 {
        if i == best_start {
            out.extend_from_slice(if i == 0 { b"::" } else { b":" });
            i += best_len;
            continue;
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
        assert_eq!(v6("::5"), "::5");
    }

    #[test]
    fn ipv6_like_bgpdump() {
        let b = |s: &str| {
            let mut out = Vec::new();
            let a: std::net::Ipv6Addr = s.parse().unwrap();
            write_ipv6_styled(&mut out, a.octets(), Ipv6Style::Bgpdump);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(b("2001:7f8:30:0:2:1:0:8447"), "2001:7f8:30::2:1:0:8447");
        assert_eq!(b("fe80::"), "fe80::");
        assert_eq!(b("2001:db8::1"), "2001:db8::1");
        assert_eq!(b("::ffff:192.168.2.1"), "::ffff:192.168.2.1");
        assert_eq!(b("::192.168.1.2"), "::192.168.1.2");
        assert_eq!(b("::5"), "::0.0.0.5");
        assert_eq!(b("::1"), "::1");
        assert_eq!(b("::"), "::");
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
