//! `openssl-dtls-mtu`: handshakes with OpenSSL when both sides are limited to 300-byte
//! datagrams (`-mtu 300` on its side, [`dtls::Config::mtu`] on ours), in both roles and with
//! both sides sending certificates, so flights are fragmented in both directions
//! (RFC 6347 §4.2.3). Every datagram on the wire is checked: none is over 300 bytes, and
//! each side really split handshake messages (a fragment shorter than its message).

use super::Context;
use super::openssl_dtls::{Case, Wire, make_certificate, our_client, our_server};
use crate::util::{Result, ensure_apt};
use dtls::internal::parse_fragments;
use dtls::internal::{ContentType, records};
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
                failures.push(ours);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("MTU {MTU} handshakes failed with our {failures:?}"))
    }
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
