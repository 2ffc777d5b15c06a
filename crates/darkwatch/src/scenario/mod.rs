//! `darkwatch synth`: scenarios. A scenario describes an incident in a few
//! lines of TOML (who peers with the collector, which prefixes matter,
//! what happens to them and when) and is turned into real MRT, written
//! with the `wire` encoder exactly as a RouteViews or RIS collector would
//! have archived it: a TABLE_DUMP_V2 RIB at the start and BGP4MP update
//! files after it. So a described incident becomes input for the whole
//! pipeline (the same readers, RIB and detector that replay real
//! archives), and a recorded scenario is a test: North Korea going dark
//! on 22 December 2014 is `scenarios/kp-2014.toml`.
//!
//! # Output
//!
//! In the `--out` directory (created if missing; files of the same names
//! are replaced, others left alone):
//!
//! - `rib.YYYYMMDD.HHMM.gz`: at `start`, a PEER_INDEX_TABLE (the peers in
//!   file order; view name = collector name) and one RIB_IPV4_UNICAST or
//!   RIB_IPV6_UNICAST record per prefix held by any peer, in address
//!   order, IPv4 first: the background table and the scenario prefixes as
//!   they stand at `start`.
//! - `updates.YYYYMMDD.HHMM.gz`: one file per `update_interval` (5
//!   minutes unless told), aligned to UTC, named by its first minute, for
//!   every interval from `start` to `end`; empty intervals get an empty
//!   file, because a missing file would read as a collector outage. They
//!   hold BGP4MP_MESSAGE_AS4 records (one UPDATE each; IPv4 routes in the
//!   classic NLRI and withdrawn-routes fields with NEXT_HOP, IPv6 routes
//!   in MP_REACH_NLRI / MP_UNREACH_NLRI; routes of one change and one
//!   path share an UPDATE) and BGP4MP_STATE_CHANGE_AS4 records, in time
//!   order.
//!
//! Every route has ORIGIN (IGP), AS_PATH (4-byte AS numbers) and its
//! peer's address as next hop. Output is deterministic: the same scenario
//! gives the same bytes (given the same gzip library).
//!
//! # Format
//!
//! Times are RFC 3339 strings (`"2014-12-22T16:15:00Z"`, any offset,
//! whole seconds); durations are a number and a unit (`"90s"`, `"15m"`,
//! `"2h"`, `"1d"`). Unknown keys are errors, and every error names the
//! file and line.
//!
//! | key | meaning |
//! |---|---|
//! | `start`, `end` | the span covered, `[start, end)`; the RIB is at `start` |
//! | `update_interval` | seconds per update file (default `"5m"`; must divide a day) |
//! | `[collector]` | `name` (required), `asn` (default 6447), `ipv4`, `ipv6` (its session addresses; defaults 192.0.2.254 and 2001:db8::fe) |
//! | `[background]` | `ipv4`, `ipv6`: counts of ordinary prefixes every full-feed peer of the family holds (default 0), `seed` (default 2014); drawn by `synth-table`'s generator |
//! | `[[peers]]` | `name`, `asn`, `address` (IPv4 or IPv6: the peer carries prefixes of that family only), `full_feed` (default true; a partial peer holds only the scenario prefixes), `via` (ASes between the peer and a prefix's upstream in default paths) |
//! | `[[prefixes]]` | `prefix`, `origin`, `upstream` (the origin's transit), `peers` (the peers carrying it; default every peer of its family), `announced` (default true; false: its peers hold it only after an `announce` event), `paths` (a table peer name → AS path overriding the default) |
//! | `[[events]]` | `at`, `kind`, and per kind the keys below |
//!
//! A peer's default path to a prefix is `[peer asn, via..., upstream,
//! origin]`, an AS equal to the one before it written once (so a peer
//! inside the upstream gets `[upstream, origin]`). Any path given in the
//! file that does not start with the peer's AS gets it prepended, as
//! received over eBGP; paths must end with the origin.
//!
//! Event kinds. Route events take `prefixes` (default: all scenario
//! prefixes), `peers` (default: the peers carrying each prefix; any peer
//! of its family may be named) and
//! `spread` (default `"0s"`: each peer sees the event up to this much
//! later, its delay drawn deterministically, as an origin's withdrawal
//! reaches peers within seconds):
//!
//! - `announce`: the routes come up, with `path` when given, else with the
//!   path they last had.
//! - `withdraw`: the routes go down; peers not holding them send nothing.
//! - `flap`: `count` cycles starting every `period`: withdrawn, then
//!   re-announced `down` later (default half the period; `spread` must
//!   be shorter than both `down` and the rest of the period).
//! - `path_change`: `path` (required) becomes the routes' path; routes
//!   that are up are re-announced with it, others keep it for later.
//!
//! Session events take `peers` (required) and nothing else:
//!
//! - `peer_down`: a STATE_CHANGE Established → Idle. No withdrawals: the
//!   lost session is itself the implicit withdrawal of the peer's routes.
//!   Route events for the peer meanwhile change what it holds, silently.
//! - `peer_up`: STATE_CHANGEs Idle → Connect → OpenSent → OpenConfirm →
//!   Established, then the peer re-announces everything it holds
//!   (background included) at the same second.
//!
//! # Example
//!
//! ```toml
//! start = "2014-12-22T00:00:00Z"
//! end = "2014-12-23T00:00:00Z"
//!
//! [collector]
//! name = "route-views.example"
//!
//! [background]
//! ipv4 = 500                  # ordinary routes of the full-feed peers
//!
//! [[peers]]
//! name = "unicom"
//! asn = 4837
//! address = "192.0.2.1"
//!
//! [[peers]]
//! name = "level3"
//! asn = 3356
//! address = "198.51.100.1"    # path: 3356 4837 131279
//!
//! [[peers]]
//! name = "stub"
//! asn = 64500
//! address = "203.0.113.9"
//! full_feed = false           # holds only the scenario prefixes
//! via = [3356]                # path: 64500 3356 4837 131279
//!
//! [[prefixes]]
//! prefix = "175.45.176.0/24"
//! origin = 131279
//! upstream = 4837
//!
//! [[events]]                  # gone from every peer within 15 s
//! at = "2014-12-22T16:15:00Z"
//! kind = "withdraw"
//! spread = "15s"
//! ```

