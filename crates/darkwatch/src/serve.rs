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
    /// MRT archives replayed into memory at start, so that
    /// /api/v1/prefixes and /api/v1/peers can answer (repeatable).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    routes: Vec<PathBuf>,
    /// Name of the collector of every --routes file (default: guessed
    /// from each path).
    #[arg(long)]
    collector: Option<String>,
}

/// Runs `serve`.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let db = args.db.clone().unwrap_or(config.store.path);
    let listen = args.listen.unwrap_or(config.server.listen);
    let store = if config.live.has_sources() {
        crate::signals::create_store(&db)?
    } else {
        crate::signals::open_store(&db)?
    };
    let options = ::serve::Options {
        bin_secs: BIN_SECS,
        token: config.server.token,
        limits: config.limits,
        alerts: config.alerts,
    };
    if !options.alerts.webhook.is_empty() && options.alerts.watch.is_empty() {
        eprintln!("darkwatch serve: webhooks are configured but [alerts] watch is empty: only entities added with PUT /api/v1/watch/{{entity}} will alert");
    }
    let routes = if args.routes.is_empty() {
        None
    } else {
        let inputs = crate::replay::inputs_of(&args.routes, args.collector.as_deref());
        eprintln!(
            "darkwatch serve: reading {} archives into the route table",
            inputs.len()
        );
        let replayed = crate::replay::replay_into(&inputs, None, false, true)?;
        Some(replayed.into_route_table())
    };
    let announce = |addr: SocketAddr| {
        eprintln!("darkwatch serve: listening on http://{addr}/ (API: /api/v1/health, description: /api/v1/openapi.json)");
    };
    if !config.live.has_sources() {
        listen_and_serve(
            listen,
            store,
            options,
            ::serve::Tables::fixed(routes),
            announce,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if routes.is_some() {
        anyhow::bail!(
            "--routes and [live] sources both fill the route table: give one or the other"
        );
    }
    // The core's thread borrows the registry for as long as the process
    // runs.
    let registry: &'static geo::RegistryTable =
        Box::leak(Box::new(crate::replay::load_registry(&[])?));
    let writer = crate::signals::create_store(&db)?;
    let options = ::serve::Options {
        bin_secs: config.live.bin_secs,
        ..options
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let tables = crate::live::start(
            &config.live,
            config.detect,
            registry,
            writer,
            |name, kind, addr| {
                println!("darkwatch: source {name} ({kind}) listening on {addr}");
            },
        )
        .await?;
        bind_and_serve(listen, store, options, tables, announce).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Binds `listen`, tells `on_listening` the address bound, then serves
/// `store` (and `tables`) until the process ends.
pub fn listen_and_serve(
    listen: SocketAddr,
    store: store::Store,
    options: ::serve::Options,
    tables: ::serve::Tables,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(bind_and_serve(listen, store, options, tables, on_listening))
}

/// [`listen_and_serve`] on a running runtime.
async fn bind_and_serve(
    listen: SocketAddr,
    store: store::Store,
    options: ::serve::Options,
    tables: ::serve::Tables,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| {
            format!("cannot listen on {listen} (is the port taken? choose another port, or 0 for any free one)")
        })?;
    let addr = listener.local_addr().context("reading the bound address")?;
    on_listening(addr);
    ::serve::serve(listener, store, options, tables)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))
}
