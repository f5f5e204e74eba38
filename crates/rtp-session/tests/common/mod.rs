//! A deterministic two-party harness: two sans-IO sessions joined by netsim links, run in
//! simulated time.

#![allow(dead_code)]

use rand_core::SeedableRng;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jitter_buffer::Playout;
use netsim::{Jitter, Loss, Reorder};
use netsim::{Link, LinkConfig};
use rtp_session::{Component, Config, Event, Security, Session, SrtpKeys, Transmit};
use srtp::{MasterKey, ProtectionProfile};

pub const A_ADDR: &str = "192.0.2.1:5004";
pub const B_ADDR: &str = "192.0.2.2:6004";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn rng(seed: u8) -> Box<dyn rand_core::CryptoRng + Send> {
    Box::new(chacha20::ChaCha20Rng::from_seed([seed; 32]))
}

/// A datagram on a simulated link, with the socket it is for.
#[derive(Clone)]
pub struct Datagram(pub Component, pub Vec<u8>);

impl AsRef<[u8]> for Datagram {
    fn as_ref(&self) -> &[u8] {
        &self.1
    }
}

/// What one side saw.
#[derive(Default)]
pub struct Seen {
    pub events: Vec<Event>,
    pub frames: Vec<(u32, u16)>,
    pub concealed: u64,
    /// Every datagram this side sent, as sent.
    pub sent: Vec<Transmit>,
    /// RTCP compounds sent, with their send times.
    pub rtcp_times: Vec<Instant>,
    /// Every frame played: source, RTP timestamp, playout time and sender wallclock.
    pub frame_clocks: Vec<(u32, u32, Instant, Option<rtcp::NtpTime>)>,
}

pub struct Pair {
    pub a: Session,
    pub b: Session,
    pub ab: Link<Datagram>,
    pub ba: Link<Datagram>,
    pub now: Instant,
    pub a_seen: Seen,
    pub b_seen: Seen,
    pub a_sends: bool,
    pub b_sends: bool,
    pub a_from: SocketAddr,
    pub b_from: SocketAddr,
    media_tick: u32,
}

/// Plain configs pointing at each other (separate RTP/RTCP ports: RTP + 1).
pub fn configs(mux: bool) -> (Config, Config) {
    let mut a = Config::new();
    let mut b = Config::new();
    a.transport.rtcp_mux = mux;
    b.transport.rtcp_mux = mux;
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    a.transport.remote_rtp = Some(b_addr);
    a.transport.remote_rtcp = Some(next_port(b_addr, mux));
    b.transport.remote_rtp = Some(a_addr);
    b.transport.remote_rtcp = Some(next_port(a_addr, mux));
    (a, b)
}

pub fn next_port(a: SocketAddr, mux: bool) -> SocketAddr {
    if mux {
        a
    } else {
        SocketAddr::new(a.ip(), a.port() + 1)
    }
}

impl Pair {
    pub fn new(a: Config, b: Config, link: LinkConfig, seed: u64) -> Self {
        let now = Instant::now();
        Self {
            a: Session::new(now, a, rng(seed as u8)).unwrap(),
            b: Session::new(now, b, rng(seed as u8 ^ 0x5a)).unwrap(),
            ab: Link::new(link.clone(), seed),
            ba: Link::new(link, seed + 1),
            now,
            a_seen: Seen::default(),
            b_seen: Seen::default(),
            a_sends: true,
            b_sends: true,
            a_from: addr(A_ADDR),
            b_from: addr(B_ADDR),
            media_tick: 0,
        }
    }

