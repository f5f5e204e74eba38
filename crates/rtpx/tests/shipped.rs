//! The capture the repository ships (`tests/data/demo.pcapng`, made on loopback with real
//! senders: ffmpeg sending PCMU to a GStreamer `rtpbin` receiver that answers with receiver
//! reports, and ffmpeg sending PCMA as SRTP with the key below). The expected figures are
//! tshark's `-z rtp,streams` on the same file (packets, loss, mean and max jitter).

use rtpx::analyze::Options;
use rtpx::capture::CaptureReader;
use rtpx::keys::parse_key_spec;

const CAPTURE: &[u8] = include_bytes!("data/demo.pcapng");
const KEY: &str = "port:46020=inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";

fn keyed() -> Options {
    Options {
        keys: vec![parse_key_spec(KEY, "--key 1".into()).unwrap()],
        ..Options::default()
    }
}

#[test]
fn figures_agree_with_tshark() {
    let r = rtpx::analyze_bytes(CAPTURE, keyed()).unwrap();
    assert_eq!(r.capture_error, None);
    assert_eq!(r.capture.frames, 808);
    assert_eq!(r.streams.len(), 2);
    let pcmu = r.streams.iter().find(|s| s.ssrc == "0x00000457").unwrap();
    let pcma = r.streams.iter().find(|s| s.ssrc == "0x000008ae").unwrap();
    // tshark: 400 packets, 0 lost, jitter mean 32.361 / max 36.875 ms (g711U) and
    // 32.355 / 36.923 ms (g711A).
    for (s, mean, max) in [(pcmu, 32.361, 36.875), (pcma, 32.355, 36.923)] {
        assert_eq!(
            (s.packets, s.lost, s.duplicated, s.reordered),
            (400, 0, 0, 0)
        );
        assert_eq!(s.jitter_mean_ms, Some(mean));
        assert_eq!(s.jitter_max_ms, Some(max));
    }
    assert_eq!((pcmu.kind, pcmu.codec.as_deref()), ("RTP", Some("PCMU")));
    assert_eq!((pcma.kind, pcma.codec.as_deref()), ("SRTP", Some("PCMA")));
    assert_eq!(
        (pcma.key.as_deref(), pcma.srtp_auth_failures),
        (Some("--key 1"), 0)
    );
    assert_eq!(pcma.srtcp_auth_failures, 0);
    // GStreamer's receiver reports answer ffmpeg's sender reports: an RTT on loopback.
    let rtt = pcmu.rtt_ms.expect("RTT from LSR/DLSR");
    assert!(rtt > 0.0 && rtt < 5.0, "{rtt}");
    assert_eq!(pcmu.mos_lq, Some(4.41));
    assert_eq!(pcmu.mos_cq, Some(4.41));
}

#[test]
fn a_wrong_key_fails_authentication_and_is_counted() {
    let wrong = "port:46020=inline:AgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
    let options = Options {
        keys: vec![parse_key_spec(wrong, "--key 1".into()).unwrap()],
        ..Options::default()
    };
    let r = rtpx::analyze_bytes(CAPTURE, options).unwrap();
    let pcma = r.streams.iter().find(|s| s.ssrc == "0x000008ae").unwrap();
    assert_eq!(pcma.key.as_deref(), Some("none"));
    assert_eq!(
        pcma.srtp_auth_failures,
        u64::from(rtpx::analyze::KEY_TRIALS)
    );
    assert_eq!(pcma.packets, 400);
}

#[test]
fn decrypt_replaces_srtp_with_rtp_and_copies_the_rest() {
    let mut out = Vec::new();
    let reader = CaptureReader::new(CAPTURE).unwrap();
    let (_, stats, error) = rtpx::decrypt::decrypt(reader, &mut out, keyed(), |_| {}).unwrap();
    assert!(error.is_none());
    assert_eq!(stats.written, 808);
    // 400 SRTP packets and ffmpeg's 2 SRTCP reports.
    assert_eq!(stats.decrypted, 402);
    // The output, analysed with no key at all, is plain RTP with the same figures.
    let r = rtpx::analyze_bytes(&out, Options::default()).unwrap();
    let pcma = r.streams.iter().find(|s| s.ssrc == "0x000008ae").unwrap();
    assert_eq!((pcma.kind, pcma.packets, pcma.lost), ("RTP", 400, 0));
    assert_eq!(pcma.jitter_mean_ms, Some(32.355));
    assert_eq!(pcma.rtcp_packets, 2);
    let flows_in: u64 = rtpx::analyze_bytes(CAPTURE, Options::default())
        .unwrap()
        .flows
        .iter()
        .map(|f| f.counts.packets)
        .sum();
    assert_eq!(
        r.flows.iter().map(|f| f.counts.packets).sum::<u64>(),
        flows_in
    );
}

