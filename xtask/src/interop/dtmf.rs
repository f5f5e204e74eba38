//! Interop suite `dtmf`: RFC 4733 telephone events (DTMF) with GStreamer.
//!
//! - GStreamer → us: a Python script (GStreamer's Python bindings from Debian) runs
//!   `rtpdtmfsrc ! rtpdtmfmux` beside `audiotestsrc ! mulawenc ! rtppcmupay` into one
//!   PCMU stream with telephone-event on payload type 101 at 8000 Hz, and starts and stops
//!   each digit of a dialling plan with the `dtmf-event` upstream events `rtpdtmfsrc` is
//!   driven by. An [`rtp_session::Session`] mapping 101 to telephone-event receives it. Every
//!   digit must arrive as exactly one `Event::Dtmf`, in order, with the event code dialled,
//!   its end packet seen, and the duration GStreamer's end packets carry (at least what the
//!   script held the key for); no event packet may be played out, none may count as
//!   unknown, and the statistics must count no loss.
//! - us → GStreamer: a session sends a run of digits with [`rtp_session::Session::send_dtmf`]
//!   to `udpsrc ! rtpdtmfdepay ! fakesink` under `gst-launch-1.0 -m`; `rtpdtmfdepay` posts a
//!   `dtmf-event` element message for each event it decodes, and the messages must name
//!   every digit sent, once each, in order.

use super::Context;
use crate::util::{Result, ensure_apt};
use rtp_packet::RtpPacket;
use rtp_packet::payload::telephone_event::{TelephoneEvent, dtmf_digit, dtmf_event};
use rtp_session::{
    ChaCha20Rng, ClockRate, Component, Config, Event, PayloadMap, PayloadType, Playout,
    SeedableRng, Session,
};
use std::fs::File;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The payload type of telephone-event on both sides.
const EVENTS_PT: u8 = 101;
/// The SSRC the script's payloaders use.
const SSRC: u32 = 0x0d7f_0001;
/// How long a run may take before it fails.
const DEADLINE: Duration = Duration::from_secs(40);

/// What the Python script dials: (digit, how long it holds the key, in ms).
const DIALLED: &[(char, u64)] = &[
    ('1', 200),
    ('5', 120),
    ('9', 300),
    ('0', 150),
    ('*', 200),
    ('#', 250),
    ('A', 120),
    ('D', 180),
];

/// What we send to GStreamer, 100 ms each.
const SENT: &str = "2468#*0BC";

pub fn run(ctx: &Context) -> Result {
    ensure_peers()?;
    from_gstreamer(ctx)?;
    to_gstreamer(ctx)
}

