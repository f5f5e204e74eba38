//! The sans-IO core driven through the network simulator, deterministically.

mod common;

use std::time::Duration;

use common::*;
use netsim::{LinkConfig, Loss};
use rtp_session::{Component, Event, LeaveReason};

#[test]
fn media_flows_with_loss_jitter_and_reordering() {
    let mut p = srtp_pair(lossy(), 7, false);
    p.run(Duration::from_secs(30));
    let b_ssrc = p.b.local_ssrc();
    let q = p.a.quality(b_ssrc).expect("b is a source of a");
    // 1500 packets sent at 5 % loss: the statistics see the loss the link made.
    let lost_by_link = p.ba.stats().lost;
    assert!(q.packets_received > 1300, "{q:?}");
    assert!(
        (q.cumulative_lost - lost_by_link as i64).abs() <= 2,
        "{q:?} vs {lost_by_link}"
    );
    assert!(
        q.jitter > Duration::from_millis(1) && q.jitter < Duration::from_millis(30),
        "{q:?}"
    );
    // Both sent SRs, so RTT was measured: 2 × 40 ms of base delay plus jitter.
    let rtt = q.rtt.expect("RTT from report blocks");
    assert!(
        rtt > Duration::from_millis(70) && rtt < Duration::from_millis(140),
        "{rtt:?}"
    );
    let mos = q.mos.expect("G.711 has a known impairment");
    assert!((2.5..4.5).contains(&mos), "{mos}");
    assert!(
        p.a_seen.frames.len() > 1300 && p.a_seen.concealed > 20,
        "{} {}",
        p.a_seen.frames.len(),
        p.a_seen.concealed
    );
    assert_eq!(p.a.counters().unprotect_failures, 0);
    assert_eq!(
        count(&p.a_seen.events, |e| matches!(e, Event::NewSource { .. })),
        1
    );
}

#[test]
fn rtcp_intervals_follow_rfc_3550() {
    let mut p = srtp_pair(clean(), 3, true);
    let start = p.now;
    p.run(Duration::from_secs(600));
    let times = &p.a_seen.rtcp_times;
    // First report within the halved minimum, randomised: [1.25, 3.75] / (e - 1.5).
    let first = times[0] - start;
    assert!(
        first >= Duration::from_secs_f64(1.25 / 1.21828)
            && first <= Duration::from_secs_f64(3.75 / 1.21828),
        "{first:?}"
    );
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    let (lo, hi) = (2.5 / 1.21828, 7.5 / 1.21828);
    assert!(
        gaps.iter().all(|g| *g >= lo - 0.03 && *g <= hi + 0.03),
        "{gaps:?}"
    );
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    // Td = 5 s. Each draw has mean 5 / (e - 3/2) = 4.10 s, but timer reconsideration
    // defers a send whenever the redrawn interval is longer: RFC 3550 A.7 chose the
    // e - 3/2 compensation so that the resulting mean interval is Td again.
    assert!((mean - 5.0).abs() < 0.3, "mean {mean}");
}

#[test]
fn bandwidth_scales_the_interval() {
    let (mut a, mut b) = configs(true);
    // 4 kbit/s: 5 % = 25 B/s, receivers 18.75 B/s; a ~100-byte compound needs > 5 s.
    a.bandwidth = rtp_session::Bandwidth::new(4_000);
    b.bandwidth = rtp_session::Bandwidth::new(4_000);
    let mut p = Pair::new(a, b, clean(), 5);
    p.b_sends = false;
    p.a_sends = false;
    p.run(Duration::from_secs(600));
    let gaps: Vec<f64> = p
        .b_seen
        .rtcp_times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!(mean > 5.0, "mean {mean}");
}

