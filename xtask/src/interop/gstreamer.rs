//! Interop suite `gstreamer`: RTP and RTCP exchanged with GStreamer's `rtpbin`.
//!
//! - Receive: `audiotestsrc ! mulawenc ! rtppcmupay ! rtpbin` sends a bounded PCMU stream
//!   with its RTCP, once on separate ports (RTCP on RTP + 1) and once multiplexed on one
//!   port (RFC 5761, through a `funnel`). Every packet must parse, the sequence must have no
//!   gap, and each sender report's packet and octet counts must equal what we had received
//!   up to that packet; the BYE compound at the end carries the final counts.
//! - Send: we protect a PCMU stream with SRTP (AES_CM_128_HMAC_SHA1_80) and drop every
//!   tenth packet before it leaves; `udpsrc ! srtpdec ! rtpbin ! rtppcmudepay ! mulawdec`
//!   (our SSRC and key in its caps) must decode every packet we sent, and its receiver
//!   reports must show exactly the loss we made (RFC 3550 §6.4.1 cumulative number lost and
//!   fraction lost).
//!
//! The receiving side here is composed of the lower crates (`rtp-packet`, `srtp`, `rtcp`,
//! `stats`), which is what the session does on its receive path.

use super::Context;
use crate::util::{Result, ensure_apt};
use rtcp::{AnyPacket, Compound, ReportBlock};
use rtp_packet::{PacketKind, PacketWriter, PayloadType, RtpHeader, RtpPacket, classify};
use std::fs::File;
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The SSRC both directions use, so the peers' caps can name it.
pub(super) const SSRC: u32 = 0x1234_5678;
/// G.711 at 8 kHz in 20 ms packets.
pub(super) const SAMPLES_PER_PACKET: u32 = 160;

/// How long a run may take before the suite gives up on the peer.
const DEADLINE: Duration = Duration::from_secs(25);
/// The datagrams of one incoming stream are drained this long after the peer exits.
const DRAIN: Duration = Duration::from_millis(500);

pub fn run(ctx: &Context) -> Result {
    ensure_peers()?;
    receive_from_rtpbin(ctx, false)?;
    receive_from_rtpbin(ctx, true)?;
    send_to_rtpbin(ctx)
}

/// Installs `gst-launch-1.0` with the elements the pipelines use (`srtpdec` is in -bad).
pub(super) fn ensure_peers() -> Result {
    ensure_apt(&[
        ("gst-launch-1.0", "gstreamer1.0-tools"),
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstaudiotestsrc.so",
            "gstreamer1.0-plugins-base",
        ),
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstrtpmanager.so",
            "gstreamer1.0-plugins-good",
        ),
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstsrtp.so",
            "gstreamer1.0-plugins-bad",
        ),
    ])
}

/// One RTP packet as we received it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    pub ssrc: u32,
    pub sequence_number: u16,
    pub payload_len: usize,
}

/// A sender report's counts, and how many RTP packets we had received when it arrived.
#[derive(Debug, Clone, Copy)]
pub(super) struct SenderCounts {
    pub ssrc: u32,
    pub packet_count: u32,
    pub octet_count: u32,
}

/// Everything one endpoint received from a peer: RTP, the RTCP it understood, and what
/// it could not read.
#[derive(Debug, Default)]
pub(super) struct Reception {
    pub packets: Vec<Arrival>,
    pub sender_reports: Vec<SenderCounts>,
    /// (reporter SSRC, block) for every report block in an SR or RR.
    pub report_blocks: Vec<(u32, ReportBlock)>,
    pub goodbyes: Vec<u32>,
    pub failures: Vec<String>,
    statistics: Option<stats::SourceStatistics>,
}

