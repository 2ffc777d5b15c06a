//! `darkwatch dump`: MRT archives to text, one route entry per line, in
//! the `bgpdump -m` format users' scripts already parse, or as JSON.
//! Damaged records are reported on stderr with file and offset, and
//! reading goes on; `--strict` stops at the first one.

mod bgpdump;
mod filter;
mod json;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use feed::{Damage, DamageKind, MrtReader};
use wire::entry::{visit, Entry, PeerTable};
use wire::Prefix;

use filter::{Filter, PrefixMatch};

/// Exit code when `--strict` met damaged input.
const EXIT_DAMAGED: u8 = 2;

/// Output formats of `dump`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// `bgpdump -m` lines (pipe-separated, one route per line).
    Bgpdump,
    /// One JSON object per line (see the README for the fields).
    Json,
}

/// Arguments of `darkwatch dump`.
#[derive(Args, Debug)]
pub struct DumpArgs {
    /// MRT archives (plain, gzip, bzip2, xz or zstd; told apart by content).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DumpFormat::Bgpdump)]
    format: DumpFormat,
    /// Only entries from this peer address (repeatable).
    #[arg(long, value_name = "ADDR")]
    peer: Vec<std::net::IpAddr>,
    /// Only entries for this prefix (repeatable); see --prefix-match.
    #[arg(long, value_name = "PREFIX")]
    prefix: Vec<Prefix>,
    /// How --prefix matches: exactly, routes covering it (less specific or
    /// equal), routes inside it (more specific or equal), or either.
    #[arg(long, value_enum, default_value_t = PrefixMatch::Exact)]
    prefix_match: PrefixMatch,
    /// Only entries whose peer AS or AS path holds this AS (repeatable).
    #[arg(long, value_name = "ASN")]
    asn: Vec<u32>,
    /// Stop at the first damaged record with exit code 2.
    #[arg(long)]
    strict: bool,
    /// Do not print each damaged record, only the summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Counts over one run, for the closing summary.
#[derive(Default)]
struct Totals {
    records: u64,
    entries: u64,
    opaque: u64,
    damaged: u64,
}

/// Runs `dump`; the exit code says whether damage stopped a strict run.
pub fn run(args: &DumpArgs) -> anyhow::Result<ExitCode> {
    let filter = Filter::new(&args.peer, &args.prefix, args.prefix_match, &args.asn);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::with_capacity(1 << 16);
    let mut totals = Totals::default();
    for path in &args.files {
        let mut reader = MrtReader::open(path)?;
        let mut peers = PeerTable::default();
        while let Some(item) = reader.next() {
            let record = match item {
                Ok(record) => record,
                Err(damage) => {
                    if note(&mut totals, damage, args) {
                        return finish_strict(&mut out, &mut line);
                    }
                    continue;
                }
            };
            totals.records += 1;
            if let Some(kind) = record.framing.clone() {
                if note(
                    &mut totals,
                    Damage::in_record(path, record.offset, record.raw.header, kind),
                    args,
                ) {
                    return finish_strict(&mut out, &mut line);
                }
            }
            let visited = visit(&record.raw, &mut peers, |entry: &Entry<'_, '_>| {
                if filter.accepts(entry) {
                    match args.format {
                        DumpFormat::Bgpdump => bgpdump::write_line(&mut line, entry),
                        DumpFormat::Json => json::write_line(&mut line, entry),
                    }
                }
            });
            totals.entries += u64::from(visited.entries);
            totals.opaque += u64::from(visited.opaque);
            if line.len() >= 1 << 15 {
                write_out(&mut out, &mut line)?;
            }
            if let Some(error) = visited.error {
                let damage = Damage::in_record(
                    path,
                    record.offset,
                    record.raw.header,
                    DamageKind::Decode(error),
                );
                if note(&mut totals, damage, args) {
                    return finish_strict(&mut out, &mut line);
                }
            }
        }
    }
    write_out(&mut out, &mut line)?;
    out.flush().context("writing output")?;
    if totals.opaque > 0 {
        eprintln!(
            "darkwatch dump: {} routes of other address families (not IPv4/IPv6 unicast or multicast) were kept opaque and not printed",
            totals.opaque
        );
    }
    if totals.damaged > 0 {
        eprintln!(
            "darkwatch dump: {} records, {} entries, {} damaged records reported above",
            totals.records, totals.entries, totals.damaged
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts and prints one damage report; true when `--strict` says stop.
fn note(totals: &mut Totals, damage: Damage, args: &DumpArgs) -> bool {
    totals.damaged += 1;
    if args.strict {
        eprintln!("darkwatch dump: error: {damage} (stopping: --strict)");
        return true;
    }
    if !args.quiet {
        eprintln!("darkwatch dump: warning: {damage}");
    }
    false
}

/// Flushes what was printed before the damage that stopped a strict run.
fn finish_strict(out: &mut impl Write, line: &mut Vec<u8>) -> anyhow::Result<ExitCode> {
    write_out(out, line)?;
    out.flush().context("writing output")?;
    Ok(ExitCode::from(EXIT_DAMAGED))
}

fn write_out(out: &mut impl Write, line: &mut Vec<u8>) -> anyhow::Result<()> {
    match out.write_all(line) {
        Ok(()) => {}
        // A closed pipe (`| head`) is a normal way to stop reading.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => return Err(e).context("writing output"),
    }
    line.clear();
    Ok(())
}
