//! A SIP phone's media leg: SDES-SRTP keys from `a=crypto`, G.711 with dynamic payload
//! types, and DTMF as RFC 4733 telephone-events, between two endpoints on loopback.
//!
//! The "phone" writes an SDP offer the way a desk phone or Asterisk does: PCMU plus
//! `telephone-event/8000` on dynamic payload type 101, and two `a=crypto` lines (AES-CM
//! with HMAC-SHA1-80, and AES-128-GCM), each with a fresh key. Our "leg" reads that offer
//! and nothing else: the peer's address and port (`Transport::from_sdp`), the payload map
//! (`PayloadMap::from_sdp`) and the keys (`sdes::parse_offer`, then `sdes::answer_offer`
//! picks the first suite it supports and draws our own key). It writes the answer with
//! its `a=crypto` line; the phone checks that answer against its offer
//! (`sdes::accept_answer`) and keys its side from it. Then both send 3 s of a G.711 tone,
//! the phone dials `5`, our leg dials `#`, and each side prints the digit it received (as
//! an event, never as audio) and the call's quality.
//!
//! Run with `cargo run -p rtp-stack-examples --example sip_leg`.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use rtp_packet::payload::g711;
use rtp_packet::payload::telephone_event::dtmf_digit;
use rtp_session::sdes::{
    CryptoAttribute, CryptoSuite, Priority, accept_answer, answer_offer, parse_offer,
};
use rtp_session::{
    Config, Driver, Event, MuxPolicy, Output, PayloadMap, PayloadType, Security, SrtpConfig,
    SrtpKeys, Transport, os_rng,
};

const CALL: Duration = Duration::from_secs(3);
const FRAME: Duration = Duration::from_millis(20);

/// The `a=crypto` lines of an SDP body (the rest of it is read by `Transport::from_sdp` and
/// `PayloadMap::from_sdp`).
fn crypto_lines(sdp: &str) -> Vec<&str> {
    sdp.lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with("a=crypto:"))
        .collect()
}

/// An audio body at `address`: PCMU and telephone-event/8000 on 101, with `crypto` lines.
fn sdp_body(origin: &str, address: SocketAddr, crypto: &[String]) -> String {
    let mut sdp = format!(
        "v=0\r\no={origin} 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n",
        ip = address.ip(),
        port = address.port()
    );
    for line in crypto {
        sdp.push_str(line);
        sdp.push_str("\r\n");
    }
    sdp.push_str("a=sendrecv\r\n");
    sdp
}

/// The session configuration for one side, from the other side's SDP `remote_sdp`.
fn config(remote_sdp: &str, keys: SrtpKeys) -> Result<Config, Box<dyn std::error::Error>> {
    let mut config = Config::new();
    config.transport = Transport::from_sdp(remote_sdp, 0, MuxPolicy::Refuse)?;
    config.payload_map = PayloadMap::from_sdp(remote_sdp, 0)?;
    config.security = Security::Srtp(keys);
    Ok(config)
}

fn bind() -> std::io::Result<(UdpSocket, UdpSocket)> {
    // RTP on an even port and RTCP on the next one (RFC 3550 §11).
    for _ in 0..64 {
        let rtp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 == 1 || port == u16::MAX {
            continue;
        }
        if let Ok(rtcp) = UdpSocket::bind((Ipv4Addr::LOCALHOST, port + 1)) {
            return Ok((rtp, rtcp));
        }
    }
    Err(std::io::Error::other("no free even/odd port pair"))
}

/// What one side saw during the call.
#[derive(Default)]
struct Heard {
    frames: u64,
    digits: Vec<String>,
}

