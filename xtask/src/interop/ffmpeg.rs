//! Interop suite `ffmpeg`: receiving ffmpeg's RTP muxer, in clear and with its own SRTP.
//!
//! ffmpeg encodes a 6 s sine tone as PCMU in 20 ms packets and sends it with RTCP on
//! RTP + 1, once as plain RTP and once as SRTP/SRTCP with AES_CM_128_HMAC_SHA1_80 (ffmpeg's
//! SRTP is its own code, not libsrtp, so this is an independent check of the `srtp` crate).
//! The receiver is an [`rtp_session::Session`] (beside the reference observer of
//! [`super::media_receiver`]). Every packet must authenticate and parse, the sequence must
//! have no gap, the statistics must show no loss, the counts in ffmpeg's sender reports
//! must equal the packets and payload octets received before each report, and the session
//! must deliver every packet after probation and play out every packet (the one probation
//! held too).

use super::Context;
use super::media_receiver::{
    PROFILE, SAMPLES_PER_PACKET, SSRC, SessionReceiver, master_key, master_key_and_salt, port_pair,
    receive_until_exit, srtp_context,
};
use crate::util::{Result, ensure_apt};
use rtp_session::{Component, Config, Security, SrtpKeys};
use std::fs::File;
use std::process::{Command, Stdio};

const SECONDS: u32 = 6;
const PACKETS: usize = (SECONDS * 8000 / SAMPLES_PER_PACKET) as usize;

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[("ffmpeg", "ffmpeg")])?;
    receive(ctx, false)?;
    receive(ctx, true)
}

fn receive(ctx: &Context, secure: bool) -> Result {
    let (rtp, rtcp) = port_pair()?;
    let port = rtp.local_addr().map_err(|e| e.to_string())?.port();
    let key = master_key_and_salt();
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=440:sample_rate=8000:duration={SECONDS}"
        ))
        .args(["-af"])
        .arg(format!("asetnsamples=n={SAMPLES_PER_PACKET}"))
        .args(["-c:a", "pcm_mulaw", "-ac", "1", "-payload_type", "0"])
        // 12 header bytes + one 20 ms frame, so ffmpeg never splits or joins frames.
        .arg("-packetsize")
        .arg((12 + SAMPLES_PER_PACKET).to_string())
        .arg("-ssrc")
        .arg(SSRC.to_string());
    let url = if secure {
        ffmpeg
            .args([
                "-srtp_out_suite",
                "AES_CM_128_HMAC_SHA1_80",
                "-srtp_out_params",
            ])
            .arg(base64(&key));
        format!("srtp://127.0.0.1:{port}")
    } else {
        format!("rtp://127.0.0.1:{port}")
    };
    ffmpeg.args(["-f", "rtp"]).arg(&url);
    let label = if secure { "SRTP" } else { "plain RTP" };
    eprintln!("  ffmpeg → us, {label}: {}", crate::util::describe(&ffmpeg));
    let log = ctx
        .dir
        .join(format!("{}.log", if secure { "srtp" } else { "rtp" }));
    let mut peer = ffmpeg
        .stdout(Stdio::null())
        .stderr(File::create(&log).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    let mut config = Config::new();
    let srtp = if secure {
        config.security = Security::Srtp(SrtpKeys::new(
            PROFILE,
            master_key(&key.map(|b| !b))?,
            master_key(&key)?,
        ));
        Some(srtp_context(&key)?)
    } else {
        None
    };
    let mut session = SessionReceiver::new(config)?;
    let sockets = vec![(rtp, Component::Rtp), (rtcp, Component::Rtcp)];
    let mut reception = receive_until_exit(sockets, srtp, &mut session, &mut peer, "ffmpeg")?;
    let fail = |e: String| format!("ffmpeg → us ({label}): {e}");
    reception.check(SSRC, PACKETS, false).map_err(fail)?;
    session.check(SSRC, PACKETS, false).map_err(fail)?;
    // ffmpeg sends its RTCP from the socket it reads RTCP on (RTP port + 1): the session's
    // receiver reports, with default settings, must go there from the first one on.
    let (sources, destinations) = (&session.rtcp_sources, &session.rtcp_destinations);
    if destinations.is_empty() || destinations.iter().any(|d| !sources.contains(d)) {
        return Err(fail(format!(
            "the session's RTCP went to {destinations:?}, ffmpeg's came from {sources:?}"
        )));
    }
    eprintln!("  session: its RTCP went to {destinations:?}, where ffmpeg's came from");
    Ok(())
}

/// Standard base64 with padding (RFC 4648 §4), as ffmpeg's `-srtp_out_params` and SDES
/// `inline:` keys (RFC 4568 §6.1) take it.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
