//! What a configuration decides: the local SSRC, the one media clock, the SRTP settings
//! that come with SDES keys, and errors that print each cause once.

mod common;

use std::error::Error as _;
use std::time::{Duration, Instant};

use common::*;
use rtp_session::{
    ClockRate, Component, Error, Event, PayloadType, Security, Session, SrtpConfig, SrtpKeys,
    SsrcPolicy,
};

#[test]
fn a_configured_local_ssrc_is_sent_and_a_collision_still_replaces_it() {
    let (mut c, _) = configs(true);
    c.local_ssrc = Some(0x1234_5678);
    let now = Instant::now();
    let mut s = Session::new(now, c, rng(21)).unwrap();
    assert_eq!(s.local_ssrc(), 0x1234_5678);
    s.send(now, &[0xd5; 160], 0, true).unwrap();
    let sent = s.poll_transmit().unwrap();
    assert_eq!(&sent.contents[8..12], &[0x12, 0x34, 0x56, 0x78]);
    // Another participant uses our SSRC (RFC 3550 §8.2): we move to a random one.
    let third = addr("198.51.100.9:7000");
    s.handle_datagram(now, Component::Rtp, third, &mut plain_rtp(0x1234_5678, 9));
    let new = s.local_ssrc();
    assert_ne!(new, 0x1234_5678);
    let collided = std::iter::from_fn(|| s.poll_event()).any(|e| {
        matches!(e, Event::SsrcCollision { old: 0x1234_5678, new: n, address } if n == new && address == third)
    });
    assert!(collided);
    assert_eq!(s.counters().collisions, 1);
}

#[test]
fn the_session_has_one_media_clock() {
    let (mut c, _) = configs(true);
    c.clock_rate = ClockRate::OPUS;
    assert!(matches!(
        Session::new(Instant::now(), c, rng(22)),
        Err(Error::ClockRateMismatch {
            session: 48_000,
            jitter_buffer: 8000
        })
    ));
    let (mut c, _) = configs(true);
    c.set_media(PayloadType::new(111).unwrap(), ClockRate::OPUS);
    assert_eq!(
        (c.clock_rate, c.jitter_buffer.clock_rate),
        (ClockRate::OPUS, ClockRate::OPUS)
    );
    assert!(Session::new(Instant::now(), c, rng(22)).is_ok());
}

#[test]
fn srtp_settings_given_with_the_keys_reach_the_contexts() {
    let (mut a, mut b) = configs(true);
    a.security = Security::Srtp(SrtpKeys::new(PROFILE, key(1), key(2)));
    // b accepts only SSRCs registered with it, and none is: everything a sends fails.
    let mut keys = SrtpKeys::new(PROFILE, key(2), key(1));
    keys.config = SrtpConfig {
        ssrc_policy: SsrcPolicy::Registered,
        ..SrtpConfig::default()
    };
    b.security = Security::Srtp(keys);
    let mut p = Pair::new(a, b, clean(), 23);
    p.run(Duration::from_secs(1));
    let c = p.b.counters();
    assert_eq!(c.rtp_received, 0);
    assert!(c.unprotect_failures >= 40, "{c:?}");
    // The same keys with the default settings deliver.
    let mut p = srtp_pair(clean(), 23, true);
    p.run(Duration::from_secs(1));
    assert_eq!(p.b.counters().unprotect_failures, 0);
    assert!(p.b.counters().rtp_received >= 40);
}

#[test]
fn a_wrapped_error_prints_its_cause_once() {
    let (mut c, _) = configs(true);
    c.jitter_buffer.capacity_packets = 0;
    let error = Session::new(Instant::now(), c, rng(24)).unwrap_err();
    assert!(matches!(error, Error::JitterBuffer(_)));
    assert_eq!(error.to_string(), "jitter buffer configuration refused");
    let cause = error
        .source()
        .expect("the jitter buffer's error")
        .to_string();
    assert!(!cause.is_empty() && !error.to_string().contains(&cause));
}
