//! Interop suite `tcp`: RTP over TCP (RFC 4571 framing) between `rtp_session::TcpDriver`
//! and GStreamer's `rtpstreampay`/`rtpstreamdepay`, both directions, our side connecting
//! and listening, in clear (`TCP/RTP/AVP`) and with SRTP AES_CM_128_HMAC_SHA1_80
//! (`TCP/RTP/SAVP`: `srtpenc` before `rtpstreampay`, `srtpdec` after `rtpstreamdepay`).
//!
//! The media is a fixed clip of 150 PCMU packets (20 ms each, a sine through our G.711
//! encoder), so both directions are checked byte for byte:
//!
//! - GStreamer → us: `filesrc ! rawaudioparse format=mulaw ! rtppcmupay ! rtpstreampay`
//!   into `tcpclientsink` (we listen) or `tcpserversink` (we connect; its burst-on-connect
//!   queue keeps the packets sent before we got there). Our session must count every frame
//!   and every RTP packet, drop none as malformed, and hand out each delivered packet with
//!   the right SSRC, sequence number and payload bytes (the first packet is held by RFC 3550
//!   probation and only counted); the transport must end with the peer's FIN.
//! - us → GStreamer: our session sends the clip paced at 20 ms, with its RTCP on the same
//!   connection, and closes (BYE, then FIN) to `tcpserversrc` (it listens) or
//!   `tcpclientsrc` (we listen) `! rtpstreamdepay ! rtppcmudepay ! mulawdec ! filesink`.
//!   GStreamer must exit cleanly at the end of the stream, and the PCM it decoded must
//!   equal our G.711 decoding of every packet sent. With SRTP, `srtpdec` also takes our
//!   SRTCP off the same stream and decrypts it: our sender reports and BYE must come out.

use super::Context;
use super::media_receiver::{PROFILE, master_key, master_key_and_salt};
use crate::util::{Result, ensure_apt};
use rtp_packet::payload::g711::{ulaw_decode, ulaw_encode};
use rtp_session::{
    Binding, ChaCha20Rng, Config, Event, Output, Security, SeedableRng, SrtpKeys, TcpCloseReason,
    TcpDriver, TcpSetup, TcpTransport,
};
use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PACKETS: usize = 150;
const SAMPLES: usize = 160;
const SSRC: u32 = 0x4c0f_fee5;
const FIRST_SEQ: u16 = 1000;
const OUR_SSRC: u32 = 0x0b5e_55ed;

pub fn run(ctx: &Context) -> Result {
    super::gstreamer::ensure_peers()?;
    ensure_apt(&[(
        "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgsttcp.so",
        "gstreamer1.0-plugins-base",
    )])?;
    let clip = clip();
    let clip_path = ctx.dir.join("clip.ulaw");
    std::fs::write(&clip_path, &clip).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    for secure in [false, true] {
        for setup in [TcpSetup::Passive, TcpSetup::Active] {
            rt.block_on(from_gstreamer(ctx, &clip, &clip_path, setup, secure))?;
            rt.block_on(to_gstreamer(ctx, &clip, setup, secure))?;
        }
    }
    Ok(())
}

/// 150 packets of a 440 Hz sine at 8 kHz, μ-law coded.
fn clip() -> Vec<u8> {
    (0..PACKETS * SAMPLES)
        .map(|n| {
            let phase = n as f64 * 440.0 * std::f64::consts::TAU / 8000.0;
            ulaw_encode((phase.sin() * 12_000.0) as i16)
        })
        .collect()
}

