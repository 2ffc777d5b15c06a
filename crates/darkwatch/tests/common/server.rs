//! A darkwatch process that serves HTTP for a test: started on a free
//! loopback port, its address read from what it prints, stopped when
//! the test ends however it ends; and a plain HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

/// A running `darkwatch serve` (or `demo`), killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// What it printed on that stream up to and with the address.
    pub printed: String,
    /// The rest of what it prints there.
    pub output: Box<dyn BufRead + Send>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `darkwatch ARGS` and waits for the line holding
    /// `http://ADDR/`, read from stderr (`serve`) or stdout (`demo`).
    pub fn start(args: &[&str], from_stdout: bool) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_darkwatch"));
        command.args(args);
        if from_stdout {
            command.stdout(Stdio::piped());
        } else {
            command.stderr(Stdio::piped());
        }
        let mut child = command.spawn().expect("start darkwatch");
        let mut output: Box<dyn BufRead + Send> = if from_stdout {
            let out: ChildStdout = child.stdout.take().unwrap();
            Box::new(BufReader::new(out))
        } else {
            let err: ChildStderr = child.stderr.take().unwrap();
            Box::new(BufReader::new(err))
        };
        let mut seen = String::new();
        let addr = loop {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                panic!("darkwatch {args:?} ended without an address; it printed:\n{seen}");
            }
            seen.push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap_or_default().to_owned();
            }
        };
        assert!(addr.starts_with("127.0.0.1:"), "loopback: {addr}");
        Server {
            child,
            addr,
            printed: seen,
            output,
        }
    }

    /// `darkwatch serve --db DB --listen 127.0.0.1:0` and `extra`
    /// arguments.
    pub fn serve_db(db: &std::path::Path, extra: &[&str]) -> Server {
        let mut args = vec![
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Server::start(&args, false)
    }

    /// `GET path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        request(&self.addr, "GET", path, &[], "")
    }

    /// The process id, to signal it.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// One HTTP/1.1 request to `addr` with extra header lines: status and
/// body.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
