//! Interop suite `sdes`: SDES-SRTP keys (RFC 4568 `a=crypto`) exchanged with ffmpeg and
//! GStreamer through SDP text and their own SRTP implementations.
//!
//! - ffmpeg → us (AES_CM_128_HMAC_SHA1_80 and _32): ffmpeg's RTP muxer sends 3 s of PCMU
//!   as SRTP/SRTCP and writes its SDP file (`-sdp_file`); we take the keys only from that
//!   file's `a=crypto` line (`srtp::sdes`), decrypt the captured datagrams, and every one
//!   must authenticate; the payloads must equal ffmpeg's own μ-law encoding of the same
//!   tone, byte for byte.
//! - us → ffmpeg (both suites): we write an SDP file with our `a=crypto` line (fresh keys,
//!   our formatter), send SRTP protected by the context built from that line read back,
//!   and ffmpeg reads the SDP (`-i our.sdp`) and writes the μ-law it decrypted: it must be
//!   exactly what we sent.
//! - GStreamer (AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM), both ways: `srtpenc`'s
//!   `key` and `srtpdec`'s caps take the key and salt of our written `a=crypto` line read
//!   back; what GStreamer protects we unprotect with a context from the same line (every
//!   packet, payloads equal to GStreamer's own encoding), and what we protect GStreamer's
//!   `srtpdec ! rtppcmudepay` must decode to exactly what we sent.
//!
//! ffmpeg's SRTP is its own code, GStreamer's is libsrtp2, so each direction meets an
//! independent implementation. Everything runs on loopback and within fixed deadlines.

use super::Context;
use super::media_receiver::port_pair;
use crate::util::{Result, describe, ensure_apt};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader, RtpPacket};
use rtp_session::sdes::{CryptoAttribute, CryptoSuite, parse_offer};
use std::fs::File;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSRC: u32 = 0x5de5_0001;
/// 20 ms of G.711 at 8 kHz.
const SAMPLES: usize = 160;
/// What ffmpeg sends: 3 s of tone.
const FFMPEG_SECONDS: u32 = 3;
/// What we send to each peer, and GStreamer to us.
const PACKETS: u16 = 150;
/// The longest any one exchange may take.
const DEADLINE: Duration = Duration::from_secs(30);

type Rng = rtp_session::ChaCha20Rng;

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[("ffmpeg", "ffmpeg")])?;
    super::gstreamer::ensure_peers()?;
    let mut rng = rtp_session::os_rng().map_err(|e| e.to_string())?;
    for suite in [
        CryptoSuite::AesCm128HmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32,
    ] {
        ffmpeg_to_us(ctx, suite, &mut rng)?;
        us_to_ffmpeg(ctx, suite, &mut rng)?;
    }
    for suite in [CryptoSuite::AesCm128HmacSha1_80, CryptoSuite::AeadAes128Gcm] {
        gstreamer_to_us(ctx, suite, &mut rng)?;
        us_to_gstreamer(ctx, suite, &mut rng)?;
    }
    Ok(())
}

/// The base64 `inline:` key of a line as our formatter writes it (what ffmpeg's
/// `-srtp_out_params` takes).
fn inline_key(line: &CryptoAttribute) -> Result<String> {
    let value = line.to_value();
    value
        .split("inline:")
        .nth(1)
        .and_then(|k| k.split(['|', ';', ' ']).next())
        .map(str::to_owned)
        .ok_or_else(|| "our a=crypto line has no inline key".into())
}

/// Our line, written and read back: the peer and we both key from the text.
fn fresh_line(suite: CryptoSuite, rng: &mut Rng) -> Result<(String, CryptoAttribute)> {
    let ours = CryptoAttribute::generate(1, suite, rng).map_err(|e| e.to_string())?;
    let text = ours.to_line().to_string();
    let read = CryptoAttribute::parse(&text).map_err(|e| format!("our own line: {e}"))?;
    if read != ours {
        return Err("our a=crypto line does not read back to itself".into());
    }
    Ok((text, read))
}