impl Reception {
    /// Handles one datagram: classified (RFC 7983), unprotected when `srtp` is given,
    /// parsed, and counted.
    pub(super) fn on_datagram(
        &mut self,
        datagram: &mut [u8],
        srtp: Option<&mut srtp::Context>,
        arrival: Instant,
    ) {
        match classify(datagram) {
            PacketKind::Rtp => {
                let len = match srtp {
                    Some(ctx) => match ctx.unprotect_rtp(datagram) {
                        Ok(len) => len,
                        Err(e) => return self.failures.push(format!("SRTP unprotect: {e}")),
                    },
                    None => datagram.len(),
                };
                self.on_rtp(&datagram[..len], arrival);
            }
            PacketKind::Rtcp => {
                let len = match srtp {
                    Some(ctx) => match ctx.unprotect_rtcp(datagram) {
                        Ok(len) => len,
                        Err(e) => return self.failures.push(format!("SRTCP unprotect: {e}")),
                    },
                    None => datagram.len(),
                };
                self.on_rtcp(&datagram[..len]);
            }
            other => self.failures.push(format!(
                "unexpected {other:?} datagram of {} bytes",
                datagram.len()
            )),
        }
    }

    fn on_rtp(&mut self, bytes: &[u8], arrival: Instant) {
        let packet = match RtpPacket::parse(bytes) {
            Ok(p) => p,
            Err(e) => return self.failures.push(format!("RTP parse: {e}")),
        };
        let statistics = self.statistics.get_or_insert_with(|| {
            stats::SourceStatistics::new(packet.ssrc(), stats::ReceiverConfig::new(8000))
                .expect("8 kHz is a valid clock rate")
        });
        statistics.on_packet(
            packet.sequence_number(),
            packet.timestamp(),
            packet.payload().len(),
            arrival,
        );
        self.packets.push(Arrival {
            ssrc: packet.ssrc(),
            sequence_number: packet.sequence_number(),
            payload_len: packet.payload().len(),
        });
    }

    fn on_rtcp(&mut self, bytes: &[u8]) {
        if let Err(e) = rtcp::validate(bytes, rtcp::Rules::default()) {
            return self.failures.push(format!("RTCP compound: {e}"));
        }
        for packet in Compound::new(bytes) {
            match packet {
                Ok(AnyPacket::SenderReport(sr)) => {
                    self.sender_reports.push(SenderCounts {
                        ssrc: sr.ssrc,
                        packet_count: sr.packet_count,
                        octet_count: sr.octet_count,
                    });
                    for block in sr.reports.iter() {
                        self.report_blocks.push((sr.ssrc, block));
                    }
                }
                Ok(AnyPacket::ReceiverReport(rr)) => {
                    for block in rr.reports.iter() {
                        self.report_blocks.push((rr.ssrc, block));
                    }
                }
                Ok(AnyPacket::Goodbye(bye)) => self.goodbyes.extend(bye.sources.iter()),
                Ok(_) => {}
                Err(e) => self.failures.push(format!("RTCP packet: {e}")),
            }
        }
    }

