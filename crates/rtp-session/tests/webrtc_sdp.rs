//! WebRTC offer/answer: real Chromium offers read to exact values, our answers written and
//! read back with the SDP crate in both DTLS roles, and every refusal's exact error.
//!
//! The fixtures are offers captured from headless Chromium 156.0.8078.114 (Debian 12):
//! `chromium156_offer.sdp` one microphone track, ICE gathered to completion;
//! `chromium156_audio_video_data_offer.sdp` a microphone, a camera and a data channel.
//! `cargo xtask interop chromium-sdp` checks that Chromium accepts the answers.

use rtp_session::{
    AnswerParams, Fingerprint, HashFunction, MediaDirection, Role, Setup, WebRtcOffer,
    WebRtcSdpError,
};
use std::net::SocketAddr;

const CHROMIUM: &str = include_str!("fixtures/chromium156_offer.sdp");
const CHROMIUM_AV: &str = include_str!("fixtures/chromium156_audio_video_data_offer.sdp");

/// The fixture with each line starting with `prefix` replaced by `with` (removed when
/// `with` is empty); panics if no line matched, so a test never checks an unchanged offer.
fn edit(offer: &str, prefix: &str, with: &str) -> String {
    let mut matched = false;
    let mut out = String::new();
    for line in offer.split_inclusive("\r\n") {
        if line.starts_with(prefix) {
            matched = true;
            if !with.is_empty() {
                out.push_str(with);
                out.push_str("\r\n");
            }
        } else {
            out.push_str(line);
        }
    }
    assert!(matched, "no line starts with {prefix:?}");
    out
}

fn refused(offer: &str) -> WebRtcSdpError {
    WebRtcOffer::parse(offer).expect_err("the offer must be refused")
}

fn fingerprint(byte: u8) -> Fingerprint {
    Fingerprint {
        hash: HashFunction::Sha256,
        value: vec![byte; 32],
    }
}

fn params() -> AnswerParams {
    let candidates: Vec<SocketAddr> = vec![
        "192.0.2.10:40000".parse().unwrap(),
        "[2001:db8::10]:40000".parse().unwrap(),
    ];
    AnswerParams::new(
        "Lite",
        "LitePasswordOf24Chars00",
        fingerprint(0xab),
        candidates,
        0x0102_0304,
        "lite@example",
    )
}

#[test]
fn the_chromium_offer_reads_to_exact_values() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    assert_eq!(offer.media_index(), 0);
    assert_eq!(offer.mid(), "0");
    assert_eq!(offer.bundle_group(), ["0"]);
    assert_eq!(offer.ice_ufrag(), "DjT2");
    assert_eq!(offer.ice_pwd(), "cdquw2gNtO0wN1cGo0Btukb4");
    assert_eq!(offer.ice_options(), ["trickle"]);
    let expected: Fingerprint = "sha-256 D3:FB:88:33:3B:DE:99:7F:B1:1D:D3:3F:E0:B6:4F:30:8A:\
                                 DD:74:E3:7B:78:A8:E8:C5:AC:84:E8:D8:FE:14:E8"
        .parse()
        .unwrap();
    assert_eq!(offer.fingerprints(), [expected]);
    assert_eq!(
        offer.fingerprints()[0].value[..4],
        [0xd3, 0xfb, 0x88, 0x33],
        "bytes, not text"
    );
    assert_eq!(offer.setup(), Setup::ActPass);
    assert!(
        !offer.rtcp_mux_only(),
        "Chromium 156 offers a=rtcp-mux without a=rtcp-mux-only"
    );
    assert_eq!(offer.opus_payload_type(), 111);
    assert_eq!(offer.opus_fmtp(), Some("minptime=10;useinbandfec=1"));
    assert_eq!(offer.telephone_event_payload_type(48_000), Some(110));
    assert_eq!(offer.telephone_event_payload_type(8_000), Some(126));
    assert_eq!(offer.telephone_event_payload_type(16_000), None);
    assert_eq!(offer.mid_extension_id(), Some(4));
    assert_eq!(offer.direction(), MediaDirection::SendRecv);
    let msid = "82f5d464-6c6c-497b-9d38-40d985a46a90 43e5932b-dc9d-44f1-8a05-eaa3538da96b";
    assert_eq!(offer.msid(), Some(msid));
    let sources = offer.remote_sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].ssrc, 1_759_004_783);
    assert_eq!(sources[0].cname.as_deref(), Some("kyImrt5Y15ZxtMkg"));
    assert_eq!(sources[0].msid.as_deref(), Some(msid));
    // actpass: our preference decides.
    assert_eq!(offer.dtls_role_for_us(Role::Server), Role::Server);
    assert_eq!(offer.dtls_role_for_us(Role::Client), Role::Client);
}