    /// Runs for `duration` of simulated time: 20 ms G.711 frames from each sending side,
    /// datagrams through the links, timers and playout.
    pub fn run(&mut self, duration: Duration) {
        let end = self.now + duration;
        let start = self.now;
        let mut next_media = start;
        while self.now < end {
            self.pump();
            let mut next = end.min(next_media);
            for t in [
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.ab.next_delivery(),
                self.ba.next_delivery(),
            ]
            .into_iter()
            .flatten()
            {
                next = next.min(t);
            }
            self.now = next.max(self.now);
            let now = self.now;
            if now >= next_media {
                let ts = self.media_tick * 160;
                let payload = [0xd5u8; 160];
                if self.a_sends && self.a.is_keyed() && !self.a.is_closed() {
                    let _ = self.a.send(now, &payload, ts, self.media_tick == 0);
                }
                if self.b_sends && self.b.is_keyed() && !self.b.is_closed() {
                    let _ = self.b.send(now, &payload, ts, self.media_tick == 0);
                }
                self.media_tick += 1;
                next_media += Duration::from_millis(20);
            }
            while let Some((_, Datagram(component, mut d))) = self.ab.poll(now) {
                let from = next_port(self.a_from, component == Component::Rtp);
                self.b.handle_datagram(now, component, from, &mut d);
            }
            while let Some((_, Datagram(component, mut d))) = self.ba.poll(now) {
                let from = next_port(self.b_from, component == Component::Rtp);
                self.a.handle_datagram(now, component, from, &mut d);
            }
            self.a.handle_timeout(now);
            self.b.handle_timeout(now);
            self.pump();
        }
    }

    fn pump(&mut self) {
        let now = self.now;
        drain(&mut self.a, &mut self.a_seen, &mut self.ab, now);
        drain(&mut self.b, &mut self.b_seen, &mut self.ba, now);
    }
}

fn drain(s: &mut Session, seen: &mut Seen, link: &mut Link<Datagram>, now: Instant) {
    while let Some(t) = s.poll_transmit() {
        if rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtcp {
            seen.rtcp_times.push(now);
        }
        link.send(now, Datagram(t.component, t.contents.clone()));
        seen.sent.push(t);
    }
    while let Some(e) = s.poll_event() {
        seen.events.push(e);
    }
    while let Some((ssrc, p)) = s.poll_playout(now) {
        match p {
            Playout::Frame(f) => {
                seen.frames.push((ssrc, f.sequence_number()));
                seen.frame_clocks.push((
                    ssrc,
                    f.timestamp(),
                    f.playout_time(),
                    f.sender_wallclock(),
                ));
            }
            Playout::Conceal(_) => seen.concealed += 1,
            other => panic!("a playout these tests do not know: {other:?}"),
        }
    }
}

pub fn clean() -> LinkConfig {
    LinkConfig {
        base_delay: Duration::from_millis(20),
        ..LinkConfig::default()
    }
}

pub fn lossy() -> LinkConfig {
    LinkConfig {
        base_delay: Duration::from_millis(40),
        jitter: Jitter::Gaussian {
            sigma: Duration::from_millis(8),
        },
        loss: Loss::Random(0.05),
        reorder: Some(Reorder {
            probability: 0.02,
            depth: 3,
        }),
        ..LinkConfig::default()
    }
}

pub const PROFILE: ProtectionProfile = ProtectionProfile::AesCm128HmacSha1_80;

pub fn key(b: u8) -> MasterKey {
    MasterKey::new(PROFILE, &[b; 16], &[b; 14]).unwrap()
}

pub fn srtp_pair(link: LinkConfig, seed: u64, mux: bool) -> Pair {
    let (mut a, mut b) = configs(mux);
    a.security = Security::Srtp(SrtpKeys::new(PROFILE, key(1), key(2)));
    b.security = Security::Srtp(SrtpKeys::new(PROFILE, key(2), key(1)));
    Pair::new(a, b, link, seed)
}

pub fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

/// Certificates and fingerprints for a DTLS-SRTP pair.
pub struct Certs {
    pub a: dtls::Certificate,
    pub b: dtls::Certificate,
}

