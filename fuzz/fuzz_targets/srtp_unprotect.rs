//! Unprotects arbitrary bytes as SRTP and SRTCP under a fixed key, for every profile, on a
//! context that already holds a stream: never panics, and a packet that fails leaves the
//! buffer and the context (rollover counter, stream count, replay state) as they were.
//! Half the runs have cryptex (RFC 9335) on, so marked extension blocks are decrypted.

#![no_main]

use libfuzzer_sys::fuzz_target;
use srtp::{Config, Context, MasterKey, ProtectionProfile};

const SSRC: u32 = 0x0102_0304;

fn context(profile: ProtectionProfile, mki: bool, cryptex: bool) -> Context {
    let mut key = MasterKey::new(
        profile,
        &vec![0x42; profile.master_key_len()],
        &vec![0x24; profile.master_salt_len()],
    )
    .expect("lengths match the profile");
    if mki {
        key = key.with_mki(&[0xAB, 0xCD]).expect("a two-byte MKI");
    }
    let config = Config {
        cryptex,
        ..Config::default()
    };
    let mut ctx = Context::new(profile, key, config).expect("valid config");
    ctx.set_roc(SSRC, 3).expect("room for one stream");
    ctx
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, packet)) = data.split_first() else {
        return;
    };
    let profile = ProtectionProfile::ALL[usize::from(selector & 7) % ProtectionProfile::ALL.len()];
    let mut ctx = context(profile, selector & 8 != 0, selector & 32 != 0);
    let rtcp = selector & 16 != 0;
    let mut buf = packet.to_vec();
    let before = (ctx.roc(SSRC), ctx.stream_count());
    let result = if rtcp {
        ctx.unprotect_rtcp(&mut buf)
    } else {
        ctx.unprotect_rtp(&mut buf)
    };
    match result {
        Ok(n) => assert!(n <= packet.len()),
        Err(_) => {
            assert_eq!(
                buf, packet,
                "a failed packet must leave the buffer untouched"
            );
            assert_eq!(
                (ctx.roc(SSRC), ctx.stream_count()),
                before,
                "a failed packet must change no state"
            );
            // The same bytes fail the same way again: nothing was recorded.
            let mut again = packet.to_vec();
            let second = if rtcp {
                ctx.unprotect_rtcp(&mut again)
            } else {
                ctx.unprotect_rtp(&mut again)
            };
            assert!(second.is_err());
        }
    }
});
