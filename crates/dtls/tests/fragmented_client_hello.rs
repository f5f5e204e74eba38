//! A ClientHello too large for one datagram (RFC 6347 §4.2.3): Chromium's DTLS 1.3 offer
//! with an X25519MLKEM768 key share is 1,413 bytes and comes in fragments, each in its own
//! datagram, before and after the cookie exchange. The per-peer server and the many-peer
//! front door put it together within fixed bounds, answer only the complete message, and
//! answer DTLS 1.3 offers with DTLS 1.2.

use dtls::internal::{
    ClientHello, ContentType, HandshakeMessage, HandshakeType, encode_message, parse_fragments,
    records,
};
use dtls::{
    Connection, CookieSecret, HELLO_FRAGMENT_LIFETIME, HelloVerdict, MAX_CLIENT_HELLO_LEN,
    MAX_PENDING_HELLOS, PendingHellos, Received,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{PEER, configs, connected_pair, fp, pump, record, rng};

/// The length of Chromium 156's cookie-less ClientHello body.
const CHROMIUM_HELLO_LEN: usize = 1413;
/// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), which we do not implement.
const X25519_MLKEM768: u16 = 0x11EC;

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn vec8(body: &[u8]) -> Vec<u8> {
    let mut out = vec![body.len() as u8];
    out.extend_from_slice(body);
    out
}

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn extension(ty: u16, body: &[u8]) -> Vec<u8> {
    let mut out = ty.to_be_bytes().to_vec();
    out.extend(vec16(body));
    out
}

/// A ClientHello body shaped like Chromium 156's DTLS 1.3 offer: legacy version DTLS 1.2,
/// TLS 1.3 and 1.2 suites with GREASE, supported_groups {GREASE, X25519MLKEM768, X25519,
/// P-256, P-384}, supported_versions {GREASE, DTLS 1.3, DTLS 1.2}, key_share with a
/// 1,216-byte X25519MLKEM768 share and an X25519 share, and padding to 1,413 bytes
/// without a cookie.
fn chromium_hello(cookie: &[u8]) -> Vec<u8> {
    let mut key_shares = u16s(&[X25519_MLKEM768, 1216]);
    key_shares.extend([0x42; 1216]);
    key_shares.extend(u16s(&[0x001D, 32]));
    key_shares.extend([0x24; 32]);
    let mut srtp = vec16(&u16s(&[0x0007, 0x0008, 0x0001, 0x0002]));
    srtp.push(0);
    let extensions = [
        extension(0xFF01, &[0]),
        extension(23, &[]),
        extension(10, &vec16(&u16s(&[0x4A4A, X25519_MLKEM768, 29, 23, 24]))),
        extension(11, &vec8(&[0])),
        extension(
            13,
            &vec16(&u16s(&[
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ])),
        ),
        extension(14, &srtp),
        extension(43, &vec8(&u16s(&[0x6A6A, 0xFEFC, 0xFEFD]))),
        extension(51, &vec16(&key_shares)),
    ]
    .concat();
    let body = |cookie: &[u8], extensions: &[u8]| {
        let mut b = u16s(&[0xFEFD]);
        b.extend([0x5A; 32]);
        b.extend(vec8(&[]));
        b.extend(vec8(cookie));
        b.extend(vec16(&u16s(&[
            0x1A1A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0xC009, 0xC013, 0xC00A,
            0xC014,
        ])));
        b.extend(vec8(&[0]));
        b.extend(vec16(extensions));
        b
    };
    // The padding extension (RFC 7685) brings the cookie-less hello to Chromium's length.
    let base = body(&[], &extensions).len();
    let pad = CHROMIUM_HELLO_LEN
        .checked_sub(base + 4)
        .unwrap_or_else(|| panic!("{base}"));
    let mut padded = extensions;
    padded.extend(extension(21, &vec![0; pad]));
    body(cookie, &padded)
}

/// One handshake fragment of a ClientHello `body`, `range` of it.
fn fragment(body: &[u8], message_seq: u16, range: std::ops::Range<usize>) -> Vec<u8> {
    handshake_fragment(1, body.len(), message_seq, range.start, &body[range])
}

/// A handshake fragment's bytes: header and body.
fn handshake_fragment(
    msg_type: u8,
    length: usize,
    message_seq: u16,
    offset: usize,
    body: &[u8],
) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend(&(length as u32).to_be_bytes()[1..]);
    out.extend(message_seq.to_be_bytes());
    out.extend(&(offset as u32).to_be_bytes()[1..]);
    out.extend(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend(body);
    out
}

/// The ClientHello `body` cut at `cuts`, each piece in a record of its own (numbered from
/// `first_record`) in a datagram of its own.
fn split(body: &[u8], message_seq: u16, first_record: u64, cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(body.len());
    bounds
        .windows(2)
        .zip(first_record..)
        .map(|(w, seq)| {
            let frag = fragment(body, message_seq, w[0]..w[1]);
            record(0, seq, ContentType::Handshake, &frag)
        })
        .collect()
}

fn parse_hello(body: &[u8]) -> ClientHello {
    match HandshakeMessage::parse(HandshakeType::ClientHello, body) {
        Ok(HandshakeMessage::ClientHello(h)) => h,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// The HelloVerifyRequest datagram we expect for `cookie`, answering a ClientHello whose
/// (highest) record number is `record_seq`: DTLS 1.0 as its server_version (RFC 6347
/// §4.2.1).
fn expected_hvr(record_seq: u8, message_seq: u8, cookie: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, record_seq, 0, 47];
    out.extend([
        3,
        0,
        0,
        35,
        0,
        message_seq,
        0,
        0,
        0,
        0,
        0,
        35,
        0xFE,
        0xFF,
        32,
    ]);
    out.extend(cookie);
    out
}

/// The configuration a front end judges hellos for: the server's (capped at DTLS 1.2 in
/// these suites, so a Chromium-shaped hello that offers 1.3 still meets the 1.2 front
/// door; tests/dtls13.rs has the 1.3 one).
fn front() -> Arc<dtls::Config> {
    Arc::new(configs().1.clone())
}

/// A front end's secret and the server connection it creates for `PEER`.
fn secret() -> Arc<CookieSecret> {
    Arc::new(CookieSecret::generate_with_rng(&mut rng(40)))
}

fn server(secret: &Arc<CookieSecret>, now: Instant) -> Connection {
    let mut s = Connection::server_with_cookie_secret(
        Arc::new(configs().1.clone()),
        rng(41),
        secret.clone(),
        PEER,
        now,
    );
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    s
}

/// Takes the server's flight 4 and checks what a DTLS 1.3 client needs of it: a DTLS 1.2
/// ServerHello (0xFEFD) numbered like the ClientHello that carried the cookie
/// (`record_seq`), no downgrade sentinel in its random (we speak no DTLS 1.3, RFC 8446
/// §4.1.3), none of the extensions it does not know (supported_versions, key_share), and
/// X25519 for the key exchange although X25519MLKEM768 was offered first.
fn check_flight_4(server: &mut Connection, record_seq: u64) {
    let mut messages: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut first_record = None;
    while let Some(d) = server.poll_transmit() {
        for rec in records(d) {
            let rec = rec.unwrap();
            first_record.get_or_insert(rec.header.sequence_number);
            for f in parse_fragments(rec.fragment).unwrap() {
                let i = usize::from(f.header.message_seq);
                if messages.len() <= i {
                    messages.resize(i + 1, (0, Vec::new()));
                }
                messages[i].0 = f.header.msg_type.to_u8();
                let body = &mut messages[i].1;
                body.resize(f.header.length as usize, 0);
                let at = f.header.fragment_offset as usize;
                body[at..at + f.body.len()].copy_from_slice(f.body);
            }
        }
    }
    assert_eq!(first_record, Some(record_seq));
    let (ty, body) = messages.iter().find(|m| m.0 == 2).expect("a ServerHello");
    let Ok(HandshakeMessage::ServerHello(sh)) =
        HandshakeMessage::parse(HandshakeType::ServerHello, body)
    else {
        panic!("ServerHello {ty}")
    };
    assert_eq!(sh.server_version, 0xFEFD);
    assert_ne!(&sh.random[24..], b"DOWNGRD\x01");
    assert_ne!(&sh.random[24..], b"DOWNGRD\x00");
    // Re-encoding what parsed gives the same bytes: the ServerHello holds no extension
    // but the ones we know (the parse skips unknown ones).
    let mut again = Vec::new();
    HandshakeMessage::ServerHello(sh.clone()).write_body(&mut again);
    assert_eq!(&again, body);
    assert!(sh.extensions.extended_master_secret && sh.extensions.use_srtp.is_some());
    let (_, ske) = messages
        .iter()
        .find(|m| m.0 == 12)
        .expect("a ServerKeyExchange");
    let Ok(HandshakeMessage::ServerKeyExchange(ske)) =
        HandshakeMessage::parse(HandshakeType::ServerKeyExchange, ske)
    else {
        panic!("ServerKeyExchange")
    };
    assert_eq!((ske.group, ske.public.len()), (29, 32), "X25519");
}

#[test]
fn the_chromium_shaped_hello_is_what_it_claims() {
    let hello = chromium_hello(&[]);
    assert_eq!(hello.len(), CHROMIUM_HELLO_LEN);
    assert_eq!(chromium_hello(&[7; 32]).len(), CHROMIUM_HELLO_LEN + 32);
    // Every extension we do not know is skipped, not refused.
    let parsed = parse_hello(&hello);
    assert_eq!(
        parsed.extensions.supported_groups,
        Some(vec![0x4A4A, X25519_MLKEM768, 29, 23, 24])
    );
    assert!(parsed.extensions.extended_master_secret);
}

#[test]
fn the_front_door_challenges_a_chromium_hello_after_its_last_fragment_and_accepts_the_fragmented_retry()
 {
    let now = Instant::now();
    let secret = secret();
    let mut pending = PendingHellos::new();
    let hello = chromium_hello(&[]);
    let first = split(&hello, 0, 0, &[1150]);
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, now, PEER, &first[0]),
        HelloVerdict::Buffered
    );
    assert_eq!(
        (pending.len(), pending.buffered_bytes()),
        (1, CHROMIUM_HELLO_LEN)
    );
    let HelloVerdict::Challenge(hvr) =
        secret.verify_datagram(&front(), &mut pending, now, PEER, &first[1])
    else {
        panic!("the last fragment completes the hello")
    };
    let cookie = dtls::internal::cookie(&secret, PEER, &parse_hello(&hello));
    assert_eq!(hvr, expected_hvr(1, 0, &cookie));
    let received: usize = first.iter().map(Vec::len).sum();
    assert!(hvr.len() <= received, "{} > {received}", hvr.len());
    assert!(pending.is_empty());

    // The retry carries the cookie and message_seq 1, in three fragments that arrive out
    // of order, one of them twice.
    let retry = chromium_hello(&cookie);
    let parts = split(&retry, 1, 2, &[480, 960]);
    let verdict = |pending: &mut PendingHellos, d: &[u8]| {
        secret.verify_datagram(&front(), pending, now, PEER, d)
    };
    assert_eq!(verdict(&mut pending, &parts[2]), HelloVerdict::Buffered);
    assert_eq!(verdict(&mut pending, &parts[2]), HelloVerdict::Drop);
    assert_eq!(verdict(&mut pending, &parts[0]), HelloVerdict::Buffered);
    let HelloVerdict::Accept(bytes) = verdict(&mut pending, &parts[1]) else {
        panic!("the cookie is valid")
    };
    // The connection gets the retry as one record, numbered like its last fragment.
    let whole = encode_message(HandshakeType::ClientHello, 1, &retry);
    assert_eq!(bytes, record(0, 4, ContentType::Handshake, &whole));
    assert!(pending.is_empty() && pending.dropped() == 0);
    // From another address the same fragments only draw a challenge.
    let other: SocketAddr = "192.0.2.77:5000".parse().unwrap();
    for d in &parts[..2] {
        secret.verify_datagram(&front(), &mut pending, now, other, d);
    }
    assert!(matches!(
        secret.verify_datagram(&front(), &mut pending, now, other, &parts[2]),
        HelloVerdict::Challenge(_)
    ));

    let mut server = server(&secret, now);
    assert_eq!(server.handle_datagram(now, &bytes), Ok(Received::Processed));
    check_flight_4(&mut server, 4);
}