    /// Checks that the stream is exactly what the sender said it sent: `expected` packets
    /// from `ssrc`, nothing unreadable, no gap, statistics without loss, and every sender
    /// report's counts equal to the packets and payload octets that came before it.
    /// `final_report`: the sender ends with an SR whose count is the whole stream.
    pub(super) fn check(&mut self, ssrc: u32, expected: usize, final_report: bool) -> Result {
        if !self.failures.is_empty() {
            return Err(format!(
                "{} datagrams could not be read, first: {}",
                self.failures.len(),
                self.failures[0]
            ));
        }
        if self.packets.len() != expected {
            return Err(format!(
                "received {} RTP packets, the peer sent {expected}",
                self.packets.len()
            ));
        }
        if let Some(other) = self.packets.iter().find(|p| p.ssrc != ssrc) {
            return Err(format!(
                "RTP from SSRC {:#x}, expected {ssrc:#x}",
                other.ssrc
            ));
        }
        for pair in self.packets.windows(2) {
            if pair[1].sequence_number != pair[0].sequence_number.wrapping_add(1) {
                return Err(format!(
                    "sequence {} followed by {} on loopback",
                    pair[0].sequence_number, pair[1].sequence_number
                ));
            }
        }
        let statistics = self.statistics.as_mut().ok_or("no RTP received")?;
        let (block, _) = statistics
            .report(Instant::now())
            .ok_or("the statistics never validated the source")?;
        if block.cumulative_lost != 0 || block.fraction_lost != 0 {
            return Err(format!(
                "statistics report loss on loopback: cumulative {}, fraction {}",
                block.cumulative_lost, block.fraction_lost
            ));
        }
        let last = self.packets[expected - 1].sequence_number;
        if block.extended_highest_sequence_number as u16 != last {
            return Err(format!(
                "statistics' highest sequence {:#x}, last received {last}",
                block.extended_highest_sequence_number
            ));
        }
        let mut octets_before = Vec::with_capacity(expected + 1);
        let mut sum = 0u64;
        octets_before.push(0);
        for p in &self.packets {
            sum += p.payload_len as u64;
            octets_before.push(sum);
        }
        if self.sender_reports.iter().all(|sr| sr.packet_count == 0) {
            return Err("no sender report with a nonzero packet count".into());
        }
        for sr in &self.sender_reports {
            if sr.ssrc != ssrc {
                return Err(format!("SR from SSRC {:#x}, expected {ssrc:#x}", sr.ssrc));
            }
            let ours = octets_before.get(sr.packet_count as usize).ok_or_else(|| {
                format!(
                    "SR counts {} packets, we received {expected}",
                    sr.packet_count
                )
            })?;
            if u64::from(sr.octet_count) != *ours {
                return Err(format!(
                    "SR says {} packets carried {} payload octets, ours carried {ours}",
                    sr.packet_count, sr.octet_count
                ));
            }
        }
        if final_report {
            let last_sr = self.sender_reports.last().ok_or("no sender report")?;
            if last_sr.packet_count as usize != expected {
                return Err(format!(
                    "final SR counts {} packets, we received {expected}",
                    last_sr.packet_count
                ));
            }
        }
        eprintln!(
            "  {expected} packets, {sum} payload octets from {ssrc:#x}; {} SRs agree (last: {} packets, {} octets)",
            self.sender_reports.len(),
            self.sender_reports.last().map_or(0, |s| s.packet_count),
            self.sender_reports.last().map_or(0, |s| s.octet_count),
        );
        Ok(())
    }
}

/// Forwards every datagram arriving on `socket` with its arrival instant.
fn forward(socket: UdpSocket, to: mpsc::Sender<(Vec<u8>, Instant)>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok(n) = socket.recv(&mut buf) {
            if to.send((buf[..n].to_vec(), Instant::now())).is_err() {
                break;
            }
        }
    });
}

/// Binds a free even/odd pair of loopback ports (RTP, RTCP).
pub(super) fn port_pair() -> Result<(UdpSocket, UdpSocket)> {
    for _ in 0..64 {
        let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = probe.local_addr().map_err(|e| e.to_string())?.port() & !1;
        drop(probe);
        if port < 1024 {
            continue;
        }
        if let (Ok(a), Ok(b)) = (
            UdpSocket::bind(("127.0.0.1", port)),
            UdpSocket::bind(("127.0.0.1", port + 1)),
        ) {
            return Ok((a, b));
        }
    }
    Err("no free pair of adjacent UDP ports on loopback".into())
}