/// GStreamer with its DTMF elements (`-good`), and its Python bindings.
fn ensure_peers() -> Result {
    super::gstreamer::ensure_peers()?;
    ensure_apt(&[
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstdtmf.so",
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

/// The sender: PCMU and rtpdtmfsrc through rtpdtmfmux (which gives the events priority
/// over the audio) to one UDP port; each digit of the plan started and stopped with the
/// `dtmf-event` custom upstream event on rtpdtmfsrc's source pad.
const SCRIPT: &str = r#"import sys, time
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst

Gst.init(None)
port, ssrc, pt = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
plan = [(int(n), int(ms)) for n, ms in (d.split(":") for d in sys.argv[4].split(","))]
pipeline = Gst.parse_launch(
    f"rtpdtmfmux name=mux ! udpsink host=127.0.0.1 port={port} sync=false async=false "
    f"audiotestsrc is-live=true wave=silence samplesperbuffer=160 ! "
    f"audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay ssrc={ssrc} pt=0 ! mux.sink_0 "
    f"rtpdtmfsrc name=dtmf ssrc={ssrc} pt={pt} clock-rate=8000 packet-redundancy=3 ! "
    f"mux.priority_sink_0")
pad = pipeline.get_by_name("dtmf").get_static_pad("src")
pipeline.set_state(Gst.State.PLAYING)
time.sleep(1.0)

def key(number, down):
    structure = Gst.Structure.from_string(
        f"dtmf-event, type=(int)1, number=(int){number}, volume=(int)10, "
        f"start=(boolean){'true' if down else 'false'}")[0]
    if not pad.send_event(Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, structure)):
        sys.exit(f"rtpdtmfsrc refused the dtmf-event for {number}")

for number, ms in plan:
    key(number, True)
    time.sleep(ms / 1000)
    key(number, False)
    print(f"dialled {number} for {ms} ms", flush=True)
    time.sleep(0.3)
time.sleep(0.5)
pipeline.set_state(Gst.State.NULL)
"#;

fn map() -> PayloadMap {
    let pt = PayloadType::new(EVENTS_PT).unwrap_or(PayloadType::PCMU);
    PayloadMap::new().with(pt, "telephone-event", ClockRate::NARROWBAND)
}

fn session(config: Config, seed: u8) -> Result<Session> {
    Session::new(
        Instant::now(),
        config,
        Box::new(ChaCha20Rng::from_seed([seed; 32])),
    )
    .map_err(|e| format!("session: {e}"))
}

/// A digit as the session reported it: (event, duration, end packet seen, onset).
type Reported = (u8, Duration, bool, u32);

fn from_gstreamer(ctx: &Context) -> Result {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let port = socket.local_addr().map_err(|e| e.to_string())?.port();
    socket
        .set_read_timeout(Some(Duration::from_millis(5)))
        .map_err(|e| e.to_string())?;
    let script = ctx.dir.join("send_dtmf.py");
    std::fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
    let mut plan = Vec::new();
    for (digit, ms) in DIALLED {
        let code = dtmf_event(*digit).ok_or(format!("{digit} is not a DTMF digit"))?;
        plan.push(format!("{code}:{ms}"));
    }
    let plan = plan.join(",");
    eprintln!(
        "  rtpdtmfsrc + rtpdtmfmux → us: python3 {} {port} {SSRC} {EVENTS_PT} {plan}",
        script.display()
    );
    let out = ctx.dir.join("sender.out");
    let err = ctx.dir.join("sender.err");
    let mut peer = Command::new("/usr/bin/python3")
        .arg(&script)
        .args([
            port.to_string(),
            SSRC.to_string(),
            EVENTS_PT.to_string(),
            plan,
        ])
        .stdout(File::create(&out).map_err(|e| e.to_string())?)
        .stderr(File::create(&err).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start python3: {e}"))?;

    let mut config = Config::new();
    config.payload_map = map();
    let mut session = session(config, 41)?;
    let start = Instant::now();
    let mut exited_at = None;
    let mut buf = [0u8; 2048];
    let mut reported: Vec<Reported> = Vec::new();
    // (onset timestamp, duration) of the end packets GStreamer sent.
    let mut ends: Vec<(u32, u16)> = Vec::new();
    let mut event_packets = 0u64;
    let mut frames = 0u64;
    let mut event_frames = 0u64;
    loop {
        let now = Instant::now();
        if now - start > DEADLINE {
            let _ = peer.kill();
            let _ = peer.wait();
            return Err("GStreamer's sender did not finish in time".into());
        }
        if exited_at.is_none() && peer.try_wait().map_err(|e| e.to_string())?.is_some() {
            exited_at = Some(now);
        }
        // After the sender stops, wait out the session's event timeout and a margin.
        if exited_at.is_some_and(|t| now - t > Duration::from_millis(1500)) {
            break;
        }
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            let datagram = &mut buf[..n];
            if let Ok(packet) = RtpPacket::parse(datagram)
                && packet.payload_type().value() == EVENTS_PT
            {
                event_packets += 1;
                if let Ok(report) = TelephoneEvent::parse(packet.payload())
                    && report.end
                    && !ends.contains(&(packet.timestamp(), report.duration))
                {
                    ends.push((packet.timestamp(), report.duration));
                }
            }
            session.handle_datagram(Instant::now(), Component::Rtp, from, datagram);
        }
        let now = Instant::now();
        if session.poll_timeout().is_some_and(|t| t <= now) {
            session.handle_timeout(now);
        }
        while let Some(t) = session.poll_transmit() {
            session.recycle(t.contents);
        }
        while let Some(event) = session.poll_event() {
            if let Event::Dtmf {
                event,
                duration,
                end_received,
                timestamp,
                ..
            } = event
            {
                reported.push((event, duration, end_received, timestamp));
            }
        }
        while let Some((_, playout)) = session.poll_playout(now) {
            if let Playout::Frame(frame) = playout {
                frames += 1;
                if frame.payload_type() == EVENTS_PT {
                    event_frames += 1;
                }
            }
        }
    }
    let status = peer.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!(
            "the GStreamer sender failed ({status}): {}",
            tail(&err)
        ));
    }
    let counters = session.counters();
    eprintln!(
        "  received {event_packets} telephone-event packets, {} RTP packets in all, {frames} \
         frames played; reported {:?}",
        counters.rtp_received,
        reported
            .iter()
            .map(|(e, d, end, _)| format!(
                "{}:{}ms{}",
                dtmf_digit(*e).unwrap_or('?'),
                d.as_millis(),
                if *end { "" } else { "(no end)" }
            ))
            .collect::<Vec<_>>()
    );
    let codes: Vec<char> = reported
        .iter()
        .map(|r| dtmf_digit(r.0).unwrap_or('?'))
        .collect();
    let dialled: Vec<char> = DIALLED.iter().map(|(d, _)| *d).collect();
    if codes != dialled {
        return Err(format!(
            "dialled {dialled:?}, the session reported {codes:?}"
        ));
    }
    for ((event, duration, end, onset), (digit, held)) in reported.iter().zip(DIALLED) {
        if !end {
            return Err(format!("{digit}: reported without its end packet"));
        }
        let sent = ends
            .iter()
            .find(|(ts, _)| ts == onset)
            .map(|(_, d)| ClockRate::NARROWBAND.ticks_to_duration(u64::from(*d)))
            .ok_or(format!(
                "{digit}: no end packet from GStreamer at its onset"
            ))?;
        if *duration != sent {
            return Err(format!(
                "{digit} (event {event}): reported {duration:?}, GStreamer's end packets say {sent:?}"
            ));
        }
        if *duration < Duration::from_millis(*held) {
            return Err(format!(
                "{digit}: reported {duration:?}, shorter than the {held} ms it was held"
            ));
        }
    }
    if event_frames > 0 || frames == 0 {
        return Err(format!(
            "{frames} frames played, {event_frames} of them telephone events"
        ));
    }
    if counters.telephone_event_packets != event_packets || counters.unknown_payload_type != 0 {
        return Err(format!(
            "the session counted {} telephone-event packets of {event_packets} and {} of an \
             unknown payload type",
            counters.telephone_event_packets, counters.unknown_payload_type
        ));
    }
    let quality = session
        .quality(SSRC)
        .ok_or("the session has no quality for GStreamer's SSRC")?;
    if quality.cumulative_lost != 0 {
        return Err(format!(
            "{} packets lost on loopback",
            quality.cumulative_lost
        ));
    }
    eprintln!(
        "  every one of the {} digits arrived once, with GStreamer's duration",
        DIALLED.len()
    );
    Ok(())
}

