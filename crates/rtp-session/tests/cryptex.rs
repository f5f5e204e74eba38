//! Cryptex (RFC 9335) through two sessions keyed by SDES: `a=cryptex` in both SDPs turns it
//! on in both directions, and the MID header extension then travels encrypted under
//! 0xC0DE; with `a=cryptex` on one side only it stays off and the MID is in clear.

use rtp_session::{
    ChaCha20Rng, Component, Config, Event, MidExtension, Security, SeedableRng, Session, SrtpKeys,
};
use std::net::SocketAddr;
use std::time::Instant;

const WITH: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
    m=audio 5004 RTP/SAVP 0\r\na=cryptex\r\n";
const WITHOUT: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n\
    m=audio 5004 RTP/SAVP 0\r\n";

fn key(fill: u8) -> srtp::MasterKey {
    let p = srtp::ProtectionProfile::AeadAes128Gcm;
    srtp::MasterKey::new(p, &[fill; 16], &[fill ^ 0x5a; 12]).unwrap()
}

fn session(ours: &str, theirs: &str, local: u8, remote: u8, peer: SocketAddr) -> Session {
    let mut keys = SrtpKeys::new(
        srtp::ProtectionProfile::AeadAes128Gcm,
        key(local),
        key(remote),
    );
    keys.negotiate_cryptex(ours, theirs, 0).unwrap();
    let mut c = Config::new();
    c.transport.remote_rtp = Some(peer);
    c.transport.rtcp_mux = true;
    c.security = Security::Srtp(keys);
    c.mid = Some(MidExtension {
        id: 3,
        mid: "audio".into(),
    });
    let rng = Box::new(ChaCha20Rng::from_seed([local; 32]));
    Session::new(Instant::now(), c, rng).unwrap()
}

/// Sends two packets from `from` to `to`; returns the extension block's first word
/// as sent and whether the MID's bytes were readable on the wire.
fn send(from: &mut Session, to: &mut Session, from_addr: SocketAddr) -> ([u8; 2], bool) {
    let now = Instant::now();
    let mut seen = ([0; 2], false);
    for i in 0..2u16 {
        from.send(now, &[0x11; 160], 160 * u32::from(i), i == 0)
            .unwrap();
        let mut t = from.poll_transmit().unwrap();
        let wire = &t.contents;
        assert_eq!(wire[0] & 0x10, 0x10, "the MID extension is there");
        seen = ([wire[12], wire[13]], wire.windows(5).any(|w| w == b"audio"));
        to.handle_datagram(now, Component::Rtp, from_addr, &mut t.contents);
    }
    let Some(Event::NewSource { ssrc, .. }) = to.poll_event() else {
        panic!("a new source")
    };
    assert_eq!(ssrc, from.local_ssrc());
    assert_eq!(to.counters().unprotect_failures, 0);
    seen
}

/// Sessions `a` (with SDP `a_sdp`, the peer's `b_sdp`) and `b` send to each other once
/// each way; both packets must carry the extension `profile`, the MID in clear or not as
/// `mid_in_clear` says, and each side count `cryptex` packets sent and received.
fn exchange(a_sdp: &str, b_sdp: &str, profile: [u8; 2], mid_in_clear: bool, cryptex: u64) {
    let (a_addr, b_addr): (SocketAddr, SocketAddr) = (
        "192.0.2.1:5004".parse().unwrap(),
        "192.0.2.2:5004".parse().unwrap(),
    );
    let mut a = session(a_sdp, b_sdp, 1, 2, b_addr);
    let mut b = session(b_sdp, a_sdp, 2, 1, a_addr);
    assert_eq!(send(&mut a, &mut b, a_addr), (profile, mid_in_clear));
    assert_eq!(send(&mut b, &mut a, b_addr), (profile, mid_in_clear));
    for s in [&a, &b] {
        let c = s.counters();
        assert_eq!((c.cryptex_sent, c.cryptex_received), (cryptex, cryptex));
    }
}

#[test]
fn both_sides_with_a_cryptex_encrypt_the_mid_both_ways() {
    exchange(WITH, WITH, [0xc0, 0xde], false, 2);
}

#[test]
fn one_side_without_a_cryptex_keeps_it_off() {
    exchange(WITH, WITHOUT, [0xbe, 0xde], true, 0);
}
