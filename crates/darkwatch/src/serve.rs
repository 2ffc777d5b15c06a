//! `darkwatch serve`: the read-only HTTP API (the `serve` crate, written
//! `::serve` here beside this module of the same name) over a
//! database written by `darkwatch replay --db`, on loopback unless told
//! otherwise. It prints the address it listens on, then serves until
//! stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::config::Config;
use crate::pipeline::BIN_SECS;

/// Arguments of `darkwatch serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A configuration file (TOML; every key in darkwatch.example.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database written by `darkwatch replay --db` (default
    /// darkwatch.db, or the configuration's `[store] path`).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Address and port to listen on (port 0: any free port). Loopback by
    /// default (127.0.0.1:8080, or the configuration's `[server] listen`):
    /// the API is for this machine unless you say otherwise.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

/// Runs `serve`.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let db = args.db.clone().unwrap_or(config.store.path);
    let listen = args.listen.unwrap_or(config.server.listen);
    let store = crate::signals::open_store(&db)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| {
                format!("cannot listen on {listen} (is the port taken? try --listen 127.0.0.1:0)")
            })?;
        let addr = listener.local_addr().context("reading the bound address")?;
        eprintln!("darkwatch serve: listening on http://{addr}/api/v1/health (API description: /api/v1/openapi.json)");
        ::serve::serve(listener, ::serve::router(store, BIN_SECS))
            .await
            .context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}
