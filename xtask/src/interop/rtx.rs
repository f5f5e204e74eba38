//! Interop suite `rtx`: NACK and RTX (RFC 4585, RFC 4588) with GStreamer's `rtpbin`,
//! H.264 both ways under injected loss.
//!
//! Our side is an `rtp_session::Session` configured from the SDP of the call
//! (`Feedback::from_sdp`: AVPF with generic `nack`, RTX payload type 97 with `apt=96` on
//! its own SSRC; `Bandwidth::from_sdp`: `b=AS:2500`) and otherwise the library's defaults
//! (its video jitter buffer preset, since the call is video), with one setting that
//! docs/feedback.md asks of an application negotiating NACK: a 200 ms minimum playout
//! delay. PLI is not negotiated: a keyframe request would make x264 encode a different
//! clip than the reference. GStreamer's side is a Python GI script (`rtx/gst_rtx.py`,
//! written to the scratch directory): an `rtpbin` in the AVPF profile at the same
//! bandwidth, with `rtprtxsend` or `rtprtxreceive` attached through `request-aux-sender`
//! / `request-aux-receiver`, RTCP on its own port pair (symmetric, so our NACKs reach it).
//!
//! Loss is injected in the xtask, between the UDP socket and the session (a loss gate
//! rather than a separate proxy process): about 5% of the original stream's packets
//! (payload type 96), drawn from a fixed-seed xorshift, so runs drop the same packet
//! numbers. RTX packets are never dropped. The gate holds one packet back, so the clip's
//! last packet always passes (nothing after it would reveal its loss), and it drops
//! nothing until both ends have sent a regular RTCP compound (see `Endpoint::arm`).
//!
//! - (a) GStreamer → us: `videotestsrc num-buffers=150 ! x264enc ! rtph264pay ! rtpbin`
//!   with `rtprtxsend`; we NACK, unwrap the RTX and rebuild access units from the jitter
//!   buffer's playout through `H264Depacketizer`. All 150 must come out equal byte for
//!   byte to the encoder's own (`h264::encode_of`), and our counters must show NACKs
//!   sent and RTX received. The same run without NACK negotiated must lose frames (else
//!   the loss gate proved nothing); its figure is printed.
//! - (b) us → GStreamer: the same clip through our `H264Packetizer` (mode 1) and the
//!   session with RTX; `rtpbin do-retransmission=true` with `rtprtxreceive`, then
//!   `rtph264depay ! h264parse ! avdec_h264 ! fakesink`. GStreamer must decode 150
//!   frames, its jitter buffer must count successful retransmissions, and our counters
//!   must show NACKs received and RTX sent.
//!
//! No workaround for the session: the library's defaults but what the call negotiates
//! (and the 200 ms playout delay docs/feedback.md asks of NACK users).

