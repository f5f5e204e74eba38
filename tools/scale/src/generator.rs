//! The load generator's (`load.rs`) bookkeeping: one generated stream's SRTP state and
//! counts, the tally they add up to, and the two protocol lines it reads and writes
//! (`PORTS ...` in, `DONE ...` out).

use crate::common::{Direction, SAMPLES, SequenceExtender, Tally, protected_packet, srtp_context};
use rtp_packet::RtpPacket;

/// One generated stream, ours to a server session, and the session's stream back to us,
/// counted by sequence number (RFC 3550 A.3 style: expected = highest − first + 1).
pub struct GeneratedStream {
    pub ssrc: u32,
    sequence_number: u16,
    timestamp: u32,
    protect: srtp::Context,
    unprotect: srtp::Context,
    sequence: SequenceExtender,
    first: Option<u64>,
    highest: u64,
    received: u64,
    pub sent: u64,
    pub failures: u64,
}

impl GeneratedStream {
    /// Stream `index`: its SSRC, starting numbers and the keys `scale serve` gives session
    /// `index`.
    pub fn new(index: u32) -> Result<Self, String> {
        Ok(Self {
            ssrc: 0x4c00_0000 | index,
            sequence_number: (index as u16).wrapping_mul(7919),
            timestamp: index.wrapping_mul(104_729),
            protect: srtp_context(index, Direction::ToServer)?,
            unprotect: srtp_context(index, Direction::ToLoad)?,
            sequence: SequenceExtender::default(),
            first: None,
            highest: 0,
            received: 0,
            sent: 0,
            failures: 0,
        })
    }

    /// Writes the stream's next SRTP packet into `buf`; returns its length.
    pub fn next_packet(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        let len = protected_packet(
            buf,
            &mut self.protect,
            self.ssrc,
            self.sequence_number,
            self.timestamp,
        )?;
        self.sequence_number = self.sequence_number.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(SAMPLES);
        Ok(len)
    }

    /// Counts an SRTP packet of the session's stream (a failure when it does not
    /// authenticate or parse).
    pub fn on_received(&mut self, datagram: &mut [u8]) {
        let Ok(len) = self.unprotect.unprotect_rtp(datagram) else {
            self.failures += 1;
            return;
        };
        let Ok(packet) = RtpPacket::parse(&datagram[..len]) else {
            self.failures += 1;
            return;
        };
        let ext = self.sequence.extend(packet.sequence_number());
        self.first = Some(self.first.map_or(ext, |f| f.min(ext)));
        self.highest = self.highest.max(ext);
        self.received += 1;
    }
}

/// The tally of `streams`.
pub fn tally_of<'a>(streams: impl IntoIterator<Item = &'a GeneratedStream>) -> Tally {
    let mut tally = Tally::default();
    for s in streams {
        tally.sent += s.sent;
        tally.failures += s.failures;
        match s.first {
            Some(first) => {
                let expected = s.highest - first + 1;
                tally.expected += expected;
                tally.lost += expected as i64 - s.received as i64;
            }
            None => tally.silent += 1,
        }
    }
    tally
}

/// The server sessions' ports from the `PORTS <port>...` line.
pub fn parse_ports(line: &str) -> Result<Vec<u16>, String> {
    line.strip_prefix("PORTS")
        .ok_or("expected PORTS")?
        .split_whitespace()
        .map(|p| p.parse().map_err(|e| format!("port `{p}`: {e}")))
        .collect()
}
