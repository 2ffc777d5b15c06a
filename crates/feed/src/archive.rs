//! Opening an archive file: the compression is chosen by magic bytes, not
//! by name, and decompression runs on its own thread so that decoding on
//! the caller's thread overlaps it. Data flows through a small bounded
//! channel of blocks, so memory stays bounded whatever the file size.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread;

/// Size of the blocks handed from the decompressing thread.
const BLOCK: usize = 1 << 20;
/// Bytes asked of the decompressor at once. A decompressor that meets
/// corrupt input fails the whole read, dropping what it decoded in that
/// call, so a block filled in one read would lose up to a megabyte of
/// good records before the damage; this bounds the loss.
const READ: usize = 1 << 15;
/// Blocks in flight between the threads.
const IN_FLIGHT: usize = 4;

/// How an archive is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (RFC 1952), possibly several members.
    Gzip,
    /// bzip2, possibly several streams.
    Bzip2,
    /// xz, possibly several streams.
    Xz,
    /// Zstandard, possibly several frames.
    Zstd,
}

impl Compression {
    /// The compression whose magic bytes start `head`.
    pub fn detect(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// The file could not be opened for reading.
#[derive(Debug)]
pub struct OpenError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.source.kind() {
            io::ErrorKind::NotFound => "check the path",
            io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ if self.path.is_dir() => "give a file, not a directory",
            _ => "check that it is a readable MRT archive",
        };
        write!(
            f,
            "{}: cannot open: {} ({hint})",
            self.path.display(),
            self.source
        )
    }
}

/// No [`std::error::Error::source`]: the message already holds the
/// system's reason, and a chain printer (anyhow's `{:#}`) would say it twice.
impl std::error::Error for OpenError {}

/// Counts the compressed bytes read, shared with the reading side so that
/// a decompression error can say where in the file it happened.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressed byte stream produced on a background thread.
pub struct Decompressed {
    blocks: Receiver<io::Result<Vec<u8>>>,
    compression: Compression,
    compressed_read: Arc<AtomicU64>,
}

impl Decompressed {
    /// Opens `path` and starts decompressing it on a new thread.
    pub fn open(path: &Path) -> Result<Decompressed, OpenError> {
        let err = |source| OpenError {
            path: path.to_owned(),
            source,
        };
        if path.is_dir() {
            return Err(err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            )));
        }
        let mut file = File::open(path).map_err(err)?;
        let mut head = [0u8; 6];
        let n = read_up_to(&mut file, &mut head).map_err(err)?;
        let compression = Compression::detect(head.get(..n).unwrap_or_default());
        let count = Arc::new(AtomicU64::new(n as u64));
        let counting = Counting {
            inner: file,
            count: Arc::clone(&count),
        };
        let head = head.get(..n).unwrap_or_default().to_vec();
        let source = BufReader::with_capacity(256 * 1024, io::Cursor::new(head).chain(counting));
        let reader: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(source),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(source)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(source)),
            Compression::Xz => Box::new(xz2::bufread::XzDecoder::new_multi_decoder(source)),
            Compression::Zstd => {
                Box::new(zstd::stream::read::Decoder::with_buffer(source).map_err(err)?)
            }
        };
        let (tx, rx) = sync_channel(IN_FLIGHT);
        thread::Builder::new()
            .name("darkwatch-decompress".into())
            .spawn(move || pump(reader, tx))
            .map_err(err)?;
        Ok(Decompressed {
            blocks: rx,
            compression,
            compressed_read: count,
        })
    }

    /// The compression found.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Compressed bytes consumed so far.
    pub fn compressed_offset(&self) -> u64 {
        self.compressed_read.load(Ordering::Relaxed)
    }

    /// The next block of decompressed bytes; `None` at the end.
    pub fn next_block(&mut self) -> Option<io::Result<Vec<u8>>> {
        self.blocks.recv().ok()
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Decompresses into blocks until the end, an error, or the receiver
/// hanging up. Bytes decoded before an error are sent before the error, so
/// a truncated archive keeps everything up to the damage.
fn pump(mut reader: Box<dyn Read + Send>, tx: SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut block = vec![0u8; BLOCK];
        let mut filled = 0;
        let mut error = None;
        while filled < BLOCK {
            let end = (filled + READ).min(BLOCK);
            match reader.read(block.get_mut(filled..end).unwrap_or_default()) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        block.truncate(filled);
        let ended = filled < BLOCK;
        if filled > 0 && tx.send(Ok(block)).is_err() {
            return;
        }
        if let Some(e) = error {
            let _ = tx.send(Err(e));
            return;
        }
        if ended {
            return;
        }
    }
}