impl Certs {
    pub fn new(seed: u8) -> Self {
        let mut r = chacha20::ChaCha20Rng::from_seed([seed; 32]);
        Self {
            a: dtls::Certificate::generate_with_rng("a", &mut r).unwrap(),
            b: dtls::Certificate::generate_with_rng("b", &mut r).unwrap(),
        }
    }
}

/// A DTLS-SRTP pair: `a` the client, `b` the server, each requiring the other's
/// fingerprint. Nothing has run yet.
pub fn dtls_pair(mux: bool, seed: u64) -> Pair {
    let certs = Certs::new(seed as u8);
    let fp_b = fingerprint(&certs.b);
    let (a, b) = dtls_configs(mux, certs, fp_b);
    Pair::new(a, b, clean(), seed)
}

/// Configurations pointing at each other with DTLS-SRTP: `a` the client with `certs.a`,
/// requiring `a_expects`; `b` the server with `certs.b`, requiring `certs.a`'s fingerprint.
pub fn dtls_configs(mux: bool, certs: Certs, a_expects: dtls::Fingerprint) -> (Config, Config) {
    let (mut a, mut b) = configs(mux);
    let fp_a = fingerprint(&certs.a);
    a.security = dtls_security(dtls::Role::Client, certs.a, vec![a_expects]);
    b.security = dtls_security(dtls::Role::Server, certs.b, vec![fp_a]);
    (a, b)
}

/// Holds a configuration's DTLS to 1.2, for tests that look at DTLS 1.2 records on the
/// wire (alerts in the clear, the 1.2 flights); the others run the default, DTLS 1.3.
pub fn dtls12(config: &mut Config) {
    if let Security::Dtls { config, .. } = &mut config.security {
        let mut c = (**config).clone();
        c.max_version = dtls::ProtocolVersion::Dtls12;
        *config = std::sync::Arc::new(c);
    }
}

/// DTLS-SRTP in `role` with `cert`, requiring the peer's certificate to match one of
/// `peers`.
pub fn dtls_security(
    role: dtls::Role,
    cert: dtls::Certificate,
    peers: Vec<dtls::Fingerprint>,
) -> Security {
    Security::Dtls {
        role,
        config: std::sync::Arc::new(dtls::Config::new(cert)),
        peer_fingerprints: peers,
    }
}

/// The SHA-256 fingerprint of `cert`, as `a=fingerprint` announces it.
pub fn fingerprint(cert: &dtls::Certificate) -> dtls::Fingerprint {
    cert.fingerprint(dtls::HashFunction::Sha256)
}

/// A plain RTP packet of `ssrc` with sequence number `seq` and 160 bytes of payload, at
/// the timestamp of a 20 ms G.711 stream.
pub fn plain_rtp(ssrc: u32, seq: u16) -> Vec<u8> {
    let timestamp = u32::from(seq) * 160;
    let header = rtp_packet::RtpHeader::new(rtp_packet::PayloadType::PCMU, seq, timestamp, ssrc);
    let mut buf = vec![0u8; 300];
    let n = rtp_packet::PacketWriter::new(&mut buf, &header)
        .unwrap()
        .finish(&[0; 160], 0)
        .unwrap();
    buf.truncate(n);
    buf
}

/// A valid RR compound from SSRC 5, for injecting RTCP by hand.
pub fn receiver_report() -> Vec<u8> {
    let mut rr = [0u8; 64];
    let n = rtcp::write_compound(
        &[rtcp::AnyPacket::ReceiverReport(rtcp::ReceiverReport {
            ssrc: 5,
            ..Default::default()
        })],
        0,
        &mut rr,
    )
    .unwrap();
    rr[..n].to_vec()
}

/// Whether `d` is one well-formed epoch-0 (plaintext) DTLS alert record.
pub fn is_plaintext_alert(d: &[u8]) -> bool {
    d.len() == 15 && d[0] == 21 && d[3..5] == [0, 0] && dtls::Alert::parse(&d[13..]).is_ok()
}