fn to_gstreamer(ctx: &Context) -> Result {
    let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let port = probe.local_addr().map_err(|e| e.to_string())?.port();
    drop(probe);
    let description = format!(
        "udpsrc port={port} caps=application/x-rtp,media=(string)audio,clock-rate=(int)8000,\
         encoding-name=(string)TELEPHONE-EVENT,payload=(int){EVENTS_PT} ! rtpdtmfdepay ! \
         fakesink"
    );
    eprintln!("  us → rtpdtmfdepay: gst-launch-1.0 -m {description}");
    let out = ctx.dir.join("receiver.out");
    let err = ctx.dir.join("receiver.err");
    let mut peer = Command::new("gst-launch-1.0")
        .arg("-m")
        .args(description.split_whitespace())
        .stdout(File::create(&out).map_err(|e| e.to_string())?)
        .stderr(File::create(&err).map_err(|e| e.to_string())?)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start gst-launch-1.0: {e}"))?;
    std::thread::sleep(Duration::from_millis(800));
    if peer.try_wait().map_err(|e| e.to_string())?.is_some() {
        return Err(format!("gst-launch-1.0 exited early: {}", tail(&err)));
    }
    let result = send_digits(port);
    let _ = peer.kill();
    let _ = peer.wait();
    let sent = result?;
    let printed = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    if let Some(line) = std::fs::read_to_string(&err)
        .unwrap_or_default()
        .lines()
        .chain(printed.lines())
        .find(|l| l.contains("ERROR"))
    {
        return Err(format!("GStreamer complained: {line}"));
    }
    let decoded: Vec<char> = printed
        .lines()
        .filter(|l| l.contains("dtmf-event"))
        .filter_map(|l| {
            let number = l.split("number=(int)").nth(1)?;
            let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
            dtmf_digit(digits.parse().ok()?)
        })
        .collect();
    let expected: Vec<char> = SENT.chars().collect();
    eprintln!("  sent {sent} telephone-event packets; rtpdtmfdepay decoded {decoded:?}");
    if decoded != expected {
        return Err(format!(
            "sent {expected:?}, rtpdtmfdepay posted dtmf-event for {decoded:?}"
        ));
    }
    eprintln!("  rtpdtmfdepay decoded every digit once, in order");
    Ok(())
}

/// Sends [`SENT`] to `port` with one session; returns the packets sent.
fn send_digits(port: u16) -> Result<usize> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let mut config = Config::new();
    config.payload_map = map();
    config.transport.rtcp_mux = true;
    config.transport.remote_rtp = Some(([127, 0, 0, 1], port).into());
    let mut session = session(config, 42)?;
    let start = Instant::now();
    for digit in SENT.chars() {
        let code = dtmf_event(digit).ok_or(format!("{digit} is not a DTMF digit"))?;
        session
            .send_dtmf(start, code, Duration::from_millis(100), 10)
            .map_err(|e| format!("send_dtmf({digit}): {e}"))?;
    }
    let mut sent = 0;
    loop {
        while let Some(t) = session.poll_transmit() {
            if rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtp {
                sent += 1;
            }
            socket
                .send_to(&t.contents, t.destination)
                .map_err(|e| format!("send: {e}"))?;
            session.recycle(t.contents);
        }
        if session.dtmf_pending() == 0 {
            break;
        }
        if start.elapsed() > DEADLINE {
            return Err("the digits were not all sent in time".into());
        }
        let next = session.poll_timeout().unwrap_or_else(Instant::now);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        session.handle_timeout(Instant::now());
    }
    // Let GStreamer take the last packets.
    std::thread::sleep(Duration::from_millis(500));
    Ok(sent)
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join(" | ")
}