#[test]
fn the_per_peer_server_answers_a_chromium_hello_only_when_complete() {
    let now = Instant::now();
    let secret = secret();
    let mut server = server(&secret, now);
    let hello = chromium_hello(&[]);
    let first = split(&hello, 0, 0, &[1150]);
    assert_eq!(
        server.handle_datagram(now, &first[0]),
        Ok(Received::Buffered)
    );
    assert!(server.poll_transmit().is_none(), "nothing for half a hello");
    assert_eq!(
        server.handle_datagram(now, &first[1]),
        Ok(Received::Processed)
    );
    let hvr = server.poll_transmit().unwrap().to_vec();
    let cookie = dtls::internal::cookie(&secret, PEER, &parse_hello(&hello));
    assert_eq!(hvr, expected_hvr(1, 0, &cookie));
    assert!(hvr.len() <= first.iter().map(Vec::len).sum());
    assert!(server.poll_transmit().is_none());

    let retry = chromium_hello(&cookie);
    let parts = split(&retry, 1, 2, &[480, 960]);
    assert_eq!(
        server.handle_datagram(now, &parts[1]),
        Ok(Received::Buffered)
    );
    assert_eq!(
        server.handle_datagram(now, &parts[2]),
        Ok(Received::Buffered)
    );
    // A duplicate changes nothing and is not counted as bad.
    assert_eq!(
        server.handle_datagram(now, &parts[1]),
        Ok(Received::Dropped)
    );
    assert!(server.poll_transmit().is_none());
    assert_eq!(
        server.handle_datagram(now, &parts[0]),
        Ok(Received::Processed)
    );
    assert_eq!(server.dropped_records(), 0);
    check_flight_4(&mut server, 4);
}

