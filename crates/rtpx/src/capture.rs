//! Reading a capture file, classic pcap or pcapng, one frame at a time.
//!
//! The `pcap-file` crate parses the file formats; this module adds what an analyser of
//! untrusted captures needs on top of it, and streams: each frame is copied into one buffer
//! the caller owns and reuses, so memory does not grow with the capture.
//!
//! - Classic pcap records are read raw and validated here: a record whose original length
//!   exceeds the snap length (what any capture taken with `-s` holds) is accepted, unlike
//!   the crate's own check; a record longer than [`MAX_RECORD`] is an error.
//! - pcapng timestamps are scaled by the interface's `if_tsresol` (the crate leaves them
//!   in raw units), and at most [`MAX_INTERFACES`] interfaces are accepted.
//! - A file that ends inside a record is [`CaptureError::Truncated`]; the frames before it
//!   have been delivered.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::time::Duration;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::PcapNgReader;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::{PcapError, TsResolution};

/// The largest frame accepted (256 KiB, above any link's MTU and a loopback TSO segment).
pub const MAX_RECORD: usize = 256 * 1024;
/// The most pcapng interfaces a file may describe.
pub const MAX_INTERFACES: usize = 1024;

/// Why a capture cannot be read (further).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The first four bytes are neither a pcap nor a pcapng magic number.
    #[error("not a pcap or pcapng file (magic {0:02x?})")]
    NotACapture([u8; 4]),
    /// The file ends inside a header or record.
    #[error("the capture is cut short: it ends inside a record")]
    Truncated,
    /// A record longer than [`MAX_RECORD`].
    #[error("a record of {0} bytes is larger than the {MAX_RECORD}-byte limit")]
    RecordTooLarge(u64),
    /// A classic pcap file whose link type is not one rtpx decodes.
    #[error(
        "unsupported link type {0} (rtpx reads Ethernet, Linux cooked SLL/SLL2, raw IP and loopback)"
    )]
    UnsupportedLinkType(u32),
    /// pcapng: more interfaces than [`MAX_INTERFACES`].
    #[error("more than {MAX_INTERFACES} pcapng interfaces")]
    TooManyInterfaces,
    /// A field the format forbids (the text says which).
    #[error("malformed capture: {0}")]
    Malformed(String),
}

impl From<PcapError> for CaptureError {
    fn from(e: PcapError) -> Self {
        match e {
            PcapError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => Self::Truncated,
            PcapError::IncompleteBuffer => Self::Truncated,
            PcapError::IoError(io) => Self::Io(io),
            other => Self::Malformed(other.to_string()),
        }
    }
}

/// The link-layer framing of a frame (tcpdump.org link types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// BSD loopback (0): a 4-byte address family in host byte order.
    Null,
    /// Ethernet (1), with or without VLAN tags; Linux captures loopback this way.
    Ethernet,
    /// Raw IPv4 or IPv6 (101, and the historical 12 and 14).
    Raw,
    /// OpenBSD loopback (108): a 4-byte address family in network byte order.
    Loop,
    /// Linux cooked capture v1 (113).
    LinuxSll,
    /// Raw IPv4 (228).
    Ipv4,
    /// Raw IPv6 (229).
    Ipv6,
    /// Linux cooked capture v2 (276).
    LinuxSll2,
}

impl LinkType {
    /// The link type of a tcpdump.org code, if rtpx decodes it.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Null,
            1 => Self::Ethernet,
            12 | 14 | 101 => Self::Raw,
            108 => Self::Loop,
            113 => Self::LinuxSll,
            228 => Self::Ipv4,
            229 => Self::Ipv6,
            276 => Self::LinuxSll2,
            _ => return None,
        })
    }

    /// The tcpdump.org code (101 for every raw-IP variant).
    pub fn code(self) -> u32 {
        match self {
            Self::Null => 0,
            Self::Ethernet => 1,
            Self::Raw => 101,
            Self::Loop => 108,
            Self::LinuxSll => 113,
            Self::Ipv4 => 228,
            Self::Ipv6 => 229,
            Self::LinuxSll2 => 276,
        }
    }
}

