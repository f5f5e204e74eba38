//! Interop suite `gstreamer`: RTP and RTCP exchanged with GStreamer's `rtpbin`.
//!
//! - Receive: `audiotestsrc ! mulawenc ! rtppcmupay ! rtpbin` sends a bounded PCMU stream
//!   with its RTCP, once on separate ports (RTCP on RTP + 1) and once multiplexed on one
//!   port (RFC 5761, through a `funnel`), to an [`rtp_session::Session`] (see
//!   [`super::media_receiver`]). Every packet must parse, the sequence must have no gap,
//!   each sender report's packet and octet counts must equal what was received up to that
//!   packet (the BYE compound at the end carries the final counts), and the session must
//!   deliver, play out and count every packet, lose none, and see the BYE.
//! - Send: a session keyed with SRTP (AES_CM_128_HMAC_SHA1_80) sends a PCMU stream and
//!   its SRTCP reports; every tenth RTP packet is dropped before it leaves.
//!   `udpsrc ! srtpdec ! rtpbin ! rtppcmudepay ! mulawdec` (the session's SSRC and key in
//!   its caps) must decode every packet sent without an error, and its receiver reports
//!   must show exactly the loss we made (RFC 3550 §6.4.1 cumulative number lost and
//!   fraction lost).

use super::Context;
use super::media_receiver::{
    PROFILE, Reception, SAMPLES_PER_PACKET, SSRC, SessionReceiver, forward, master_key,
    master_key_and_salt, port_pair, receive_until_exit, srtp_context,
};
use crate::util::{Result, ensure_apt};
use rtcp::ReportBlock;
use rtp_packet::RtpPacket;
use rtp_session::{Component, Config, Security, SrtpKeys};
use std::fs::File;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
            vec![(rtp, Component::Rtp)],
        )
    } else {
        (
            format!(
                "rtpbin name=rb {source} rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port={port} \
                 rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port={} sync=false async=false",
                port + 1
            ),
            vec![(rtp, Component::Rtp), (rtcp, Component::Rtcp)],
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
    let mut config = Config::new();
    config.transport.rtcp_mux = mux;
    let mut session = SessionReceiver::new(config)?;
    let mut reception =
        receive_until_exit(sockets, None, &mut session, &mut peer, "gst-launch-1.0")?;
    let fail = |e: String| format!("rtpbin → us ({label}): {e}");
    reception
        .check(SSRC, PACKETS_FROM_GSTREAMER, true)
        .map_err(fail)?;
    if !reception.goodbyes.contains(&SSRC) {
        return Err(fail(format!("no BYE for {SSRC:#x}")));
    }
    session
        .check(SSRC, PACKETS_FROM_GSTREAMER, true)
        .map_err(fail)
}

const PACKETS_TO_GSTREAMER: u16 = 250;
const DROP_EVERY: u16 = 10;

fn send_to_rtpbin(ctx: &Context) -> Result {
    let ours = master_key_and_salt();
    let theirs = ours.map(|b| b ^ 0xa5);
    let (their_rtp, their_rtcp) = port_pair()?;
    let port = their_rtp.local_addr().map_err(|e| e.to_string())?.port();
    drop((their_rtp, their_rtcp));
    let (our_rtp, our_rtcp) = port_pair()?;
    let our_rtcp_port = our_rtcp.local_addr().map_err(|e| e.to_string())?.port();
    let mut config = Config::new();
    config.transport.remote_rtp = Some(([127, 0, 0, 1], port).into());
    config.transport.remote_rtcp = Some(([127, 0, 0, 1], port + 1).into());
    config.security = Security::Srtp(SrtpKeys::new(
        PROFILE,
        master_key(&ours)?,
        master_key(&theirs)?,
    ));
    let mut session = SessionReceiver::new(config)?;
    let ssrc = session.session.local_ssrc();
    let hex = |k: &[u8; 30]| -> String { k.iter().map(|b| format!("{b:02x}")).collect() };
    let crypto = format!(
        "ssrc=(uint){ssrc},srtp-key=(buffer){},srtp-cipher=(string)aes-128-icm,\
         srtp-auth=(string)hmac-sha1-80,srtcp-cipher=(string)aes-128-icm,\
         srtcp-auth=(string)hmac-sha1-80",
        hex(&ours)
    );
    let description = format!(
        "rtpbin name=rb srtpdec name=dec srtpenc name=enc key={} rtp-cipher=aes-128-icm \
         rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 \
         udpsrc port={port} caps=application/x-srtp,media=(string)audio,clock-rate=(int)8000,\
         encoding-name=(string)PCMU,payload=(int)0,roc=(uint)0,{crypto} ! dec.rtp_sink \
         dec.rtp_src ! rb.recv_rtp_sink_0 \
         udpsrc port={} caps=application/x-srtcp,{crypto} ! dec.rtcp_sink \
         dec.rtcp_src ! rb.recv_rtcp_sink_0 \
         rb. ! rtppcmudepay ! mulawdec ! fakesink silent=false \
         rb.send_rtcp_src_0 ! enc.rtcp_sink_0 enc.rtcp_src_0 ! \
         udpsink host=127.0.0.1 port={our_rtcp_port} sync=false async=false",
        hex(&theirs),
        port + 1
    );
    eprintln!("  session → rtpbin + srtpdec: gst-launch-1.0 -v {description}");
    let out = ctx.dir.join("receive.out");
    let err = ctx.dir.join("receive.err");
    let mut peer = start_receiver(&description, &out, &err)?;
    let result = stream_to(
        &mut peer,
        &mut session,
        our_rtp,
        our_rtcp,
        port + 1,
        &theirs,
    );
    let _ = peer.kill();
    let _ = peer.wait();
    let sent = result.map_err(|e| format!("{e}; GStreamer's stderr: {}", stderr_tail(&err)))?;
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
            "GStreamer decoded {decoded} PCMU frames, the session sent {sent} packets"
        ));
    }
    eprintln!("  GStreamer decoded all {decoded} packets the session sent");
    Ok(())
}