#[test]
fn the_server_picks_p256_when_configured_so_and_ignores_the_hybrid_group() {
    let now = Instant::now();
    let secret = secret();
    let mut config = configs().1.clone();
    config.groups = vec![dtls::NamedGroup::Secp256r1];
    let mut server =
        Connection::server_with_cookie_secret(Arc::new(config), rng(41), secret.clone(), PEER, now);
    server
        .require_peer_fingerprints(vec![fp(&configs().0)])
        .unwrap();
    let cookie = dtls::internal::cookie(&secret, PEER, &parse_hello(&chromium_hello(&[])));
    for d in split(&chromium_hello(&cookie), 1, 1, &[700]) {
        server.handle_datagram(now, &d).unwrap();
    }
    let mut groups = Vec::new();
    while let Some(d) = server.poll_transmit() {
        for rec in records(d) {
            for f in parse_fragments(rec.unwrap().fragment).unwrap() {
                if f.header.msg_type == HandshakeType::ServerKeyExchange
                    && f.header.fragment_offset == 0
                {
                    // ECParameters: curve_type named_curve (3), then the group.
                    groups.push(u16::from_be_bytes([f.body[1], f.body[2]]));
                }
            }
        }
    }
    assert_eq!(groups, [23]);
}

/// `d` as our client sent it, or, when it holds a whole ClientHello, that ClientHello cut
/// into three fragments in datagrams of their own, delivered out of order with one twice.
fn refragment(d: &[u8]) -> Vec<Vec<u8>> {
    let rec = records(d).next().unwrap().unwrap();
    let frags = parse_fragments(rec.fragment).unwrap_or_default();
    match frags.as_slice() {
        [f] if f.header.msg_type == HandshakeType::ClientHello && rec.header.epoch == 0 => {
            let body = f.body;
            let third = body.len() / 3;
            let parts = split(
                body,
                f.header.message_seq,
                3 * rec.header.sequence_number,
                &[third, 2 * third],
            );
            vec![
                parts[2].clone(),
                parts[0].clone(),
                parts[0].clone(),
                parts[1].clone(),
            ]
        }
        _ => vec![d.to_vec()],
    }
}