#[test]
fn ssrc_collision_is_resolved_and_a_repeat_is_a_loop() {
    let mut p = srtp_pair(clean(), 11, true);
    p.run(Duration::from_secs(2));
    let old = p.a.local_ssrc();
    // A third party that holds b's keys sends a packet with a's SSRC.
    let third: std::net::SocketAddr = "198.51.100.9:7000".parse().unwrap();
    let mut forged = forge_with_ssrc(old);
    p.a.handle_datagram(p.now, Component::Rtp, third, &mut forged);
    let new = p.a.local_ssrc();
    assert_ne!(new, old);
    let e: Vec<_> = std::iter::from_fn(|| p.a.poll_event()).collect();
    assert!(e.iter().any(|e| matches!(e, Event::SsrcCollision { old: o, new: n, address } if *o == old && *n == new && *address == third)));
    assert_eq!(p.a.counters().collisions, 1);
    // The same address again with the new SSRC: a loop, no second change.
    let mut again = forge_with_ssrc(new);
    p.a.handle_datagram(p.now, Component::Rtp, third, &mut again);
    assert_eq!(p.a.local_ssrc(), new);
    assert_eq!(p.a.counters().loops, 1);
    // b saw the old SSRC leave and the new one arrive.
    p.run(Duration::from_secs(3));
    assert!(p.b_seen.events.iter().any(
        |e| matches!(e, Event::SourceLeft { ssrc, reason: LeaveReason::Bye(_), .. } if *ssrc == old)
    ));
    assert!(
        p.b_seen
            .events
            .iter()
            .any(|e| matches!(e, Event::NewSource { ssrc, .. } if *ssrc == new))
    );
}

