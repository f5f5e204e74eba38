//! Synthetic captures for the benchmark, the hostile-capture tests and the fuzz seeds: many
//! G.711 streams over Ethernet/IPv4/UDP, half of them SRTP (protected by the `srtp` crate
//! with [`KEY`]), 20 ms apart, with a deterministic pattern of loss and late packets.
//! Nothing here reads input; it only writes.

use std::io::{self, Write};
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use srtp::sdes::{CryptoAttribute, CryptoSuite};

/// The SDES key of the SRTP streams: 30 bytes 1..=30, as `inline:` base64.
pub const KEY: &str = "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
/// The first SRTP stream's destination port; SRTP stream `i` goes to `SRTP_PORT + 2i`.
pub const SRTP_PORT: u16 = 30_000;
/// The first plain stream's destination port.
pub const RTP_PORT: u16 = 20_000;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Plain RTP streams.
    pub rtp_streams: u16,
    /// SRTP streams.
    pub srtp_streams: u16,
    /// Stop after this many bytes of file.
    pub bytes: u64,
    /// Drop one packet in this many (0: none).
    pub loss_every: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Frames.
    pub frames: u64,
    /// Bytes of file.
    pub bytes: u64,
    /// Packets left out (loss).
    pub dropped: u64,
}

/// Writes a capture to `out`.
pub fn write(out: impl Write, config: Config) -> io::Result<Written> {
    let err = |e: pcap_file::PcapError| io::Error::other(e.to_string());
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ts_resolution: pcap_file::TsResolution::NanoSecond,
        endianness: pcap_file::Endianness::Little,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(out, header).map_err(err)?;
    let key_line = format!("1 {} {KEY}", CryptoSuite::AesCm128HmacSha1_80.name());
    let attr = CryptoAttribute::parse_value(&key_line).map_err(io::Error::other)?;
    let streams = u32::from(config.rtp_streams) + u32::from(config.srtp_streams);
    let mut contexts = (0..config.srtp_streams)
        .map(|_| attr.context(&srtp::Config::default()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io::Error::other)?;
    let payload = [0xd5u8; 160];
    let mut rtp = [0u8; 256];
    let mut frame = Vec::with_capacity(512);
    let mut written = Written {
        bytes: 24,
        ..Written::default()
    };
    let start = Duration::from_secs(1_700_000_000);
    for tick in 0u64.. {
        for s in 0..streams {
            let index = tick * u64::from(streams) + u64::from(s);
            if config.loss_every > 0 && index % config.loss_every == config.loss_every - 1 {
                written.dropped += 1;
                continue;
            }
            let secure = s >= u32::from(config.rtp_streams);
            let ssrc = 0x1000_0000 + s;
            let seq = tick as u16;
            let mut h = RtpHeader::new(
                PayloadType::PCMU,
                seq,
                (tick as u32).wrapping_mul(160),
                ssrc,
            );
            h.marker = tick == 0;
            let mut len = PacketWriter::new(&mut rtp, &h)
                .and_then(|p| p.finish(&payload, 0))
                .map_err(io::Error::other)?;
            let port = if secure {
                let i = (s - u32::from(config.rtp_streams)) as usize;
                len = contexts[i]
                    .protect_rtp(&mut rtp, len)
                    .map_err(io::Error::other)?;
                SRTP_PORT + 2 * i as u16
            } else {
                RTP_PORT + 2 * s as u16
            };
            // A little jitter: every 7th packet of a stream 3 ms late.
            let late = if (tick + u64::from(s)) % 7 == 0 {
                3_000_000
            } else {
                0
            };
            let at = start + Duration::from_nanos(tick * 20_000_000 + u64::from(s) * 1_000 + late);
            frame.clear();
            PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .udp(40_000 + s as u16, port)
                .write(&mut frame, &rtp[..len])
                .map_err(io::Error::other)?;
            w.write_packet(&PcapPacket::new(at, frame.len() as u32, &frame))
                .map_err(err)?;
            written.frames += 1;
            written.bytes += 16 + frame.len() as u64;
            if written.bytes >= config.bytes {
                return Ok(written);
            }
        }
    }
    Ok(written)
}