fn srtp_context(line: &CryptoAttribute) -> Result<srtp::Context> {
    line.context(&srtp::Config::default())
        .map_err(|e| format!("context from {line}: {e}"))
}

/// The payload of our packet `seq`: μ-law bytes that differ from packet to packet.
fn our_payload(seq: u16) -> [u8; SAMPLES] {
    let mut p = [0u8; SAMPLES];
    for (i, b) in p.iter_mut().enumerate() {
        *b = (i as u16 * 7 + seq * 13) as u8;
    }
    p
}

/// Sends `PACKETS` PCMU packets protected by `tx` to `port`, 10 ms apart, and returns
/// the payload bytes sent, in order.
fn send_packets(tx: &mut srtp::Context, port: u16) -> Result<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let mut sent = Vec::new();
    for i in 0..PACKETS {
        let seq = 1000 + i;
        let payload = our_payload(seq);
        let header = RtpHeader::new(PayloadType::PCMU, seq, u32::from(i) * SAMPLES as u32, SSRC);
        let mut buf = [0u8; 512];
        let len = PacketWriter::new(&mut buf, &header)
            .and_then(|w| w.finish(&payload, 0))
            .map_err(|e| format!("RTP writer: {e}"))?;
        let n = tx
            .protect_rtp(&mut buf, len)
            .map_err(|e| format!("protect: {e}"))?;
        socket
            .send_to(&buf[..n], ("127.0.0.1", port))
            .map_err(|e| e.to_string())?;
        sent.extend_from_slice(&payload);
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(sent)
}

/// Unprotects every captured RTP datagram with `rx`: all must authenticate, come from
/// `ssrc` in sequence; returns their payloads concatenated and the packet count.
fn unprotect_all(
    rx: &mut srtp::Context,
    datagrams: &[Vec<u8>],
    ssrc: u32,
) -> Result<(Vec<u8>, usize)> {
    let mut payload = Vec::new();
    let mut previous: Option<u16> = None;
    for (i, datagram) in datagrams.iter().enumerate() {
        let mut buf = datagram.clone();
        let n = rx
            .unprotect_rtp(&mut buf)
            .map_err(|e| format!("packet {i} of {} did not unprotect: {e}", datagrams.len()))?;
        let packet = RtpPacket::parse(&buf[..n]).map_err(|e| format!("packet {i}: {e}"))?;
        if packet.ssrc() != ssrc {
            return Err(format!("packet {i} has SSRC {:#x}", packet.ssrc()));
        }
        let seq = packet.sequence_number();
        if previous.is_some_and(|p| p.wrapping_add(1) != seq) {
            return Err(format!("sequence jumps from {previous:?} to {seq}"));
        }
        previous = Some(seq);
        payload.extend_from_slice(packet.payload());
    }
    // Authentication is really checked: one flipped bit fails the tag.
    if let Some(first) = datagrams.first() {
        let mut forged = first.clone();
        forged[12] ^= 1;
        if rx.unprotect_rtp(&mut forged).is_ok() {
            return Err("a forged packet was accepted".into());
        }
    }
    Ok((payload, datagrams.len()))
}

/// Receives on `sockets` until `peer` exits (plus a short drain), at most [`DEADLINE`].
fn capture_until_exit(
    sockets: &[&UdpSocket],
    peer: &mut Child,
    name: &str,
) -> Result<Vec<Vec<Vec<u8>>>> {
    let mut got = vec![Vec::new(); sockets.len()];
    for s in sockets {
        s.set_read_timeout(Some(Duration::from_millis(5)))
            .map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    let mut exited_at = None;
    loop {
        let mut idle = true;
        for (i, s) in sockets.iter().enumerate() {
            let mut buf = [0u8; 2048];
            if let Ok(n) = s.recv(&mut buf) {
                got[i].push(buf[..n].to_vec());
                idle = false;
            }
        }
        if exited_at.is_none()
            && let Some(status) = peer.try_wait().map_err(|e| e.to_string())?
        {
            if !status.success() {
                return Err(format!("{name} failed with {status}"));
            }
            exited_at = Some(Instant::now());
        }
        if exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(500)) && idle {
            return Ok(got);
        }
        if start.elapsed() > DEADLINE {
            let _ = peer.kill();
            let _ = peer.wait();
            return Err(format!("{name} did not finish within {DEADLINE:?}"));
        }
    }
}