use super::Context;
use super::h264;
use super::media_receiver::forward;
use crate::util::{Result, ensure_apt};
use jitter_buffer::{DelayMode, Playout};
use rand_core::SeedableRng;
use rtp_packet::payload::h264::{H264Depacketizer, H264Packetizer, NalFormat, PacketizationMode};
use rtp_packet::{ClockRate, PacketKind, PayloadType, classify};
use rtp_session::{Bandwidth, Component, Config, Counters, Feedback, Session, Transmit};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Frames in the clip (5 s at 30 fps; the `h264` suite's encoder settings).
const FRAMES: usize = 150;
const PT: u8 = 96;
const RTX_PT: u8 = 97;
/// GStreamer's media SSRC when it sends.
const GST_SSRC: u32 = 0x4753_5458;
const MTU: usize = 1200;
/// Original packets dropped, per thousand.
const LOSS_PER_MILLE: u64 = 50;
/// The loss gate's seed.
const SEED: u64 = 0x5254_5834_3538;
/// How long one direction may take.
const DEADLINE: Duration = Duration::from_secs(20);

/// The minimum playout delay of our receiver, as docs/feedback.md tells an application
/// that negotiates NACK to set (the netsim check uses the same).
const MIN_DELAY: Duration = Duration::from_millis(200);
/// A packet held this long with nothing after it is the stream's last: it passes.
const HOLD_MAX: Duration = Duration::from_millis(100);
/// The call's bandwidth (`b=AS`): the clip is encoded at 2 Mbit/s.
const VIDEO_KBPS: u64 = 2500;

const SCRIPT: &str = include_str!("rtx/gst_rtx.py");

pub fn run(ctx: &Context) -> Result {
    ensure_peers()?;
    let reference = h264::encode_of(ctx, "reference", FRAMES, "")?;
    if reference.len() != FRAMES {
        return Err(format!(
            "the encoder wrote {} access units, {FRAMES} asked",
            reference.len(),
        ));
    }
    let script = ctx.dir.join("gst_rtx.py");
    std::fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;

    let n = reference.len();
    let with = from_gstreamer(ctx, &script, &reference, true)?;
    let without = from_gstreamer(ctx, &script, &reference, false)?;
    if without.frames >= n {
        return Err(format!(
            "without NACK we still rebuilt all {} access units: the loss gate lost nothing",
            without.frames
        ));
    }
    eprintln!(
        "rtx (a) GStreamer → us: {}/{n} access units with NACK+RTX ({} of {} packets dropped, \
         {} NACKs sent, {} RTX received); {}/{n} without NACK ({} of {} dropped)",
        with.frames,
        with.dropped,
        with.seen,
        with.counters.nack_messages_sent,
        with.counters.rtx_received,
        without.frames,
        without.dropped,
        without.seen,
    );
    let b = to_gstreamer(ctx, &script, &reference)?;
    eprintln!(
        "rtx (b) us → GStreamer: avdec_h264 decoded {}/{n} frames with NACK+RTX ({} of {} \
         packets dropped, {} NACKs received, {} RTX sent)",
        b.frames,
        b.dropped,
        b.seen,
        b.counters.nack_messages_received,
        b.counters.retransmissions_sent,
    );
    Ok(())
}

/// GStreamer with x264enc and avdec_h264 (as the `h264` suite), rtpmanager (`-good`) and
/// its Python bindings.
fn ensure_peers() -> Result {
    h264::ensure_peers()?;
    ensure_apt(&[
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstrtpmanager.so",
            "gstreamer1.0-plugins-good",
        ),
        ("/usr/bin/python3", "python3"),
        (
            "/usr/lib/python3/dist-packages/gi/__init__.py",
            "python3-gi",
        ),
        (
            "/usr/lib/x86_64-linux-gnu/girepository-1.0/Gst-1.0.typelib",
            "gir1.2-gstreamer-1.0",
        ),
        (
            "/usr/lib/python3/dist-packages/gi/overrides/Gst.py",
            "python3-gst-1.0",
        ),
    ])
}

/// The media section of the call: H.264 in mode 1, and with `nack`, AVPF with generic
/// NACK and PLI and RTX on payload type 97.
fn sdp(port: u16, nack: bool) -> String {
    let mut s = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=video {port} RTP/{} {PT}{}\r\n\
         a=rtpmap:{PT} H264/90000\r\n\
         b=AS:{VIDEO_KBPS}\r\n\
         a=fmtp:{PT} packetization-mode=1;profile-level-id=42c01e\r\n",
        if nack { "AVPF" } else { "AVP" },
        if nack {
            format!(" {RTX_PT}")
        } else {
            String::new()
        }
    );
    if nack {
        s.push_str(&format!(
            "a=rtcp-fb:{PT} nack\r\n\
             a=rtpmap:{RTX_PT} rtx/90000\r\na=fmtp:{RTX_PT} apt={PT}\r\n"
        ));
    }
    s
}

/// Our endpoint: the session, its two sockets (RTP, RTCP), and what they received.
struct Endpoint {
    session: Session,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    arrivals: mpsc::Receiver<(Component, Vec<u8>, SocketAddr, Instant)>,
    /// Where the peer's RTP comes from.
    rtp_from: Option<SocketAddr>,
    /// The peer's first original RTP packet.
    first: Option<Vec<u8>>,
}

