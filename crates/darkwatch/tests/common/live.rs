//! What the live-feed tests run: `darkwatch serve` with `[live]` sources
//! on loopback (its printed addresses read from stdout and stderr both,
//! everything it prints kept for failure messages), a webhook receiver,
//! and real routers (GoBGP, BIRD 2) started on addresses of 127.0.0.0/8
//! with configurations written for the test; all stopped when the test
//! ends however it ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::server::request;

#[path = "../../../feed/tests/support/daemon.rs"]
mod daemon;
pub use daemon::Daemon;

/// Longest wait for `darkwatch serve` to print its addresses (a debug
/// build loads the embedded registry for some 20 s, longer when tests run
/// side by side).
const START: Duration = Duration::from_secs(240);

/// How often conditions are polled.
pub const POLL: Duration = Duration::from_millis(150);

/// Fails with a message pointing at `scripts/test` when `program` is not
/// installed: these tests never skip.
pub fn require(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    assert!(
        found,
        "{program} is not installed: run ./scripts/test, which installs Debian's {package}"
    );
}

/// A port of `ip` free a moment ago, for a daemon to take.
pub fn free_port(ip: Ipv4Addr) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap_or_else(|e| panic!("bind {ip}:0: {e}"))
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP connection to `to` from `from` (any port), in blocking mode.
pub fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime to connect with");
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .bind(SocketAddr::from((from, 0)))
            .unwrap_or_else(|e| panic!("bind {from}: {e}"));
        socket
            .connect(to)
            .await
            .unwrap_or_else(|e| panic!("connect {from} -> {to}: {e}"))
    });
    let stream = runtime.block_on(async { stream.into_std() }).unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// A running `darkwatch serve --config FILE --db DB` with live sources;
/// killed on drop.
pub struct Live {
    child: Child,
    /// `127.0.0.1:PORT` of the HTTP API.
    pub addr: String,
    /// Every line it printed on stdout and stderr so far.
    lines: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- darkwatch printed:\n{}", self.printed());
        }
    }
}

/// Copies each line of `stream` into `lines` until it ends.
fn collect_lines(stream: impl Read + Send + 'static, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            lines.lock().unwrap().push(line);
        }
    });
}