/// Receives on `sockets` until `peer` exits (plus a short drain), then checks its exit.
pub(super) fn receive_until_exit(
    sockets: Vec<UdpSocket>,
    mut srtp: Option<srtp::Context>,
    peer: &mut Child,
    what: &str,
) -> Result<Reception> {
    let (tx, rx) = mpsc::channel();
    for s in sockets {
        forward(s, tx.clone());
    }
    drop(tx);
    let start = Instant::now();
    let mut reception = Reception::default();
    let mut exited_at = None;
    loop {
        if let Ok((mut datagram, at)) = rx.recv_timeout(Duration::from_millis(50)) {
            reception.on_datagram(&mut datagram, srtp.as_mut(), at);
        }
        match exited_at {
            None => {
                if let Some(status) = peer.try_wait().map_err(|e| e.to_string())? {
                    if !status.success() {
                        return Err(format!("{what} failed with {status}"));
                    }
                    exited_at = Some(Instant::now());
                }
            }
            Some(t) if t.elapsed() > DRAIN => return Ok(reception),
            Some(_) => {}
        }
        if start.elapsed() > DEADLINE {
            let _ = peer.kill();
            return Err(format!("{what} did not finish within {DEADLINE:?}"));
        }
    }
}

/// `gst-launch-1.0 <option> <description>`; the description holds no quoted spaces.
fn gst_launch(option: &str, description: &str) -> Command {
    let mut cmd = Command::new("gst-launch-1.0");
    cmd.arg(option);
    cmd.args(description.split_whitespace());
    cmd
}

const PACKETS_FROM_GSTREAMER: usize = 150;