/// An SRTP packet of `ssrc` protected with b's key.
fn forge_with_ssrc(ssrc: u32) -> Vec<u8> {
    let mut buf = plain_rtp(ssrc, 1);
    let n = buf.len();
    buf.resize(n + 48, 0);
    let mut ctx = srtp::Context::new(PROFILE, key(2), srtp::Config::default()).unwrap();
    let n = ctx.protect_rtp(&mut buf, n).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn rtcp_with_our_own_cname_is_a_loop() {
    let (mut a, _) = configs(true);
    a.transport.remote_rtcp = None;
    a.transport.remote_rtp = None;
    let now = std::time::Instant::now();
    let mut s = rtp_session::Session::new(now, a, rng(1)).unwrap();
    let cname = s.cname().to_string();
    let packets = [
        rtcp::AnyPacket::ReceiverReport(rtcp::ReceiverReport {
            ssrc: s.local_ssrc(),
            ..Default::default()
        }),
        rtcp::AnyPacket::SourceDescription(rtcp::SourceDescription::cname(s.local_ssrc(), &cname)),
    ];
    let mut buf = [0u8; 200];
    let n = rtcp::write_compound(&packets, 0, &mut buf).unwrap();
    let ssrc = s.local_ssrc();
    s.handle_datagram(now, Component::Rtp, addr(B_ADDR), &mut buf[..n]);
    assert_eq!((s.counters().loops, s.local_ssrc()), (1, ssrc));
}

#[test]
fn silent_sources_time_out_after_five_intervals() {
    let mut p = srtp_pair(clean(), 17, true);
    p.run(Duration::from_secs(10));
    let b_ssrc = p.b.local_ssrc();
    p.ba = netsim::Link::new(
        LinkConfig {
            loss: Loss::Random(1.0),
            ..clean()
        },
        1,
    );
    p.run(Duration::from_secs(24));
    assert!(
        p.a.quality(b_ssrc).is_some(),
        "still a member after 24 s of silence"
    );
    p.run(Duration::from_secs(20));
    assert!(p.a.quality(b_ssrc).is_none(), "gone after 5 intervals");
    assert!(p.a_seen.events.iter().any(
        |e| matches!(e, Event::SourceLeft { ssrc, reason: LeaveReason::Timeout, .. } if *ssrc == b_ssrc)
    ));
}

#[test]
fn bye_removes_the_source() {
    let mut p = srtp_pair(clean(), 19, false);
    p.run(Duration::from_secs(3));
    let b_ssrc = p.b.local_ssrc();
    p.b.close(p.now);
    p.run(Duration::from_millis(200));
    assert!(p.b.is_closed());
    assert!(matches!(p.b_seen.events.last(), Some(Event::Closed)));
    let left = p.a_seen.events.iter().find_map(|e| match e {
        Event::SourceLeft {
            ssrc,
            reason: LeaveReason::Bye(_),
            quality,
        } if *ssrc == b_ssrc => Some(*quality),
        _ => None,
    });
    // Its final figures come with the event: 3 s of 20 ms packets, none lost.
    let quality = left.expect("b's BYE reached a");
    assert_eq!(quality.ssrc, b_ssrc);
    assert!(quality.packets_received >= 140, "{quality:?}");
    assert_eq!(quality.cumulative_lost, 0);
    assert!(p.a.quality(b_ssrc).is_none());
    assert!(p.b.send(p.now, &[0; 160], 0, false).is_err());
}

#[test]
fn a_new_source_is_held_on_probation_and_counted() {
    let (a, b) = configs(true);
    let now = std::time::Instant::now();
    let mut a = rtp_session::Session::new(now, a, rng(25)).unwrap();
    let mut b = rtp_session::Session::new(now, b, rng(26)).unwrap();
    // RFC 3550 A.1: the first packet starts probation, the second validates the source;
    // the held first packet then goes to the jitter buffer ahead of it, though the
    // statistics count from the second.
    for (i, (held, received, released)) in [(1, 0, 0), (1, 1, 1)].into_iter().enumerate() {
        a.send(now, &[0xd5; 160], 160 * i as u32, i == 0).unwrap();
        let mut t = a.poll_transmit().unwrap();
        b.handle_datagram(now, Component::Rtp, addr(A_ADDR), &mut t.contents);
        let c = b.counters();
        assert_eq!(
            (c.probation_held, c.rtp_received, c.probation_released),
            (held, received, released)
        );
    }
    let ssrc = a.local_ssrc();
    assert_eq!(b.quality(ssrc).unwrap().packets_received, 1);
    let later = now + std::time::Duration::from_secs(1);
    let mut played = Vec::new();
    while let Some((s, p)) = b.poll_playout(later) {
        if let rtp_session::Playout::Frame(f) = p {
            assert_eq!(s, ssrc);
            played.push(f.timestamp());
        }
    }
    // Both frames, the held one first (the sender's timestamps start at a random offset).
    assert_eq!(played.len(), 2, "{played:?}");
    assert_eq!(played[1].wrapping_sub(played[0]), 160, "{played:?}");
}

#[test]
fn latching_needs_probation_and_the_same_ssrc() {
    let mut p = srtp_pair(clean(), 23, true);
    p.run(Duration::from_secs(1));
    // b's packets now come from a NAT-rewritten address.
    p.b_from = "203.0.113.50:40000".parse().unwrap();
    p.run(Duration::from_millis(30));
    assert_ne!(p.a.remote_rtp(), Some(p.b_from), "not after one packet");
    p.run(Duration::from_millis(200));
    assert_eq!(p.a.remote_rtp(), Some(p.b_from));
    // The source moved with it: the first two packets from the new address were held back
    // (probation 3), and moving is not a conflict.
    assert_eq!(p.a.counters().address_conflicts, 2);
    assert_eq!(
        count(&p.a_seen.events, |e| matches!(
            e,
            Event::SourceConflict { .. }
        )),
        0
    );
    assert!(
        p.a_seen
            .events
            .iter()
            .any(|e| matches!(e, Event::Latched { address } if *address == p.b_from))
    );
    // RTCP from an unrelated host is ignored and counted.
    let before = p.a.counters().rtcp_unexpected_source;
    p.a.handle_datagram(
        p.now,
        Component::Rtp,
        "198.51.100.77:9".parse().unwrap(),
        &mut receiver_report(),
    );
    assert_eq!(p.a.counters().rtcp_unexpected_source, before + 1);
}

#[test]
fn xr_gives_a_receive_only_party_its_rtt() {
    for xr in [false, true] {
        let (mut a, mut b) = configs(true);
        a.send_xr = xr;
        b.send_xr = xr;
        let mut p = Pair::new(a, b, clean(), 47);
        p.b_sends = false;
        p.run(Duration::from_secs(30));
        // a sends, so b's RRs give a its RTT either way: 2 × 20 ms.
        let a_rtt = p.a.rtt().expect("RTT from RR");
        assert!(
            a_rtt >= Duration::from_millis(39) && a_rtt <= Duration::from_millis(41),
            "{a_rtt:?}"
        );
        // b only receives: its RTT needs RRTR answered by DLRR (RFC 3611 §4.4, §4.5).
        match (xr, p.b.rtt()) {
            (false, None) => {}
            (true, Some(rtt)) => assert!(
                rtt >= Duration::from_millis(39) && rtt <= Duration::from_millis(41),
                "{rtt:?}"
            ),
            other => panic!("xr {xr}: {other:?}"),
        }
    }
}

#[test]
fn pacing_spreads_a_burst() {
    let (mut a, _) = configs(true);
    // 80 kbit/s = 10 000 B/s; each packet is 12 + 238 = 250 bytes: one per 25 ms.
    a.pacing_bps = Some(80_000);
    let t0 = std::time::Instant::now();
    let mut s = rtp_session::Session::new(t0, a, rng(3)).unwrap();
    for i in 0..4 {
        s.send(t0, &[0; 238], i * 960, i == 0).unwrap();
    }
    let mut released = Vec::new();
    let mut now = t0;
    while released.len() < 4 {
        while let Some(t) = s.poll_transmit() {
            assert_eq!(t.contents.len(), 250);
            released.push((now - t0).as_millis());
        }
        now = s.poll_timeout().unwrap();
        s.handle_timeout(now);
    }
    assert_eq!(released, vec![0, 25, 50, 75]);
}

#[test]
fn feedback_reaches_the_application_in_compounds_and_reduced_size() {
    for rsize in [false, true] {
        let mut p = srtp_pair(clean(), 53, true);
        // Each side learns the other's transport, with rtcp-rsize or not, from signalling.
        let peer = |remote: &str| {
            let mut t = rtp_session::Transport::default();
            t.remote_rtp = Some(addr(remote));
            t.remote_rtcp = Some(addr(remote));
            t.rtcp_mux = true;
            t.rtcp_rsize = rsize;
            t
        };
        p.a.set_remote_transport(&peer(B_ADDR)).unwrap();
        p.b.set_remote_transport(&peer(A_ADDR)).unwrap();
        p.run(Duration::from_millis(500));
        let pli = rtcp::AnyPacket::PictureLossIndication(rtcp::feedback::PictureLossIndication {
            sender_ssrc: p.a.local_ssrc(),
            media_ssrc: p.b.local_ssrc(),
        });
        p.a.send_feedback(std::slice::from_ref(&pli)).unwrap();
        let sent = p.a.poll_transmit().unwrap();
        // Reduced-size: the PLI alone (12 bytes) + SRTCP index (4) and tag (10).
        assert_eq!(
            sent.contents.len() == 12 + 14,
            rsize,
            "{}",
            sent.contents.len()
        );
        let mut contents = sent.contents;
        p.b.handle_datagram(p.now, Component::Rtp, addr(A_ADDR), &mut contents);
        let feedback: Vec<_> = std::iter::from_fn(|| p.b.poll_event())
            .filter_map(|e| match e {
                Event::Feedback { packet } => Some(packet),
                _ => None,
            })
            .collect();
        assert_eq!(feedback.len(), 1);
        use rtcp::Packet;
        assert_eq!(rtcp::AnyPacket::parse(&feedback[0]).unwrap(), pli);
    }
}

#[test]
fn heavy_loss_raises_a_quality_alert() {
    let link = LinkConfig {
        loss: Loss::Random(0.15),
        ..clean()
    };
    let mut p = srtp_pair(link, 61, true);
    p.run(Duration::from_secs(20));
    let b_ssrc = p.b.local_ssrc();
    let raised = p.a_seen.events.iter().any(|e| {
        matches!(e, Event::QualityAlert { ssrc, alert: stats::AlertEvent::Raised { metric: stats::Metric::Loss, .. } } if *ssrc == b_ssrc)
    });
    assert!(raised, "{:?}", p.a_seen.events);
    // A clean link raises nothing.
    let mut q = srtp_pair(clean(), 61, true);
    q.run(Duration::from_secs(20));
    assert!(
        !q.a_seen
            .events
            .iter()
            .any(|e| matches!(e, Event::QualityAlert { .. }))
    );
}

#[test]
fn random_ssrcs_cannot_lock_members_out() {
    let (mut a, _) = configs(true);
    a.max_remote_sources = 4;
    let now = std::time::Instant::now();
    let mut s = rtp_session::Session::new(now, a, rng(8)).unwrap();
    let from = addr(B_ADDR);
    // One packet each from 100 spoofed SSRCs: none passes probation.
    for ssrc in 1000..1100 {
        s.handle_datagram(now, Component::Rtp, from, &mut plain_rtp(ssrc, 1));
    }
    // A real source still gets in and is validated on its second packet.
    s.handle_datagram(now, Component::Rtp, from, &mut plain_rtp(7, 1));
    s.handle_datagram(now, Component::Rtp, from, &mut plain_rtp(7, 2));
    assert_eq!(s.remote_sources().collect::<Vec<_>>(), vec![7]);
    assert_eq!(s.counters().sources_over_limit, 97);
}

#[test]
fn forged_srtcp_from_a_new_port_changes_no_destination() {
    let mut p = srtp_pair(clean(), 67, false);
    p.run(Duration::from_secs(1));
    let configured = p.a.remote_rtcp();
    let other_port = std::net::SocketAddr::new(p.b_from.ip(), 47_000);
    // An RR with a made-up SRTCP trailer: E flag, index 1, and a tag that cannot verify.
    let mut forged = receiver_report();
    forged.extend_from_slice(&[0x80, 0, 0, 1]);
    forged.extend_from_slice(&[0xab; 10]);
    let failures = p.a.counters().unprotect_failures;
    p.a.handle_datagram(p.now, Component::Rtcp, other_port, &mut forged);
    assert_eq!(p.a.counters().unprotect_failures, failures + 1);
    assert_eq!(p.a.remote_rtcp(), configured);
}

#[test]
fn media_buffered_when_a_bye_arrives_is_still_played() {
    let mut p = srtp_pair(clean(), 71, true);
    p.run(Duration::from_secs(2));
    let b_ssrc = p.b.local_ssrc();
    p.b.close(p.now);
    let sent = p.b.counters().rtp_sent;
    p.run(Duration::from_secs(1));
    assert!(p.a_seen.events.iter().any(
        |e| matches!(e, Event::SourceLeft { ssrc, reason: LeaveReason::Bye(_), .. } if *ssrc == b_ssrc)
    ));
    let played = p.a_seen.frames.iter().filter(|(s, _)| *s == b_ssrc).count() as u64;
    // Every packet plays, the one held by A.1 probation too, and the frames still in the
    // jitter buffer when the BYE arrived.
    assert_eq!(played, sent);
    assert!(p.a.poll_playout(p.now).is_none());
}

#[test]
fn a_third_party_sending_the_peers_ssrc_is_a_conflict() {
    let (a, b) = configs(true);
    let mut p = Pair::new(a, b, clean(), 31);
    p.run(Duration::from_secs(1));
    let b_ssrc = p.b.local_ssrc();
    // Another host sends b's SSRC, its packets interleaved with b's.
    let third: std::net::SocketAddr = "198.51.100.9:7000".parse().unwrap();
    for i in 0..5u16 {
        p.run(Duration::from_millis(20));
        let mut forged = plain_rtp(b_ssrc, 40_000 + i);
        p.a.handle_datagram(p.now, Component::Rtp, third, &mut forged);
    }
    // Let b's last packets arrive.
    p.b_sends = false;
    p.run(Duration::from_millis(100));
    // All five are dropped; the third interleave establishes the conflict, reported once.
    assert_eq!(p.a.counters().address_conflicts, 5);
    let conflicts: Vec<_> = p
        .a_seen
        .events
        .iter()
        .filter(|e| matches!(e, Event::SourceConflict { .. }))
        .collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(matches!(
        conflicts[0],
        Event::SourceConflict { ssrc, address, other }
            if *ssrc == b_ssrc && *address == p.b_from && *other == third
    ));
    // b's stream is untouched: every packet b sent is counted but the first (RFC 3550 A.1
    // starts counting at the packet that ends probation), none lost, and RTP still goes
    // to b.
    let q = p.a.quality(b_ssrc).unwrap();
    assert_eq!(q.cumulative_lost, 0);
    assert_eq!(q.packets_received, p.b.counters().rtp_sent - 1);
    assert_eq!(p.a.remote_rtp(), Some(p.b_from));
    // Now frozen: even a long run from the other address does not take the source over.
    for i in 5..20u16 {
        let mut forged = plain_rtp(b_ssrc, 40_000 + i);
        p.a.handle_datagram(p.now, Component::Rtp, third, &mut forged);
    }
    assert_eq!(p.a.counters().address_conflicts, 20);
    assert_eq!(p.a.remote_rtp(), Some(p.b_from));
}