impl Endpoint {
    fn new(nack: bool, remote_rtp: u16, remote_rtcp: u16) -> Result<Self> {
        let (rtp, rtcp) = super::media_receiver::port_pair()?;
        let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
        let pt = PayloadType::new(PT).map_err(|e| e.to_string())?;
        let mut config = Config::new();
        let offer = sdp(port, nack);
        config.bandwidth = Bandwidth::from_sdp(&offer, 0, config.bandwidth.session_bps);
        config.set_media(pt, ClockRate::VIDEO);
        config.jitter_buffer = jitter_buffer::Config::video();
        // As docs/feedback.md asks of an application that negotiates NACK: a minimum
        // playout delay that leaves room for a retransmission (the library's video preset
        // adapts down to 10 ms on a quiet path, and the session assumes a 100 ms RTT until
        // it measures one, which a receive-only session never does here). The runs
        // without NACK use the same delay, so NACK is the only difference.
        config.jitter_buffer.delay = DelayMode::Adaptive {
            min: MIN_DELAY,
            max: Duration::from_secs(2),
            initial: MIN_DELAY,
        };
        config.codec = None;
        config.feedback = Feedback::from_sdp(&offer, 0, pt).map_err(|e| format!("SDP: {e}"))?;
        if nack != config.feedback.rtx.is_some() || nack != config.feedback.nack {
            return Err(format!(
                "Feedback::from_sdp read {:?} from our SDP",
                config.feedback
            ));
        }
        config.transport.remote_rtp = Some(SocketAddr::from(([127, 0, 0, 1], remote_rtp)));
        config.transport.remote_rtcp = Some(SocketAddr::from(([127, 0, 0, 1], remote_rtcp)));
        let rng = Box::new(chacha20::ChaCha20Rng::from_seed([0x52; 32]));
        let session = Session::new(Instant::now(), config, rng).map_err(|e| e.to_string())?;
        let (tx, arrivals) = mpsc::channel();
        forward(
            rtp.try_clone().map_err(|e| e.to_string())?,
            Component::Rtp,
            tx.clone(),
        );
        forward(
            rtcp.try_clone().map_err(|e| e.to_string())?,
            Component::Rtcp,
            tx,
        );
        Ok(Self {
            session,
            rtp,
            rtcp,
            arrivals,
            rtp_from: None,
            first: None,
        })
    }

    /// Arms `gate` once both ends have sent a regular RTCP compound: before our first
    /// one, RFC 4585 §3.5.2 lets the session send a single early feedback packet, so the
    /// NACKs for later losses wait for that compound, which comes 1.2 s after
    /// `Session::new` or later (docs/feedback.md), past the 200 ms playout delay; and
    /// GStreamer's `rtprtxsend` (100 packets of history by default) no longer has the
    /// packets by then.
    fn arm(&self, gate: &mut Gate) {
        let c = self.session.counters();
        gate.armed = c.rtcp_sent > c.early_feedback_sent && c.rtcp_received > 0;
    }

    fn port(socket: &UdpSocket) -> Result<u16> {
        Ok(socket.local_addr().map_err(|e| e.to_string())?.port())
    }

    /// Waits up to `wait` for a datagram; runs the timers; sends what the session has
    /// (original RTP through `gate`).
    fn step(
        &mut self,
        wait: Duration,
        mut inbound: Option<&mut Gate>,
        outbound: &mut Gate,
    ) -> Result {
        let now = Instant::now();
        let until = self
            .session
            .poll_timeout()
            .map_or(wait, |t| t.saturating_duration_since(now).min(wait));
        if let Some(gate) = inbound.as_deref_mut() {
            self.arm(gate);
        }
        self.arm(outbound);
        if let Ok((component, datagram, from, _)) = self.arrivals.recv_timeout(until) {
            let now = Instant::now();
            if component == Component::Rtp && is_original(&datagram) && self.first.is_none() {
                self.first = Some(datagram.clone());
            }
            if component == Component::Rtp {
                self.rtp_from = Some(from);
            }
            let passed = match inbound.as_deref_mut() {
                Some(gate) if component == Component::Rtp && is_original(&datagram) => {
                    gate.pass(datagram)
                }
                _ => Some(datagram),
            };
            if let Some(mut d) = passed {
                self.session.handle_datagram(now, component, from, &mut d);
            }
        }
        if let Some(gate) = inbound
            && let (Some(mut last), Some(from)) = (gate.stale(), self.rtp_from)
        {
            self.session
                .handle_datagram(Instant::now(), Component::Rtp, from, &mut last);
        }
        let now = Instant::now();
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
        if let Some(last) = outbound.stale()
            && let Some(destination) = self.session.remote_rtp()
        {
            self.rtp
                .send_to(&last, destination)
                .map_err(|e| format!("send to {destination}: {e}"))?;
        }
        self.transmit(outbound)
    }