#[test]
fn our_client_connects_to_the_per_peer_server_with_every_hello_in_fragments() {
    let now = Instant::now();
    let (mut client, mut server) = common::pair(now);
    let mut hellos = 0;
    for _ in 0..16 {
        let mut moved = false;
        while let Some(d) = client.poll_transmit() {
            moved = true;
            let datagrams = refragment(d);
            if datagrams.len() > 1 {
                hellos += 1;
                let (last, rest) = datagrams.split_last().unwrap();
                for piece in rest {
                    server.handle_datagram(now, piece).unwrap();
                    assert!(!server.has_transmit(), "an answer before the last fragment");
                }
                assert_eq!(server.handle_datagram(now, last), Ok(Received::Processed));
            } else {
                server.handle_datagram(now, d).unwrap();
            }
        }
        while let Some(d) = server.poll_transmit() {
            moved = true;
            client.handle_datagram(now, d).unwrap();
        }
        if !moved {
            break;
        }
    }
    assert_eq!(hellos, 2, "the first hello and the one with the cookie");
    assert!(client.is_connected() && server.is_connected());
    assert_eq!(server.dropped_records(), 0);
}

#[test]
fn our_client_connects_through_the_front_door_with_every_hello_in_fragments() {
    let now = Instant::now();
    let secret = secret();
    let mut pending = PendingHellos::new();
    let mut client = common::pair(now).0;
    let mut accepted = None;
    for _ in 0..2 {
        let hello = client.poll_transmit().unwrap().to_vec();
        let datagrams = refragment(&hello);
        let received: usize = datagrams.iter().map(Vec::len).sum();
        let (last, rest) = datagrams.split_last().unwrap();
        for piece in rest {
            let v = secret.verify_datagram(&front(), &mut pending, now, PEER, piece);
            assert!(
                matches!(v, HelloVerdict::Buffered | HelloVerdict::Drop),
                "{v:?}"
            );
        }
        match secret.verify_datagram(&front(), &mut pending, now, PEER, last) {
            HelloVerdict::Challenge(hvr) => {
                assert!(hvr.len() <= received);
                client.handle_datagram(now, &hvr).unwrap();
            }
            HelloVerdict::Accept(bytes) => accepted = Some(bytes),
            other => panic!("{other:?}"),
        }
    }
    let bytes = accepted.expect("the hello with the cookie is accepted");
    assert!(pending.is_empty() && pending.dropped() == 0);
    let mut server = server(&secret, now);
    server.handle_datagram(now, &bytes).unwrap();
    assert_eq!(pump(&mut client, &mut server, now), (None, None));
    assert!(client.is_connected() && server.is_connected());
}

