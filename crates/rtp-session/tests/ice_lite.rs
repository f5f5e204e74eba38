//! ICE-lite in the session (RFC 8445 §2.5, §7.3; RFC 7675 consent): checks from a full
//! agent are answered, USE-CANDIDATE nominates, media and DTLS go only to the nominated
//! address, unauthenticated checks change nothing in any state, role conflicts get 487,
//! and the call ends cleanly when consent expires.

mod common;

use rand_core::SeedableRng;
use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use rtp_session::{Component, Config, Event, IceConfig, IceCredentials, MidExtension, Session};
use stun::{Class, Message, MessageWriter, Method, TransactionId};

const LOCAL_UFRAG: &str = "liteUfrg";
const LOCAL_PWD: &str = "aLitePasswordOf24Chars00";
const PEER_UFRAG: &str = "brws";
const THIRD: &str = "198.51.100.9:40000";

fn ice_config(role: dtls::Role, certs: &Certs) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    c.security = dtls_security(role, certs.a.clone(), vec![fingerprint(&certs.b)]);
    c.ice = Some(IceConfig::new(
        IceCredentials::new(LOCAL_UFRAG, LOCAL_PWD).unwrap(),
        Some(PEER_UFRAG.into()),
    ));
    c.mid = Some(MidExtension {
        id: 4,
        mid: "0".into(),
    });
    c
}

/// `a` is the ICE-lite session; `b` a plain DTLS peer aimed at `a`, standing in for the
/// browser's media stack (its checks are injected by hand, as from `b`'s address).
fn ice_pair(a_role: dtls::Role, seed: u8) -> Pair {
    let certs = Certs::new(seed);
    let a = ice_config(a_role, &certs);
    let b_role = match a_role {
        dtls::Role::Client => dtls::Role::Server,
        dtls::Role::Server => dtls::Role::Client,
    };
    let mut b = Config::new();
    b.transport.rtcp_mux = true;
    b.transport.remote_rtp = Some(addr(A_ADDR));
    b.transport.remote_rtcp = Some(addr(A_ADDR));
    b.security = dtls_security(b_role, certs.b.clone(), vec![fingerprint(&certs.a)]);
    Pair::new(a, b, clean(), u64::from(seed))
}

struct Check<'a> {
    username: &'a str,
    pwd: &'a str,
    use_candidate: bool,
    controlled: bool,
    id: u8,
}

impl Default for Check<'_> {
    fn default() -> Self {
        Self {
            username: "liteUfrg:brws",
            pwd: LOCAL_PWD,
            use_candidate: false,
            controlled: false,
            id: 1,
        }
    }
}

fn check(c: Check<'_>) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        Method::BINDING,
        TransactionId::new([c.id; 12]),
    )
    .unwrap();
    w.username(c.username)
        .unwrap()
        .priority(0x6e7f_1eff)
        .unwrap();
    if c.controlled {
        w.ice_controlled(7).unwrap();
    } else {
        w.ice_controlling(7).unwrap();
    }
    if c.use_candidate {
        w.use_candidate().unwrap();
    }
    w.message_integrity(c.pwd.as_bytes()).unwrap();
    let n = w.finish_with_fingerprint().unwrap();
    buf[..n].to_vec()
}

fn inject(p: &mut Pair, from: SocketAddr, mut datagram: Vec<u8>) {
    let now = p.now;
    p.a.handle_datagram(now, Component::Rtp, from, &mut datagram);
}

/// The STUN answers `a` sent, with their destinations.
fn stun_sent(p: &Pair) -> Vec<(SocketAddr, Vec<u8>)> {
    p.a_seen
        .sent
        .iter()
        .filter(|t| rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Stun)
        .map(|t| (t.destination, t.contents.clone()))
        .collect()
}

fn nominated(events: &[Event]) -> Vec<SocketAddr> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::IceNominated { address } => Some(*address),
            _ => None,
        })
        .collect()
}

fn is_dtls(d: &[u8]) -> bool {
    rtp_packet::classify(d) == rtp_packet::PacketKind::Dtls
}

#[test]
fn an_answer_carries_the_mapped_address_and_our_integrity() {
    let mut p = ice_pair(dtls::Role::Server, 1);
    let b = addr(B_ADDR);
    inject(&mut p, b, check(Check::default()));
    p.run(Duration::from_millis(1));
    let sent = stun_sent(&p);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (to, bytes) = &sent[0];
    assert_eq!(*to, b);
    let m = Message::parse(bytes).unwrap();
    assert_eq!(m.class(), Class::SuccessResponse);
    assert_eq!(m.method(), Method::BINDING);
    assert_eq!(m.transaction_id(), TransactionId::new([1; 12]));
    assert_eq!(m.xor_mapped_address(), Some(Ok(b)));
    m.verify_integrity(LOCAL_PWD.as_bytes()).unwrap();
    m.verify_fingerprint().unwrap();
    // Checked, but not nominated: nothing goes to the peer yet.
    assert!(nominated(&p.a_seen.events).is_empty());
    assert_eq!(p.a.remote_rtp(), None);
    assert!(!p.a.is_keyed());
}