fn take(who: &str, heard: &mut Heard, out: Output) {
    match out {
        Output::Frame(_) => heard.frames += 1,
        Output::Event(Event::Dtmf {
            event,
            duration,
            end_received,
            ..
        }) => {
            let digit = dtmf_digit(event).map_or(format!("event {event}"), String::from);
            println!(
                "  {who} received DTMF {digit} lasting {} ms (end packet seen: {end_received})",
                duration.as_millis()
            );
            heard.digits.push(digit);
        }
        _ => {}
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = os_rng()?;

    // The phone's offer: two suites, a fresh key each.
    let (phone_rtp, phone_rtcp) = bind()?;
    let offered = [
        CryptoAttribute::generate(1, CryptoSuite::AesCm128HmacSha1_80, &mut rng)?,
        CryptoAttribute::generate(2, CryptoSuite::AeadAes128Gcm, &mut rng)?,
    ];
    let offer_lines: Vec<String> = offered.iter().map(|a| a.to_line().to_string()).collect();
    let offer = sdp_body("phone", phone_rtp.local_addr()?, &offer_lines);
    println!("the phone offers:\n{}", redact(&offer));

    // Our leg: everything it knows comes from the offer's text.
    let (leg_rtp, leg_rtcp) = bind()?;
    let from_offer = parse_offer(crypto_lines(&offer))?;
    let accept = [CryptoSuite::AesCm128HmacSha1_80, CryptoSuite::AeadAes128Gcm];
    let ours = answer_offer(&from_offer, &accept, Priority::Offerer, &mut rng)?;
    let answer = sdp_body(
        "leg",
        leg_rtp.local_addr()?,
        &[ours.local().to_line().to_string()],
    );
    println!("our leg answers:\n{}", redact(&answer));
    let leg_config = config(
        &offer,
        SrtpKeys::from_negotiated(&ours, &SrtpConfig::default())?,
    )?;
    let mut leg = Driver::from_std(leg_config, leg_rtp, Some(leg_rtcp), Box::new(os_rng()?))?;

    // The phone checks the answer against its offer and keys its side.
    let answered = CryptoAttribute::parse(crypto_lines(&answer).first().ok_or("no a=crypto")?)?;
    let theirs = accept_answer(&offered, &answered)?;
    println!(
        "negotiated {} (tag {})\n",
        theirs.profile().name(),
        answered.tag()
    );
    let phone_config = config(
        &answer,
        SrtpKeys::from_negotiated(&theirs, &SrtpConfig::default())?,
    )?;
    let mut phone = Driver::from_std(
        phone_config,
        phone_rtp,
        Some(phone_rtcp),
        Box::new(os_rng()?),
    )?;

    let (mut heard_by_leg, mut heard_by_phone) = (Heard::default(), Heard::default());
    let mut tick = tokio::time::interval(FRAME);
    let started = Instant::now();
    let mut frame = 0u32;
    let (mut phone_dialled, mut leg_dialled) = (false, false);
    let pcmu = PayloadType::PCMU;
    while started.elapsed() < CALL + Duration::from_millis(600) {
        tokio::select! {
            _ = tick.tick() => {
                if started.elapsed() < CALL {
                    let tone = tone(frame);
                    phone.session_mut().send_as(Instant::now(), pcmu, &tone, frame * 160, frame == 0)?;
                    leg.session_mut().send_as(Instant::now(), pcmu, &tone, frame * 160, frame == 0)?;
                    frame += 1;
                }
                let t = started.elapsed();
                if !phone_dialled && t >= Duration::from_millis(800) {
                    println!("  the phone dials 5");
                    phone.session_mut().send_dtmf(Instant::now(), 5, Duration::from_millis(200), 10)?;
                    phone_dialled = true;
                }
                if !leg_dialled && t >= Duration::from_millis(1600) {
                    println!("  our leg dials #");
                    leg.session_mut().send_dtmf(Instant::now(), 11, Duration::from_millis(160), 10)?;
                    leg_dialled = true;
                }
                phone.flush();
                leg.flush();
            }
            Some(out) = leg.next() => take("our leg", &mut heard_by_leg, out),
            Some(out) = phone.next() => take("the phone", &mut heard_by_phone, out),
        }
    }

    println!();
    for (who, driver, peer, heard) in [
        ("our leg", &leg, &phone, &heard_by_leg),
        ("the phone", &phone, &leg, &heard_by_phone),
    ] {
        let q = driver.session().quality(peer.session().local_ssrc());
        let c = driver.session().counters();
        println!(
            "{who}: {} audio frames played, digits {:?}, {} telephone-event packets (none played \
             as audio), {} SRTP failures, loss {}, jitter {:.1} ms",
            heard.frames,
            heard.digits,
            c.telephone_event_packets,
            c.unprotect_failures,
            q.map_or("-".into(), |q| format!("{:.1} %", q.loss_ratio * 100.0)),
            q.map_or(0.0, |q| q.jitter.as_secs_f64() * 1000.0),
        );
    }
    if heard_by_leg.digits != ["5"] || heard_by_phone.digits != ["#"] {
        return Err("a digit went missing".into());
    }
    leg.close().await?;
    phone.close().await?;
    Ok(())
}

/// `sdp` with each `inline:` key replaced, for printing: keys are never shown.
fn redact(sdp: &str) -> String {
    sdp.lines()
        .map(|l| match l.find("inline:") {
            Some(i) => format!("  {}inline:<key>", &l[..i]),
            None => format!("  {l}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// 20 ms of a 425 Hz tone in G.711 µ-law.
fn tone(frame: u32) -> [u8; 160] {
    let mut out = [0u8; 160];
    for (i, b) in out.iter_mut().enumerate() {
        let t = f64::from(frame * 160 + i as u32) / 8000.0;
        let sample = (8000.0 * (2.0 * std::f64::consts::PI * 425.0 * t).sin()) as i16;
        *b = g711::ulaw_encode(sample);
    }
    out
}
