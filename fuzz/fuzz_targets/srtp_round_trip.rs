//! Protects arbitrary RTP or RTCP packets with every profile and unprotects them with a
//! second context under the same key: whatever protect accepts, unprotect returns byte for
//! byte, and a repeat of the same SRTP packet is refused as a replay. Half the runs have
//! cryptex (RFC 9335) on both sides: the packet comes back as sent, except that CSRCs
//! without an extension come back with the empty one-byte block protect inserted.

#![no_main]

use libfuzzer_sys::fuzz_target;
use srtp::{Config, Context, Error, MasterKey, ProtectionProfile};

fn context(profile: ProtectionProfile, encrypt_rtcp: bool, cryptex: bool) -> Context {
    let key = MasterKey::new(
        profile,
        &vec![0x17; profile.master_key_len()],
        &vec![0x71; profile.master_salt_len()],
    )
    .expect("lengths match the profile");
    Context::new(
        profile,
        key,
        Config {
            encrypt_rtcp,
            cryptex,
            ..Config::default()
        },
    )
    .expect("valid config")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, packet)) = data.split_first() else {
        return;
    };
    let profile = ProtectionProfile::ALL[usize::from(selector & 7) % ProtectionProfile::ALL.len()];
    let rtcp = selector & 8 != 0;
    let cryptex = selector & 32 != 0;
    let (mut tx, mut rx) = (
        context(profile, selector & 16 != 0, cryptex),
        context(profile, selector & 16 != 0, cryptex),
    );
    // Without cryptex, a packet already marked 0xC0DE/0xC2DE is refused both ways
    // (`Error::CryptexNotNegotiated`, crates/srtp/src/cryptex.rs).
    let refused = !rtcp && !cryptex && srtp::is_cryptex(packet);
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 64, 0);
    let protected = if rtcp {
        tx.protect_rtcp(&mut buf, packet.len())
    } else {
        tx.protect_rtp(&mut buf, packet.len())
    };
    if refused {
        // A packet that is not RTP at all fails earlier, with its parse error.
        let parses = rtp_packet::RtpPacket::parse(packet).is_ok();
        assert!(
            protected.is_err() && (!parses || protected == Err(Error::CryptexNotNegotiated)),
            "{protected:?}"
        );
        return;
    }
    let Ok(n) = protected else { return };
    buf.truncate(n);
    let wire = buf.clone();
    let m = if rtcp {
        rx.unprotect_rtcp(&mut buf)
    } else {
        rx.unprotect_rtp(&mut buf)
    }
    .expect("what we protect, we unprotect");
    assert_eq!(buf[..m], expected(packet, profile, rtcp, cryptex));
    let mut again = wire;
    let replay = if rtcp {
        rx.unprotect_rtcp(&mut again)
    } else {
        rx.unprotect_rtp(&mut again)
    };
    assert!(matches!(replay, Err(Error::Replayed { .. })), "{replay:?}");
});

/// What unprotect returns for `packet`: the packet itself, or, when cryptex protected RTP
/// with CSRCs and no extension, the packet with an empty 0xBEDE block after its CSRCs.
fn expected(packet: &[u8], profile: ProtectionProfile, rtcp: bool, cryptex: bool) -> Vec<u8> {
    let first = packet[0];
    let inserted = cryptex
        && !rtcp
        && profile != ProtectionProfile::NullHmacSha1_80
        && first & 0x10 == 0
        && first & 0x0f != 0;
    if !inserted {
        return packet.to_vec();
    }
    let at = 12 + 4 * usize::from(first & 0x0f);
    let mut p = packet[..at].to_vec();
    p[0] |= 0x10;
    p.extend_from_slice(&[0xbe, 0xde, 0, 0]);
    p.extend_from_slice(&packet[at..]);
    p
}