/// Starts the receiving pipeline and gives it time to bind its sockets before the first
/// packet. Debian's GStreamer 1.22 occasionally crashes while this pipeline starts, before
/// any packet has been sent (about 1 start in 60 with no input at all; its crash handler
/// then prints `Caught SIGSEGV` and spins instead of exiting). Such a start is retried, at
/// most three times; a crash after the first packet is never retried.
fn start_receiver(description: &str, out: &Path, err: &Path) -> Result<Child> {
    for attempt in 1..=3 {
        let mut peer = gst_launch("-v", description)
            .stdout(File::create(out).map_err(|e| e.to_string())?)
            .stderr(File::create(err).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
        std::thread::sleep(Duration::from_millis(700));
        let exited = peer.try_wait().map_err(|e| e.to_string())?;
        if exited.is_none() && !crashed(err) {
            return Ok(peer);
        }
        let _ = peer.kill();
        let _ = peer.wait();
        eprintln!(
            "  GStreamer crashed while starting, before any input (attempt {attempt}): {}",
            stderr_tail(err)
        );
    }
    Err("GStreamer crashed three times while starting, before any input".into())
}

/// True when GStreamer's crash handler has reported a signal in `err`.
fn crashed(err: &Path) -> bool {
    std::fs::read_to_string(err).is_ok_and(|t| t.contains("Caught SIG"))
}

/// The last lines GStreamer wrote to `path`, for a failure message.
fn stderr_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join(" | ")
}

/// GStreamer's `rtpsource` sets the base sequence number at the packet that ends
/// probation (the second of two in sequence) but still counts the first, queued packet as
/// received, so its expected count is one short of RFC 3550 A.3's and its cumulative
/// number lost one below ours. Its debug log shows it: `base_seq 4001` after the first
/// packet, 4000, was counted.
const GSTREAMER_PROBATION_SKEW: i64 = 1;

