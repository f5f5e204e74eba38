//! `openssl-dtls-mtu`: handshakes with OpenSSL when both sides are limited to 300-byte
//! datagrams (`-mtu 300` on its side, [`dtls::Config::mtu`] on ours), in both roles and with
//! both sides sending certificates, so flights are fragmented in both directions
//! (RFC 6347 §4.2.3). Every datagram on the wire is checked: none is over 300 bytes, and
//! each side really split handshake messages (a fragment shorter than its message).
//!
//! Then our server, with its default configuration, against an `s_client` whose
//! ClientHello is as long as Chromium's DTLS 1.3 offer (1,413 bytes, padded with a long
//! ALPN list) and does not fit its datagrams: at `-mtu 1200` it comes in two fragments, as
//! Chromium's does, at `-mtu 256` (the least OpenSSL takes) in seven. Both ClientHellos,
//! the first and the one with the cookie, must arrive in more than one datagram, and the
//! handshake must complete.

use super::Context;
use super::dtls_peer::{Wire, make_certificate};
use super::openssl_dtls::{CHROMIUM_HELLO_LEN, Case, our_client, our_server};
use crate::util::{Result, ensure_apt};
use dtls::internal::{ContentType, HandshakeType, parse_fragments, records};
use dtls::{CipherSuite, NamedGroup};
use srtp::ProtectionProfile;

const MTU: usize = 300;

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[("openssl", "openssl")])?;
    for who in ["server", "client"] {
        make_certificate(&ctx.dir, who, "prime256v1")?;
    }
    let case = Case {
        profile: ProtectionProfile::AeadAes128Gcm,
        profile_name: "SRTP_AEAD_AES_128_GCM",
        suite: CipherSuite::EcdheEcdsaAes128GcmSha256,
        suite_name: "ECDHE-ECDSA-AES128-GCM-SHA256",
        group: (NamedGroup::Secp256r1, "P-256"),
        client_cert: true,
        peer_cert: "",
        seed: 0,
        mtu: Some(MTU),
        peer_mtu: None,
        long_client_hello: false,
        our_defaults: false,
        key_log: false,
        peer_sigalgs: None,
        expect_scheme: None,
        only: None,
        our_rsa: None,
        expect_our_scheme: None,
    };
    let mut failures = Vec::new();
    for (seed, ours) in [(1u8, "client"), (2, "server")] {
        let case = Case { seed, ..case };
        let wire = if ours == "client" {
            our_client(ctx, &case)
        } else {
            our_server(ctx, &case)
        };
        match wire.and_then(|w| check(ours, &w)) {
            Ok(()) => eprintln!("ours={ours:<6} mtu {MTU}: PASS"),
            Err(e) => {
                eprintln!("ours={ours:<6} mtu {MTU}: FAIL: {e}");
                failures.push(format!("{ours} at mtu {MTU}"));
            }
        }
    }
    for (seed, peer_mtu) in [(3u8, 1200), (4, 256)] {
        let case = Case {
            seed,
            mtu: None,
            peer_mtu: Some(peer_mtu),
            long_client_hello: true,
            our_defaults: true,
            ..case
        };
        let what = format!("ours=server (defaults), openssl -mtu {peer_mtu}, long ClientHello");
        match our_server(ctx, &case).and_then(|w| check_fragmented_hello(&w)) {
            Ok(()) => eprintln!("{what}: PASS"),
            Err(e) => {
                eprintln!("{what}: FAIL: {e}");
                failures.push(format!("server, openssl's ClientHello at -mtu {peer_mtu}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("MTU handshakes failed: {}", failures.join("; ")))
    }
}

/// Checks that OpenSSL's two ClientHellos (message_seq 0 and, with the cookie, 1) each
/// came in fragments spread over more than one datagram, and were about as long as
/// Chromium's.
fn check_fragmented_hello(wire: &Wire) -> Result {
    // Per message_seq: the message length and the datagrams that carried a piece of it.
    let mut hellos: Vec<(u16, u32, Vec<usize>)> = Vec::new();
    for (i, d) in wire.theirs.iter().enumerate() {
        for rec in records(d).map_while(std::result::Result::ok) {
            if rec.header.content_type != ContentType::Handshake || rec.header.epoch != 0 {
                continue;
            }
            for f in parse_fragments(rec.fragment).unwrap_or_default() {
                let h = f.header;
                if h.msg_type != HandshakeType::ClientHello {
                    continue;
                }
                match hellos.iter_mut().find(|e| e.0 == h.message_seq) {
                    Some(e) if !e.2.contains(&i) => e.2.push(i),
                    Some(_) => {}
                    None => hellos.push((h.message_seq, h.length, vec![i])),
                }
            }
        }
    }
    for (seq, len, datagrams) in &hellos {
        eprintln!(
            "  openssl's ClientHello message_seq {seq}: {len} bytes in {} datagrams",
            datagrams.len()
        );
    }
    for seq in [0, 1] {
        let Some((_, len, datagrams)) = hellos.iter().find(|e| e.0 == seq) else {
            return Err(format!(
                "no ClientHello with message_seq {seq} from openssl"
            ));
        };
        if datagrams.len() < 2 {
            return Err(format!(
                "openssl's ClientHello {seq} came in {} datagram",
                datagrams.len()
            ));
        }
        if (*len as usize) < CHROMIUM_HELLO_LEN - 64 {
            return Err(format!("openssl's ClientHello {seq} is only {len} bytes"));
        }
    }
    Ok(())
}

/// What one direction of a run looked like.
struct Direction {
    datagrams: usize,
    largest: usize,
    /// Plaintext handshake messages sent in more than one fragment, as "Type(len)".
    fragmented: Vec<String>,
}

fn direction(datagrams: &[Vec<u8>]) -> Direction {
    let mut fragmented = Vec::new();
    for d in datagrams {
        for rec in records(d).map_while(std::result::Result::ok) {
            if rec.header.content_type != ContentType::Handshake || rec.header.epoch != 0 {
                continue;
            }
            for f in parse_fragments(rec.fragment).unwrap_or_default() {
                let h = f.header;
                let name = format!("{}({})", h.msg_type.name(), h.length);
                if h.fragment_length < h.length && !fragmented.contains(&name) {
                    fragmented.push(name);
                }
            }
        }
    }
    Direction {
        datagrams: datagrams.len(),
        largest: datagrams.iter().map(Vec::len).max().unwrap_or(0),
        fragmented,
    }
}

fn check(ours: &str, wire: &Wire) -> Result {
    for (who, datagrams) in [("we", &wire.ours), ("openssl", &wire.theirs)] {
        let d = direction(datagrams);
        eprintln!(
            "  ours={ours}: {who} sent {} datagrams, largest {} bytes; fragmented: {}",
            d.datagrams,
            d.largest,
            d.fragmented.join(", ")
        );
        if d.largest > MTU {
            return Err(format!("{who} sent a {}-byte datagram", d.largest));
        }
        if d.fragmented.is_empty() {
            return Err(format!("{who} fragmented no handshake message"));
        }
    }
    Ok(())
}