/// What [`CaptureReader::next_frame`] says of the frame it put in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    /// Capture time since the Unix epoch.
    pub timestamp: Duration,
    /// The frame's link type, `Err(code)` for one rtpx does not decode (pcapng only:
    /// such frames are for the caller to skip and count).
    pub link: Result<LinkType, u32>,
    /// The frame's length on the wire (at least the captured length).
    pub orig_len: u32,
}

/// The capture file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

enum Inner<R: Read> {
    Pcap {
        reader: PcapReader<R>,
        link: LinkType,
        nanos: bool,
    },
    PcapNg {
        reader: PcapNgReader<R>,
        last: Duration,
    },
}

/// A streaming reader of pcap and pcapng files.
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    done: bool,
}

/// A capture read from a file.
pub type FileCapture = CaptureReader<io::Chain<io::Cursor<[u8; 4]>, BufReader<File>>>;

/// Opens the capture at `path`.
pub fn open(path: &Path) -> Result<FileCapture, CaptureError> {
    CaptureReader::new(BufReader::with_capacity(1 << 16, File::open(path)?))
}

impl<R: Read> CaptureReader<io::Chain<io::Cursor<[u8; 4]>, R>> {
    /// Reads the file header from `reader`: the format is told by its magic number.
    pub fn new(mut reader: R) -> Result<Self, CaptureError> {
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match reader.read(&mut magic[got..])? {
                0 => return Err(CaptureError::Truncated),
                n => got += n,
            }
        }
        let chained = io::Cursor::new(magic).chain(reader);
        let inner = match magic {
            [0xa1, 0xb2, 0xc3, 0xd4]
            | [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d]
            | [0x4d, 0x3c, 0xb2, 0xa1] => {
                let reader = PcapReader::new(chained)?;
                let header = reader.header();
                let code = u32::from(header.datalink);
                let link =
                    LinkType::from_code(code).ok_or(CaptureError::UnsupportedLinkType(code))?;
                Inner::Pcap {
                    reader,
                    link,
                    nanos: header.ts_resolution == TsResolution::NanoSecond,
                }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => Inner::PcapNg {
                reader: PcapNgReader::new(chained)?,
                last: Duration::ZERO,
            },
            other => return Err(CaptureError::NotACapture(other)),
        };
        Ok(Self { inner, done: false })
    }
}

