//! `rtpx`: a capture analyser for RTP calls, built on the workspace's crates like any
//! user of them.
//!
//! It reads a pcap or pcapng capture ([`capture`]), finds every UDP flow and RFC 4571 TCP
//! connection ([`net`], [`tcp`]), tells RTP, RTCP, SRTP, SRTCP, DTLS and STUN apart by the
//! RFC 7983 demultiplexer of `rtp-packet`, decrypts what it has keys for ([`keys`], from
//! `--key`, SDP `a=crypto` lines, or a DTLS key log through [`dtls_flow`]), and measures
//! each RTP stream ([`stream`]): loss, duplicates, reordering, RFC 3550 jitter, gaps, RTT
//! from RTCP and an E-model MOS. [`output`] prints the table or JSON, [`plot`] draws
//! per-stream SVGs, [`decrypt`] writes the capture back with SRTP replaced by RTP, and
//! [`listen`] runs the same analysis on a live UDP port.
//!
//! Memory is bounded by the number of flows and streams, never by the capture's size:
//! frames are streamed through one reused buffer.

#![forbid(unsafe_code)]

pub mod analyze;
pub mod capture;
pub mod cli;
pub mod decrypt;
pub mod dtls_flow;
pub mod keys;
pub mod listen;
pub mod net;
pub mod output;
pub mod plot;
pub mod series;
pub mod stream;
pub mod synth;
pub mod tcp;

use std::io::Read;

use analyze::{Analyzer, Options};
use capture::{CaptureError, CaptureReader};

/// Runs the analysis over every frame of `reader`; `progress` is called with the bytes
/// read so far after each frame. A read error after the first frame ends the reading and
/// is returned beside the analysis of what came before (a capture cut short still has its
/// streams); an error in the file header is returned as `Err` by [`CaptureReader::new`].
pub fn analyze_frames<R: Read>(
    mut reader: CaptureReader<R>,
    options: Options,
    mut progress: impl FnMut(u64),
) -> (Analyzer, Option<CaptureError>) {
    let mut analyzer = Analyzer::new(options);
    let mut buf = Vec::with_capacity(2048);
    let mut read = 0u64;
    loop {
        match reader.next_frame(&mut buf) {
            None => return (analyzer, None),
            Some(Err(e)) => return (analyzer, Some(e)),
            Some(Ok(info)) => {
                read += buf.len() as u64 + 16;
                analyzer.on_frame(&info, &buf);
                progress(read);
            }
        }
    }
}

/// Analyses a whole capture held in memory (for tests and the fuzz target): the report,
/// or the error that stopped the file header from being read.
pub fn analyze_bytes(data: &[u8], options: Options) -> Result<output::Report, CaptureError> {
    let reader = CaptureReader::new(data)?;
    let (analyzer, error) = analyze_frames(reader, options, |_| {});
    Ok(output::report(&analyzer, error.map(|e| e.to_string())))
}
