//! A loopback server laid out like RouteViews and holding the real jinx
//! archives, for the tests of `darkwatch fetch`, `replay --collector` and
//! the archive source of `serve`.

#[path = "../../../feed/tests/support/archive_server.rs"]
mod archive_server;

use archive_server::place;
pub use archive_server::ArchiveServer;

use super::mrt;

/// The jinx RIB of 2014-05-30 22:00.
pub const RIB: &str = "routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2";
/// The jinx update file of 2014-05-30 23:45.
pub const UPDATES: &str = "routeviews-jinx/routeviews.route-views.jinx.updates.1401493500.bz2";

/// A RouteViews layout holding the jinx RIB of 22:00 and update file of
/// 23:45 on 2014-05-30, served on loopback (the folder goes with it).
pub fn jinx_archive() -> (tempfile::TempDir, ArchiveServer) {
    let root = tempfile::tempdir().unwrap();
    let jinx = "route-views.jinx/bgpdata/2014.05";
    place(
        &mrt(RIB),
        root.path(),
        &format!("{jinx}/RIBS/rib.20140530.2200.bz2"),
    );
    place(
        &mrt(UPDATES),
        root.path(),
        &format!("{jinx}/UPDATES/updates.20140530.2345.bz2"),
    );
    let server = ArchiveServer::start(root.path());
    (root, server)
}