fn call(a_role: dtls::Role, seed: u8) -> Pair {
    let mut p = ice_pair(a_role, seed);
    let b = addr(B_ADDR);
    // Before any check, the peer's DTLS is dropped unread (when it is the client).
    p.run(Duration::from_millis(300));
    if a_role == dtls::Role::Server {
        assert!(p.a.counters().ice_unchecked >= 1, "{:?}", p.a.counters());
    }
    assert!(
        !p.a_seen.sent.iter().any(|t| is_dtls(&t.contents)),
        "no DTLS before nomination"
    );
    inject(
        &mut p,
        b,
        check(Check {
            use_candidate: true,
            id: 2,
            ..Check::default()
        }),
    );
    p.run(Duration::from_secs(4));
    assert_eq!(nominated(&p.a_seen.events), vec![b]);
    assert_eq!(p.a.remote_rtp(), Some(b));
    assert!(p.a.is_keyed() && p.b.is_keyed(), "{:?}", p.a.counters());
    p
}

#[test]
fn use_candidate_nominates_and_dtls_keys_with_us_as_server() {
    let p = call(dtls::Role::Server, 2);
    let b = addr(B_ADDR);
    assert!(p.a_seen.sent.iter().all(|t| t.destination == b));
    assert!(p.b_seen.frames.len() > 100, "{}", p.b_seen.frames.len());
    assert!(p.a_seen.frames.len() > 100, "{}", p.a_seen.frames.len());
}

#[test]
fn use_candidate_nominates_and_dtls_keys_with_us_as_client() {
    let p = call(dtls::Role::Client, 3);
    assert!(p.b_seen.frames.len() > 100, "{}", p.b_seen.frames.len());
}

#[test]
fn our_rtp_carries_the_mid_extension() {
    let certs = Certs::new(4);
    let mut c = ice_config(dtls::Role::Server, &certs);
    c.security = rtp_session::Security::None;
    let now = std::time::Instant::now();
    let mut a = Session::new(now, c, rng(4)).unwrap();
    let mut d = check(Check {
        use_candidate: true,
        ..Check::default()
    });
    a.handle_datagram(now, Component::Rtp, addr(B_ADDR), &mut d);
    a.send(now, &[1; 40], 960, true).unwrap();
    let rtp = std::iter::from_fn(|| a.poll_transmit())
        .find(|t| rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtp)
        .unwrap();
    let packet = rtp_packet::RtpPacket::parse(&rtp.contents).unwrap();
    assert_eq!(
        packet.header_extension().unwrap().get(4).unwrap(),
        Some(&b"0"[..])
    );
    assert_eq!(packet.payload(), &[1; 40]);
}

fn forged_checks() -> Vec<(&'static str, Vec<u8>)> {
    let mut bad_fingerprint = check(Check {
        use_candidate: true,
        ..Check::default()
    });
    let last = bad_fingerprint.len() - 1;
    bad_fingerprint[last] ^= 1;
    let mut response = check(Check::default());
    response[0..2].copy_from_slice(&0x0101u16.to_be_bytes());
    vec![
        (
            "wrong password",
            check(Check {
                pwd: "notTheRightPassword00000",
                use_candidate: true,
                ..Check::default()
            }),
        ),
        (
            "another user",
            check(Check {
                username: "otherUfr:brws",
                use_candidate: true,
                ..Check::default()
            }),
        ),
        (
            "another peer ufrag",
            check(Check {
                username: "liteUfrg:evil",
                use_candidate: true,
                ..Check::default()
            }),
        ),
        ("bad fingerprint", bad_fingerprint),
        ("a response", response),
        ("truncated", check(Check::default())[..30].to_vec()),
    ]
}