/// `gst-launch-1.0 -q <description>`; the description holds no quoted spaces.
fn gst_launch(description: &str, log: &Path) -> Result<Child> {
    let shown = description
        .replace(&hex(&their_key()), "<key>")
        .replace(&hex(&our_key()), "<key>");
    eprintln!("    gst-launch-1.0 {shown}");
    Command::new("gst-launch-1.0")
        .arg("-q")
        .args(description.split_whitespace())
        .stdout(Stdio::null())
        .stderr(File::create(log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// GStreamer's SRTP key and salt; ours is the same with every bit flipped.
fn their_key() -> [u8; 30] {
    master_key_and_salt()
}

fn our_key() -> [u8; 30] {
    master_key_and_salt().map(|b| !b)
}

fn hex(key: &[u8; 30]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn config(setup: TcpSetup, remote: Option<SocketAddr>, secure: bool) -> Result<Config> {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    c.transport.remote_rtp = remote;
    c.transport.tcp = Some(TcpTransport::new(setup));
    c.raw_packets = true;
    c.local_ssrc = Some(OUR_SSRC);
    if secure {
        c.security = Security::Srtp(SrtpKeys::new(
            PROFILE,
            master_key(&our_key())?,
            master_key(&their_key())?,
        ));
    }
    Ok(c)
}

fn rng(seed: u8) -> Box<ChaCha20Rng> {
    Box::new(ChaCha20Rng::from_seed([seed; 32]))
}

/// Our driver: listening on loopback, or connecting to GStreamer's listening `port`
/// (retried while its pipeline starts).
async fn our_side(setup: TcpSetup, port: u16, secure: bool) -> Result<TcpDriver> {
    let binding = Binding::new([127, 0, 0, 1].into());
    match setup {
        TcpSetup::Passive => TcpDriver::start(config(setup, None, secure)?, binding, rng(1))
            .await
            .map_err(|e| format!("listen: {e}")),
        TcpSetup::Active => {
            let remote = SocketAddr::from(([127, 0, 0, 1], port));
            let mut last = String::new();
            for _ in 0..200 {
                match TcpDriver::start(config(setup, Some(remote), secure)?, binding, rng(2)).await
                {
                    Ok(driver) => return Ok(driver),
                    Err(e) => last = e.to_string(),
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(format!(
                "could not connect to GStreamer at {remote}: {last}"
            ))
        }
    }
}

fn stop(peer: &mut Child) {
    let _ = peer.kill();
    let _ = peer.wait();
}

async fn from_gstreamer(
    ctx: &Context,
    clip: &[u8],
    clip_path: &Path,
    setup: TcpSetup,
    secure: bool,
) -> Result {
    let proto = if secure { "SRTP" } else { "RTP" };
    let label = format!("GStreamer → us, {proto}, we are {setup:?}");
    eprintln!("  {label}");
    let srtpenc = if secure {
        format!(
            "srtpenc key={} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 \
             rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 !",
            hex(&their_key())
        )
    } else {
        String::new()
    };
    let source = format!(
        "filesrc location={} ! rawaudioparse format=mulaw sample-rate=8000 num-channels=1 ! \
         rtppcmupay min-ptime=20000000 max-ptime=20000000 seqnum-offset={FIRST_SEQ} \
         ssrc={SSRC} ! {srtpenc} rtpstreampay",
        clip_path.display()
    );
    let log = ctx
        .dir
        .join(format!("from-gstreamer-{proto}-{setup:?}.log"));
    let (mut driver, mut peer) = match setup {
        TcpSetup::Passive => {
            let driver = our_side(setup, 0, secure).await?;
            let port = driver.local_addr().port();
            let peer = gst_launch(
                &format!("{source} ! tcpclientsink host=127.0.0.1 port={port} sync=true"),
                &log,
            )?;
            (driver, peer)
        }
        TcpSetup::Active => {
            let port = free_port()?;
            let keep = PACKETS + 50;
            let mut peer = gst_launch(
                &format!(
                    "{source} ! tcpserversink host=127.0.0.1 port={port} sync=true \
                     sync-method=burst-keyframe burst-format=buffers burst-value={keep} \
                     buffers-min={keep}"
                ),
                &log,
            )?;
            match our_side(setup, port, secure).await {
                Ok(driver) => (driver, peer),
                Err(e) => {
                    stop(&mut peer);
                    return Err(e);
                }
            }
        }
    };
    let mut packets = Vec::new();
    let mut closed = None;
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Ok(Some(out)) = tokio::time::timeout_at(until, driver.next()).await {
        match out {
            Output::Event(Event::RtpPacket { packet, .. }) => packets.push(packet),
            Output::Event(Event::TcpClosed { reason }) => closed = Some(reason),
            _ => {}
        }
    }
    stop(&mut peer);
    let fail = |e: String| format!("{label}: {e} (GStreamer log: {})", log.display());
    let tcp = driver.counters();
    let session = driver.session().counters();
    eprintln!(
        "    frames {} (empty {}), RTP delivered {}, held by probation {}, malformed {}, \
         failed SRTP {}; our RTCP compounds {}; ended by {closed:?}",
        tcp.frames_received,
        tcp.empty_frames,
        session.rtp_received,
        session.probation_held,
        session.malformed,
        session.unprotect_failures,
        session.rtcp_sent,
    );
    // `tcpclientsink` never reads its socket, so our RTCP lies unread there when it
    // closes, and its kernel answers the close with a reset rather than a FIN (RFC 1122
    // §4.2.2.13); a FIN is what we get if no report went out yet. Either must come after
    // every frame (checked below).
    if !matches!(
        closed,
        Some(TcpCloseReason::PeerClosed | TcpCloseReason::Reset)
    ) {
        return Err(fail(format!("transport ended with {closed:?}")));
    }
    if session.rtcp_sent == 0 && closed != Some(TcpCloseReason::PeerClosed) {
        return Err(fail("a reset with nothing of ours unread".into()));
    }
    if tcp.frames_received != PACKETS as u64 {
        return Err(fail(format!(
            "{} frames, not {PACKETS}",
            tcp.frames_received
        )));
    }
    if session.rtp_received + session.probation_held != PACKETS as u64
        || session.malformed + session.unknown + session.unprotect_failures != 0
    {
        return Err(fail(format!("session counters {session:?}")));
    }
    // Every delivered packet, in order, after the one probation held.
    let held = session.probation_held as usize;
    if packets.len() != PACKETS - held {
        return Err(fail(format!("{} packets handed out", packets.len())));
    }
    for (i, bytes) in packets.iter().enumerate() {
        let index = held + i;
        let p = rtp_packet::RtpPacket::parse(bytes).map_err(|e| fail(e.to_string()))?;
        let expected = &clip[index * SAMPLES..(index + 1) * SAMPLES];
        if p.ssrc() != SSRC
            || p.sequence_number() != FIRST_SEQ.wrapping_add(index as u16)
            || p.payload() != expected
        {
            return Err(fail(format!(
                "packet {index}: SSRC {:#x}, sequence {}, payload {} bytes differs",
                p.ssrc(),
                p.sequence_number(),
                p.payload().len()
            )));
        }
    }
    eprintln!(
        "    ok: all {PACKETS} packets counted, {} checked byte for byte",
        packets.len()
    );
    Ok(())
}

async fn to_gstreamer(ctx: &Context, clip: &[u8], setup: TcpSetup, secure: bool) -> Result {
    let proto = if secure { "SRTP" } else { "RTP" };
    let label = format!("us → GStreamer, {proto}, we are {setup:?}");
    eprintln!("  {label}");
    let out_path = ctx.dir.join(format!("to-gstreamer-{proto}-{setup:?}.s16"));
    let rtcp_path = ctx.dir.join(format!("to-gstreamer-{proto}-{setup:?}.rtcp"));
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&rtcp_path);
    let caps = "media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,\
                payload=(int)0";
    let front = if secure {
        format!(
            "application/x-srtp-stream,{caps},ssrc=(uint){OUR_SSRC},roc=(uint)0,\
             srtp-key=(buffer){},srtp-cipher=(string)aes-128-icm,\
             srtp-auth=(string)hmac-sha1-80,srtcp-cipher=(string)aes-128-icm,\
             srtcp-auth=(string)hmac-sha1-80 ! rtpstreamdepay ! dec.rtp_sink srtpdec name=dec \
             dec.rtcp_src ! filesink location={} buffer-mode=unbuffered sync=false async=false dec.rtp_src",
            hex(&our_key()),
            rtcp_path.display()
        )
    } else {
        format!("application/x-rtp-stream,{caps} ! rtpstreamdepay")
    };
    let sink = format!(
        "{front} ! rtppcmudepay ! mulawdec ! audio/x-raw,format=S16LE ! filesink \
         buffer-mode=unbuffered location={}",
        out_path.display()
    );
    let log = ctx.dir.join(format!("to-gstreamer-{proto}-{setup:?}.log"));
    let (mut driver, mut peer) = match setup {
        TcpSetup::Passive => {
            let driver = our_side(setup, 0, secure).await?;
            let port = driver.local_addr().port();
            let peer = gst_launch(
                &format!("tcpclientsrc host=127.0.0.1 port={port} ! {sink}"),
                &log,
            )?;
            (driver, peer)
        }
        TcpSetup::Active => {
            let port = free_port()?;
            let mut peer = gst_launch(
                &format!("tcpserversrc host=127.0.0.1 port={port} ! {sink}"),
                &log,
            )?;
            match our_side(setup, port, secure).await {
                Ok(driver) => (driver, peer),
                Err(e) => {
                    stop(&mut peer);
                    return Err(e);
                }
            }
        }
    };
    let fail = |e: String| format!("{label}: {e} (GStreamer log: {})", log.display());
    let result = send_clip(&mut driver, clip).await;
    if let Err(e) = result {
        stop(&mut peer);
        return Err(fail(e));
    }
    let tcp = driver.counters();
    let sent = driver.session().counters();
    driver.close().await.map_err(|e| fail(e.to_string()))?;
    let expected: Vec<u8> = clip
        .iter()
        .flat_map(|&code| ulaw_decode(code).to_le_bytes())
        .collect();
    if secure {
        // srtpdec forwards the end of the stream only on its RTP side (its RTCP sink pad is
        // unlinked: the SRTCP comes multiplexed on the RTP one), so its RTCP branch never
        // ends and neither does the pipeline. The sinks write unbuffered: wait until the
        // PCM is all there and the BYE has come out, then stop GStreamer.
        for _ in 0..200 {
            let pcm_len = std::fs::metadata(&out_path).map_or(0, |m| m.len());
            let rtcp = std::fs::read(&rtcp_path).unwrap_or_default();
            if pcm_len >= expected.len() as u64 && has_bye(&rtcp) {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        stop(&mut peer);
    } else {
        // GStreamer sees the end of the stream and finishes the file.
        let mut status = None;
        for _ in 0..200 {
            if let Some(s) = peer.try_wait().map_err(|e| e.to_string())? {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let Some(status) = status else {
            stop(&mut peer);
            return Err(fail("GStreamer did not finish after our FIN".into()));
        };
        if !status.success() {
            return Err(fail(format!("gst-launch-1.0 exited with {status}")));
        }
    }
    eprintln!(
        "    sent: RTP {}, RTCP compounds {}, frames {} (+ BYE at close), send drops {}",
        sent.rtp_sent, sent.rtcp_sent, tcp.frames_sent, tcp.send_drops
    );
    if sent.rtp_sent != PACKETS as u64 || tcp.send_drops != 0 {
        return Err(fail(format!(
            "sent {} packets, dropped {}",
            sent.rtp_sent, tcp.send_drops
        )));
    }
    let pcm = std::fs::read(&out_path).map_err(|e| fail(e.to_string()))?;
    if pcm != expected {
        let first = pcm.iter().zip(&expected).position(|(a, b)| a != b);
        return Err(fail(format!(
            "GStreamer decoded {} bytes of PCM, expected {}; first difference at {first:?}",
            pcm.len(),
            expected.len()
        )));
    }
    eprintln!(
        "    ok: GStreamer decoded all {PACKETS} packets ({} samples) equal to what we sent",
        pcm.len() / 2
    );
    if secure {
        // srtpdec takes the multiplexed SRTCP off the same stream (RFC 5761) and decrypts
        // it: our sender reports and our BYE must come out of it.
        let rtcp = std::fs::read(&rtcp_path).map_err(|e| fail(e.to_string()))?;
        let packets = rtcp::Compound::new(&rtcp)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| fail(format!("the RTCP srtpdec decrypted: {e}")))?;
        let reports = packets
            .iter()
            .filter(|p| matches!(p, rtcp::AnyPacket::SenderReport(sr) if sr.ssrc == OUR_SSRC))
            .count();
        let bye = has_bye(&rtcp);
        eprintln!(
            "    srtpdec decrypted {} bytes of our SRTCP: {reports} sender reports, BYE {bye}",
            rtcp.len()
        );
        if reports == 0 || !bye {
            return Err(fail("our SRTCP did not come out of srtpdec".into()));
        }
    }
    Ok(())
}

/// True when the RTCP in `bytes` holds a BYE of our SSRC.
fn has_bye(bytes: &[u8]) -> bool {
    rtcp::Compound::new(bytes).any(
        |p| matches!(p, Ok(rtcp::AnyPacket::Goodbye(b)) if b.sources.iter().any(|s| s == OUR_SSRC)),
    )
}

/// Sends the clip at 20 ms a packet while the driver runs (its RTCP goes out too).
async fn send_clip(driver: &mut TcpDriver, clip: &[u8]) -> Result {
    // A listening driver waits for the peer first.
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while driver.peer().is_none() {
        match tokio::time::timeout_at(until, driver.next()).await {
            Ok(Some(_)) => {}
            _ => return Err("GStreamer did not connect".into()),
        }
    }
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut sent = 0;
    while sent < PACKETS {
        tokio::select! {
            _ = tick.tick() => {
                let payload = &clip[sent * SAMPLES..(sent + 1) * SAMPLES];
                driver
                    .send(payload, (sent * SAMPLES) as u32, sent == 0)
                    .map_err(|e| e.to_string())?;
                sent += 1;
            }
            out = driver.next() => match out {
                Some(Output::Event(Event::TcpClosed { reason })) => {
                    return Err(format!("the connection ended early: {reason:?}"));
                }
                None => return Err("the driver ended early".into()),
                _ => {}
            },
        }
    }
    Ok(())
}
