//! A loopback HTTP/1.1 server laid out like a public archive, for the
//! tests of `feed::fetch` and of `darkwatch fetch`: it serves a folder on
//! 127.0.0.1 with `Range: bytes=N-` (206 and `Content-Range`), 404 for
//! missing files, and faults on request: a response cut short, a first
//! attempt failing with 503, a length that changes on resume. It is not
//! part of the library: the tests include it with `#[path]`.

// Each test crate that includes it uses a part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A running server; it lives until the test process ends.
pub struct ArchiveServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    root: PathBuf,
    cut_first: Mutex<HashSet<String>>,
    fail_first: Mutex<HashSet<String>>,
    grow_on_resume: Mutex<HashSet<String>>,
    requests: Mutex<Vec<String>>,
    delay: Mutex<Duration>,
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl ArchiveServer {
    /// Serves `root` on a free loopback port.
    pub fn start(root: &Path) -> ArchiveServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(State {
            root: root.to_owned(),
            ..State::default()
        });
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                thread::spawn(move || serve(&state, stream));
            }
        });
        ArchiveServer { base, state }
    }

    /// The first response for `path` (as under the base, `/x/y`) sends
    /// half its body and closes the connection.
    pub fn cut_first(&self, path: &str) {
        self.state.cut_first.lock().unwrap().insert(path.to_owned());
    }

    /// The first request for `path` is answered 503.
    pub fn fail_first(&self, path: &str) {
        self.state
            .fail_first
            .lock()
            .unwrap()
            .insert(path.to_owned());
    }

    /// Resumed requests for `path` announce a total 10 bytes longer than
    /// the file, as if it had been replaced meanwhile.
    pub fn grow_on_resume(&self, path: &str) {
        self.state
            .grow_on_resume
            .lock()
            .unwrap()
            .insert(path.to_owned());
    }

    /// Each response waits this long first, so that parallel requests
    /// overlap.
    pub fn delay(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// The requests so far, as `PATH` or `PATH bytes=N-`.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The most requests ever served at once.
    pub fn peak(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }
}

/// Hard-links (or copies) `source` to `root/rel`, making the folders.
pub fn place(source: &Path, root: &Path, rel: &str) -> PathBuf {
    let target = root.join(rel);
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    if fs::hard_link(source, &target).is_err() {
        fs::copy(source, &target).unwrap();
    }
    target
}

fn serve(state: &State, mut stream: TcpStream) {
    let now = state.open.fetch_add(1, Ordering::SeqCst) + 1;
    state.peak.fetch_max(now, Ordering::SeqCst);
    answer(state, &mut stream);
    state.open.fetch_sub(1, Ordering::SeqCst);
}

fn answer(state: &State, stream: &mut TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = value.trim().to_owned().into();
            }
        }
    }
    state.requests.lock().unwrap().push(match &range {
        Some(r) => format!("{path} {r}"),
        None => path.clone(),
    });
    thread::sleep(*state.delay.lock().unwrap());
    let take = |set: &Mutex<HashSet<String>>| set.lock().unwrap().remove(&path);
    let Ok(data) = fs::read(state.root.join(path.trim_start_matches('/'))) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    if take(&state.fail_first) {
        let _ = stream.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let len = data.len();
    let start: Option<usize> = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok());
    let head = match start {
        Some(start) if start >= len => {
            let _ = write!(
                stream,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return;
        }
        Some(start) => {
            let total = if state.grow_on_resume.lock().unwrap().contains(&path) {
                len + 10
            } else {
                len
            };
            format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{total}\r\nContent-Length: {}\r\n",
                len - 1,
                len - start
            )
        }
        None => format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n"),
    };
    let body = &data[start.unwrap_or(0)..];
    let body = if take(&state.cut_first) {
        &body[..body.len() / 2]
    } else {
        body
    };
    let _ = stream.write_all(
        format!("{head}Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}