impl Live {
    /// Writes `[server] listen = "127.0.0.1:0"` and `config` (the `[live]`,
    /// `[detect]` and `[alerts]` sections) to a file, starts `darkwatch
    /// serve` on it with a new database, and waits for the API's address
    /// and for the line naming the bound address of each of `sources`.
    pub fn start(config: &str, sources: &[&str]) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("darkwatch.db");
        store::Store::open(&db).expect("a new database");
        Live::start_in(dir, config, sources, db.as_os_str())
    }

    /// [`Live::start`] on the database `db` names (a PostgreSQL URL), which
    /// `serve` creates when new.
    pub fn start_on(db: &str, config: &str, sources: &[&str]) -> Live {
        Live::start_in(tempfile::tempdir().unwrap(), config, sources, db.as_ref())
    }

    /// [`Live::start`] with its configuration file in `dir`.
    fn start_in(
        dir: tempfile::TempDir,
        config: &str,
        sources: &[&str],
        db: &std::ffi::OsStr,
    ) -> Live {
        let file = dir.path().join("darkwatch.toml");
        let text = format!("[server]\nlisten = \"127.0.0.1:0\"\n\n{config}");
        std::fs::write(&file, &text).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
            .args(["serve", "--config"])
            .arg(&file)
            .arg("--db")
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start darkwatch");
        let lines = Arc::new(Mutex::new(Vec::new()));
        collect_lines(child.stdout.take().unwrap(), Arc::clone(&lines));
        collect_lines(child.stderr.take().unwrap(), Arc::clone(&lines));
        let mut live = Live {
            child,
            addr: String::new(),
            lines,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            let found = live.lines.lock().unwrap().iter().find_map(|l| {
                let rest = l.split("http://").nth(1)?;
                Some(rest.split('/').next().unwrap_or_default().to_owned())
            });
            let listed = sources.iter().all(|s| live.printed_listen(s).is_some());
            if let (Some(addr), true) = (found, listed) {
                live.addr = addr;
                break;
            }
            if let Ok(Some(status)) = live.child.try_wait() {
                panic!(
                    "darkwatch serve ended ({status}) before printing its addresses; config:\n{text}\nit printed:\n{}",
                    live.printed()
                );
            }
            assert!(
                started.elapsed() < START,
                "darkwatch serve printed no API address and no `source NAME (KIND) listening on ADDR` line for each of {sources:?} in {START:?}; it printed:\n{}",
                live.printed()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            live.addr.starts_with("127.0.0.1:"),
            "loopback: {}",
            live.addr
        );
        live
    }

    /// What it printed so far.
    pub fn printed(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// The address printed in `darkwatch: source NAME (KIND) listening on
    /// ADDR`.
    fn printed_listen(&self, name: &str) -> Option<SocketAddr> {
        let head = format!("source {name} (");
        self.lines.lock().unwrap().iter().find_map(|l| {
            let rest = &l[l.find(&head)? + head.len()..];
            let addr = rest.split("listening on ").nth(1)?;
            addr.split_whitespace().next()?.parse().ok()
        })
    }

    /// The bound address of source `name`, as printed; it must be the
    /// one `/api/v1/sources` shows.
    pub fn listen_of(&self, name: &str) -> SocketAddr {
        let printed = self
            .printed_listen(name)
            .unwrap_or_else(|| panic!("no listening line for source {name}"));
        let shown = &self.source(name)["listen"];
        assert_eq!(
            shown.as_str(),
            Some(printed.to_string().as_str()),
            "/api/v1/sources shows source {name} on the address it printed"
        );
        printed
    }

    /// The process id, to signal it.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `GET path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        request(&self.addr, "GET", path, &[], "")
    }

    /// `GET path`, which must answer 200 with JSON.
    pub fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// `/metrics`.
    pub fn metrics(&self) -> String {
        let (status, body) = self.get("/metrics");
        assert_eq!(status, 200, "GET /metrics: {body}");
        body
    }

    /// The value of the sample `name{labels}` (labels as printed, in
    /// order) of `/metrics`, if there is one.
    pub fn metric(&self, sample: &str) -> Option<f64> {
        let metrics = self.metrics();
        metrics.lines().find_map(|l| {
            let value = l.strip_prefix(sample)?.strip_prefix(' ')?;
            value.split_whitespace().next()?.parse().ok()
        })
    }

    /// Source `name` of `/api/v1/sources`.
    pub fn source(&self, name: &str) -> Value {
        let all = self.json("/api/v1/sources");
        all["sources"]
            .as_array()
            .unwrap_or_else(|| panic!("/api/v1/sources has no sources list: {all}"))
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("/api/v1/sources does not list {name}: {all}"))
    }

    /// The connections of source `name` from `ip`, in the order listed.
    pub fn connections(&self, name: &str, ip: Ipv4Addr) -> Vec<Value> {
        let source = self.source(name);
        source["connections"]
            .as_array()
            .unwrap_or_else(|| panic!("source {name} has no connections list: {source}"))
            .iter()
            .filter(|c| remote_ip(c) == Some(IpAddr::V4(ip)))
            .cloned()
            .collect()
    }

    /// Whether a connection of source `name` from `ip` is up.
    pub fn is_up(&self, name: &str, ip: Ipv4Addr) -> bool {
        self.connections(name, ip)
            .iter()
            .any(|c| c["state"] == "up")
    }

    /// Whether source `name` lists connections from `ip` and none is up.
    pub fn is_down(&self, name: &str, ip: Ipv4Addr) -> bool {
        let c = self.connections(name, ip);
        !c.is_empty() && c.iter().all(|c| c["state"] == "down")
    }

    /// `/api/v1/prefixes/PREFIX`, or `None` when no peer has a route to
    /// it or to a prefix covering it (404).
    pub fn prefix(&self, prefix: &str) -> Option<Value> {
        let path = format!("/api/v1/prefixes/{prefix}");
        let (status, body) = self.get(&path);
        match status {
            200 => Some(serde_json::from_str(&body).unwrap()),
            404 => None,
            _ => panic!("GET {path}: {status} {body}"),
        }
    }

    /// The peers (their addresses) with a route to exactly `prefix`.
    pub fn peers_seeing(&self, prefix: &str) -> Vec<String> {
        let Some(p) = self.prefix(prefix) else {
            return Vec::new();
        };
        if p["exact"] != true {
            return Vec::new();
        }
        let mut peers: Vec<String> = p["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["peer"]["address"].as_str().map(str::to_owned))
            .collect();
        peers.sort();
        peers
    }

    /// Every event of `/api/v1/events` (all pages), or those of
    /// `entity`.
    pub fn events(&self, entity: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let mut path = format!("/api/v1/events?limit=1000&after={after}");
            if let Some(e) = entity {
                path.push_str("&entity=");
                path.push_str(e);
            }
            let page = self.json(&path);
            out.extend(page["events"].as_array().cloned().unwrap_or_default());
            match page["next"].as_u64() {
                Some(next) => after = next,
                None => return out,
            }
        }
    }

    /// The outage events of `entity`.
    pub fn outages(&self, entity: &str) -> Vec<Value> {
        self.events(Some(entity))
            .into_iter()
            .filter(|e| e["kind"] == "outage" && e["entity"] == entity)
            .collect()
    }

    /// Waits up to `patience` for `f` to give something, polling; the
    /// failure says `what` was waited for and what darkwatch printed.
    pub fn wait<T>(&self, what: &str, patience: Duration, f: impl FnMut() -> Option<T>) -> T {
        wait_for(patience, f).unwrap_or_else(|| {
            panic!(
                "timed out after {patience:?} waiting for {what}\n/api/v1/sources: {}\n/api/v1/peers: {}\nevents: {:?}",
                self.get("/api/v1/sources").1,
                self.get("/api/v1/peers").1,
                self.events(None)
            )
        })
    }

    /// Waits until every one of `prefixes` is visible and seen by
    /// `peers` (addresses).
    pub fn wait_visible(&self, prefixes: &[&str], peers: &[&str], patience: Duration) {
        let mut want: Vec<String> = peers.iter().map(|&p| p.to_owned()).collect();
        want.sort();
        let what = format!("{prefixes:?} visible and seen by {peers:?} in /api/v1/prefixes");
        self.wait(&what, patience, || {
            prefixes
                .iter()
                .all(|p| {
                    self.prefix(p).is_some_and(|v| v["visible"] == true)
                        && self.peers_seeing(p) == want
                })
                .then_some(())
        });
    }

    /// Waits until `peer` (an address) has a route to exactly each of
    /// `prefixes`, visible or not.
    pub fn wait_seen_by(&self, prefixes: &[&str], peer: &str, patience: Duration) {
        let what = format!("{peer} seeing {prefixes:?} in /api/v1/prefixes");
        self.wait(&what, patience, || {
            prefixes
                .iter()
                .all(|p| self.peers_seeing(p).iter().any(|s| s == peer))
                .then_some(())
        });
    }

    /// Waits until no peer has a route to exactly any of `prefixes`.
    pub fn wait_gone(&self, prefixes: &[&str], patience: Duration) {
        let what = format!("{prefixes:?} gone from /api/v1/prefixes");
        self.wait(&what, patience, || {
            prefixes
                .iter()
                .all(|p| self.peers_seeing(p).is_empty())
                .then_some(())
        });
    }
}