mod background;
mod format;

pub use format::parse;
mod write;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

/// Keys of the scenario's random choices, apart from those `synth`'s
/// generator uses for the background table.
mod salt {
    /// A background prefix's origin AS.
    pub const ORIGIN: u64 = 101;
    /// A peer's provider, for background paths.
    pub const PROVIDER: u64 = 102;
    /// When a peer's session came up before the start.
    pub const SESSION: u64 = 103;
    /// A peer's delay in seeing an event.
    pub const SPREAD: u64 = 104;
}

/// Arguments of `darkwatch synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// The scenario, a TOML file (format: see the `scenario` module docs
    /// or scenarios/kp-2014.toml).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Directory to write the RIB and update files to (created if
    /// missing; files of the same names are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs `synth`: reads and checks the scenario, writes its MRT files, and
/// reports what it wrote on stderr.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    let path = &args.scenario;
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    synthesize(&path.display().to_string(), &text, &args.out)?;
    Ok(())
}

/// Writes the MRT files of the scenario `text` (named `name` in errors)
/// into `dir`, reports them on stderr, and returns their paths.
pub fn synthesize(name: &str, text: &str, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let scenario = format::parse(name, text)?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut sink = write::GzDir::new(dir);
    let counts = write::render(&scenario, &mut sink)?;
    let bytes: u64 = sink.written.iter().map(|(_, size)| size).sum();
    eprintln!(
        "darkwatch synth: {}: {} files, {bytes} bytes: RIB of {} prefixes ({} routes); {} update files with {} UPDATEs ({} announced, {} withdrawn) and {} state changes",
        dir.display(),
        sink.written.len(),
        counts.rib_records,
        counts.rib_entries,
        counts.update_files,
        counts.messages,
        counts.announced,
        counts.withdrawn,
        counts.state_changes,
    );
    Ok(sink.written.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use wire::entry::{visit, EntryKind, PeerTable};
    use wire::mrt::{mrt_type, Header, RawRecord, HEADER_LEN};
    use wire::Prefix;

    use super::format::parse;
    use super::write::{render, Counts, Sink};

    const KP: &str = include_str!("../../../../scenarios/kp-2014.toml");

    /// Files kept in memory, uncompressed.
    #[derive(Default)]
    struct Memory {
        files: Vec<(String, Vec<u8>)>,
    }

    impl Sink for Memory {
        fn begin(&mut self, name: &str) -> anyhow::Result<()> {
            self.files.push((name.to_string(), Vec::new()));
            Ok(())
        }

        fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
            self.files.last_mut().unwrap().1.extend_from_slice(bytes);
            Ok(())
        }

        fn end(&mut self) -> anyhow::Result<()> {
            Ok(())
        }
    }

    /// One decoded entry, owned.
    #[derive(Clone, Debug, PartialEq)]
    struct Line {
        file: usize,
        time: u32,
        kind: EntryKind,
        peer: IpAddr,
        peer_asn: u32,
        prefix: Option<Prefix>,
        path: Vec<u32>,
        next_hop: Option<IpAddr>,
    }

    fn render_text(text: &str) -> (Memory, Counts) {
        let scenario = parse("test.toml", text).unwrap();
        let mut memory = Memory::default();
        let counts = render(&scenario, &mut memory).unwrap();
        (memory, counts)
    }

    /// Every entry of every file, checking that each record decodes whole
    /// and that each BGP message fits 4096 bytes.
    fn decode(memory: &Memory) -> Vec<Line> {
        let mut out = Vec::new();
        for (file, (_, bytes)) in memory.files.iter().enumerate() {
            let mut peers = PeerTable::default();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let header = Header::parse(rest[..HEADER_LEN].try_into().unwrap());
                let end = HEADER_LEN + header.length as usize;
                let raw = RawRecord::new(header, &rest[HEADER_LEN..end]).unwrap();
                assert_eq!(raw.check(), Ok(()));
                if header.mrt_type == mrt_type::BGP4MP {
                    assert!(header.length <= 44 + 4_096, "{header:?}");
                }
                rest = &rest[end..];
                let visited = visit(&raw, &mut peers, |e| {
                    out.push(Line {
                        file,
                        time: e.timestamp,
                        kind: e.kind,
                        peer: e.peer_ip.unwrap(),
                        peer_asn: e.peer_asn,
                        prefix: e.prefix,
                        path: e
                            .attrs
                            .and_then(|a| a.path())
                            .map(|p| p.asns().collect())
                            .unwrap_or_default(),
                        next_hop: e.next_hop,
                    });
                });
                assert_eq!(visited.error, None);
            }
        }
        out
    }

    fn t(s: &str) -> u32 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp() as u32
    }

    fn kp_prefix(p: &Option<Prefix>) -> bool {
        p.is_some_and(|p| p.to_string().starts_with("175.45.17"))
    }

    #[test]
    fn kp_rib_holds_the_four_prefixes_behind_4837() {
        let (memory, counts) = render_text(KP);
        assert_eq!(memory.files[0].0, "rib.20141219.0000.gz");
        let lines = decode(&memory);
        let rib: Vec<&Line> = lines.iter().filter(|l| l.kind == EntryKind::Rib).collect();
        assert_eq!(rib.len() as u64, counts.rib_entries);
        // Seven full-feed peers with 2000 background, 4 KP routes and the
        // everyday churn route, one partial peer with the 5 scenario
        // routes.
        assert_eq!(counts.rib_entries, 7 * 2_005 + 5);
        assert_eq!(counts.rib_records, 2_005);
        let kp: Vec<&&Line> = rib.iter().filter(|l| kp_prefix(&l.prefix)).collect();
        assert_eq!(kp.len(), 4 * 8);
        for l in &kp {
            assert!(l.path.ends_with(&[4837, 131279]), "{l:?}");
            assert_eq!(l.path[0], l.peer_asn);
            assert_eq!(l.next_hop, Some(l.peer));
        }
        let inside: Vec<_> = kp.iter().filter(|l| l.peer_asn == 4837).collect();
        assert_eq!(inside.len(), 2 * 4);
        assert!(inside.iter().all(|l| l.path == [4837, 131279]));
    }

    #[test]
    fn kp_goes_dark_at_16_15_from_every_peer_and_returns_9_5_hours_later() {
        let (memory, _) = render_text(KP);
        let lines = decode(&memory);
        let kp = |kind: EntryKind, from: &str, to: &str| -> Vec<&Line> {
            lines
                .iter()
                .filter(|l| l.kind == kind && kp_prefix(&l.prefix))
                .filter(|l| (t(from)..t(to)).contains(&l.time))
                .collect()
        };
        let dark = kp(
            EntryKind::Withdraw,
            "2014-12-22T16:15:00Z",
            "2014-12-22T16:16:00Z",
        );
        assert_eq!(dark.len(), 4 * 8, "every prefix from every peer");
        let last = dark.iter().map(|l| l.time).max().unwrap();
        assert!(last <= t("2014-12-22T16:15:15Z"), "within seconds");
        // Dark until the return: nothing announced, nothing left to withdraw.
        let between = |kind| kp(kind, "2014-12-22T16:16:00Z", "2014-12-23T01:45:00Z");
        assert!(between(EntryKind::Announce).is_empty());
        assert!(between(EntryKind::Withdraw).is_empty());
        let back = kp(
            EntryKind::Announce,
            "2014-12-23T01:45:00Z",
            "2014-12-23T01:46:00Z",
        );
        assert_eq!(back.len(), 4 * 8);
        assert!(back.iter().all(|l| l.path.ends_with(&[4837, 131279])));
        // The update files: named by their first minute, records inside.
        let first = memory
            .files
            .iter()
            .position(|(n, _)| n == "updates.20141222.1615.gz")
            .unwrap();
        assert!(dark.iter().all(|l| l.file == first));
    }

    #[test]
    fn kp_is_unstable_on_20_and_21_december_and_quiet_before() {
        let (memory, counts) = render_text(KP);
        let lines = decode(&memory);
        let withdrawals = |from: &str, to: &str| {
            lines
                .iter()
                .filter(|l| l.kind == EntryKind::Withdraw && kp_prefix(&l.prefix))
                .filter(|l| (t(from)..t(to)).contains(&l.time))
                .count()
        };
        assert_eq!(
            withdrawals("2014-12-19T00:00:00Z", "2014-12-20T00:00:00Z"),
            0
        );
        assert!(withdrawals("2014-12-20T00:00:00Z", "2014-12-21T00:00:00Z") >= 100);
        assert!(withdrawals("2014-12-21T00:00:00Z", "2014-12-22T00:00:00Z") >= 100);
        assert_eq!(
            withdrawals("2014-12-22T00:00:00Z", "2014-12-22T16:15:00Z"),
            0
        );
        // A file for every 5 minutes of the 4.5 days, in order.
        assert_eq!(counts.update_files, 4 * 288 + 144);
        assert_eq!(memory.files.len() as u64, 1 + counts.update_files);
        let names: Vec<&str> = memory.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[1], "updates.20141219.0000.gz");
        assert_eq!(names.last(), Some(&"updates.20141223.1155.gz"));
        // Records are in time order.
        let times: Vec<u32> = lines
            .iter()
            .filter(|l| l.kind != EntryKind::Rib)
            .map(|l| l.time)
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn kp_peer_reset_is_a_state_change_without_withdrawals() {
        let (memory, counts) = render_text(KP);
        let lines = decode(&memory);
        let telia: IpAddr = "198.51.100.3".parse().unwrap();
        let states: Vec<(u32, EntryKind)> = lines
            .iter()
            .filter(|l| matches!(l.kind, EntryKind::State { .. }))
            .map(|l| (l.time, l.kind))
            .collect();
        assert_eq!(counts.state_changes, 5);
        assert_eq!(
            states[0],
            (
                t("2014-12-21T09:12:00Z"),
                EntryKind::State { old: 6, new: 1 }
            )
        );
        assert_eq!(states[4].1, EntryKind::State { old: 5, new: 6 });
        let from_telia = |kind: EntryKind, from: &str, to: &str| {
            lines
                .iter()
                .filter(|l| l.peer == telia && l.kind == kind)
                .filter(|l| (t(from)..t(to)).contains(&l.time))
                .count()
        };
        let (down, up) = ("2014-12-21T09:12:00Z", "2014-12-21T09:31:00Z");
        assert_eq!(from_telia(EntryKind::Withdraw, down, up), 0);
        assert_eq!(from_telia(EntryKind::Announce, down, up), 0);
        // The whole table comes back when the session does.
        let resent = from_telia(EntryKind::Announce, up, "2014-12-21T09:31:01Z");
        assert_eq!(resent, 2_005);
    }

    #[test]
    fn same_scenario_same_bytes() {
        let (a, _) = render_text(KP);
        let (b, _) = render_text(KP);
        assert_eq!(a.files, b.files);
        let other = KP.replace("seed = 2014", "seed = 7");
        let (c, _) = render_text(&other);
        assert_ne!(a.files[0], c.files[0], "the seed shapes the background");
    }

    /// An IPv6 scenario: routes in MP_REACH_NLRI / MP_UNREACH_NLRI, a
    /// table resent in UPDATEs that fit 4096 bytes, and what happened
    /// while a session was down respected when it comes back.
    const V6: &str = r#"