/// Has the session send a real-time stream (dropping every `DROP_EVERY`th RTP packet on
/// its way out) and its SRTCP, then waits for a GStreamer RR covering the last packet and
/// checks every report block's loss against the packets dropped, and that the session
/// took GStreamer's SRTCP (with the round-trip time when GStreamer answered an SR).
/// Returns the packets sent.
fn stream_to(
    peer: &mut Child,
    session: &mut SessionReceiver,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    rtcp_port: u16,
    theirs: &[u8; 30],
) -> Result<usize> {
    let (tx, rx) = mpsc::channel();
    let rtcp_out = rtcp.try_clone().map_err(|e| e.to_string())?;
    forward(rtcp, Component::Rtcp, tx);
    let mut reference = srtp_context(theirs)?;
    let mut reception = Reception::default();
    let mut sent = 0;
    let mut dropped_seqs = Vec::new();
    let mut last_seq = None;
    // GStreamer's extended sequence numbers count cycles from 0 (RFC 3550 A.1).
    let mut cycles = 0u32;
    let mut previous: Option<u16> = None;
    let mut transmitted = 0u32;
    let mut rtcp_destinations: Vec<std::net::SocketAddr> = Vec::new();
    // GStreamer sends its RTCP from udpsink's own socket, not from the udpsrc port it
    // listens on. The session runs with its default settings (latching on): it must go on
    // sending its SRTCP where GStreamer listens after GStreamer's first compound arrives
    // from that other port, so the run lasts until at least one of ours followed it.
    let mut peer_rtcp_seen = false;
    let mut ours_after_peer_rtcp = 0u32;
    let start = Instant::now();
    let deadline = start
        + Duration::from_millis(20 * u64::from(PACKETS_TO_GSTREAMER))
        + Duration::from_secs(15);
    let mut i: u16 = 0;
    loop {
        let now = Instant::now();
        if now > deadline {
            return Err(format!(
                "no receiver report covering the last packet within 15 s; blocks seen: {:?}",
                reception.report_blocks
            ));
        }
        if let Some(status) = peer.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("gst-launch-1.0 exited early with {status}"));
        }
        if i < PACKETS_TO_GSTREAMER && now >= start + Duration::from_millis(20 * u64::from(i)) {
            session
                .session
                .send(
                    now,
                    &[0xd5; SAMPLES_PER_PACKET as usize],
                    u32::from(i) * SAMPLES_PER_PACKET,
                    i == 0,
                )
                .map_err(|e| format!("send: {e}"))?;
            i += 1;
        }
        session.run_timers(now);
        while let Some(t) = session.session.poll_transmit() {
            match t.component {
                Component::Rtp => {
                    let packet = RtpPacket::parse(&t.contents)
                        .map_err(|e| format!("our SRTP header: {e}"))?;
                    let seq = packet.sequence_number();
                    if previous.is_some_and(|p| seq < p) {
                        cycles += 1 << 16;
                    }
                    previous = Some(seq);
                    let ext = cycles | u32::from(seq);
                    last_seq = Some(ext);
                    transmitted += 1;
                    // Every tenth packet is lost on its way; the last is always sent, so
                    // all the loss lies inside the range GStreamer reports on.
                    if transmitted.is_multiple_of(u32::from(DROP_EVERY)) && i < PACKETS_TO_GSTREAMER
                    {
                        dropped_seqs.push(ext);
                        continue;
                    }
                    rtp.send_to(&t.contents, t.destination)
                        .map_err(|e| e.to_string())?;
                    sent += 1;
                }
                Component::Rtcp => {
                    if peer_rtcp_seen {
                        ours_after_peer_rtcp += 1;
                    }
                    if !rtcp_destinations.contains(&t.destination) {
                        rtcp_destinations.push(t.destination);
                    }
                    rtcp_out
                        .send_to(&t.contents, t.destination)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        if let Ok((component, datagram, from, at)) = rx.recv_timeout(Duration::from_millis(2)) {
            peer_rtcp_seen |= component == Component::Rtcp;
            let mut copy = datagram.clone();
            session.on_datagram(component, from, &mut copy, at);
            let mut datagram = datagram;
            reception.on_datagram(&mut datagram, Some(&mut reference), at);
            if !reception.failures.is_empty() {
                return Err(format!("GStreamer's SRTCP: {}", reception.failures[0]));
            }
        }
        session.take_output(Instant::now());
        let Some(last) = last_seq.filter(|_| i == PACKETS_TO_GSTREAMER) else {
            continue;
        };
        let blocks: Vec<ReportBlock> = reception
            .report_blocks
            .iter()
            .filter(|(_, b)| b.ssrc == session.session.local_ssrc())
            .map(|(_, b)| *b)
            .collect();
        if ours_after_peer_rtcp == 0
            || !blocks
                .iter()
                .any(|b| b.extended_highest_sequence_number == last)
        {
            continue;
        }
        eprintln!(
            "  session sent {sent} SRTP packets, {} dropped on the way",
            dropped_seqs.len()
        );
        check_reported_loss(&blocks, &dropped_seqs)?;
        let c = session.session.counters();
        if c.unprotect_failures != 0 || c.malformed != 0 || c.rtcp_received == 0 {
            return Err(format!("the session did not take GStreamer's SRTCP: {c:?}"));
        }
        eprintln!(
            "  session: {} SRTCP compounds from GStreamer, its own SRTCP sent to {:?}",
            c.rtcp_received, rtcp_destinations
        );
        let listening = std::net::SocketAddr::from(([127, 0, 0, 1], rtcp_port));
        if rtcp_destinations != [listening] {
            return Err(format!(
                "the session's SRTCP went to {rtcp_destinations:?} ({ours_after_peer_rtcp} \
                 after GStreamer's first compound); GStreamer listens on {listening}"
            ));
        }
        match session.round_trips.first() {
            Some((_, rtt)) if *rtt > Duration::from_millis(500) => {
                return Err(format!("round-trip time {rtt:?} on loopback"));
            }
            Some((reporter, rtt)) => {
                eprintln!("  session: RTT {rtt:?} from GStreamer's ({reporter:#x}) LSR/DLSR")
            }
            // GStreamer sends RTCP from udpsink's own socket, not the udpsrc it listens
            // on; the session keeps sending its SRs where GStreamer listens, so its RRs
            // must answer them (LSR/DLSR).
            None => {
                return Err(format!(
                    "GStreamer answered none of the session's SRs (LSR 0): the session's \
                     SRTCP went to {rtcp_destinations:?}, GStreamer listens on {rtcp_port}"
                ));
            }
        }
        return Ok(sent);
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