/// Waits until a program has bound UDP `port` on loopback (our own bind then fails).
fn wait_for_listener(port: u16, peer: &mut Child, name: &str) -> Result {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Some(status) = peer.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("{name} exited with {status} before listening"));
        }
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            // Bound; give it a moment to reach its read loop.
            std::thread::sleep(Duration::from_millis(300));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("{name} did not bind UDP port {port} within 10 s"))
}

/// Asks `peer` to stop as Ctrl-C would (ffmpeg and `gst-launch-1.0 -e` then finish their
/// output files), and waits for it, at most 10 s.
fn interrupt(peer: &mut Child, name: &str) -> Result {
    let status = Command::new("kill")
        .args(["-INT", &peer.id().to_string()])
        .status()
        .map_err(|e| format!("kill: {e}"))?;
    if !status.success() {
        return Err(format!("could not interrupt {name}"));
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if peer.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = peer.kill();
    let _ = peer.wait();
    Err(format!("{name} did not stop within 10 s of SIGINT"))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(6)..].join(" | ")
}

/// Where two byte streams first differ, for a failure message.
fn compare(what: &str, got: &[u8], expected: &[u8]) -> Result {
    if got == expected {
        return Ok(());
    }
    let at = got.iter().zip(expected).position(|(a, b)| a != b);
    Err(format!(
        "{what}: {} bytes, expected {} (first difference at {at:?})",
        got.len(),
        expected.len()
    ))
}

fn sine_source() -> String {
    format!("sine=frequency=440:sample_rate=8000:duration={FFMPEG_SECONDS}")
}