fn assert_forgeries_change_nothing(p: &mut Pair, state: &str) {
    let before = p.a.counters();
    let remote = p.a.remote_rtp();
    let sent = stun_sent(p).len();
    let events = p.a_seen.events.len();
    let forged = forged_checks();
    for from in [addr(B_ADDR), addr(THIRD)] {
        for (what, d) in &forged {
            inject(p, from, d.clone());
            assert_eq!(p.a.remote_rtp(), remote, "{state}: {what} from {from}");
        }
    }
    p.run(Duration::from_millis(1));
    let after = p.a.counters();
    assert_eq!(
        after.stun_rejected - before.stun_rejected,
        2 * forged.len() as u64,
        "{state}"
    );
    assert_eq!(
        stun_sent(p).len(),
        sent,
        "{state}: forgeries are never answered"
    );
    assert!(nominated(&p.a_seen.events[events..]).is_empty(), "{state}");
    // The third address passed no check: its media and DTLS are dropped unread.
    inject(p, addr(THIRD), plain_rtp(77, 1));
    assert_eq!(
        p.a.counters().ice_unchecked,
        after.ice_unchecked + 1,
        "{state}"
    );
}

#[test]
fn unauthenticated_checks_change_nothing_in_any_state() {
    // A fresh session.
    let mut p = ice_pair(dtls::Role::Server, 5);
    assert_forgeries_change_nothing(&mut p, "fresh");
    // A handshake in progress: nominated, DTLS under way.
    inject(
        &mut p,
        addr(B_ADDR),
        check(Check {
            use_candidate: true,
            ..Check::default()
        }),
    );
    p.run(Duration::from_millis(30));
    assert!(!p.a.is_keyed());
    assert_forgeries_change_nothing(&mut p, "handshake");
    // A live call carrying media.
    p.run(Duration::from_secs(3));
    assert!(p.a.is_keyed());
    let frames = p.b_seen.frames.len();
    assert_forgeries_change_nothing(&mut p, "live");
    p.run(Duration::from_secs(1));
    assert!(p.b_seen.frames.len() > frames + 40);
}

#[test]
fn a_controlled_peer_gets_a_role_conflict_and_nothing_changes() {
    let mut p = ice_pair(dtls::Role::Server, 6);
    inject(
        &mut p,
        addr(B_ADDR),
        check(Check {
            controlled: true,
            use_candidate: true,
            id: 9,
            ..Check::default()
        }),
    );
    p.run(Duration::from_millis(1));
    let sent = stun_sent(&p);
    assert_eq!(sent.len(), 1);
    let m = Message::parse(&sent[0].1).unwrap();
    assert_eq!(m.class(), Class::ErrorResponse);
    assert_eq!(m.error_code().unwrap().unwrap().code(), 487);
    m.verify_integrity(LOCAL_PWD.as_bytes()).unwrap();
    assert_eq!(p.a.counters().ice_role_conflicts, 1);
    assert_eq!(p.a.remote_rtp(), None);
    assert!(nominated(&p.a_seen.events).is_empty());
}

fn consent_expired(events: &[Event]) -> Vec<Option<SocketAddr>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::IceConsentExpired { address } => Some(*address),
            _ => None,
        })
        .collect()
}

#[test]
fn consent_lasts_while_checks_come_and_expires_30_s_after_the_last() {
    let mut p = call(dtls::Role::Server, 7);
    let b = addr(B_ADDR);
    // A minute of consent checks every 5 s, plus forged ones that must not count.
    for i in 0..12u8 {
        p.run(Duration::from_secs(5));
        inject(
            &mut p,
            b,
            check(Check {
                id: 10 + i,
                ..Check::default()
            }),
        );
        inject(&mut p, b, forged_checks().remove(0).1);
    }
    assert!(consent_expired(&p.a_seen.events).is_empty());
    assert!(!p.a.is_closed());
    let last_check = p.now;
    // Only forgeries from now on.
    for _ in 0..5 {
        p.run(Duration::from_secs(5));
        inject(&mut p, b, forged_checks().remove(0).1);
    }
    assert!(
        consent_expired(&p.a_seen.events).is_empty(),
        "29 s is not enough"
    );
    p.run(Duration::from_secs(6));
    assert_eq!(consent_expired(&p.a_seen.events), vec![Some(b)]);
    assert!(matches!(p.a_seen.events.last(), Some(Event::Closed)));
    assert!(p.a.is_closed());
    assert!(p.now >= last_check + Duration::from_secs(30));
    // Nothing leaves a session without consent: no BYE, no media.
    let sent = p.a_seen.sent.len();
    p.run(Duration::from_secs(2));
    assert_eq!(p.a_seen.sent.len(), sent);
    assert!(p.a.send(p.now, &[0; 160], 0, false).is_err());
}

