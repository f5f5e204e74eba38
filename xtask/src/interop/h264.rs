//! Interop suite `h264`: H.264 over RTP (RFC 6184) with GStreamer, both directions.
//!
//! - GStreamer → us: `videotestsrc num-buffers=N ! x264enc ! rtph264pay` sends a clip of
//!   N frames to a UDP socket read by `rtp_packet`'s `H264Depacketizer` (default settings),
//!   once with rtph264pay's default (single NAL units and FU-As) and once with
//!   `aggregate-mode=zero-latency` (parameter sets and SEI in STAP-As).
//!   The same encoder with the same settings, through `h264parse ! multifilesink`, writes
//!   the reference: one Annex B file per access unit. We must rebuild N access units, with
//!   an IDR exactly where the encoder put one, each equal byte for byte to its reference
//!   file once the access unit delimiters `h264parse` adds are taken out (`rtph264pay`
//!   drops AUDs, as GStreamer always does; everything else, start codes included, must
//!   match).
//! - us → GStreamer: the reference clip, access unit by access unit, goes through our
//!   `H264Packetizer` to `udpsrc ! rtph264depay ! h264parse ! avdec_h264 ! fakesink`,
//!   which must decode N frames without an error: once in packetization mode 1 (STAP-A
//!   and FU-A at a 1200-octet MTU), and once in mode 0 from a clip encoded with x264's
//!   `slice-max-size`, so every NAL unit fits a packet.

use super::Context;
use crate::util::{Result, ensure_apt};
use rtp_packet::payload::h264::{H264Depacketizer, H264Packetizer, NalFormat, PacketizationMode};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader, RtpPacket};
use std::fs::File;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Frames in the clip.
const FRAMES: usize = 90;
/// x264's largest interval between IDRs: IDRs at frames 0, 30, 60.
const KEY_INTERVAL: usize = 30;
const MTU: usize = 1200;
const PAYLOAD_TYPE: u8 = 96;

pub fn run(ctx: &Context) -> Result {
    ensure_peers()?;
    let reference = encode(ctx, "reference", "")?;
    if reference.len() != FRAMES {
        return Err(format!(
            "the encoder wrote {} access units, {FRAMES} asked",
            reference.len()
        ));
    }
    receive_from_rtph264pay(ctx, &reference, "none")?;
    receive_from_rtph264pay(ctx, &reference, "zero-latency")?;
    send_to_rtph264depay(ctx, &reference, PacketizationMode::NonInterleaved)?;
    let sliced = encode(ctx, "sliced", "option-string=slice-max-size=1000")?;
    send_to_rtph264depay(ctx, &sliced, PacketizationMode::SingleNalUnit)
}

/// Installs GStreamer with x264enc (-ugly), h264parse (-bad) and avdec_h264 (libav).
fn ensure_peers() -> Result {
    super::gstreamer::ensure_peers()?;
    ensure_apt(&[
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstx264.so",
            "gstreamer1.0-plugins-ugly",
        ),
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstlibav.so",
            "gstreamer1.0-libav",
        ),
    ])
}

/// The test clip's source and encoder: one thread and no B-frames, so two runs give the
/// same bytes; `extra` adds x264enc properties.
fn encoder(extra: &str) -> String {
    format!(
        "videotestsrc num-buffers={FRAMES} pattern=smpte ! \
         video/x-raw,width=320,height=240,framerate=30/1 ! \
         x264enc threads=1 bframes=0 key-int-max={KEY_INTERVAL} aud=false \
         speed-preset=ultrafast tune=zerolatency bitrate=2000 {extra} ! \
         video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
    )
}

fn gst_launch(options: &[&str], description: &str) -> Command {
    let mut cmd = Command::new("gst-launch-1.0");
    cmd.args(options);
    cmd.args(description.split_whitespace());
    cmd
}

/// Encodes the clip through `h264parse` to one file per access unit; returns them.
fn encode(ctx: &Context, name: &str, extra: &str) -> Result<Vec<Vec<u8>>> {
    let dir = ctx.dir.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let description = format!(
        "{} ! h264parse ! multifilesink location={}/au-%05d.h264",
        encoder(extra),
        dir.display()
    );
    eprintln!("  reference: gst-launch-1.0 {description}");
    let status = gst_launch(&["-q"], &description)
        .status()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    if !status.success() {
        return Err(format!("the encoding pipeline failed: {status}"));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display())))
        .collect()
}

/// The NAL units of an Annex B access unit, with their start codes' lengths.
fn nal_units(au: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= au.len() {
        if au[i..i + 3] == [0, 0, 1] {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let end = starts.get(k + 1).map_or(au.len(), |&n| n - 3);
            let unit = &au[s..end];
            let trimmed = unit.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
            &unit[..trimmed]
        })
        .collect()
}

