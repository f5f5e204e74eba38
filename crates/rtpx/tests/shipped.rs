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