fn receive_from_rtpbin(ctx: &Context, mux: bool) -> Result {
    let (rtp, rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    let source = format!(
        "audiotestsrc is-live=true num-buffers={PACKETS_FROM_GSTREAMER} \
         samplesperbuffer={SAMPLES_PER_PACKET} ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! \
         rtppcmupay ssrc={SSRC} ! rb.send_rtp_sink_0"
    );
    let (description, sockets) = if mux {
        drop(rtcp);
        (
            format!(
                "rtpbin name=rb funnel name=mux ! udpsink host=127.0.0.1 port={port} sync=false \
                 async=false {source} rb.send_rtp_src_0 ! mux. rb.send_rtcp_src_0 ! mux."
            ),
            vec![rtp],
        )
    } else {
        (
            format!(
                "rtpbin name=rb {source} rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port={port} \
                 rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port={} sync=false async=false",
                port + 1
            ),
            vec![rtp, rtcp],
        )
    };
    let label = if mux { "rtcp-mux" } else { "separate ports" };
    eprintln!("  rtpbin → us, {label}: gst-launch-1.0 {description}");
    let log = ctx
        .dir
        .join(format!("send-{}.log", if mux { "mux" } else { "ports" }));
    let mut peer = gst_launch("-q", &description)
        .stdout(Stdio::null())
        .stderr(File::create(&log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    let mut reception = receive_until_exit(sockets, None, &mut peer, "gst-launch-1.0")?;
    reception
        .check(SSRC, PACKETS_FROM_GSTREAMER, true)
        .map_err(|e| format!("rtpbin → us ({label}): {e}"))?;
    if !reception.goodbyes.contains(&SSRC) {
        return Err(format!("rtpbin → us ({label}): no BYE for {SSRC:#x}"));
    }
    Ok(())
}

/// AES_CM_128_HMAC_SHA1_80 master key and salt (RFC 3711 §8.2: 16 + 14 bytes).
pub(super) fn master_key_and_salt() -> [u8; 30] {
    let mut k = [0u8; 30];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    k
}

pub(super) fn srtp_context(key_and_salt: &[u8; 30]) -> Result<srtp::Context> {
    let profile = srtp::ProtectionProfile::AesCm128HmacSha1_80;
    let key = srtp::MasterKey::new(profile, &key_and_salt[..16], &key_and_salt[16..])
        .map_err(|e| e.to_string())?;
    srtp::Context::new(profile, key, srtp::Config::default()).map_err(|e| e.to_string())
}

const PACKETS_TO_GSTREAMER: u16 = 250;
const DROP_EVERY: u16 = 10;

fn send_to_rtpbin(ctx: &Context) -> Result {
    let key = master_key_and_salt();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let crypto = format!(
        "ssrc=(uint){SSRC},srtp-key=(buffer){hex},srtp-cipher=(string)aes-128-icm,\
         srtp-auth=(string)hmac-sha1-80,srtcp-cipher=(string)aes-128-icm,\
         srtcp-auth=(string)hmac-sha1-80"
    );
    let (their_rtp, their_rtcp) = port_pair()?;
    let port = their_rtp.local_addr().map_err(|e| e.to_string())?.port();
    drop((their_rtp, their_rtcp));
    let (our_rtp, our_rtcp) = port_pair()?;
    let our_rtcp_port = our_rtcp.local_addr().map_err(|e| e.to_string())?.port();
    let description = format!(
        "rtpbin name=rb srtpdec name=dec \
         udpsrc port={port} caps=application/x-srtp,media=(string)audio,clock-rate=(int)8000,\
         encoding-name=(string)PCMU,payload=(int)0,roc=(uint)0,{crypto} ! dec.rtp_sink \
         dec.rtp_src ! rb.recv_rtp_sink_0 \
         udpsrc port={} caps=application/x-srtcp,{crypto} ! dec.rtcp_sink \
         dec.rtcp_src ! rb.recv_rtcp_sink_0 \
         rb. ! rtppcmudepay ! mulawdec ! fakesink silent=false \
         rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port={our_rtcp_port} sync=false async=false",
        port + 1
    );
    eprintln!("  us → rtpbin + srtpdec: gst-launch-1.0 -v {description}");
    let out = ctx.dir.join("receive.out");
    let err = ctx.dir.join("receive.err");
    let mut peer = gst_launch("-v", &description)
        .stdout(File::create(&out).map_err(|e| e.to_string())?)
        .stderr(File::create(&err).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    let result = stream_to(&mut peer, our_rtp, our_rtcp, port, key);
    let _ = peer.kill();
    let _ = peer.wait();
    let (sent, last_seq) = result?;
    let printed = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let decoded = printed
        .lines()
        .filter(|l| l.contains("last-message = chain"))
        .count();
    let complaints = std::fs::read_to_string(&err).map_err(|e| e.to_string())?;
    if let Some(line) = complaints
        .lines()
        .chain(printed.lines())
        .find(|l| l.contains("ERROR") || l.contains("WARNING"))
    {
        return Err(format!("GStreamer complained: {line}"));
    }
    if decoded != sent {
        return Err(format!(
            "GStreamer decoded {decoded} PCMU frames, we sent {sent} packets (last seq {last_seq})"
        ));
    }
    eprintln!("  GStreamer decoded all {decoded} packets we sent");
    Ok(())
}

/// GStreamer's `rtpsource` sets the base sequence number at the packet that ends
/// probation (the second of two in sequence) but still counts the first, queued packet as
/// received, so its expected count is one short of RFC 3550 A.3's and its cumulative
/// number lost one below ours. Its debug log shows it: `base_seq 4001` after the first
/// packet, 4000, was counted.
const GSTREAMER_PROBATION_SKEW: i64 = 1;

/// Streams SRTP to `port` in real time (dropping every `DROP_EVERY`th packet), then waits
/// for an RR covering the last packet and checks every report block's loss against the
/// packets we dropped. Returns (sent, last sequence).
fn stream_to(
    peer: &mut Child,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    port: u16,
    key: [u8; 30],
) -> Result<(usize, u16)> {
    let mut protect = srtp_context(&key)?;
    // srtpdec needs a moment to bind before the first packet.
    std::thread::sleep(Duration::from_millis(700));
    let first_seq: u16 = 4000;
    let mut sent = 0;
    let mut dropped_seqs = Vec::new();
    let mut buf = [0u8; 256];
    let payload = [0xd5u8; SAMPLES_PER_PACKET as usize];
    let start = Instant::now();
    for i in 0..PACKETS_TO_GSTREAMER {
        let seq = first_seq.wrapping_add(i);
        let header = RtpHeader::new(
            PayloadType::PCMU,
            seq,
            u32::from(i) * SAMPLES_PER_PACKET,
            SSRC,
        );
        let len = PacketWriter::new(&mut buf, &header)
            .and_then(|w| w.finish(&payload, 0))
            .map_err(|e| e.to_string())?;
        let len = protect
            .protect_rtp(&mut buf, len)
            .map_err(|e| e.to_string())?;
        // The last packet is always sent, so the loss is all inside the reported range.
        if i % DROP_EVERY == DROP_EVERY - 1 && i + 1 != PACKETS_TO_GSTREAMER {
            dropped_seqs.push(u32::from(seq));
        } else {
            rtp.send_to(&buf[..len], ("127.0.0.1", port))
                .map_err(|e| e.to_string())?;
            sent += 1;
        }
        let due = start + Duration::from_millis(20 * (u64::from(i) + 1));
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    let last_seq = first_seq.wrapping_add(PACKETS_TO_GSTREAMER - 1);
    eprintln!(
        "  sent {sent} SRTP packets, dropped {} before sending",
        dropped_seqs.len()
    );
    let (tx, rx) = mpsc::channel();
    forward(rtcp, tx);
    let mut reception = Reception::default();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = peer.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("gst-launch-1.0 exited early with {status}"));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no receiver report covering sequence {last_seq} within 15 s; blocks seen: {:?}",
                reception.report_blocks
            ));
        }
        let Ok((mut datagram, at)) = rx.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        // GStreamer's RTCP comes back in clear: the pipeline has no srtpenc on that path.
        reception.on_datagram(&mut datagram, None, at);
        if !reception.failures.is_empty() {
            return Err(format!("GStreamer's RTCP: {}", reception.failures[0]));
        }
        let blocks: Vec<ReportBlock> = reception
            .report_blocks
            .iter()
            .filter(|(_, b)| b.ssrc == SSRC)
            .map(|(_, b)| *b)
            .collect();
        if !blocks
            .iter()
            .any(|b| b.extended_highest_sequence_number as u16 == last_seq)
        {
            continue;
        }
        check_reported_loss(&blocks, &dropped_seqs)?;
        return Ok((sent, last_seq));
    }
}

