//! Helpers shared by the integration tests.

#![allow(dead_code)]

use srtp::{Config, Context, MasterKey, ProtectionProfile};

/// Bytes from hex digits, ignoring the whitespace the RFC vectors are laid out with.
pub fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).expect("hex digits")
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

/// A sender and a receiver context of `profile` sharing one key, with the default
/// configuration changed by `edit`.
pub fn pair_with(profile: ProtectionProfile, edit: impl FnOnce(&mut Config)) -> (Context, Context) {
    let mut config = Config::default();
    edit(&mut config);
    pair(profile, config)
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

/// `packet` in a buffer with room for MKI and tag, run through `protect` (given the
/// buffer and the packet's length), cut to the length it returns.
fn protect_with(
    packet: &[u8],
    protect: impl FnOnce(&mut [u8], usize) -> srtp::Result<usize>,
) -> Vec<u8> {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 64 + 128, 0);
    let n = protect(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

/// A copy of `packet` run through `unprotect`, cut to the length it returns.
fn unprotect_with(
    packet: &[u8],
    unprotect: impl FnOnce(&mut [u8]) -> srtp::Result<usize>,
) -> srtp::Result<Vec<u8>> {
    let mut buf = packet.to_vec();
    let n = unprotect(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Protects the RTP `packet` with `ctx` into a new vector.
pub fn protect(ctx: &mut Context, packet: &[u8]) -> Vec<u8> {
    protect_with(packet, |buf, len| ctx.protect_rtp(buf, len))
}

/// Protects the RTCP `packet` with `ctx` into a new vector.
pub fn protect_rtcp(ctx: &mut Context, packet: &[u8]) -> Vec<u8> {
    protect_with(packet, |buf, len| ctx.protect_rtcp(buf, len))
}

/// Unprotects a copy of the SRTP `packet`, returning the plaintext or the error.
pub fn unprotect(ctx: &mut Context, packet: &[u8]) -> srtp::Result<Vec<u8>> {
    unprotect_with(packet, |buf| ctx.unprotect_rtp(buf))
}

/// Unprotects a copy of the SRTCP `packet`, returning the plaintext or the error.
pub fn unprotect_rtcp(ctx: &mut Context, packet: &[u8]) -> srtp::Result<Vec<u8>> {
    unprotect_with(packet, |buf| ctx.unprotect_rtcp(buf))
}