/// The first 2.5 s of the `secure_call` example (DTLS-SRTP, AEAD_AES_128_GCM, through a
/// relay that delays, reorders and drops) with the key log it wrote. tshark's figures on
/// the same file: 111/111/105/108 packets; lost 0, 0, 2 and 1, where tshark counts up to
/// the last packet's number and the 105-packet stream ends on a packet 2 behind its
/// highest (so 4 lost as RFC 3550 A.3 counts); mean/max jitter 10.839/16.124 ms and
/// 11.800/15.533 ms on the two relayed streams.
#[test]
fn dtls_srtp_decrypted_from_a_key_log() {
    const CALL: &[u8] = include_bytes!("data/secure_call.pcapng");
    const KEYLOG: &str = include_str!("data/secure_call.keylog");
    let mut options = Options::default();
    rtpx::dtls_flow::load_keylog(&mut options, KEYLOG).unwrap();
    let r = rtpx::analyze_bytes(CALL, options).unwrap();
    assert_eq!(r.streams.len(), 4);
    let mut packets: Vec<(u64, i64)> = r.streams.iter().map(|s| (s.packets, s.lost)).collect();
    packets.sort();
    assert_eq!(packets, vec![(105, 4), (108, 1), (111, 0), (111, 0)]);
    for s in &r.streams {
        assert_eq!(s.kind, "SRTP");
        assert!(
            s.key
                .as_deref()
                .is_some_and(|k| k.starts_with("key log (DTLS ")),
            "{s:?}"
        );
        assert_eq!((s.srtp_auth_failures, s.srtcp_auth_failures), (0, 0));
        assert!(
            s.rtt_ms.is_some(),
            "SRTCP decrypted, so RTT is known: {s:?}"
        );
        let d = s.dtls.as_ref().unwrap();
        assert_eq!(d.version.as_deref(), Some("DTLS 1.2"));
        assert_eq!(d.srtp_profile.as_deref(), Some("AEAD_AES_128_GCM"));
        assert_eq!(
            d.suite.as_deref(),
            Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        );
        assert!(d.keyed);
        assert_eq!(d.client_fingerprint.as_ref().map(String::len), Some(95));
        assert_ne!(d.client_fingerprint, d.server_fingerprint);
    }
    let within = |ours: Option<f64>, theirs: f64| (ours.unwrap() - theirs).abs() <= theirs * 0.05;
    let by_packets = |n: u64| r.streams.iter().find(|s| s.packets == n).unwrap();
    assert!(within(by_packets(105).jitter_mean_ms, 10.839));
    assert!(within(by_packets(105).jitter_max_ms, 16.124));
    assert!(within(by_packets(108).jitter_mean_ms, 11.800));
    assert!(within(by_packets(108).jitter_max_ms, 15.533));
    // Decrypted, every datagram but the 12 of the two DTLS handshakes is plaintext, the
    // relay's copies of SRTCP compounds (same index, another flow) included.
    let mut options = Options::default();
    rtpx::dtls_flow::load_keylog(&mut options, KEYLOG).unwrap();
    let mut out = Vec::new();
    let reader = CaptureReader::new(CALL).unwrap();
    let (_, stats, _) = rtpx::decrypt::decrypt(reader, &mut out, options, |_| {}).unwrap();
    assert_eq!((stats.written, stats.decrypted), (458, 446));
    // Without the key log the streams are still found and measured, but not decrypted.
    let r = rtpx::analyze_bytes(CALL, Options::default()).unwrap();
    assert!(
        r.streams
            .iter()
            .all(|s| s.kind == "SRTP" && s.rtt_ms.is_none())
    );
}

