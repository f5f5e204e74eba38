//! WebRTC offers (`rtp_session::WebRtcOffer`): arbitrary bytes read as UTF-8 SDP.
//!
//! Reading never panics. What reads has the guarantees the session relies on: at least
//! one fingerprint, ICE credentials of legal length, a mid. Its answer is written, and the
//! SDP crate reads that answer back with one media section per offered one, the audio
//! section at the offer's index carrying our port, the offer's mid and the Opus payload
//! type first, the bundled VP8 section (when there is one, and unless refused) our port,
//! its mid and VP8 first, every other section rejected with port 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_session::{AnswerParams, Fingerprint, HashFunction, Role, WebRtcOffer};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut offer) = WebRtcOffer::parse(text) else {
        return;
    };
    if data.len().is_multiple_of(3) {
        offer.refuse_video();
    }
    if let Some(index) = offer.video_index() {
        assert_ne!(index, offer.media_index());
        assert!(
            offer
                .bundle_group()
                .iter()
                .any(|m| Some(m.as_str()) == offer.video_mid())
        );
        assert!(offer.vp8_payload_type().is_some_and(|pt| pt <= 127));
    }
    let _ = (offer.video_feedback(), offer.video_rtx_payload_type());
    let _ = offer.congestion_extension_id();
    assert!(!offer.fingerprints().is_empty());
    assert!((4..=256).contains(&offer.ice_ufrag().len()));
    assert!((22..=256).contains(&offer.ice_pwd().len()));
    assert!(!offer.mid().is_empty());
    assert!(offer.opus_payload_type() <= 127);
    let _ = (offer.setup(), offer.direction(), offer.mid_extension_id());
    let _ = (offer.remote_sources(), offer.msid(), offer.bundle_group());

    let role = if data.len() & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let mut params = AnswerParams::new(
        "fuzz",
        "fuzzPasswordOf22Chars0",
        Fingerprint {
            hash: HashFunction::Sha256,
            value: vec![0x5a; 32],
        },
        vec![([192, 0, 2, 1], 40000).into()],
        0x1234_5678,
        "fuzz@example",
    );
    params.preferred_role = role;
    let answer = offer
        .answer(&params)
        .expect("valid parameters always answer");
    let sdp = sdp_types::Session::parse(answer.as_bytes()).expect("our answer is SDP");
    for (i, media) in sdp.medias.iter().enumerate() {
        if i == offer.media_index() {
            assert_eq!(media.port, 40000);
            assert_eq!(
                media.get_first_attribute_value("mid"),
                Some(Some(offer.mid()))
            );
            let first = media.fmt.split(' ').next();
            assert_eq!(first, Some(offer.opus_payload_type().to_string().as_str()));
        } else if Some(i) == offer.video_index() {
            assert_eq!(media.port, 40000);
            assert_eq!(
                media.get_first_attribute_value("mid"),
                Some(offer.video_mid())
            );
            let first = media.fmt.split(' ').next().map(str::to_owned);
            assert_eq!(first, offer.vp8_payload_type().map(|pt| pt.to_string()));
        } else {
            assert_eq!(media.port, 0);
        }
    }
    assert!(sdp.medias.len() > offer.media_index());
});