    /// Feeds the session what `gate` still holds.
    fn release(&mut self, gate: &mut Gate, from: SocketAddr) {
        if let Some(mut d) = gate.held.take() {
            self.session
                .handle_datagram(Instant::now(), Component::Rtp, from, &mut d);
        }
    }

    fn transmit(&mut self, gate: &mut Gate) -> Result {
        while let Some(Transmit {
            component,
            destination,
            contents,
        }) = self.session.poll_transmit()
        {
            let socket = match component {
                Component::Rtp => &self.rtp,
                Component::Rtcp => &self.rtcp,
            };
            let contents = if component == Component::Rtp && is_original(&contents) {
                match gate.pass(contents) {
                    Some(c) => c,
                    None => continue,
                }
            } else {
                contents
            };
            socket
                .send_to(&contents, destination)
                .map_err(|e| format!("send to {destination}: {e}"))?;
        }
        Ok(())
    }
}

/// True for an RTP packet of the original stream (not RTX, not RTCP).
fn is_original(datagram: &[u8]) -> bool {
    classify(datagram) == PacketKind::Rtp && datagram.get(1).is_some_and(|b| b & 0x7F == PT)
}

/// Drops about `LOSS_PER_MILLE` of the packets it is given, by a fixed-seed xorshift;
/// holds the latest packet back until the next one comes, so the last always passes.
struct Gate {
    state: u64,
    held: Option<Vec<u8>>,
    seen: u64,
    dropped: u64,
    enabled: bool,
    /// Dropping starts once both ends have sent a regular RTCP compound (see `Endpoint::arm`).
    armed: bool,
    /// When the held packet came.
    held_at: Option<Instant>,
}

impl Gate {
    fn new(enabled: bool) -> Self {
        Self {
            state: SEED,
            held: None,
            seen: 0,
            dropped: 0,
            enabled,
            armed: false,
            held_at: None,
        }
    }

    /// The held packet, once the stream has been quiet for `HOLD_MAX` (it is the last).
    fn stale(&mut self) -> Option<Vec<u8>> {
        if self.held_at.is_some_and(|t| t.elapsed() > HOLD_MAX) {
            self.held.take()
        } else {
            None
        }
    }

    fn pass(&mut self, packet: Vec<u8>) -> Option<Vec<u8>> {
        if !self.enabled {
            return Some(packet);
        }
        self.seen += 1;
        self.held_at = Some(Instant::now());
        let previous = self.held.replace(packet)?;
        if !self.armed {
            return Some(previous);
        }
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        if self.state % 1000 < LOSS_PER_MILLE {
            self.dropped += 1;
            None
        } else {
            Some(previous)
        }
    }
}

/// Rebuilds access units from the session's video playout.
struct Assembler {
    depacketizer: H264Depacketizer,
    /// (RTP timestamp, Annex B access unit).
    frames: Vec<(u32, Vec<u8>)>,
    incomplete_playouts: usize,
    playouts: usize,
    given_up: usize,
    out: Vec<u8>,
}

impl Assembler {
    fn new() -> Self {
        Self {
            depacketizer: H264Depacketizer::default(),
            frames: Vec::new(),
            incomplete_playouts: 0,
            playouts: 0,
            given_up: 0,
            out: vec![0; 1 << 20],
        }
    }

