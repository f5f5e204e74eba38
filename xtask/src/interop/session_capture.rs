//! Interop suite `session-capture`: Wireshark's dissectors read a capture of the
//! `secure_call` example.
//!
//! `dumpcap` records loopback UDP while the example runs its 10 s DTLS-SRTP call (held to
//! DTLS 1.2 with `--dtls12-only`: Debian 12's tshark 4.0 does not dissect DTLS 1.3) through
//! the relay; the example prints its four addresses, and only those two conversations are
//! kept. tshark must then find, on every datagram, DTLS, RTP or RTCP and nothing else: a
//! DTLS 1.2 handshake offering and selecting an SRTP profile (`use_srtp`, RFC 5764),
//! version-2 RTP from exactly two SSRCs in both directions, SRTCP sender reports; and no
//! malformed packet and no expert warning or error on any DTLS or RTP datagram.
//!
//! SRTCP is checked by the suite itself: tshark cannot decrypt it, and for the AEAD
//! profiles the example negotiates it looks for the E flag and index in front of a
//! 16-byte tag at the end, where RFC 7714 §9 puts the tag inside the ciphertext and E‖index
//! last. So about half the compounds, whose tag has that bit clear, it dissects as clear
//! RTCP and calls malformed. Each SRTCP datagram must instead have a valid first header
//! (version 2, SR or RR, its length inside the datagram) and the RFC 7714 trailer: room
//! for the 16-byte tag and the E flag set in the last four bytes.

use super::Context;
use super::capture::{Dumpcap, secure_call_ports};
use super::tshark;
use crate::util::{Result, cargo, output, root, sh};
use std::path::Path;
use std::process::Command;

/// AEAD tag length (RFC 7714 §9): the SRTCP datagram must have room for it.
const AEAD_TAG: usize = 16;
/// The example's call: 500 packets each way, each seen twice (to and from the relay) less
/// the relay's simulated loss of a few percent.
const MIN_RTP_PER_SSRC: usize = 900;

pub fn run(ctx: &Context) -> Result {
    tshark::ensure()?;
    sh(cargo().args([
        "build",
        "-p",
        "rtp-stack-examples",
        "--example",
        "secure_call",
    ]))?;
    let raw = ctx.dir.join("secure_call-all.pcapng");
    let pcap = ctx.dir.join("secure_call.pcapng");
    // The example binds its endpoints in 30000–31000: every datagram of the call has one of
    // them at one end.
    let capture = Dumpcap::start("udp portrange 30000-31000", &raw)?;
    // Held to DTLS 1.2: Debian 12's tshark 4.0 does not dissect DTLS 1.3's unified headers,
    // and this suite checks what it dissects.
    let printed =
        output(Command::new(root().join("target/debug/examples/secure_call")).arg("--dtls12-only"));
    capture.stop()?;
    let (alice, bob) = secure_call_ports(&printed?)?;
    let keep = format!("udp.port=={alice} || udp.port=={bob}");
    sh(Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&raw)
        .args(["-Y", &keep, "-w"])
        .arg(&pcap))?;
    let decode_as = [
        format!("udp.port=={alice},rtp"),
        format!("udp.port=={bob},rtp"),
    ];
    let decode_as: Vec<&str> = decode_as.iter().map(String::as_str).collect();
    check_dissection(&pcap, &decode_as)
}