fn ffmpeg_to_us(ctx: &Context, suite: CryptoSuite, rng: &mut Rng) -> Result {
    let label = format!("ffmpeg → us, {suite}");
    let (rtp, rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    // ffmpeg needs some key on its command line; we forget it and read ffmpeg's SDP.
    let key = inline_key(&CryptoAttribute::generate(1, suite, rng).map_err(|e| e.to_string())?)?;
    let sdp = ctx.dir.join(format!("ffmpeg-{suite}.sdp"));
    let _ = std::fs::remove_file(&sdp);
    let log = ctx.dir.join(format!("ffmpeg-send-{suite}.log"));
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i"])
        .arg(sine_source())
        .arg("-af")
        .arg(format!("asetnsamples=n={SAMPLES}"))
        .args(["-c:a", "pcm_mulaw", "-ac", "1", "-payload_type", "0"])
        .arg("-packetsize")
        .arg((12 + SAMPLES).to_string())
        .arg("-ssrc")
        .arg(SSRC.to_string())
        .args(["-srtp_out_suite", suite.name(), "-srtp_out_params"])
        .arg(&key)
        .arg("-sdp_file")
        .arg(&sdp)
        .args(["-f", "rtp"])
        .arg(format!("srtp://127.0.0.1:{port}"));
    eprintln!("  {label}: {}", describe(&ffmpeg).replace(&key, "<key>"));
    let mut peer = ffmpeg
        .stdout(Stdio::null())
        .stderr(File::create(&log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    let captured = capture_until_exit(&[&rtp, &rtcp], &mut peer, "ffmpeg")
        .map_err(|e| format!("{label}: {e}; ffmpeg: {}", tail(&log)))?;

    // The keys come from ffmpeg's SDP file alone, read by our parser.
    let text = std::fs::read_to_string(&sdp).map_err(|e| format!("{}: {e}", sdp.display()))?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .collect();
    let offer =
        parse_offer(lines.iter().copied()).map_err(|e| format!("{label}: ffmpeg's SDP: {e}"))?;
    let [line] = offer.as_slice() else {
        return Err(format!(
            "{label}: ffmpeg's SDP has {} a=crypto lines",
            offer.len()
        ));
    };
    if line.suite() != suite {
        return Err(format!("{label}: ffmpeg's SDP names {}", line.suite()));
    }
    eprintln!("  ffmpeg's SDP file: {line}");
    let mut rx = srtp_context(line)?;
    let (payload, packets) =
        unprotect_all(&mut rx, &captured[0], SSRC).map_err(|e| format!("{label}: {e}"))?;
    let expected_packets = (FFMPEG_SECONDS as usize * 8000) / SAMPLES;
    if packets != expected_packets {
        return Err(format!(
            "{label}: {packets} SRTP packets, expected {expected_packets}"
        ));
    }
    let (mut reports, mut short_tags) = (0, 0);
    for (i, datagram) in captured[1].iter().enumerate() {
        let mut buf = datagram.clone();
        match rx.unprotect_rtcp(&mut buf) {
            Ok(_) => {}
            Err(srtp::Error::AuthenticationFailed) if suite == CryptoSuite::AesCm128HmacSha1_32 => {
                ffmpeg_short_srtcp_tag(line, &mut rx, datagram)
                    .map_err(|e| format!("{label}: SRTCP packet {i}: {e}"))?;
                short_tags += 1;
            }
            Err(e) => return Err(format!("{label}: SRTCP packet {i} did not unprotect: {e}")),
        }
        reports += 1;
    }
    if reports == 0 {
        return Err(format!("{label}: no SRTCP from ffmpeg"));
    }
    // ffmpeg's own μ-law encoding of the same tone, to compare the payloads with.
    let expected_file = ctx.dir.join("ffmpeg-expected.ulaw");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i"])
        .arg(sine_source())
        .arg("-af")
        .arg(format!("asetnsamples=n={SAMPLES}"))
        .args(["-c:a", "pcm_mulaw", "-ac", "1", "-f", "mulaw"])
        .arg(&expected_file)
        .status()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    if !status.success() {
        return Err(format!("ffmpeg's reference encoding failed with {status}"));
    }
    compare(
        &format!("{label}: decrypted payload"),
        &payload,
        &read(&expected_file)?,
    )?;
    eprintln!(
        "  {label}: {packets} SRTP and {} SRTCP packets authenticated with the key from \
         ffmpeg's SDP file{}; {} payload bytes equal to ffmpeg's own encoding",
        reports - short_tags,
        if short_tags > 0 {
            format!(" ({short_tags} more SRTCP with a 32-bit tag, checked as above)")
        } else {
            String::new()
        },
        payload.len()
    );
    Ok(())
}

/// ffmpeg's SRTCP under the SDES name AES_CM_128_HMAC_SHA1_32 carries a 32-bit tag
/// (libavformat's srtp.c uses 80 bits only under the DTLS-SRTP name
/// SRTP_AES128_CM_HMAC_SHA1_32), where the `srtp` crate, like libsrtp and GStreamer,
/// keeps SRTCP at 80 bits (RFC 5764 §4.1.2), so `rx` refuses the packet as it must. This
/// shows that the difference is the tag length and nothing else: the keystream of the same
/// key, SSRC and SRTCP index recovers the report, which protected again by us gives
/// ffmpeg's bytes exactly, with ffmpeg's tag as the first 32 bits of ours (HMAC-SHA1
/// truncated, RFC 3711 §4.2), and which `rx` then authenticates.
fn ffmpeg_short_srtcp_tag(
    line: &CryptoAttribute,
    rx: &mut srtp::Context,
    datagram: &[u8],
) -> Result {
    const SHORT_TAG: usize = 4;
    let len = datagram.len();
    if len < 8 + 4 + SHORT_TAG {
        return Err(format!("{len} bytes are too short for SRTCP"));
    }
    let rtcp_len = len - 4 - SHORT_TAG;
    let word = u32::from_be_bytes([
        datagram[rtcp_len],
        datagram[rtcp_len + 1],
        datagram[rtcp_len + 2],
        datagram[rtcp_len + 3],
    ]);
    let (encrypted, index) = (word >> 31 == 1, word & 0x7fff_ffff);
    let ssrc = u32::from_be_bytes([datagram[4], datagram[5], datagram[6], datagram[7]]);
    if !encrypted {
        return Err("the E flag is 0".into());
    }
    let sender = || -> Result<srtp::Context> {
        let mut tx = srtp_context(line)?;
        tx.set_srtcp_index(ssrc, index).map_err(|e| e.to_string())?;
        Ok(tx)
    };
    // The keystream: zeros after the header, protected under the same index.
    let mut probe = vec![0u8; rtcp_len + 64];
    probe[..8].copy_from_slice(&datagram[..8]);
    sender()?
        .protect_rtcp(&mut probe, rtcp_len)
        .map_err(|e| format!("protect: {e}"))?;
    let mut plain = datagram[..rtcp_len].to_vec();
    for (p, k) in plain[8..].iter_mut().zip(&probe[8..rtcp_len]) {
        *p ^= k;
    }
    let mut ours = plain.clone();
    ours.resize(rtcp_len + 64, 0);
    let n = sender()?
        .protect_rtcp(&mut ours, rtcp_len)
        .map_err(|e| format!("protect: {e}"))?;
    if ours[..rtcp_len + 4] != datagram[..rtcp_len + 4] {
        return Err("our protection of the recovered report differs from ffmpeg's".into());
    }
    if ours[rtcp_len + 4..rtcp_len + 4 + SHORT_TAG] != datagram[rtcp_len + 4..] {
        return Err("ffmpeg's 32-bit tag is not the start of the 80-bit one".into());
    }
    let m = rx
        .unprotect_rtcp(&mut ours[..n])
        .map_err(|e| format!("the report with its 80-bit tag: {e}"))?;
    let sender_reports = rtcp::Compound::new(&ours[..m])
        .map(|p| p.map_err(|e| format!("the recovered report: {e}")))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| matches!(p, rtcp::AnyPacket::SenderReport(sr) if sr.ssrc == ssrc))
        .count();
    if sender_reports != 1 {
        return Err(format!(
            "the recovered compound has {sender_reports} SRs of {ssrc:#x}"
        ));
    }
    eprintln!(
        "  ffmpeg's SRTCP index {index}: a 32-bit tag (the srtp crate expects 80 under \
         AES_CM_128_HMAC_SHA1_32, and refused it); with the tag extended, the same report \
         authenticates and holds ffmpeg's SR"
    );
    Ok(())
}

fn us_to_ffmpeg(ctx: &Context, suite: CryptoSuite, rng: &mut Rng) -> Result {
    let label = format!("us → ffmpeg, {suite}");
    let (rtp, rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    drop((rtp, rtcp));
    let (crypto, line) = fresh_line(suite, rng)?;
    let sdp = ctx.dir.join(format!("ours-{suite}.sdp"));
    let text = format!(
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=sdes interop\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}\r\n"
    );
    std::fs::write(&sdp, text).map_err(|e| format!("{}: {e}", sdp.display()))?;
    let out = ctx.dir.join(format!("ffmpeg-received-{suite}.ulaw"));
    let log = ctx.dir.join(format!("ffmpeg-receive-{suite}.log"));
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-protocol_whitelist", "file,udp,rtp,srtp"])
        // Hand packets on as they arrive, and start without waiting to probe the stream.
        .args([
            "-reorder_queue_size",
            "0",
            "-analyzeduration",
            "0",
            "-probesize",
            "32",
        ])
        .arg("-i")
        .arg(&sdp)
        .args(["-c:a", "copy", "-f", "mulaw"])
        .arg(&out);
    eprintln!("  {label}: {}", describe(&ffmpeg));
    let mut peer = ffmpeg
        .stdout(Stdio::null())
        .stderr(File::create(&log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    let result = (|| {
        wait_for_listener(port, &mut peer, "ffmpeg")?;
        let mut tx = srtp_context(&line)?;
        let sent = send_packets(&mut tx, port)?;
        std::thread::sleep(Duration::from_millis(700));
        interrupt(&mut peer, "ffmpeg")?;
        Ok::<_, String>(sent)
    })();
    let _ = peer.kill();
    let _ = peer.wait();
    let sent = result.map_err(|e| format!("{label}: {e}; ffmpeg: {}", tail(&log)))?;
    compare(
        &format!("{label}: what ffmpeg decrypted"),
        &read(&out)?,
        &sent,
    )
    .map_err(|e| format!("{e}; ffmpeg: {}", tail(&log)))?;
    eprintln!(
        "  {label}: ffmpeg read our SDP and decrypted all {PACKETS} packets ({} bytes, identical)",
        sent.len()
    );
    Ok(())
}

/// GStreamer's `srtpenc`/`srtpdec` names for a suite: RTP cipher and auth, RTCP cipher
/// and auth (SRTCP keeps its 80-bit tag under the _32 suites, RFC 4568 §6.2.2).
fn gst_names(suite: CryptoSuite) -> Result<[&'static str; 4]> {
    Ok(match suite {
        CryptoSuite::AesCm128HmacSha1_80 => {
            ["aes-128-icm", "hmac-sha1-80", "aes-128-icm", "hmac-sha1-80"]
        }
        CryptoSuite::AesCm128HmacSha1_32 => {
            ["aes-128-icm", "hmac-sha1-32", "aes-128-icm", "hmac-sha1-80"]
        }
        CryptoSuite::AeadAes128Gcm => ["aes-128-gcm", "null", "aes-128-gcm", "null"],
        other => return Err(format!("no GStreamer names for {other} here")),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `gst-launch-1.0 -e <description>`; the description holds no quoted spaces.
fn gst_launch(description: &str, log: &Path) -> Result<Child> {
    Command::new("gst-launch-1.0")
        .arg("-e")
        .args(description.split_whitespace())
        .stdout(File::create(log.with_extension("out")).map_err(|e| e.to_string())?)
        .stderr(File::create(log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))
}

const GST_SOURCE: &str = "audiotestsrc num-buffers=150 samplesperbuffer=160 ! \
                          audio/x-raw,rate=8000,channels=1 ! mulawenc";

fn gstreamer_to_us(ctx: &Context, suite: CryptoSuite, rng: &mut Rng) -> Result {
    let label = format!("GStreamer → us, {suite}");
    let (rtp, _rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    let (_, line) = fresh_line(suite, rng)?;
    let [rtp_cipher, rtp_auth, rtcp_cipher, rtcp_auth] = gst_names(suite)?;
    let key = hex(line.keys()[0].expose_key_salt());
    let description = format!(
        "{GST_SOURCE} ! rtppcmupay ssrc={SSRC} pt=0 ! srtpenc key={key} rtp-cipher={rtp_cipher} \
         rtp-auth={rtp_auth} rtcp-cipher={rtcp_cipher} rtcp-auth={rtcp_auth} ! \
         udpsink host=127.0.0.1 port={port} sync=false"
    );
    eprintln!(
        "  {label}: gst-launch-1.0 -e {}",
        description.replace(&key, "<key>")
    );
    let log = ctx.dir.join(format!("gst-send-{suite}.log"));
    let mut peer = gst_launch(&description, &log)?;
    let captured = capture_until_exit(&[&rtp], &mut peer, "gst-launch-1.0")
        .map_err(|e| format!("{label}: {e}; GStreamer: {}", tail(&log)))?;
    let mut rx = srtp_context(&line)?;
    let (payload, packets) =
        unprotect_all(&mut rx, &captured[0], SSRC).map_err(|e| format!("{label}: {e}"))?;
    let expected_file = ctx.dir.join("gst-expected.ulaw");
    let reference = format!(
        "{GST_SOURCE} ! filesink location={}",
        expected_file.display()
    );
    let mut reference = gst_launch(&reference, &ctx.dir.join("gst-reference.log"))?;
    let status = reference.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!(
            "GStreamer's reference encoding failed with {status}"
        ));
    }
    let expected = read(&expected_file)?;
    compare(&format!("{label}: decrypted payload"), &payload, &expected)?;
    if packets == 0 {
        return Err(format!("{label}: no packets"));
    }
    eprintln!(
        "  {label}: {packets} SRTP packets from srtpenc authenticated with the key of our \
         a=crypto line; {} payload bytes equal to GStreamer's own encoding",
        payload.len()
    );
    Ok(())
}

fn us_to_gstreamer(ctx: &Context, suite: CryptoSuite, rng: &mut Rng) -> Result {
    let label = format!("us → GStreamer, {suite}");
    let (rtp, rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    drop((rtp, rtcp));
    let (_, line) = fresh_line(suite, rng)?;
    let [rtp_cipher, rtp_auth, rtcp_cipher, rtcp_auth] = gst_names(suite)?;
    let key = hex(line.keys()[0].expose_key_salt());
    let out = ctx.dir.join(format!("gst-received-{suite}.ulaw"));
    let description = format!(
        "udpsrc port={port} caps=application/x-srtp,media=(string)audio,clock-rate=(int)8000,\
         encoding-name=(string)PCMU,payload=(int)0,ssrc=(uint){SSRC},roc=(uint)0,\
         srtp-key=(buffer){key},srtp-cipher=(string){rtp_cipher},srtp-auth=(string){rtp_auth},\
         srtcp-cipher=(string){rtcp_cipher},srtcp-auth=(string){rtcp_auth} ! srtpdec ! \
         rtppcmudepay ! filesink location={}",
        out.display()
    );
    eprintln!(
        "  {label}: gst-launch-1.0 -e {}",
        description.replace(&key, "<key>")
    );
    let log = ctx.dir.join(format!("gst-receive-{suite}.log"));
    // Debian's GStreamer occasionally crashes while a pipeline starts (see the gstreamer
    // suite): a start that dies before listening is tried again, at most three times.
    let mut attempts = 0;
    let mut peer = loop {
        attempts += 1;
        let mut peer = gst_launch(&description, &log)?;
        match wait_for_listener(port, &mut peer, "gst-launch-1.0") {
            Ok(()) => break peer,
            Err(e) if attempts < 3 => {
                let _ = peer.kill();
                let _ = peer.wait();
                eprintln!(
                    "  GStreamer did not start (attempt {attempts}): {e}; {}",
                    tail(&log)
                );
            }
            Err(e) => return Err(format!("{label}: {e}; GStreamer: {}", tail(&log))),
        }
    };
    let result = (|| {
        let mut tx = srtp_context(&line)?;
        let sent = send_packets(&mut tx, port)?;
        std::thread::sleep(Duration::from_millis(700));
        interrupt(&mut peer, "gst-launch-1.0")?;
        Ok::<_, String>(sent)
    })();
    let _ = peer.kill();
    let _ = peer.wait();
    let sent = result.map_err(|e| format!("{label}: {e}; GStreamer: {}", tail(&log)))?;
    compare(
        &format!("{label}: what srtpdec decrypted"),
        &read(&out)?,
        &sent,
    )
    .map_err(|e| format!("{e}; GStreamer: {}", tail(&log)))?;
    eprintln!(
        "  {label}: srtpdec, keyed from our a=crypto line, decrypted all {PACKETS} packets \
         ({} bytes, identical)",
        sent.len()
    );
    Ok(())
}
