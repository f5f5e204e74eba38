//! `rtpx decrypt`: the capture written back with every SRTP and SRTCP datagram rtpx has a
//! key for replaced by its plaintext, the IP and UDP lengths and checksums fixed, and every
//! other frame copied as it was. The output is classic pcap with nanosecond timestamps and
//! the link type of the first frame (frames of another link type, possible only in a
//! multi-interface pcapng, are left out and counted). RFC 4571 TCP streams are copied
//! unchanged: decrypting inside a byte stream would shift every later sequence number.

use std::io::{Read, Write};

use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

use crate::analyze::{Analyzer, Options};
use crate::capture::{CaptureError, CaptureReader, MAX_RECORD};
use crate::net;

/// What a decryption run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DecryptStats {
    /// Frames written.
    pub written: u64,
    /// Of those, datagrams replaced by their plaintext.
    pub decrypted: u64,
    /// Frames left out because their link type differs from the first frame's.
    pub other_link_type: u64,
}

/// Why decryption stopped.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    /// Reading the capture.
    #[error("reading the capture: {0}")]
    Capture(#[from] CaptureError),
    /// Writing the output.
    #[error("writing the output: {0}")]
    Write(String),
}

/// Decrypts `reader` into `out`. Returns the analyser (its report covers the capture), the
/// counts, and the read error that ended the input early, if any.
pub fn decrypt<R: Read, W: Write>(
    mut reader: CaptureReader<R>,
    out: W,
    options: Options,
    mut progress: impl FnMut(u64),
) -> Result<(Analyzer, DecryptStats, Option<CaptureError>), DecryptError> {
    let mut analyzer = Analyzer::new(options);
    let mut stats = DecryptStats::default();
    let mut buf = Vec::with_capacity(2048);
    let mut rewritten = Vec::with_capacity(2048);
    let mut writer: Option<(PcapWriter<W>, u32)> = None;
    let mut out = Some(out);
    let mut read = 0u64;
    let werr = |e: pcap_file::PcapError| DecryptError::Write(e.to_string());
    let end = loop {
        let info = match reader.next_frame(&mut buf) {
            None => break None,
            Some(Err(e)) => break Some(e),
            Some(Ok(info)) => info,
        };
        read += buf.len() as u64 + 16;
        progress(read);
        let code = match info.link {
            Ok(l) => l.code(),
            Err(c) => c,
        };
        if writer.is_none() {
            let header = PcapHeader {
                datalink: DataLink::from(code),
                snaplen: MAX_RECORD as u32,
                ts_resolution: pcap_file::TsResolution::NanoSecond,
                ..PcapHeader::default()
            };
            let w =
                PcapWriter::with_header(out.take().expect("written once"), header).map_err(werr)?;
            writer = Some((w, code));
        }
        let Some((w, link)) = writer.as_mut() else {
            unreachable!("the writer was just created");
        };
        let outcome = analyzer.on_frame(&info, &buf);
        if code != *link {
            stats.other_link_type += 1;
            continue;
        }
        let data: &[u8] = match outcome {
            Some((packet, Some(d))) if packet.flow.transport == net::Transport::Udp => {
                rewritten.clear();
                rewritten.extend_from_slice(&buf);
                net::rewrite_udp(&mut rewritten, &packet, &analyzer.plaintext()[..d.len]);
                stats.decrypted += 1;
                &rewritten
            }
            _ => &buf,
        };
        let orig = if info.orig_len as usize > buf.len() {
            // Captured short: keep what was cut off out of the frame.
            (info.orig_len as usize - buf.len() + data.len()) as u32
        } else {
            data.len() as u32
        };
        let packet = PcapPacket::new(info.timestamp, orig.min(MAX_RECORD as u32), data);
        w.write_packet(&packet).map_err(werr)?;
        stats.written += 1;
    };
    if writer.is_none() {
        // An empty capture still gives a valid, empty pcap.
        PcapWriter::with_header(
            out.take().expect("not yet written"),
            PcapHeader {
                snaplen: MAX_RECORD as u32,
                ..PcapHeader::default()
            },
        )
        .map_err(werr)?;
    }
    Ok((analyzer, stats, end))
}
