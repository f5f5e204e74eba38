//! Helpers shared by the integration tests.

#![allow(dead_code)]

use srtp::{Config, Context, MasterKey, ProtectionProfile};

pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

pub fn key(profile: ProtectionProfile, fill: u8) -> MasterKey {
    MasterKey::new(
        profile,
        &vec![fill; profile.master_key_len()],
        &vec![fill ^ 0x5a; profile.master_salt_len()],
    )
    .unwrap()
}

pub fn pair(profile: ProtectionProfile, config: Config) -> (Context, Context) {
    (
        Context::new(profile, key(profile, 7), config.clone()).unwrap(),
        Context::new(profile, key(profile, 7), config).unwrap(),
    )
}

/// An RTP packet with sequence number `seq`, SSRC `ssrc` and a payload of `len` bytes.
pub fn rtp(seq: u16, ssrc: u32, len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 0x60];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 160]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..len).map(|i| i as u8));
    p
}

/// Protects `packet` with `ctx` into a new vector.
pub fn protect(ctx: &mut Context, packet: &[u8]) -> Vec<u8> {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 64 + 128, 0);
    let n = ctx.protect_rtp(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

pub fn protect_rtcp(ctx: &mut Context, packet: &[u8]) -> Vec<u8> {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 64 + 128, 0);
    let n = ctx.protect_rtcp(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

/// Unprotects a copy of `packet`, returning the plaintext or the error.
pub fn unprotect(ctx: &mut Context, packet: &[u8]) -> srtp::Result<Vec<u8>> {
    let mut buf = packet.to_vec();
    let n = ctx.unprotect_rtp(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

pub fn unprotect_rtcp(ctx: &mut Context, packet: &[u8]) -> srtp::Result<Vec<u8>> {
    let mut buf = packet.to_vec();
    let n = ctx.unprotect_rtcp(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}