start = "2024-01-01T00:00:00Z"
end = "2024-01-01T01:00:00Z"
update_interval = "15m"

[collector]
name = "v6"

[background]
ipv6 = 3000

[[peers]]
name = "a"
asn = 65551
address = "2001:db8::1"

[[peers]]
name = "b"
asn = 64500
address = "2001:db8::2"
full_feed = false

[[prefixes]]
prefix = "2001:db8:100::/48"
origin = 64511
upstream = 64510

[[prefixes]]
prefix = "2001:db8:200::/48"
origin = 64511
upstream = 64510

[[events]]
at = "2024-01-01T00:10:00Z"
kind = "peer_down"
peers = ["a"]

[[events]]
at = "2024-01-01T00:12:00Z"
kind = "withdraw"
prefixes = ["2001:db8:200::/48"]

[[events]]
at = "2024-01-01T00:20:00Z"
kind = "peer_up"
peers = ["a"]

[[events]]
at = "2024-01-01T00:30:00Z"
kind = "path_change"
path = [64509, 64510, 64511]
"#;

    #[test]
    fn ipv6_routes_resent_table_and_withdrawals_while_down() {
        let (memory, counts) = render_text(V6);
        assert_eq!(counts.update_files, 4);
        let lines = decode(&memory);
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        let p1: Prefix = "2001:db8:100::/48".parse().unwrap();
        let p2: Prefix = "2001:db8:200::/48".parse().unwrap();
        // Peer b was up: its withdrawal is sent (MP_UNREACH_NLRI).
        let w: Vec<&Line> = lines
            .iter()
            .filter(|l| l.kind == EntryKind::Withdraw)
            .collect();
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].peer, w[0].prefix), (b, Some(p2)));
        // Peer a comes back with its table, without the prefix withdrawn
        // while it was down, in UPDATEs of at most 4096 bytes (checked in
        // `decode`), so in several of them.
        let up = t("2024-01-01T00:20:00Z");
        let resent: Vec<&Line> = lines
            .iter()
            .filter(|l| l.kind == EntryKind::Announce && l.time == up)
            .collect();
        assert_eq!(resent.len(), 3_000 + 1);
        assert!(resent.iter().all(|l| l.peer == a && l.next_hop == Some(a)));
        assert!(resent.iter().any(|l| l.prefix == Some(p1)));
        assert!(!resent.iter().any(|l| l.prefix == Some(p2)));
        // The path change reaches only the routes that are up, with the
        // peer's AS put in front.
        let changed: Vec<&Line> = lines
            .iter()
            .filter(|l| l.kind == EntryKind::Announce && l.time == t("2024-01-01T00:30:00Z"))
            .collect();
        assert_eq!(changed.len(), 2);
        assert!(changed.iter().all(|l| l.prefix == Some(p1)));
        assert_eq!(changed[0].path, [65551, 64509, 64510, 64511]);
        assert_eq!(changed[1].path, [64500, 64509, 64510, 64511]);
    }

    #[test]
    fn a_session_cannot_go_down_twice() {
        let text = V6.replace("kind = \"peer_up\"", "kind = \"peer_down\"");
        let e = format!("{:#}", parse("v6.toml", &text).unwrap_err());
        assert!(
            e.starts_with("v6.toml:43: in [[events]]: peer `a` is already down"),
            "{e}"
        );
    }
}
