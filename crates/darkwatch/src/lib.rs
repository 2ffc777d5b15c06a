//! The darkwatch command line as a library: command-line parsing and the
//! wiring of the pipeline's crates, one module per subcommand. The binary
//! (`main.rs`) only calls [`run`]; the fuzz targets (`fuzz/`) reach the
//! parsers of the files users hand in through [`config::Config::parse`]
//! and [`scenario::parse`].

pub mod config;
mod demo;
mod dump;
mod events;
mod fetch;
mod live;
mod loadgen;
mod output;
mod pipeline;
mod progress;
mod replay;
mod report;
pub mod scenario;
mod serve;
mod signals;
mod synth;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Detects and explains Internet outages of countries and networks from BGP
/// routing data.
#[derive(Parser, Debug)]
#[command(name = "darkwatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the route entries of MRT archives, one per line, as `bgpdump -m` does (or as JSON).
    Dump(dump::DumpArgs),
    /// Download a collector's archive files over a time range from RouteViews or RIPE RIS.
    Fetch(fetch::FetchArgs),
    /// Replay MRT archives in event time into the route table (and with --db, series into the store).
    Replay(replay::ReplayArgs),
    /// Print an entity's series from the store (country/KP, as/131279, prefix/...).
    Signals(signals::SignalsArgs),
    /// List the outage and instability events a replay detected.
    Events(events::EventsArgs),
    /// Serve the read-only HTTP API over a database (loopback by default).
    Serve(serve::ServeArgs),
    /// Write the incident report of an event: self-contained HTML with a timeline chart, Markdown or JSON.
    Report(report::ReportArgs),
    /// Replay the bundled North Korea 2014 scenario, show what darkwatch sees, and serve the dashboard.
    Demo(demo::DemoArgs),
    /// Write a deterministic synthetic full-size TABLE_DUMP_V2 RIB (for benchmarks).
    SynthTable(synth::SynthArgs),
    /// Turn a scenario (TOML) into real MRT: a RIB at its start and 5-minute update files.
    Synth(scenario::SynthArgs),
    /// Play BMP routers sending full tables to a station, as fast as it takes them (for benchmarks).
    Loadgen(loadgen::LoadgenArgs),
}

/// Exit code for a command line that could not be parsed (sysexits EX_USAGE).
const EXIT_USAGE: u8 = 64;

/// Parses the command line, runs the subcommand and says how it went.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Dump(args) => dump::run(&args),
        Command::Fetch(args) => fetch::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Signals(args) => signals::run(&args),
        Command::Events(args) => events::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::SynthTable(args) => synth::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Synth(args) => scenario::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Loadgen(args) => loadgen::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("darkwatch: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