    /// Plays out what is due and feeds the frames' packets to the depacketizer.
    fn drain(&mut self, session: &mut Session) -> Result {
        while let Some((_, playout)) = session.poll_playout(Instant::now()) {
            let Playout::Frame(frame) = playout else {
                self.incomplete_playouts += 1;
                continue;
            };
            self.playouts += 1;
            if !frame.is_complete() {
                self.incomplete_playouts += 1;
            }
            let missing: Vec<u16> = frame.missing().collect();
            let span = frame.packet_count() + missing.len();
            let first = frame.sequence_number();
            let seqs = (0..span as u16)
                .map(|i| first.wrapping_add(i))
                .filter(|s| !missing.contains(s));
            let payloads: Vec<&[u8]> = frame.payloads().collect();
            let count = payloads.len();
            for (i, (payload, seq)) in payloads.into_iter().zip(seqs).enumerate() {
                let marker = i + 1 == count && frame.marker();
                let mut pushed = Some(
                    self.depacketizer
                        .push(payload, seq, frame.timestamp(), marker)
                        .map_err(|e| format!("packet {seq}: {e}"))?,
                );
                while let Some(p) = pushed {
                    self.given_up += p.incomplete.frames;
                    let Some(au) = p.frame else { break };
                    let len = au
                        .write(NalFormat::AnnexB, &mut self.out)
                        .map_err(|e| e.to_string())?;
                    self.frames
                        .push((frame.timestamp(), self.out[..len].to_vec()));
                    pushed = self.depacketizer.next_ready();
                }
            }
        }
        Ok(())
    }
}