#[test]
fn the_chromium_audio_video_data_offer_reads_its_audio_section() {
    let offer = WebRtcOffer::parse(CHROMIUM_AV).unwrap();
    assert_eq!(offer.media_index(), 0);
    assert_eq!(offer.mid(), "0");
    assert_eq!(offer.bundle_group(), ["0", "1", "2"]);
    assert_eq!(offer.ice_ufrag(), "pgPR");
    assert_eq!(offer.opus_payload_type(), 111);
    assert_eq!(offer.mid_extension_id(), Some(4));
    assert_eq!(offer.remote_sources()[0].ssrc, 1_169_054_662);
}

/// The exact answer to the Chromium fixture, we passive (the default role).
const PASSIVE_ANSWER: &str = "v=0\r\n\
o=- 16909060 0 IN IP4 0.0.0.0\r\n\
s=-\r\n\
t=0 0\r\n\
a=ice-lite\r\n\
a=group:BUNDLE 0\r\n\
m=audio 40000 UDP/TLS/RTP/SAVPF 111 110\r\n\
c=IN IP4 192.0.2.10\r\n\
a=mid:0\r\n\
a=ice-ufrag:Lite\r\n\
a=ice-pwd:LitePasswordOf24Chars00\r\n\
a=fingerprint:sha-256 AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\r\n\
a=setup:passive\r\n\
a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n\
a=candidate:2 1 udp 2130706175 2001:db8::10 40000 typ host\r\n\
a=end-of-candidates\r\n\
a=rtcp-mux\r\n\
a=sendrecv\r\n\
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\n\
a=rtpmap:110 telephone-event/48000\r\n\
a=ssrc:16909060 cname:lite@example\r\n";

#[test]
fn the_answer_to_chromium_is_exactly_this_in_the_passive_role() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    assert_eq!(offer.answer(&params()).unwrap(), PASSIVE_ANSWER);
}

#[test]
fn the_answer_reads_back_with_the_sdp_crate_in_both_roles() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    for (role, setup) in [(Role::Server, "passive"), (Role::Client, "active")] {
        let mut p = params();
        p.preferred_role = role;
        p.msid = Some(("stream".into(), "track".into()));
        let answer = offer.answer(&p).unwrap();
        let sdp = sdp_types::Session::parse(answer.as_bytes()).unwrap();
        let attributes = |list: &[sdp_types::Attribute]| -> Vec<String> {
            list.iter()
                .map(|a| match &a.value {
                    Some(v) => format!("{}:{v}", a.attribute),
                    None => a.attribute.clone(),
                })
                .collect()
        };
        assert_eq!(attributes(&sdp.attributes), ["ice-lite", "group:BUNDLE 0"]);
        assert_eq!(sdp.medias.len(), 1);
        let audio = &sdp.medias[0];
        assert_eq!(
            (audio.media.as_str(), audio.port, audio.proto.as_str()),
            ("audio", 40000, "UDP/TLS/RTP/SAVPF")
        );
        assert_eq!(audio.fmt, "111 110");
        assert_eq!(audio.connections[0].connection_address, "192.0.2.10");
        let fp = format!("fingerprint:{}", fingerprint(0xab));
        let setup = format!("setup:{setup}");
        assert_eq!(
            attributes(&audio.attributes),
            [
                "mid:0",
                "ice-ufrag:Lite",
                "ice-pwd:LitePasswordOf24Chars00",
                &fp,
                &setup,
                "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host",
                "candidate:2 1 udp 2130706175 2001:db8::10 40000 typ host",
                "end-of-candidates",
                "rtcp-mux",
                "sendrecv",
                "extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                "msid:stream track",
                "rtpmap:111 opus/48000/2",
                "fmtp:111 minptime=10;useinbandfec=1",
                "rtpmap:110 telephone-event/48000",
                "ssrc:16909060 cname:lite@example",
            ]
        );
        // Nothing we do not implement is promised.
        for absent in [
            "rtcp-fb",
            "rtcp-rsize",
            "transport-wide-cc",
            "msid-semantic",
        ] {
            assert!(!answer.contains(absent), "{absent} in {answer}");
        }
    }
}

