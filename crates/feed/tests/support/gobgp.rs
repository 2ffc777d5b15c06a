//! GoBGP's command line for the tests that run a real GoBGP (Debian
//! `gobgpd`, which `scripts/test` installs) against a live source.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Announces `prefix` with the path `131279` and a documentation-range
/// next hop through the daemon whose API listens on 127.0.0.1:`api_port`,
/// retrying for up to `patience` while that API is not up yet.
pub async fn announce(api_port: u16, prefix: &str, patience: Duration) {
    let deadline = Instant::now() + patience;
    loop {
        let status = Command::new("gobgp")
            .args(["-u", "127.0.0.1", "-p", &api_port.to_string()])
            .args(["global", "rib", "add", prefix, "-a", "ipv4"])
            .args([
                "origin",
                "igp",
                "aspath",
                "131279",
                "nexthop",
                "198.51.100.2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("gobgp runs (Debian package gobgpd; ./scripts/test installs it)");
        if status.success() {
            return;
        }
        assert!(Instant::now() < deadline, "gobgp never answered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