/// The `secure_call` example's G.711 tone: frame `frame` of a `hz` sine (its `tone`).
fn secure_call_tone(hz: f64, frame: u64) -> Vec<u8> {
    (0..160)
        .map(|i| {
            let t = (frame as f64 * 160.0 + f64::from(i)) / 8000.0;
            rtp_packet::payload::g711::ulaw_encode(
                (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16,
            )
        })
        .collect()
}

/// The first 2.5 s of `secure_call --keylog FILE --keylog-dtls13`: a DTLS 1.3 call (the
/// default version) through the same lossy relay, with the five TLS 1.3 secrets both
/// endpoints logged. The fingerprints are the ones the example printed (alice, the DTLS
/// client, then bob); the reference for the payloads is the tone the example sends, alice
/// 440 Hz and bob 660 Hz, frame `n` at `n * 160` after the marked first packet.
#[test]
fn dtls13_srtp_decrypted_from_a_tls13_key_log() {
    const CALL: &[u8] = include_bytes!("data/secure_call13.pcapng");
    const KEYLOG: &str = include_str!("data/secure_call13.keylog");
    const ALICE: &str = "82:A2:36:6F:C1:97:1E:11:71:F1:66:9D:2E:D5:11:C8:A2:20:05:DF:7B:FB:67:A9:99:BD:F5:DD:E8:B2:D3:38";
    const BOB: &str = "5D:8B:81:9C:98:80:3C:DD:4F:E7:38:05:86:B8:D3:DB:2D:67:87:F8:4D:54:A4:DC:15:1F:8A:5B:1E:B3:C4:45";
    const ALICE_PORT: u16 = 30154;
    assert!(!KEYLOG.contains("CLIENT_RANDOM"));
    let mut options = Options::default();
    rtpx::dtls_flow::load_keylog(&mut options, KEYLOG).unwrap();
    let r = rtpx::analyze_bytes(CALL, options).unwrap();
    assert_eq!(r.streams.len(), 4);
    for s in &r.streams {
        assert_eq!(s.kind, "SRTP");
        assert!(
            s.key
                .as_deref()
                .is_some_and(|k| k.starts_with("key log (DTLS ")),
            "{s:?}"
        );
        assert_eq!((s.srtp_auth_failures, s.srtcp_auth_failures), (0, 0));
        assert!(s.rtt_ms.is_some(), "SRTCP decrypted: {s:?}");
        let d = s.dtls.as_ref().unwrap();
        assert_eq!(d.version.as_deref(), Some("DTLS 1.3"));
        assert_eq!(d.suite.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(d.srtp_profile.as_deref(), Some("AEAD_AES_128_GCM"));
        assert_eq!(d.client_fingerprint.as_deref(), Some(ALICE));
        assert_eq!(d.server_fingerprint.as_deref(), Some(BOB));
        assert!(d.keyed);
    }

    // Decrypted, every datagram but the 12 of the two DTLS 1.3 handshakes is plaintext, and
    // each RTP payload is the tone that was sent.
    let mut options = Options::default();
    rtpx::dtls_flow::load_keylog(&mut options, KEYLOG).unwrap();
    let mut out = Vec::new();
    let reader = CaptureReader::new(CALL).unwrap();
    let (_, stats, _) = rtpx::decrypt::decrypt(reader, &mut out, options, |_| {}).unwrap();
    assert_eq!(stats.written - stats.decrypted, 12);
    let mut reader = CaptureReader::new(out.as_slice()).unwrap();
    let mut frame = Vec::new();
    // (ssrc, src port, timestamp, marker, payload) of every RTP packet.
    let mut rtp = Vec::new();
    while let Some(info) = reader.next_frame(&mut frame) {
        info.unwrap();
        let sliced = etherparse::SlicedPacket::from_ethernet(&frame).unwrap();
        let Some(etherparse::TransportSlice::Udp(udp)) = sliced.transport else {
            panic!("not UDP");
        };
        let payload = udp.payload();
        if rtp_packet::classify(payload) != rtp_packet::PacketKind::Rtp {
            continue;
        }
        let p = rtp_packet::RtpPacket::parse(payload).unwrap();
        rtp.push((
            p.ssrc(),
            udp.source_port(),
            p.timestamp(),
            p.marker(),
            p.payload().to_vec(),
        ));
    }
    assert_eq!(
        rtp.len() as u64,
        r.streams.iter().map(|s| s.packets).sum::<u64>()
    );
    let alice_ssrc = rtp.iter().find(|p| p.1 == ALICE_PORT).unwrap().0;
    let mut checked = 0;
    for ssrc in [
        alice_ssrc,
        rtp.iter().find(|p| p.0 != alice_ssrc).unwrap().0,
    ] {
        let hz = if ssrc == alice_ssrc { 440.0 } else { 660.0 };
        let first = rtp.iter().find(|p| p.0 == ssrc && p.3).unwrap().2;
        for p in rtp.iter().filter(|p| p.0 == ssrc) {
            let n = u64::from(p.2.wrapping_sub(first) / 160);
            assert_eq!(p.4, secure_call_tone(hz, n), "{ssrc:08x} frame {n}");
            checked += 1;
        }
    }
    assert_eq!(checked, rtp.len());

    // Without the key log: named DTLS 1.3 with its suite, nothing more, nothing decrypted.
    let r = rtpx::analyze_bytes(CALL, Options::default()).unwrap();
    for s in &r.streams {
        let d = s.dtls.as_ref().unwrap();
        assert_eq!(d.version.as_deref(), Some("DTLS 1.3"));
        assert_eq!(d.suite.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!((&d.srtp_profile, &d.client_fingerprint), (&None, &None));
        assert!(!d.keyed && s.rtt_ms.is_none());
    }
    // A DTLS 1.2 key log does not key a DTLS 1.3 handshake.
    let mut options = Options::default();
    rtpx::dtls_flow::load_keylog(&mut options, include_str!("data/secure_call.keylog")).unwrap();
    let r = rtpx::analyze_bytes(CALL, options).unwrap();
    assert!(r.streams.iter().all(|s| !s.dtls.as_ref().unwrap().keyed));
}
