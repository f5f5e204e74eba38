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