/// Fragments that cannot belong to the ClientHello being collected, after its first
/// 700 bytes (message_seq 1) arrived from `PEER`; each in a datagram of its own.
fn inconsistent(hello: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let rec = |seq: u64, frag: Vec<u8>| record(0, seq, ContentType::Handshake, &frag);
    let mut contradicting = hello[600..800].to_vec();
    contradicting[50] ^= 1;
    vec![
        (
            "another length",
            rec(
                1,
                handshake_fragment(1, hello.len() + 1, 1, 700, &hello[700..900]),
            ),
        ),
        (
            "an older message_seq",
            rec(
                1,
                handshake_fragment(1, hello.len(), 0, 700, &hello[700..900]),
            ),
        ),
        (
            "overlapping bytes that differ",
            rec(
                1,
                handshake_fragment(1, hello.len(), 1, 600, &contradicting),
            ),
        ),
        (
            "past the message's end",
            rec(1, handshake_fragment(1, hello.len(), 1, 1400, &[0; 20])),
        ),
        (
            "another handshake type",
            rec(
                1,
                handshake_fragment(16, hello.len(), 1, 700, &hello[700..900]),
            ),
        ),
        (
            "a record number past 2^32",
            rec(1 << 33, fragment(hello, 1, 700..900)),
        ),
        (
            "an empty fragment",
            rec(1, handshake_fragment(1, hello.len(), 1, 700, &[])),
        ),
    ]
}