fn spawn(script: &Path, args: &[String], log: &Path) -> Result<Child> {
    eprintln!("  python3 {} {}", script.display(), args.join(" "));
    Command::new("/usr/bin/python3")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(File::create(log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start python3: {e}"))
}

/// A free loopback port (closed again for the peer to bind).
fn free_port() -> Result<u16> {
    let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(probe.local_addr().map_err(|e| e.to_string())?.port())
}

fn stop(peer: &mut Child) {
    let _ = peer.kill();
    let _ = peer.wait();
}

/// What one direction gave: complete frames at the receiver, the loss gate's figures,
/// our session's counters.
struct Outcome {
    frames: usize,
    dropped: u64,
    seen: u64,
    counters: Counters,
}

/// (a): GStreamer sends through the loss gate, we receive; `frames` counts the access
/// units we rebuilt equal to the reference.
fn from_gstreamer(
    ctx: &Context,
    script: &Path,
    reference: &[Vec<u8>],
    nack: bool,
) -> Result<Outcome> {
    let label = if nack { "nack" } else { "plain" };
    let gst_rtcp = free_port()?;
    let mut us = Endpoint::new(nack, gst_rtcp, gst_rtcp)?;
    let args = vec![
        "send".to_string(),
        Endpoint::port(&us.rtp)?.to_string(),
        Endpoint::port(&us.rtcp)?.to_string(),
        gst_rtcp.to_string(),
        reference.len().to_string(),
        GST_SSRC.to_string(),
        h264::encoder_of(FRAMES, ""),
        u8::from(nack).to_string(),
    ];
    let mut peer = spawn(script, &args, &ctx.dir.join(format!("send-{label}.log")))?;
    let mut inbound = Gate::new(true);
    let mut outbound = Gate::new(false);
    let mut assembler = Assembler::new();
    let start = Instant::now();
    let mut exited = None;
    let from = SocketAddr::from(([127, 0, 0, 1], 0));
    let result = loop {
        if start.elapsed() > DEADLINE {
            break Err(format!(
                "GStreamer ({label}) did not finish sending in time"
            ));
        }
        if let Err(e) = us.step(Duration::from_millis(5), Some(&mut inbound), &mut outbound) {
            break Err(e);
        }
        if let Err(e) = assembler.drain(&mut us.session) {
            break Err(e);
        }
        match (exited, peer.try_wait()) {
            (None, Ok(Some(status))) => {
                if !status.success() {
                    break Err(format!("GStreamer's sender ({label}) failed: {status}"));
                }
                exited = Some(Instant::now());
                let from = us.rtp_from.unwrap_or(from);
                us.release(&mut inbound, from);
            }
            // The jitter buffer plays the last frames out after its delay (at most 2 s).
            (Some(t), _)
                if assembler.frames.len() >= reference.len()
                    || t.elapsed() > Duration::from_millis(2500) =>
            {
                break Ok(());
            }
            _ => {}
        }
    };
    stop(&mut peer);
    result?;
    assembler.given_up += assembler.depacketizer.flush().frames;
    let c = us.session.counters();
    // Frame i has RTP timestamp ts0 + 3000 i, ts0 being the first packet's.
    let ts0 = us
        .first
        .as_ref()
        .and_then(|p| p.get(4..8))
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let equal = assembler
        .frames
        .iter()
        .filter(|(ts, au)| {
            // rtph264pay rounds 33.3 ms to 2999 or 3000 ticks.
            let i = (ts.wrapping_sub(ts0) + 1500) / 3000;
            reference
                .get(i as usize)
                .is_some_and(|r| *au == h264::without_auds(r))
        })
        .count();
    eprintln!(
        "  (a, {label}) loss gate dropped {} of {} original packets; session: {} RTP received \
         ({} held by probation), rtt {:?}, \
         {} NACK messages ({} sequence numbers) sent, {} too late, {} given up; RTX {} \
         received, {} duplicates, {} dropped; {} access units rebuilt ({equal} equal to the \
         encoder's), {} played incomplete, {} given up by the depacketizer",
        inbound.dropped,
        inbound.seen,
        c.rtp_received,
        c.probation_held,
        us.session.rtt(),
        c.nack_messages_sent,
        c.nack_sequence_numbers_sent,
        c.nack_too_late,
        c.nack_given_up,
        c.rtx_received,
        c.rtx_duplicates,
        c.rtx_dropped,
        assembler.frames.len(),
        assembler.incomplete_playouts,
        assembler.given_up,
    );
    if inbound.dropped == 0 {
        return Err("the loss gate dropped nothing".into());
    }
    if nack {
        if assembler.frames.len() != reference.len() || equal != reference.len() {
            return Err(format!(
                "with NACK and RTX we rebuilt {} access units ({equal} equal to the encoder's), \
                 GStreamer sent {}",
                assembler.frames.len(),
                reference.len()
            ));
        }
        if c.nack_messages_sent == 0 || c.rtx_received == 0 {
            return Err(format!(
                "recovery did not go through NACK/RTX: {} NACKs sent, {} RTX received",
                c.nack_messages_sent, c.rtx_received
            ));
        }
    } else if c.nack_messages_sent != 0 || c.rtx_received != 0 {
        return Err(format!(
            "NACK not negotiated, yet the session sent {} NACKs",
            c.nack_messages_sent
        ));
    }
    Ok(Outcome {
        frames: equal,
        dropped: inbound.dropped,
        seen: inbound.seen,
        counters: c,
    })
}

/// (b): we send through the loss gate, GStreamer receives; `frames` counts what
/// `avdec_h264` decoded.
fn to_gstreamer(ctx: &Context, script: &Path, clip: &[Vec<u8>]) -> Result<Outcome> {
    let gst_rtp = free_port()?;
    let gst_rtcp = free_port()?;
    let mut us = Endpoint::new(true, gst_rtp, gst_rtcp)?;
    let args = vec![
        "recv".to_string(),
        gst_rtp.to_string(),
        gst_rtcp.to_string(),
        Endpoint::port(&us.rtcp)?.to_string(),
        clip.len().to_string(),
        "15".to_string(),
        "1".to_string(),
    ];
    let mut peer = spawn(script, &args, &ctx.dir.join("recv.log"))?;
    let stdout = peer.stdout.take().ok_or("no stdout from python3")?;
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = drive_sender(&mut us, &mut peer, clip, &lines);
    stop(&mut peer);
    let (report, gate) = result?;
    let c: Counters = us.session.counters();
    let field = |name: &str| -> Option<i64> {
        let words: Vec<&str> = report.split_whitespace().collect();
        words
            .iter()
            .position(|w| *w == name)
            .and_then(|i| words.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    let decoded = field("decoded").ok_or(format!("GStreamer's report: {report:?}"))?;
    let lost = field("lost").unwrap_or(-1);
    let success = field("rtx-success").unwrap_or(-1);
    eprintln!(
        "  (b) loss gate dropped {} of {} original packets; session: {} RTP sent, {} NACK \
         messages received, {} retransmissions sent ({} missing, {} suppressed, {} rate \
         limited); GStreamer: {report}",
        gate.dropped,
        gate.seen,
        c.rtp_sent,
        c.nack_messages_received,
        c.retransmissions_sent,
        c.retransmissions_missing,
        c.retransmissions_suppressed,
        c.retransmissions_rate_limited,
    );
    if gate.dropped == 0 {
        return Err("the loss gate dropped nothing".into());
    }
    // rtpjitterbuffer expects one packet after the clip's last (from the packet timing),
    // asks for it, and counts it lost when the stream has ended: one loss is the
    // stream's end, more are packets not recovered.
    if decoded != clip.len() as i64 || !(0..=1).contains(&lost) {
        return Err(format!(
            "avdec_h264 decoded {decoded} frames of {} sent, GStreamer's jitter buffer lost \
             {lost} packets",
            clip.len()
        ));
    }
    if c.nack_messages_received == 0 || c.retransmissions_sent == 0 || success <= 0 {
        return Err(format!(
            "recovery did not go through NACK/RTX: {} NACKs received, {} retransmissions \
             sent, {success} RTX successes at GStreamer",
            c.nack_messages_received, c.retransmissions_sent
        ));
    }
    Ok(Outcome {
        frames: decoded as usize,
        dropped: gate.dropped,
        seen: gate.seen,
        counters: c,
    })
}

/// Sends the clip at 30 frames a second through the session and the loss gate, serving
/// NACKs, until GStreamer reports; returns its report line and the gate.
fn drive_sender(
    us: &mut Endpoint,
    peer: &mut Child,
    clip: &[Vec<u8>],
    lines: &mpsc::Receiver<String>,
) -> Result<(String, Gate)> {
    let mut gate = Gate::new(true);
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "GStreamer's receiver did not start")?;
        eprintln!("  GStreamer: {line}");
        if line == "ready" {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(700));
    let start = Instant::now();
    let mut next = 0;
    let mut payload = vec![0u8; MTU];
    let mut released = false;
    loop {
        if start.elapsed() > DEADLINE {
            return Err("GStreamer's receiver did not report in time".into());
        }
        if let Ok(line) = lines.try_recv() {
            if line.starts_with("decoded") {
                return Ok((line, gate));
            }
            eprintln!("  GStreamer: {line}");
        }
        if let Ok(Some(status)) = peer.try_wait() {
            return Err(format!(
                "GStreamer's receiver exited without a report: {status}"
            ));
        }
        if next < clip.len() && start.elapsed() >= Duration::from_millis(33 * next as u64) {
            let packetizer =
                H264Packetizer::from_annex_b(&clip[next], PacketizationMode::NonInterleaved, MTU)
                    .map_err(|e| format!("access unit {next}: {e}"))?;
            for p in packetizer {
                let len = p.write(&mut payload).map_err(|e| e.to_string())?;
                us.session
                    .send(
                        Instant::now(),
                        &payload[..len],
                        3000 * next as u32,
                        p.marker,
                    )
                    .map_err(|e| format!("send: {e}"))?;
                us.transmit(&mut gate)?;
            }
            next += 1;
        }
        if next == clip.len() && !released {
            if let Some(last) = gate.held.take() {
                let destination = us.session.remote_rtp().ok_or("no remote RTP address")?;
                us.rtp
                    .send_to(&last, destination)
                    .map_err(|e| e.to_string())?;
            }
            released = true;
        }
        let mut off = Gate::new(false);
        let outbound = if released { &mut off } else { &mut gate };
        us.step(Duration::from_millis(2), None, outbound)?;
    }
}