#[test]
fn without_a_nomination_the_session_gives_up_after_30_s() {
    let mut p = ice_pair(dtls::Role::Client, 8);
    inject(&mut p, addr(B_ADDR), check(Check::default()));
    p.run(Duration::from_secs(29));
    assert!(consent_expired(&p.a_seen.events).is_empty());
    p.run(Duration::from_secs(2));
    assert_eq!(consent_expired(&p.a_seen.events), vec![None]);
    assert!(p.a.is_closed());
}

#[test]
fn ice_needs_mux_and_no_configured_remote() {
    let certs = Certs::new(9);
    let now = std::time::Instant::now();
    let mut c = ice_config(dtls::Role::Server, &certs);
    c.transport.rtcp_mux = false;
    assert!(matches!(
        Session::new(now, c, rng(1)),
        Err(rtp_session::Error::BadConfig(_))
    ));
    let mut c = ice_config(dtls::Role::Server, &certs);
    c.transport.remote_rtp = Some(addr(B_ADDR));
    assert!(matches!(
        Session::new(now, c, rng(1)),
        Err(rtp_session::Error::BadConfig(_))
    ));
    assert!(IceCredentials::new("abc", LOCAL_PWD).is_err());
    assert!(IceCredentials::new("abcd", "short").is_err());
    assert!(IceCredentials::new("ab:d", LOCAL_PWD).is_err());
    let random = IceCredentials::random(&mut chacha20::ChaCha20Rng::from_seed([3; 32]));
    assert_eq!((random.ufrag().len(), random.pwd().len()), (8, 24));
    assert!(!format!("{random:?}").contains(random.pwd()));
}

/// Sends the `hostile` corpus to `a` from `from`, and checks that it nominated nothing,
/// moved no media address, failed no DTLS and ended nothing. From the nominated peer
/// during the handshake, the cases that end a handshake by design are left out, as in
/// `hostile_corpus.rs`: a plaintext alert (nothing can be authenticated before the keys)
/// and an unsolicited ServerHello.
fn corpus_changes_nothing(p: &mut Pair, from: SocketAddr, state: &str) {
    let remote = p.a.remote_rtp();
    let events = p.a_seen.events.len();
    let stun = stun_sent(p).len();
    let handshaking_peer = state == "handshake" && Some(from) == remote;
    for case in hostile::corpus() {
        let plaintext_alert = case.bytes.len() == 15
            && case.bytes[0] == 21
            && case.bytes[3..5] == [0, 0]
            && dtls::Alert::parse(&case.bytes[13..]).is_ok();
        if handshaking_peer && (plaintext_alert || case.name == "dtls/server_hello_unsolicited") {
            continue;
        }
        inject(p, from, case.bytes.clone());
        assert_eq!(
            p.a.remote_rtp(),
            remote,
            "{state}: {} from {from}",
            case.name
        );
    }
    p.run(Duration::from_millis(1));
    let new = &p.a_seen.events[events..];
    assert!(nominated(new).is_empty(), "{state}: {new:?}");
    assert!(
        !new.iter().any(|e| matches!(
            e,
            Event::DtlsFailed { .. } | Event::IceConsentExpired { .. }
        )),
        "{state}: {new:?}"
    );
    // The corpus holds no check with our password: nothing in it is answered.
    assert_eq!(stun_sent(p).len(), stun, "{state}");
}

#[test]
fn the_hostile_corpus_changes_nothing_in_any_state() {
    let b = addr(B_ADDR);
    let third = addr(THIRD);
    // A fresh session, before any check: nothing from anywhere gets in.
    let mut p = ice_pair(dtls::Role::Server, 8);
    for from in [b, third] {
        corpus_changes_nothing(&mut p, from, "fresh");
    }
    assert_eq!(p.a.remote_rtp(), None);
    // A handshake in progress: nominated, DTLS under way.
    inject(
        &mut p,
        b,
        check(Check {
            use_candidate: true,
            ..Check::default()
        }),
    );
    p.run(Duration::from_millis(30));
    assert!(!p.a.is_keyed());
    for from in [b, third] {
        corpus_changes_nothing(&mut p, from, "handshake");
    }
    p.run(Duration::from_secs(3));
    assert!(p.a.is_keyed() && p.b.is_keyed(), "{:?}", p.a.counters());
    // A live call carrying media: from the nominated peer and from a third address.
    let frames = p.b_seen.frames.len();
    let received = p.a_seen.frames.len();
    for from in [b, third] {
        corpus_changes_nothing(&mut p, from, "live");
    }
    p.run(Duration::from_secs(1));
    assert!(p.a.is_keyed());
    assert!(p.b_seen.frames.len() > frames + 40, "we still send");
    assert!(p.a_seen.frames.len() > received + 40, "we still receive");
}