impl<R: Read> CaptureReader<R> {
    /// The file's format.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Pcap { .. } => Format::Pcap,
            Inner::PcapNg { .. } => Format::PcapNg,
        }
    }

    /// Puts the next frame into `buf` (cleared first). `None` at the end of the file; after
    /// an error, `None` too.
    pub fn next_frame(&mut self, buf: &mut Vec<u8>) -> Option<Result<FrameInfo, CaptureError>> {
        if self.done {
            return None;
        }
        let r = self.read(buf);
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }

    fn read(&mut self, buf: &mut Vec<u8>) -> Option<Result<FrameInfo, CaptureError>> {
        buf.clear();
        match &mut self.inner {
            Inner::Pcap {
                reader,
                link,
                nanos,
            } => {
                let raw = match reader.next_raw_packet()? {
                    Ok(raw) => raw,
                    Err(e) => return Some(Err(e.into())),
                };
                if raw.incl_len as usize > MAX_RECORD {
                    return Some(Err(CaptureError::RecordTooLarge(raw.incl_len.into())));
                }
                let frac = if *nanos {
                    raw.ts_frac
                } else {
                    raw.ts_frac.saturating_mul(1000)
                };
                if frac >= 1_000_000_000 {
                    return Some(Err(CaptureError::Malformed(format!(
                        "timestamp fraction {} out of range",
                        raw.ts_frac
                    ))));
                }
                buf.extend_from_slice(&raw.data);
                Some(Ok(FrameInfo {
                    timestamp: Duration::new(raw.ts_sec.into(), frac),
                    link: Ok(*link),
                    orig_len: raw.orig_len.max(raw.incl_len),
                }))
            }
            Inner::PcapNg { reader, last } => loop {
                let (interface, raw_ts, orig_len) = match reader.next_block()? {
                    Ok(Block::EnhancedPacket(epb)) => {
                        if epb.data.len() > MAX_RECORD {
                            return Some(Err(CaptureError::RecordTooLarge(epb.data.len() as u64)));
                        }
                        buf.extend_from_slice(&epb.data);
                        (
                            epb.interface_id as usize,
                            Some(epb.timestamp.as_nanos()),
                            epb.original_len,
                        )
                    }
                    Ok(Block::SimplePacket(spb)) => {
                        if spb.data.len() > MAX_RECORD {
                            return Some(Err(CaptureError::RecordTooLarge(spb.data.len() as u64)));
                        }
                        buf.extend_from_slice(&spb.data);
                        (0, None, spb.original_len)
                    }
                    Ok(_) => {
                        if reader.interfaces().len() > MAX_INTERFACES {
                            return Some(Err(CaptureError::TooManyInterfaces));
                        }
                        continue;
                    }
                    Err(e) => return Some(Err(e.into())),
                };
                let Some(idb) = reader.interfaces().get(interface) else {
                    return Some(Err(CaptureError::Malformed(format!(
                        "packet on interface {interface}, which no block describes"
                    ))));
                };
                if let Some(raw) = raw_ts {
                    let resol = idb
                        .options
                        .iter()
                        .find_map(|o| match o {
                            InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                            _ => None,
                        })
                        .unwrap_or(6);
                    *last = scale_timestamp(raw, resol);
                }
                let code = u32::from(idb.linktype);
                return Some(Ok(FrameInfo {
                    timestamp: *last,
                    link: LinkType::from_code(code).ok_or(code),
                    orig_len: orig_len.max(buf.len() as u32),
                }));
            },
        }
    }
}

/// A pcapng timestamp of `raw` units, `if_tsresol` = `resol` (RFC-draft pcapng §4.2: the
/// top bit selects a power of two, otherwise a power of ten).
fn scale_timestamp(raw: u128, resol: u8) -> Duration {
    let exp = u32::from(resol & 0x7f);
    let nanos = if resol & 0x80 != 0 {
        if exp >= 64 {
            0
        } else {
            (raw * 1_000_000_000) >> exp
        }
    } else if exp <= 9 {
        raw.saturating_mul(10u128.pow(9 - exp))
    } else if exp <= 38 {
        raw / 10u128.pow(exp - 9)
    } else {
        0
    };
    let secs = (nanos / 1_000_000_000).min(u128::from(u64::MAX)) as u64;
    Duration::new(secs, (nanos % 1_000_000_000) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcapng_resolutions() {
        assert_eq!(scale_timestamp(1_500_000, 6), Duration::from_millis(1500));
        assert_eq!(
            scale_timestamp(1_500_000_000, 9),
            Duration::from_millis(1500)
        );
        assert_eq!(scale_timestamp(3, 0x81), Duration::from_millis(1500));
        assert_eq!(scale_timestamp(15, 1), Duration::from_millis(1500));
    }

    #[test]
    fn garbage_is_not_a_capture() {
        let e = CaptureReader::new(&b"GIF89a........"[..]).err().unwrap();
        assert!(matches!(
            e,
            CaptureError::NotACapture([b'G', b'I', b'F', b'8'])
        ));
        assert!(matches!(
            CaptureReader::new(&b"\xd4\xc3"[..]).err().unwrap(),
            CaptureError::Truncated
        ));
    }
}