/// Checks each report block against the sequence numbers we dropped: the cumulative
/// number lost up to its extended highest sequence number, and (from the second block on,
/// when the interval is known) the fraction lost in the interval since the previous block
/// (RFC 3550 §6.4.1, A.3).
fn check_reported_loss(blocks: &[ReportBlock], dropped: &[u32]) -> Result {
    let dropped_up_to = |highest: u32| dropped.iter().filter(|&&s| s <= highest).count() as i64;
    let mut previous_highest = None;
    let mut checked_fractions = 0;
    for block in blocks {
        let highest = block.extended_highest_sequence_number;
        let lost = dropped_up_to(highest) - GSTREAMER_PROBATION_SKEW;
        if i64::from(block.cumulative_lost) != lost {
            return Err(format!(
                "GStreamer reports {} lost up to sequence {highest}, we dropped {} \
                 (expected {lost} with its probation skew)",
                block.cumulative_lost,
                dropped_up_to(highest)
            ));
        }
        if let Some(prev) = previous_highest.filter(|&p| highest > p) {
            let expected_interval = i64::from(highest - prev);
            let lost_interval = dropped_up_to(highest) - dropped_up_to(prev);
            let fraction = (lost_interval << 8) / expected_interval;
            if i64::from(block.fraction_lost) != fraction {
                return Err(format!(
                    "GStreamer's fraction lost over ({prev}, {highest}] is {}/256, \
                     we dropped {lost_interval} of {expected_interval}: {fraction}/256",
                    block.fraction_lost
                ));
            }
            checked_fractions += 1;
        }
        previous_highest = Some(highest);
        eprintln!(
            "  GStreamer's RR: highest seq {highest}, cumulative lost {}, fraction lost {}/256",
            block.cumulative_lost, block.fraction_lost
        );
    }
    if checked_fractions == 0 {
        return Err("no receiver report interval to check the fraction lost against".into());
    }
    Ok(())
}