fn check_dissection(pcap: &Path, decode_as: &[&str]) -> Result {
    let rows = tshark::fields(
        pcap,
        decode_as,
        &[
            "frame.number",
            "frame.protocols",
            "rtp.version",
            "rtp.ssrc",
            "rtcp.pt",
            "dtls.handshake.type",
            "dtls.use_srtp.protection_profile",
            "udp.payload",
        ],
    )?;
    if rows.is_empty() {
        return Err("the capture holds none of the call's datagrams".into());
    }
    let mut dtls_handshakes = std::collections::BTreeSet::new();
    let mut srtp_profiles = 0;
    let mut rtp_per_ssrc = std::collections::BTreeMap::<String, usize>::new();
    let mut sender_reports = 0;
    let mut srtcp_frames = std::collections::BTreeSet::new();
    for row in &rows {
        let get = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let protocols = get(1);
        if protocols.ends_with(":rtp:rtcp") {
            let first = check_srtcp(get(7)).map_err(|e| format!("frame {}: {e}", get(0)))?;
            sender_reports += usize::from(first == rtcp::packet_type::SR);
            srtcp_frames.insert(get(0).to_string());
        } else if protocols.ends_with(":rtp") {
            if get(2) != "2" {
                return Err(format!("frame {}: RTP version {}", get(0), get(2)));
            }
            *rtp_per_ssrc.entry(get(3).to_string()).or_default() += 1;
        } else if protocols.contains(":dtls") {
            dtls_handshakes.extend(
                get(5)
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from),
            );
            srtp_profiles += usize::from(!get(6).is_empty());
        } else {
            return Err(format!(
                "frame {}: dissected as `{protocols}`, not DTLS, RTP or RTCP",
                get(0)
            ));
        }
    }
    for (kind, handshake) in [
        ("ClientHello", "1"),
        ("ServerHello", "2"),
        ("Certificate", "11"),
    ] {
        if !dtls_handshakes.contains(handshake) {
            return Err(format!("no DTLS {kind} in the capture"));
        }
    }
    if srtp_profiles < 2 {
        return Err("the use_srtp extension is missing from ClientHello or ServerHello".into());
    }
    if rtp_per_ssrc.len() != 2 || rtp_per_ssrc.values().any(|&n| n < MIN_RTP_PER_SSRC) {
        return Err(format!(
            "expected two SSRCs with at least {MIN_RTP_PER_SSRC} RTP packets each, got {rtp_per_ssrc:?}"
        ));
    }
    if sender_reports == 0 {
        return Err("no RTCP sender report in the capture".into());
    }
    let problems = tshark::problems(pcap, decode_as)?;
    let (on_srtcp, elsewhere): (Vec<&String>, Vec<&String>) = problems.iter().partition(|p| {
        p.strip_prefix("frame ")
            .and_then(|r| r.split(':').next())
            .is_some_and(|n| srtcp_frames.contains(n))
    });
    if let Some(first) = elsewhere.first() {
        return Err(format!(
            "tshark found {} problems outside SRTCP, first: {first}",
            elsewhere.len()
        ));
    }
    eprintln!(
        "  {} datagrams: DTLS handshake {:?} with use_srtp, RTP {:?}, {} SRTCP compounds \
         ({sender_reports} SRs) well-formed; no malformed packet or expert warning on DTLS or \
         RTP; {} tshark notes on SRTCP it cannot decrypt",
        rows.len(),
        dtls_handshakes,
        rtp_per_ssrc,
        srtcp_frames.len(),
        on_srtcp.len()
    );
    Ok(())
}

/// Checks one SRTCP datagram (`hex`, as tshark prints `udp.payload`) of an AEAD profile:
/// a valid first RTCP header (version 2, SR or RR) whose packet fits, room for the tag,
/// and E‖SRTCP index last with E set (RFC 7714 §9, no MKI). Returns the first packet type.
fn check_srtcp(hex: &str) -> Result<u8> {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("udp.payload `{hex}`: {e}"))?;
    let header = rtcp::Header::parse(&bytes).map_err(|e| format!("SRTCP header: {e}"))?;
    if header.packet_type != rtcp::packet_type::SR && header.packet_type != rtcp::packet_type::RR {
        return Err(format!(
            "SRTCP begins with packet type {}, not SR or RR",
            header.packet_type
        ));
    }
    let trailer = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .ok_or("SRTCP datagram shorter than its trailer")?;
    if header.packet_size() + AEAD_TAG + trailer.len() > bytes.len() {
        return Err(format!(
            "SRTCP of {} bytes cannot hold a {}-byte first packet, the tag and the index",
            bytes.len(),
            header.packet_size()
        ));
    }
    if trailer[0] & 0x80 == 0 {
        return Err("SRTCP E flag clear: the compound went out unencrypted".into());
    }
    Ok(header.packet_type)
}