#[test]
fn the_front_door_drops_and_counts_inconsistent_fragments_and_the_real_hello_still_gets_through() {
    let now = Instant::now();
    let secret = secret();
    let mut pending = PendingHellos::new();
    let hello = chromium_hello(&[]);
    let real = split(&hello, 1, 0, &[700]);
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, now, PEER, &real[0]),
        HelloVerdict::Buffered
    );
    let bad = inconsistent(&hello);
    for (i, (what, d)) in bad.iter().enumerate() {
        let verdict = secret.verify_datagram(&front(), &mut pending, now, PEER, d);
        assert_eq!(verdict, HelloVerdict::Drop, "{what}");
        assert_eq!(pending.dropped(), i as u64 + 1, "{what}");
        assert_eq!((pending.len(), pending.buffered_bytes()), (1, hello.len()));
    }
    // Too long to reassemble: nothing is held for a new address.
    let other: SocketAddr = "192.0.2.9:5000".parse().unwrap();
    let too_long = handshake_fragment(1, MAX_CLIENT_HELLO_LEN + 1, 0, 0, &hello[..900]);
    let too_long = record(0, 0, ContentType::Handshake, &too_long);
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, now, other, &too_long),
        HelloVerdict::Drop
    );
    assert_eq!(pending.dropped(), bad.len() as u64 + 1);
    assert_eq!(pending.len(), 1);
    let HelloVerdict::Challenge(hvr) =
        secret.verify_datagram(&front(), &mut pending, now, PEER, &real[1])
    else {
        panic!("the real rest completes the hello")
    };
    let cookie = dtls::internal::cookie(&secret, PEER, &parse_hello(&hello));
    assert_eq!(hvr, expected_hvr(1, 1, &cookie));
}

#[test]
fn the_per_peer_server_drops_and_counts_inconsistent_fragments_and_the_real_hello_still_gets_through()
 {
    let now = Instant::now();
    let secret = secret();
    let mut server = server(&secret, now);
    let hello = chromium_hello(&[]);
    let real = split(&hello, 1, 0, &[700]);
    assert_eq!(
        server.handle_datagram(now, &real[0]),
        Ok(Received::Buffered)
    );
    let bad = inconsistent(&hello);
    for (i, (what, d)) in bad.iter().enumerate() {
        assert_eq!(
            server.handle_datagram(now, d),
            Ok(Received::Dropped),
            "{what}"
        );
        assert_eq!(server.dropped_records(), i as u64 + 1, "{what}");
        assert!(server.poll_transmit().is_none(), "{what}");
    }
    let too_long = handshake_fragment(1, MAX_CLIENT_HELLO_LEN + 1, 1, 0, &hello[..900]);
    let too_long = record(0, 0, ContentType::Handshake, &too_long);
    assert_eq!(
        server.handle_datagram(now, &too_long),
        Ok(Received::Dropped)
    );
    assert_eq!(
        server.handle_datagram(now, &real[1]),
        Ok(Received::Processed)
    );
    let cookie = dtls::internal::cookie(&secret, PEER, &parse_hello(&hello));
    assert_eq!(server.poll_transmit().unwrap(), expected_hvr(1, 1, &cookie));
    assert_eq!(server.dropped_records(), bad.len() as u64 + 1);
}

/// The clock moved on by 10 µs.
fn tick(clock: &mut Instant) -> Instant {
    *clock += Duration::from_micros(10);
    *clock
}

