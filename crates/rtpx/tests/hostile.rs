//! Hostile and broken captures: each gives a typed error or a counted skip, never a panic,
//! and never memory beyond the stated bounds.

use rtpx::analyze::Options;
use rtpx::capture::{CaptureError, CaptureReader};
use rtpx::keys::parse_key_spec;
use rtpx::net::Skip;
use rtpx::synth;

fn synthetic(frames_bytes: u64) -> Vec<u8> {
    let mut out = Vec::new();
    synth::write(
        &mut out,
        synth::Config {
            rtp_streams: 2,
            srtp_streams: 2,
            bytes: frames_bytes,
            loss_every: 0,
        },
    )
    .unwrap();
    out
}

fn keyed() -> Options {
    Options {
        keys: vec![parse_key_spec(&format!("any={}", synth::KEY), "k".into()).unwrap()],
        ..Options::default()
    }
}

#[test]
fn a_clean_synthetic_capture_is_counted_exactly() {
    let data = synthetic(100_000);
    let r = rtpx::analyze_bytes(&data, keyed()).unwrap();
    assert_eq!(r.capture_error, None);
    assert_eq!(r.streams.len(), 4);
    let frames = r.capture.frames;
    assert_eq!(r.streams.iter().map(|s| s.packets).sum::<u64>(), frames);
    for s in &r.streams {
        assert_eq!((s.lost, s.duplicated, s.reordered), (0, 0, 0), "{s:?}");
        if s.dst.ends_with(&format!(":{}", synth::SRTP_PORT)) {
            assert_eq!((s.kind, s.key.as_deref()), ("SRTP", Some("k")));
            assert_eq!(s.srtp_auth_failures, 0);
        }
    }
}

#[test]
fn a_capture_cut_inside_a_record_keeps_what_came_before() {
    let data = synthetic(50_000);
    let cut = &data[..data.len() - 7];
    let r = rtpx::analyze_bytes(cut, Options::default()).unwrap();
    assert_eq!(
        r.capture_error.as_deref(),
        Some("the capture is cut short: it ends inside a record")
    );
    let full = rtpx::analyze_bytes(&data, Options::default()).unwrap();
    assert_eq!(r.capture.frames, full.capture.frames - 1);
    // Cut inside the file header: no capture at all.
    assert!(matches!(
        rtpx::analyze_bytes(&data[..20], Options::default()),
        Err(CaptureError::Truncated)
    ));
}

#[test]
fn unknown_link_types_are_refused_by_name() {
    let mut data = synthetic(2_000);
    data[20..24].copy_from_slice(&147u32.to_le_bytes()); // LINKTYPE_USER0
    let e = rtpx::analyze_bytes(&data, Options::default()).unwrap_err();
    assert!(matches!(e, CaptureError::UnsupportedLinkType(147)), "{e}");
    assert!(e.to_string().contains("unsupported link type 147"));
}

#[test]
fn huge_snaplen_and_huge_records_are_bounded() {
    let mut data = synthetic(2_000);
    data[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let r = rtpx::analyze_bytes(&data, Options::default()).unwrap();
    assert!(r.capture.frames > 0);
    // A record that claims 3 GB: an error, not an allocation.
    let mut bad = data[..24].to_vec();
    bad.extend_from_slice(&[0; 8]);
    bad.extend_from_slice(&0xc000_0000u32.to_le_bytes());
    bad.extend_from_slice(&0xc000_0000u32.to_le_bytes());
    bad.extend_from_slice(&[0x55; 64]);
    let r = rtpx::analyze_bytes(&bad, Options::default()).unwrap();
    assert!(r.capture_error.is_some(), "{r:?}");
    assert_eq!(r.capture.frames, 0);
    // One just above the 256 KiB record limit, fully present.
    let mut big = data[..24].to_vec();
    let n = rtpx::capture::MAX_RECORD as u32 + 1;
    big.extend_from_slice(&[0; 8]);
    big.extend_from_slice(&n.to_le_bytes());
    big.extend_from_slice(&n.to_le_bytes());
    big.resize(big.len() + n as usize, 0);
    let r = rtpx::analyze_bytes(&big, Options::default()).unwrap();
    assert_eq!(
        r.capture_error.as_deref(),
        Some("a record of 262145 bytes is larger than the 262144-byte limit")
    );
}

#[test]
fn garbage_payloads_are_counted_not_fatal() {
    // Replace every UDP payload byte with a pseudo-random one (keeping the headers).
    let mut data = synthetic(60_000);
    let mut reader = CaptureReader::new(&data[..]).unwrap();
    let mut buf = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 24usize;
    while let Some(Ok(_)) = reader.next_frame(&mut buf) {
        offsets.push((at + 16 + 42, buf.len() - 42));
        at += 16 + buf.len();
    }
    let mut x = 0x9e37_79b9u32;
    for (start, len) in offsets {
        for b in &mut data[start..start + len] {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
    }
    let r = rtpx::analyze_bytes(&data, keyed()).unwrap();
    assert_eq!(r.capture_error, None);
    let flows: u64 = r.flows.iter().map(|f| f.counts.packets).sum();
    assert_eq!(flows, r.capture.frames);
}

#[test]
fn non_udp_frames_are_skipped_with_a_count() {
    let mut data = synthetic(2_000);
    // Turn the first frame's IPv4 protocol into ICMP (checksum left stale: still skipped).
    data[24 + 16 + 14 + 9] = 1;
    let r = rtpx::analyze_bytes(&data, Options::default()).unwrap();
    assert!(
        r.capture
            .skipped
            .get(&Skip::OtherTransport)
            .copied()
            .unwrap_or(0)
            >= 1
    );
}

#[test]
fn every_prefix_of_a_capture_is_handled() {
    let data = synthetic(3_000);
    for len in 0..data.len() {
        let _ = rtpx::analyze_bytes(&data[..len], keyed());
    }
}