#[test]
fn a_setup_chosen_by_the_offer_decides_our_role() {
    for (offered, expected_setup, role) in [
        ("a=setup:active", "a=setup:passive\r\n", Role::Server),
        ("a=setup:passive", "a=setup:active\r\n", Role::Client),
    ] {
        let offer = WebRtcOffer::parse(&edit(CHROMIUM, "a=setup:", offered)).unwrap();
        for preferred in [Role::Server, Role::Client] {
            assert_eq!(offer.dtls_role_for_us(preferred), role);
            let mut p = params();
            p.preferred_role = preferred;
            assert!(offer.answer(&p).unwrap().contains(expected_setup));
        }
    }
    // No a=setup: RFC 4145's default, active.
    let offer = WebRtcOffer::parse(&edit(CHROMIUM, "a=setup:", "")).unwrap();
    assert_eq!(offer.setup(), Setup::Active);
    assert_eq!(offer.dtls_role_for_us(Role::Client), Role::Server);
}

#[test]
fn other_sections_are_rejected_and_left_out_of_the_bundle() {
    let mut offer = WebRtcOffer::parse(CHROMIUM_AV).unwrap();
    offer.refuse_video();
    let answer = offer.answer(&params()).unwrap();
    let sdp = sdp_types::Session::parse(answer.as_bytes()).unwrap();
    assert_eq!(
        sdp.get_first_attribute_value("group"),
        Some(Some("BUNDLE 0"))
    );
    let sections: Vec<(String, u16, String, String, Option<&str>)> = sdp
        .medias
        .iter()
        .map(|m| {
            (
                m.media.clone(),
                m.port,
                m.proto.clone(),
                m.fmt.clone(),
                m.get_first_attribute_value("mid").flatten(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [
            (
                "audio".into(),
                40000,
                "UDP/TLS/RTP/SAVPF".into(),
                "111 110".into(),
                Some("0")
            ),
            (
                "video".into(),
                0,
                "UDP/TLS/RTP/SAVPF".into(),
                "96".into(),
                Some("1")
            ),
            (
                "application".into(),
                0,
                "UDP/DTLS/SCTP".into(),
                "webrtc-datachannel".into(),
                Some("2")
            ),
        ]
    );
    assert_eq!(
        sdp.medias[1].attributes.len(),
        1,
        "a rejected section has its mid only"
    );
}

#[test]
fn the_answer_direction_follows_the_offer() {
    // The browser only receives: we send only, and announce our source.
    let offer = WebRtcOffer::parse(&edit(CHROMIUM, "a=sendrecv", "a=recvonly")).unwrap();
    assert_eq!(offer.direction(), MediaDirection::RecvOnly);
    let mut p = params();
    p.msid = Some(("s".into(), "t".into()));
    let answer = offer.answer(&p).unwrap();
    assert!(answer.contains("a=sendonly\r\n"));
    assert!(answer.contains("a=ssrc:16909060 cname:lite@example\r\n"));
    assert!(answer.contains("a=msid:s t\r\n"));
    // The browser only sends: we receive only, and announce no source.
    let offer = WebRtcOffer::parse(&edit(CHROMIUM, "a=sendrecv", "a=sendonly")).unwrap();
    let answer = offer.answer(&p).unwrap();
    assert!(answer.contains("a=recvonly\r\n"));
    assert!(!answer.contains("a=ssrc:"));
    assert!(!answer.contains("a=msid:"));
    // We want to receive only.
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    p.direction = MediaDirection::RecvOnly;
    assert!(offer.answer(&p).unwrap().contains("a=recvonly\r\n"));
}

#[test]
fn without_bundle_or_optional_formats_the_answer_has_none() {
    let offer = edit(CHROMIUM, "a=group:BUNDLE", "");
    let offer = edit(&offer, "a=rtpmap:110 ", "");
    let offer = edit(&offer, "a=fmtp:111 ", "");
    let offer = edit(&offer, "a=extmap:4 ", "");
    let offer = WebRtcOffer::parse(&offer).unwrap();
    assert!(offer.bundle_group().is_empty());
    assert_eq!(offer.telephone_event_payload_type(48_000), None);
    assert_eq!(offer.opus_fmtp(), None);
    assert_eq!(offer.mid_extension_id(), None);
    let answer = offer.answer(&params()).unwrap();
    assert!(answer.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"));
    for absent in ["a=group", "a=fmtp", "telephone-event", "a=extmap"] {
        assert!(!answer.contains(absent), "{absent} in {answer}");
    }
}

#[test]
fn an_ipv6_first_candidate_gives_an_ip6_connection_line() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    let mut p = params();
    p.candidates.reverse();
    let answer = offer.answer(&p).unwrap();
    assert!(answer.contains("c=IN IP6 2001:db8::10\r\n"));
    assert!(answer.contains("a=candidate:1 1 udp 2130706431 2001:db8::10 40000 typ host\r\n"));
}

#[test]
fn media_level_values_win_and_session_level_ones_are_used() {
    // Credentials and fingerprint at session level only.
    let mut offer = String::new();
    for line in CHROMIUM.split_inclusive("\r\n") {
        let moved = ["a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:", "a=setup:"]
            .iter()
            .any(|p| line.starts_with(p));
        if line.starts_with("m=audio") {
            offer.push_str(
                "a=ice-ufrag:SeSs\r\na=ice-pwd:SessionLevelPassword0000\r\n\
                 a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n\
                 a=setup:passive\r\n",
            );
        }
        if !moved {
            offer.push_str(line);
        }
    }
    let parsed = WebRtcOffer::parse(&offer).unwrap();
    assert_eq!(parsed.ice_ufrag(), "SeSs");
    assert_eq!(parsed.ice_pwd(), "SessionLevelPassword0000");
    assert_eq!(parsed.fingerprints()[0].hash, HashFunction::Sha1);
    assert_eq!(parsed.setup(), Setup::Passive);
    // With the media-level ones back, those win.
    let both = edit(
        &offer,
        "a=mid:0",
        "a=mid:0\r\na=ice-ufrag:MeDi\r\na=ice-pwd:MediaLevelPassword000000\r\na=setup:actpass",
    );
    let parsed = WebRtcOffer::parse(&both).unwrap();
    assert_eq!(parsed.ice_ufrag(), "MeDi");
    assert_eq!(parsed.ice_pwd(), "MediaLevelPassword000000");
    assert_eq!(parsed.setup(), Setup::ActPass);
}

#[test]
fn unknown_fingerprint_hashes_are_skipped_beside_a_known_one() {
    let offer = edit(
        CHROMIUM,
        "a=fingerprint:",
        "a=fingerprint:sha-224 00:11\r\na=fingerprint:SHA-256 d3:fb:88:33:3b:de:99:7f:b1:1d:d3:3f:\
         e0:b6:4f:30:8a:dd:74:e3:7b:78:a8:e8:c5:ac:84:e8:d8:fe:14:e8",
    );
    let offer = WebRtcOffer::parse(&offer).unwrap();
    assert_eq!(offer.fingerprints().len(), 1);
    assert_eq!(offer.fingerprints()[0].hash, HashFunction::Sha256);
    assert_eq!(offer.fingerprints()[0].value[0], 0xd3);
}

#[test]
fn each_refusal_names_its_reason() {
    use WebRtcSdpError::*;
    let cases: Vec<(&str, String, WebRtcSdpError)> = vec![
        (
            "no fingerprint",
            edit(CHROMIUM, "a=fingerprint:", ""),
            MissingFingerprint,
        ),
        (
            "only an unknown hash",
            edit(CHROMIUM, "a=fingerprint:", "a=fingerprint:md5 00:11:22"),
            UnsupportedFingerprint { hash: "md5".into() },
        ),
        (
            "a known hash with a digest of the wrong length",
            edit(CHROMIUM, "a=fingerprint:", "a=fingerprint:sha-256 00:11:22"),
            Malformed {
                attribute: "fingerprint",
                value: "sha-256 00:11:22".into(),
            },
        ),
        (
            "no opus rtpmap",
            edit(CHROMIUM, "a=rtpmap:111 ", ""),
            NoOpus,
        ),
        (
            "mono opus",
            edit(CHROMIUM, "a=rtpmap:111 ", "a=rtpmap:111 opus/48000/1"),
            NoOpus,
        ),
        (
            "opus not in the format list",
            edit(
                CHROMIUM,
                "m=audio",
                "m=audio 52884 UDP/TLS/RTP/SAVPF 63 9 0 8 13 110 126",
            ),
            NoOpus,
        ),
        (
            "no rtcp-mux",
            edit(CHROMIUM, "a=rtcp-mux", ""),
            MissingRtcpMux,
        ),
        (
            "no ice-ufrag",
            edit(CHROMIUM, "a=ice-ufrag:", ""),
            MissingIceUfrag,
        ),
        (
            "no ice-pwd",
            edit(CHROMIUM, "a=ice-pwd:", ""),
            MissingIcePwd,
        ),
        (
            "a short ice-pwd",
            edit(CHROMIUM, "a=ice-pwd:", "a=ice-pwd:short"),
            Malformed {
                attribute: "ice-pwd",
                value: "short".into(),
            },
        ),
        (
            "two different ice-ufrags",
            edit(
                CHROMIUM,
                "a=ice-ufrag:",
                "a=ice-ufrag:DjT2\r\na=ice-ufrag:Other",
            ),
            Malformed {
                attribute: "ice-ufrag",
                value: "Other".into(),
            },
        ),
        ("no mid", edit(CHROMIUM, "a=mid:", ""), MissingMid),
        (
            "holdconn",
            edit(CHROMIUM, "a=setup:", "a=setup:holdconn"),
            UnsupportedSetup {
                value: "holdconn".into(),
            },
        ),
        (
            "plain RTP/SAVPF",
            edit(
                CHROMIUM,
                "m=audio",
                "m=audio 52884 RTP/SAVPF 111 63 9 0 8 13 110 126",
            ),
            UnsupportedProtocol {
                proto: "RTP/SAVPF".into(),
            },
        ),
        (
            "a rejected audio section",
            edit(CHROMIUM, "m=audio", "m=audio 0 UDP/TLS/RTP/SAVPF 111"),
            NoAudio,
        ),
        (
            "ice-lite offerer",
            edit(CHROMIUM, "s=-", "s=-\r\na=ice-lite"),
            IceLiteOfferer,
        ),
    ];
    for (what, offer, expected) in cases {
        assert_eq!(refused(&offer), expected, "{what}");
    }
}

#[test]
fn a_video_only_offer_has_no_audio() {
    // The audio/video fixture without its audio section.
    let start = CHROMIUM_AV.find("m=audio").unwrap();
    let end = CHROMIUM_AV.find("m=video").unwrap();
    let video_only = format!("{}{}", &CHROMIUM_AV[..start], &CHROMIUM_AV[end..]);
    assert_eq!(refused(&video_only), WebRtcSdpError::NoAudio);
}

#[test]
fn garbage_and_oversized_offers_are_refused() {
    for garbage in ["", "hello", "v=0\r\nm=audio\r\n", "\u{0}\u{1}\u{2}"] {
        assert!(
            matches!(refused(garbage), WebRtcSdpError::Syntax { .. }),
            "{garbage:?}"
        );
    }
    let mut huge = CHROMIUM.to_string();
    while huge.len() <= WebRtcOffer::MAX_LEN {
        huge.push_str("a=x-padding:0123456789abcdef0123456789abcdef\r\n");
    }
    assert_eq!(
        refused(&huge),
        WebRtcSdpError::TooLarge {
            len: huge.len(),
            max: WebRtcOffer::MAX_LEN
        }
    );
}

/// A change that makes answer parameters invalid.
type Change = Box<dyn Fn(&mut AnswerParams)>;

#[test]
fn answer_parameters_are_checked() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    let cases: Vec<(&str, Change)> = vec![
        ("short ufrag", Box::new(|p| p.ice_ufrag = "abc".into())),
        (
            "ufrag with a space",
            Box::new(|p| p.ice_ufrag = "ab cd".into()),
        ),
        ("short password", Box::new(|p| p.ice_pwd = "short".into())),
        (
            "password with a line break",
            Box::new(|p| p.ice_pwd = "LitePasswordOf24Chars0\r\na=x".into()),
        ),
        (
            "truncated fingerprint",
            Box::new(|p| p.fingerprint.value.truncate(31)),
        ),
        ("no candidates", Box::new(|p| p.candidates.clear())),
        (
            "unspecified candidate",
            Box::new(|p| p.candidates[0] = "0.0.0.0:40000".parse().unwrap()),
        ),
        (
            "port 0",
            Box::new(|p| p.candidates[0] = "192.0.2.10:0".parse().unwrap()),
        ),
        (
            "repeated candidate",
            Box::new(|p| p.candidates[1] = p.candidates[0]),
        ),
        (
            "too many candidates",
            Box::new(|p| {
                p.candidates = (1..=65)
                    .map(|port| SocketAddr::from(([192, 0, 2, 10], port)))
                    .collect()
            }),
        ),
        ("CNAME with a space", Box::new(|p| p.cname = "a b".into())),
        ("empty CNAME", Box::new(|p| p.cname.clear())),
        (
            "msid with a space",
            Box::new(|p| p.msid = Some(("a b".into(), "t".into()))),
        ),
    ];
    for (what, change) in cases {
        let mut p = params();
        change(&mut p);
        assert!(
            matches!(
                offer.answer(&p),
                Err(WebRtcSdpError::InvalidAnswerParams { .. })
            ),
            "{what}"
        );
    }
}

#[test]
fn errors_say_what_is_wrong() {
    assert_eq!(
        WebRtcSdpError::MissingFingerprint.to_string(),
        "the offer has no a=fingerprint"
    );
    assert_eq!(
        WebRtcSdpError::UnsupportedFingerprint { hash: "md5".into() }.to_string(),
        "no a=fingerprint with a supported hash function (offered `md5`)"
    );
}

#[test]
fn rtcp_mux_only_and_bundle_only_are_read() {
    let offer = edit(CHROMIUM, "a=rtcp-mux", "a=rtcp-mux\r\na=rtcp-mux-only");
    assert!(WebRtcOffer::parse(&offer).unwrap().rtcp_mux_only());
    // A bundle-only section (RFC 8843 §6) has port 0 and is still offered.
    let offer = edit(
        CHROMIUM,
        "m=audio",
        "m=audio 0 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\na=bundle-only",
    );
    let offer = WebRtcOffer::parse(&offer).unwrap();
    assert_eq!(offer.mid(), "0");
    assert!(
        offer
            .answer(&params())
            .unwrap()
            .contains("m=audio 40000 UDP/TLS/RTP/SAVPF 111 110\r\n")
    );
}

#[test]
fn telephone_event_at_48000_is_answered_and_mapped_for_the_session() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    // Answered by default, at the offer's 48 kHz payload type only (not 126/8000).
    let answer = offer.answer(&params()).unwrap();
    assert!(answer.contains("a=rtpmap:110 telephone-event/48000\r\n"));
    assert!(!answer.contains("telephone-event/8000"));
    // Not answered when the caller says so.
    let mut p = params();
    p.telephone_event = false;
    let answer = offer.answer(&p).unwrap();
    assert!(answer.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"));
    assert!(!answer.contains("telephone-event"));
    // The session configured for the offer routes 110 to telephone events, at 48 kHz.
    let config_for = |offer: &WebRtcOffer| {
        use rtp_session::{ChaCha20Rng, SeedableRng};
        let certificate = rtp_session::Certificate::generate_with_rng(
            "answerer",
            &mut ChaCha20Rng::from_seed([9; 32]),
        )
        .unwrap();
        let ice = rtp_session::IceCredentials::random(&mut ChaCha20Rng::from_seed([8; 32]));
        let dtls = std::sync::Arc::new(rtp_session::DtlsConfig::new(certificate));
        offer.session_config(ice, dtls, Role::Server).unwrap()
    };
    let pt = |n| rtp_session::PayloadType::new(n).unwrap();
    let config = config_for(&offer);
    let map = &config.payload_map;
    let events = map.get(pt(110)).unwrap();
    assert_eq!(events.kind, rtp_session::PayloadKind::TelephoneEvent);
    assert_eq!(events.clock_rate, rtp_session::ClockRate::OPUS);
    let opus = map.get(pt(111)).unwrap();
    assert_eq!(opus.kind, rtp_session::PayloadKind::Audio);
    assert_eq!(opus.fmtp.as_deref(), Some("minptime=10;useinbandfec=1"));
    assert!(map.get(pt(126)).is_none());
    // Without telephone-event in the offer, the map has Opus alone.
    let offer = WebRtcOffer::parse(&edit(CHROMIUM, "a=rtpmap:110 ", "")).unwrap();
    assert_eq!(config_for(&offer).payload_map.iter().count(), 1);
}

/// The video section of the Chromium audio+video+data fixture as we answer it, we passive.
const VIDEO_ANSWER: &str = "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n\
c=IN IP4 192.0.2.10\r\n\
a=mid:1\r\n\
a=ice-ufrag:Lite\r\n\
a=ice-pwd:LitePasswordOf24Chars00\r\n\
a=fingerprint:sha-256 AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\r\n\
a=setup:passive\r\n\
a=rtcp-mux\r\n\
a=rtcp-rsize\r\n\
a=recvonly\r\n\
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n\
a=rtpmap:96 VP8/90000\r\n\
a=rtcp-fb:96 nack\r\n\
a=rtcp-fb:96 nack pli\r\n\
a=rtcp-fb:96 ccm fir\r\n\
a=rtcp-fb:96 transport-cc\r\n\
a=rtpmap:97 rtx/90000\r\n\
a=fmtp:97 apt=96\r\n";

#[test]
fn a_bundled_vp8_section_is_received_with_nack_pli_rtx_and_transport_cc() {
    let offer = WebRtcOffer::parse(CHROMIUM_AV).unwrap();
    assert_eq!(offer.video_mid(), Some("1"));
    assert_eq!(offer.video_index(), Some(1));
    assert_eq!(offer.vp8_payload_type(), Some(96));
    assert_eq!(offer.video_rtx_payload_type(), Some(97));
    assert_eq!(offer.congestion_extension_id(), Some(3));
    let fb = offer.video_feedback().unwrap();
    assert!(fb.nack && fb.pli && fb.fir && fb.transport_cc && fb.remb);

    let answer = offer.answer(&params()).unwrap();
    assert!(answer.contains("a=group:BUNDLE 0 1\r\n"), "{answer}");
    let video = &answer[answer.find("m=video").unwrap()..answer.find("m=application").unwrap()];
    assert_eq!(video, VIDEO_ANSWER);
    // The audio section gains transport-cc (same id, one sequence space) and rtcp-rsize.
    let audio = &answer[answer.find("m=audio").unwrap()..answer.find("m=video").unwrap()];
    for line in [
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n",
        "a=rtcp-rsize\r\n",
        "a=rtcp-fb:111 transport-cc\r\n",
    ] {
        assert!(audio.contains(line), "{line} missing from {audio}");
    }
    assert!(!audio.contains("nack"), "{audio}");
    // Chromium reads the answer back with the sdp crate's parser as well.
    let parsed = sdp_types::Session::parse(answer.as_bytes()).unwrap();
    assert_eq!(parsed.medias[1].port, 40000);
    assert_eq!(parsed.medias[2].port, 0);

    let config = session_config(&offer);
    let vp8 = config
        .payload_map
        .get(rtp_session::PayloadType::new(96).unwrap())
        .unwrap();
    assert_eq!(vp8.kind, rtp_session::PayloadKind::Video);
    assert_eq!(vp8.clock_rate.hz(), 90_000);
    assert_eq!(
        config.clock_rate.hz(),
        48_000,
        "audio stays the session's media"
    );
    let video = config.bundled_video.as_ref().unwrap();
    assert_eq!(video.clock_rate, rtp_session::ClockRate::VIDEO);
    assert!(config.feedback.nack && config.feedback.pli && config.feedback.fir);
    assert!(config.feedback.transport_cc);
    let rtx = config.feedback.rtx.unwrap();
    assert_eq!((rtx.payload_type.value(), rtx.apt.value()), (97, 96));
    assert_eq!(config.congestion.transport_sequence_id, Some(3));
    assert!(config.congestion.transport_cc_feedback);
    assert!(config.transport.rtcp_rsize);
}

#[test]
fn an_audio_only_offer_configures_no_video_feedback_or_congestion() {
    let offer = WebRtcOffer::parse(CHROMIUM).unwrap();
    assert_eq!(offer.video_mid(), None);
    assert_eq!(offer.congestion_extension_id(), None);
    let config = session_config(&offer);
    assert!(config.bundled_video.is_none());
    assert!(!config.feedback.is_avpf() && !config.feedback.transport_cc);
    assert_eq!(config.congestion.transport_sequence_id, None);
    assert!(!config.transport.rtcp_rsize);
    // A video section outside the BUNDLE group is not received.
    let unbundled = edit(CHROMIUM_AV, "a=group:BUNDLE", "a=group:BUNDLE 0 2");
    let offer = WebRtcOffer::parse(&unbundled).unwrap();
    assert_eq!(offer.video_mid(), None);
}

/// The session configuration for `offer`, we the DTLS server, from fixed seeds.
fn session_config(offer: &WebRtcOffer) -> rtp_session::Config {
    use rtp_session::{ChaCha20Rng, SeedableRng};
    let certificate = rtp_session::Certificate::generate_with_rng(
        "answerer",
        &mut ChaCha20Rng::from_seed([9; 32]),
    )
    .unwrap();
    let ice = rtp_session::IceCredentials::random(&mut ChaCha20Rng::from_seed([8; 32]));
    let dtls = std::sync::Arc::new(rtp_session::DtlsConfig::new(certificate));
    offer.session_config(ice, dtls, Role::Server).unwrap()
}

/// RFC 9335 §4: `a=cryptex` offered (session level) is answered in every accepted
/// section when asked for, and the session's SRTP contexts get cryptex only when both
/// sides have it.
#[test]
fn cryptex_is_answered_and_configured_only_when_both_sides_have_it() {
    use rtp_session::{ChaCha20Rng, Security, SeedableRng};
    let with = edit(
        CHROMIUM_AV,
        "a=extmap-allow-mixed",
        "a=extmap-allow-mixed\r\na=cryptex",
    );
    let dtls_config = |offer: &WebRtcOffer, cryptex: bool| {
        let certificate = rtp_session::Certificate::generate_with_rng(
            "answerer",
            &mut ChaCha20Rng::from_seed([9; 32]),
        )
        .unwrap();
        let ice = rtp_session::IceCredentials::random(&mut ChaCha20Rng::from_seed([8; 32]));
        let mut dtls = rtp_session::DtlsConfig::new(certificate);
        dtls.srtp_config.cryptex = cryptex;
        let config = offer
            .session_config(ice, std::sync::Arc::new(dtls), Role::Server)
            .unwrap();
        match config.security {
            Security::Dtls { config, .. } => config.srtp_config.cryptex,
            other => panic!("DTLS-SRTP expected, got {other:?}"),
        }
    };
    let mut ours = params();
    ours.cryptex = true;

    let offer = WebRtcOffer::parse(&with).unwrap();
    assert!(offer.cryptex());
    assert!(offer.video_mid().is_some());
    let answer = offer.answer(&ours).unwrap();
    assert_eq!(answer.matches("a=cryptex\r\n").count(), 2, "{answer}");
    assert!(!offer.answer(&params()).unwrap().contains("cryptex"));
    assert!(dtls_config(&offer, true));
    assert!(!dtls_config(&offer, false));

    // Media level counts too; a value makes it something else.
    let media_level = edit(CHROMIUM, "a=rtcp-mux", "a=rtcp-mux\r\na=cryptex");
    assert!(WebRtcOffer::parse(&media_level).unwrap().cryptex());
    let with_value = edit(CHROMIUM, "a=rtcp-mux", "a=rtcp-mux\r\na=cryptex:1");
    assert!(!WebRtcOffer::parse(&with_value).unwrap().cryptex());

    // Not offered: nothing answered, and off whatever our DTLS configuration asks.
    let offer = WebRtcOffer::parse(CHROMIUM_AV).unwrap();
    assert!(!offer.cryptex());
    assert!(!offer.answer(&ours).unwrap().contains("cryptex"));
    assert!(!dtls_config(&offer, true));
}