#[test]
fn a_flood_of_first_fragments_from_spoofed_addresses_stays_within_the_table() {
    let start = Instant::now();
    let secret = secret();
    let mut pending = PendingHellos::new();
    let address = |i: u32| SocketAddr::from(([198, 18, (i >> 8) as u8, i as u8], 4000));
    let first_fragment = {
        let body = [0x33; 1000];
        let frag = handshake_fragment(1, MAX_CLIENT_HELLO_LEN, 0, 0, &body);
        record(0, 0, ContentType::Handshake, &frag)
    };
    let hello = chromium_hello(&[]);
    let real = split(&hello, 0, 0, &[700]);
    let mut clock = start;
    let flood = |pending: &mut PendingHellos,
                 clock: &mut Instant,
                 addresses: std::ops::Range<u32>| {
        for i in addresses {
            let v =
                secret.verify_datagram(&front(), pending, tick(clock), address(i), &first_fragment);
            assert_eq!(v, HelloVerdict::Buffered);
            assert!(pending.len() <= MAX_PENDING_HELLOS);
            assert!(pending.buffered_bytes() <= MAX_PENDING_HELLOS * MAX_CLIENT_HELLO_LEN);
        }
    };
    flood(&mut pending, &mut clock, 0..10_000);
    assert_eq!(pending.len(), MAX_PENDING_HELLOS);
    assert_eq!(
        pending.buffered_bytes(),
        MAX_PENDING_HELLOS * MAX_CLIENT_HELLO_LEN
    );
    assert_eq!(pending.evicted(), 10_000 - MAX_PENDING_HELLOS as u64);

    // A real client whose hello completes before 64 newer addresses arrive is served...
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, tick(&mut clock), PEER, &real[0]),
        HelloVerdict::Buffered
    );
    flood(
        &mut pending,
        &mut clock,
        20_000..20_000 + MAX_PENDING_HELLOS as u32 - 1,
    );
    assert!(matches!(
        secret.verify_datagram(&front(), &mut pending, tick(&mut clock), PEER, &real[1]),
        HelloVerdict::Challenge(_)
    ));
    // ...one that 64 newer addresses push out is the oldest, evicted: its last fragment
    // starts over.
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, tick(&mut clock), PEER, &real[0]),
        HelloVerdict::Buffered
    );
    flood(
        &mut pending,
        &mut clock,
        30_000..30_000 + MAX_PENDING_HELLOS as u32,
    );
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, tick(&mut clock), PEER, &real[1]),
        HelloVerdict::Buffered
    );
    // Past the lifetime, nothing is held at all.
    let later = tick(&mut clock) + HELLO_FRAGMENT_LIFETIME;
    assert_eq!(
        secret.verify_datagram(&front(), &mut pending, later, PEER, &[22]),
        HelloVerdict::Drop
    );
    assert!(pending.is_empty() && pending.buffered_bytes() == 0);
}

#[test]
fn client_hello_fragments_do_not_disturb_an_established_connection() {
    let now = Instant::now();
    let (mut c, mut s) = connected_pair(now);
    let hello = chromium_hello(&[]);
    for to in [&mut s, &mut c] {
        let before = to.dropped_records();
        // Fragments of a ClientHello numbered as a first hello and as a next message.
        for message_seq in [0, 1, 9] {
            for d in split(&hello, message_seq, 0, &[700]) {
                assert_eq!(to.handle_datagram(now, &d), Ok(Received::Dropped));
                assert!(!to.has_transmit());
            }
        }
        assert_eq!(to.dropped_records(), before + 6);
        assert!(to.is_connected());
    }
    c.send_application_data(b"still here").unwrap();
    s.send_application_data(b"and here").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    assert_eq!(s.handle_datagram(now, &d), Ok(Received::Processed));
    let d = s.poll_transmit().unwrap().to_vec();
    assert_eq!(c.handle_datagram(now, &d), Ok(Received::Processed));
}

/// With DTLS 1.3 allowed, the front door answers the Chromium-shaped hello (which offers
/// 1.3 with an X25519 share beside its X25519MLKEM768 one) after its last fragment with
/// a HelloRetryRequest, no larger than the two fragments that brought the hello.
#[test]
fn a_front_door_allowing_dtls13_answers_the_fragmented_chromium_hello_with_a_retry() {
    let now = Instant::now();
    let secret = secret();
    let mut config = configs().1.clone();
    config.max_version = dtls::ProtocolVersion::Dtls13;
    let front = Arc::new(config);
    let mut pending = PendingHellos::new();
    let first = split(&chromium_hello(&[]), 0, 0, &[1150]);
    assert_eq!(
        secret.verify_datagram(&front, &mut pending, now, PEER, &first[0]),
        HelloVerdict::Buffered
    );
    let HelloVerdict::Challenge(hrr) =
        secret.verify_datagram(&front, &mut pending, now, PEER, &first[1])
    else {
        panic!("the last fragment completes the hello")
    };
    // A ServerHello (type 2) with RFC 8446's HelloRetryRequest random.
    assert_eq!(hrr[13], 2);
    assert_eq!(&hrr[27..31], &[0xCF, 0x21, 0xAD, 0x74]);
    let received: usize = first.iter().map(Vec::len).sum();
    assert!(hrr.len() <= received, "{} > {received}", hrr.len());
    assert!(pending.is_empty());
}