/// `au` without its access unit delimiters (NAL unit type 9), as `h264parse` wrote it
/// otherwise (it writes four-octet start codes).
fn without_auds(au: &[u8]) -> Vec<u8> {
    nal_units(au)
        .into_iter()
        .filter(|n| n.first().is_some_and(|h| h & 0x1F != 9))
        .flat_map(|n| [&[0, 0, 0, 1][..], n].concat())
        .collect()
}

fn has_idr(au: &[u8]) -> bool {
    nal_units(au)
        .iter()
        .any(|n| n.first().is_some_and(|h| h & 0x1F == 5))
}

/// `aggregate` is rtph264pay's `aggregate-mode`: `none` sends every NAL unit alone or in
/// FU-As, `zero-latency` puts the parameter sets and SEI in STAP-As.
fn receive_from_rtph264pay(ctx: &Context, reference: &[Vec<u8>], aggregate: &str) -> Result {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let port = socket.local_addr().map_err(|e| e.to_string())?.port();
    let description = format!(
        "{} ! rtph264pay mtu={MTU} pt={PAYLOAD_TYPE} aggregate-mode={aggregate} ! \
         udpsink host=127.0.0.1 port={port}",
        encoder("")
    );
    eprintln!("  rtph264pay → us: gst-launch-1.0 {description}");
    let log = ctx.dir.join(format!("rtph264pay-{aggregate}.log"));
    let mut peer = gst_launch(&["-q"], &description)
        .stdout(Stdio::null())
        .stderr(File::create(&log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    let result = receive(&socket, &mut peer);
    let _ = peer.kill();
    let _ = peer.wait();
    let (frames, packets, stats) = result?;
    eprintln!(
        "  us: {packets} RTP packets ({} single NAL unit, {} STAP-A, {} FU-A) → {} access units, \
         {} given up",
        stats.0,
        stats.1,
        stats.2,
        frames.len(),
        stats.3
    );
    if (aggregate == "none") != (stats.1 == 0) {
        return Err(format!(
            "rtph264pay aggregate-mode={aggregate} sent {} STAP-As",
            stats.1
        ));
    }
    if frames.len() != reference.len() {
        return Err(format!(
            "rebuilt {} access units, the encoder wrote {}",
            frames.len(),
            reference.len()
        ));
    }
    let ours: Vec<usize> = (0..frames.len()).filter(|&i| frames[i].1).collect();
    let theirs: Vec<usize> = (0..reference.len())
        .filter(|&i| has_idr(&reference[i]))
        .collect();
    if ours != theirs {
        return Err(format!(
            "key frames at {ours:?}, the encoder put IDRs at {theirs:?}"
        ));
    }
    for (i, ((au, _), expected)) in frames.iter().zip(reference).enumerate() {
        let expected = without_auds(expected);
        if *au != expected {
            return Err(format!(
                "access unit {i}: {} octets rebuilt, {} in h264parse's file (without AUDs)",
                au.len(),
                expected.len()
            ));
        }
    }
    let octets: usize = frames.iter().map(|(au, _)| au.len()).sum();
    eprintln!(
        "  {} access units, {octets} octets of Annex B, equal byte for byte to h264parse's \
         (AUDs aside); IDRs at frames {ours:?}",
        frames.len()
    );
    Ok(())
}

/// Access units rebuilt (Annex B, IDR or not), packets, and (single, STAP-A, FU-A, given
/// up) counts.
type Received = (Vec<(Vec<u8>, bool)>, usize, (usize, usize, usize, usize));

/// Reads RTP from `socket` into the depacketizer until the sender has exited and the
/// socket has been quiet for a while.
fn receive(socket: &UdpSocket, peer: &mut Child) -> Result<Received> {
    let mut depacketizer = H264Depacketizer::default();
    let mut frames = Vec::new();
    let mut counts = (0, 0, 0, 0);
    let mut packets = 0;
    let mut buf = vec![0u8; 65536];
    let mut out = vec![0u8; 1 << 20];
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet_since = None;
    loop {
        if Instant::now() > deadline {
            return Err("GStreamer did not finish sending within 60 s".into());
        }
        let n = match socket.recv(&mut buf) {
            Ok(n) => n,
            Err(_) => {
                if peer.try_wait().map_err(|e| e.to_string())?.is_some() {
                    let since = *quiet_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > Duration::from_millis(600) {
                        break;
                    }
                }
                continue;
            }
        };
        quiet_since = None;
        packets += 1;
        let packet = RtpPacket::parse(&buf[..n]).map_err(|e| format!("RTP: {e}"))?;
        let payload = packet.payload();
        match payload.first().map(|h| h & 0x1F) {
            Some(24) => counts.1 += 1,
            Some(28) => counts.2 += 1,
            _ => counts.0 += 1,
        }
        let mut pushed = Some(
            depacketizer
                .push(
                    payload,
                    packet.sequence_number(),
                    packet.timestamp(),
                    packet.marker(),
                )
                .map_err(|e| format!("packet {}: {e}", packet.sequence_number()))?,
        );
        while let Some(p) = pushed {
            counts.3 += p.incomplete.frames;
            if let Some(e) = p.rejected {
                return Err(format!("an access unit was rejected: {e}"));
            }
            let Some(frame) = p.frame else { break };
            let len = frame
                .write(NalFormat::AnnexB, &mut out)
                .map_err(|e| e.to_string())?;
            frames.push((out[..len].to_vec(), frame.idr));
            pushed = depacketizer.next_ready();
        }
    }
    counts.3 += depacketizer.flush().frames;
    Ok((frames, packets, counts))
}

fn send_to_rtph264depay(ctx: &Context, clip: &[Vec<u8>], mode: PacketizationMode) -> Result {
    let label = format!("mode {}", mode.number());
    let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = probe.local_addr().map_err(|e| e.to_string())?.port();
    drop(probe);
    let description = format!(
        "udpsrc port={port} buffer-size=4194304 caps=application/x-rtp,media=(string)video,\
         clock-rate=(int)90000,encoding-name=(string)H264,payload=(int){PAYLOAD_TYPE} ! \
         rtph264depay ! h264parse ! avdec_h264 ! fakesink silent=false"
    );
    eprintln!("  us ({label}) → rtph264depay: gst-launch-1.0 -e -v {description}");
    let out = ctx.dir.join(format!("depay-{}.out", mode.number()));
    let err = ctx.dir.join(format!("depay-{}.err", mode.number()));
    let mut peer = gst_launch(&["-e", "-v"], &description)
        .stdout(File::create(&out).map_err(|e| e.to_string())?)
        .stderr(File::create(&err).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    std::thread::sleep(Duration::from_millis(1000));
    let sent = send_clip(clip, mode, port);
    // Wait for the decoder to catch up, then end the stream (-e turns SIGINT into EOS,
    // so the decoder gives out every frame it holds).
    let waited = Instant::now();
    while decoded(&out) < clip.len() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill")
        .args(["-INT", &peer.id().to_string()])
        .status();
    let ended = Instant::now();
    while peer.try_wait().map_err(|e| e.to_string())?.is_none() {
        if ended.elapsed() > Duration::from_secs(5) {
            let _ = peer.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = peer.wait();
    let (packets, kinds) = sent?;
    let frames = decoded(&out);
    let complaints = std::fs::read_to_string(&err).unwrap_or_default();
    if let Some(line) = complaints.lines().find(|l| l.contains("ERROR")) {
        return Err(format!("GStreamer ({label}) complained: {line}"));
    }
    eprintln!(
        "  us ({label}): {packets} RTP packets ({} single NAL unit, {} STAP-A, {} FU-A); \
         avdec_h264 decoded {frames} frames of {}",
        kinds.0,
        kinds.1,
        kinds.2,
        clip.len()
    );
    if mode == PacketizationMode::SingleNalUnit && kinds.1 + kinds.2 != 0 {
        return Err("mode 0 sent aggregation or fragmentation packets".into());
    }
    if mode == PacketizationMode::NonInterleaved && (kinds.1 == 0 || kinds.2 == 0) {
        return Err("mode 1 sent no STAP-A or no FU-A: the clip does not exercise them".into());
    }
    if frames != clip.len() {
        return Err(format!(
            "avdec_h264 decoded {frames} frames ({label}), we sent {}",
            clip.len()
        ));
    }
    Ok(())
}

/// Frames `fakesink` reported.
fn decoded(out: &Path) -> usize {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("last-message = chain"))
        .count()
}

/// Sends the clip at 30 frames a second; returns the packets and (single NAL unit,
/// STAP-A, FU-A) counts.
fn send_clip(
    clip: &[Vec<u8>],
    mode: PacketizationMode,
    port: u16,
) -> Result<(usize, (usize, usize, usize))> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let pt = PayloadType::new(PAYLOAD_TYPE).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; MTU + 12];
    let mut sequence: u16 = 4000;
    let mut kinds = (0, 0, 0);
    let mut packets = 0;
    let start = Instant::now();
    for (i, au) in clip.iter().enumerate() {
        let due = start + Duration::from_millis(33 * i as u64);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let timestamp = 3000 * i as u32;
        let packetizer = H264Packetizer::from_annex_b(au, mode, MTU)
            .map_err(|e| format!("access unit {i}: {e}"))?;
        for payload in packetizer {
            match payload.packet_type() {
                24 => kinds.1 += 1,
                28 => kinds.2 += 1,
                _ => kinds.0 += 1,
            }
            let mut header = RtpHeader::new(pt, sequence, timestamp, 0x4832_3634);
            header.marker = payload.marker;
            let mut written = Ok(0);
            let len = PacketWriter::new(&mut buf, &header)
                .and_then(|w| w.finish_with(payload.len(), 0, |out| written = payload.write(out)))
                .map_err(|e| e.to_string())?;
            written.map_err(|e| e.to_string())?;
            socket
                .send_to(&buf[..len], ("127.0.0.1", port))
                .map_err(|e| e.to_string())?;
            sequence = sequence.wrapping_add(1);
            packets += 1;
        }
    }
    Ok((packets, kinds))
}