/// The address of a connection's `remote`: the first word that is an
/// `IP:PORT` or an `IP` (`127.0.0.2:179`, `AS65002 127.0.0.2`,
/// `127.0.0.1:5555 (sysName)`).
fn remote_ip(connection: &Value) -> Option<IpAddr> {
    connection["remote"]
        .as_str()?
        .split_whitespace()
        .find_map(|word| {
            word.parse::<SocketAddr>()
                .map(|s| s.ip())
                .or_else(|_| word.parse::<IpAddr>())
                .ok()
        })
}

/// Polls `f` every [`POLL`] for up to `patience`.
pub fn wait_for<T>(patience: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(t) = f() {
            return Some(t);
        }
        if start.elapsed() > patience {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// One alert a webhook received, with when it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived.
    pub at: Instant,
    /// The body.
    pub body: Value,
}

impl Received {
    /// `alert.entity` (or `event.entity`).
    pub fn entity(&self) -> &str {
        self.body["alert"]["entity"]
            .as_str()
            .or_else(|| self.body["event"]["entity"].as_str())
            .unwrap_or_default()
    }

    /// `alert.transition`.
    pub fn transition(&self) -> &str {
        self.body["alert"]["transition"]
            .as_str()
            .unwrap_or_default()
    }
}

/// A webhook receiver on a free loopback port that answers 200 to every
/// POST and keeps what it got.
#[derive(Clone, Default)]
pub struct Hook {
    got: Arc<Mutex<Vec<Received>>>,
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
}

impl Hook {
    /// Starts the receiver.
    pub fn start() -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let hook = Hook {
            got: Arc::default(),
            url,
        };
        let got = Arc::clone(&hook.got);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(body) = read_body(&mut stream) else {
                    continue;
                };
                let at = Instant::now();
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                got.lock().unwrap().push(Received { at, body });
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        hook
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The first alert of `transition` for `entity`.
    pub fn find(&self, entity: &str, transition: &str) -> Option<Received> {
        self.received()
            .into_iter()
            .find(|r| r.entity() == entity && r.transition() == transition)
    }
}

/// The body of one HTTP/1.1 request.
fn read_body(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// GoBGP (Debian `gobgpd` 3.10) with a configuration of the test's, its
/// API on a free loopback port.
pub struct GoBgp {
    /// The process.
    pub daemon: Daemon,
    /// The port of its API on 127.0.0.1.
    pub api_port: u16,
}

impl GoBgp {
    /// Starts `gobgpd` with `config` (TOML).
    pub fn start(name: &str, config: &str) -> GoBgp {
        require("gobgpd", "gobgpd");
        require("gobgp", "gobgpd");
        let api_port = free_port(Ipv4Addr::LOCALHOST);
        let daemon = Daemon::start(name, "gobgpd", config, |dir| {
            vec![
                "-f".into(),
                dir.join("config").display().to_string(),
                "-t".into(),
                "toml".into(),
                "--api-hosts".into(),
                format!("127.0.0.1:{api_port}"),
                "--pprof-disable".into(),
            ]
        });
        GoBgp { daemon, api_port }
    }

    /// Runs `gobgp ARGS` against this daemon until it succeeds (its API
    /// may not be up yet), for up to 30 s.
    pub fn cli(&self, args: &[&str]) {
        let start = Instant::now();
        loop {
            let out = Command::new("gobgp")
                .args(["-u", "127.0.0.1", "-p", &self.api_port.to_string()])
                .args(args)
                .output()
                .expect("gobgp runs (Debian package gobgpd; ./scripts/test installs it)");
            if out.status.success() {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "gobgp {args:?} failed for 30 s: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Announces `prefix` with the AS path `path` (GoBGP prepends its own
    /// AS on eBGP) and a documentation next hop.
    pub fn announce(&self, prefix: &str, path: &[u32]) {
        let path: Vec<String> = path.iter().map(u32::to_string).collect();
        let path = path.join(" ");
        self.cli(&[
            "global",
            "rib",
            "add",
            prefix,
            "-a",
            "ipv4",
            "origin",
            "igp",
            "aspath",
            &path,
            "nexthop",
            "198.51.100.2",
        ]);
    }

    /// Withdraws `prefix`.
    pub fn withdraw(&self, prefix: &str) {
        self.cli(&["global", "rib", "del", prefix, "-a", "ipv4"]);
    }
}

/// GoBGP's `[global.config]` for AS `asn` on `addr`, listening on `port`
/// (-1: not at all).
pub fn gobgp_global(asn: u32, addr: Ipv4Addr, port: i32) -> String {
    format!(
        "[global.config]\n  as = {asn}\n  router-id = \"{addr}\"\n  port = {port}\n  local-address-list = [\"{addr}\"]\n\n"
    )
}

/// A GoBGP `[[neighbors]]` block: the peer at `peer:peer_port` of AS
/// `peer_as`, connected to from `local`; retries every second.
pub fn gobgp_neighbor(peer: SocketAddr, peer_as: u32, local: Ipv4Addr, passive: bool) -> String {
    format!(
        r#"[[neighbors]]
  [neighbors.config]
    neighbor-address = "{ip}"
    peer-as = {peer_as}
  [neighbors.transport.config]
    local-address = "{local}"
    remote-port = {port}
    passive-mode = {passive}
  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1

"#,
        ip = peer.ip(),
        port = peer.port(),
    )
}

/// BIRD 2 (Debian `bird2`) with a configuration of the test's, its
/// control socket in its folder.
pub struct Bird {
    /// The process.
    pub daemon: Daemon,
}

impl Bird {
    /// Starts `bird -f` with `config`.
    pub fn start(name: &str, config: &str) -> Bird {
        require("bird", "bird2");
        require("birdc", "bird2");
        let daemon = Daemon::start(name, "bird", config, |dir| {
            vec![
                "-f".into(),
                "-c".into(),
                dir.join("config").display().to_string(),
                "-s".into(),
                dir.join("bird.ctl").display().to_string(),
            ]
        });
        Bird { daemon }
    }

    /// Runs `birdc COMMAND...`, which must succeed (retried for up to
    /// 30 s while the control socket is not up).
    pub fn cli(&self, args: &[&str]) -> String {
        let socket = self.daemon.dir.path().join("bird.ctl");
        let start = Instant::now();
        loop {
            let out = Command::new("birdc")
                .arg("-s")
                .arg(&socket)
                .args(args)
                .output()
                .expect("birdc runs (Debian bird2; ./scripts/test installs it)");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success() && !text.contains("Unable to connect") {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "birdc {args:?} failed for 30 s: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// BIRD's static protocol `name` with one blackhole route per
/// `(prefix, path)`, the path written into `bgp_path` (BIRD prepends its
/// own AS on eBGP).
pub fn bird_static(name: &str, routes: &[(&str, &[u32])]) -> String {
    let mut out = format!("protocol static {name} {{\n  ipv4;\n");
    for (prefix, path) in routes {
        out.push_str(&format!("  route {prefix} blackhole {{"));
        for asn in path.iter().rev() {
            out.push_str(&format!(" bgp_path.prepend({asn});"));
        }
        out.push_str(" };\n");
    }
    out.push_str("}\n");
    out
}

/// BIRD's bgp protocol `darkwatch`: AS `asn` on `local` (a free port of
/// its own, bound strictly), connecting to `peer` of AS `peer_as`, with
/// hold time `hold` and quick retries, exporting everything.
pub fn bird_bgp(local: Ipv4Addr, asn: u32, peer: SocketAddr, peer_as: u32, hold: u16) -> String {
    format!(
        r#"protocol bgp darkwatch {{
  local {local} port {local_port} as {asn};
  neighbor {ip} port {port} as {peer_as};
  multihop;
  strict bind yes;
  hold time {hold};
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 2;
  ipv4 {{ import none; export all; }};
}}
"#,
        local_port = free_port(local),
        ip = peer.ip(),
        port = peer.port(),
    )
}
