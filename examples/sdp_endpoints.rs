//! Configuring two sessions from SDP (RFC 3605 `a=rtcp`, RFC 5761 `a=rtcp-mux`, RFC 8858
//! `a=rtcp-mux-only`, RFC 5506 `a=rtcp-rsize`, RFC 3556 `b=RS`/`b=RR`): each endpoint binds
//! its ports, writes its SDP, and configures its session from the other's body. Then media
//! and RTCP flow to exactly the addresses the SDP named.
//!
//! Run with `cargo run -p rtp-stack-examples --example sdp_endpoints`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rtp_session::{
    Bandwidth, Binding, Config, Driver, MuxPolicy, Output, PortRange, Transport, os_rng,
};
use rtp_session::{IntervalInputs, deterministic_interval};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let binding = Binding {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange {
            first: 33000,
            last: 34000,
        },
    };
    let rng = || Box::new(os_rng().expect("OS randomness"));
    let config = || {
        let mut c = Config::new();
        c.bandwidth = Bandwidth {
            reduced_minimum: true,
            ..Bandwidth::new(400_000)
        };
        c
    };
    let mut offerer = Driver::bind(config(), binding, rng()).await?;
    let mut answerer = Driver::bind(config(), binding, rng()).await?;

    // The offer names its RTCP port explicitly (as it would behind a NAT); the answer
    // relies on RTP port + 1 and sets the RTCP bandwidth with b=RS/b=RR.
    let offer = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nb=AS:64\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtcp:{} IN IP4 127.0.0.1\r\na=rtcp-rsize\r\n",
        offerer.local_rtp().port(),
        offerer.local_rtcp().port()
    );
    let answer = format!(
        "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\nb=RS:1600\r\nb=RR:4800\r\na=rtcp-rsize\r\n",
        answerer.local_rtp().port()
    );
    println!("offer:\n{offer}\nanswer:\n{answer}");

    let toward_offerer = Transport::from_sdp(&offer, 0, MuxPolicy::Refuse)?;
    let toward_answerer = Transport::from_sdp(&answer, 0, MuxPolicy::Refuse)?;
    for (who, t) in [("offerer", &toward_offerer), ("answerer", &toward_answerer)] {
        println!(
            "{who} receives RTP at {:?}, RTCP at {:?}, mux {}, rsize {}",
            t.remote_rtp, t.remote_rtcp, t.rtcp_mux, t.rtcp_rsize
        );
    }
    for (who, sdp) in [("offer", &offer), ("answer", &answer)] {
        let bw = Bandwidth::from_sdp(sdp, 0, 64_000);
        // A receiver among 20 members with one sender, 200-byte compounds (RFC 3550 §6.3.1).
        let inputs = IntervalInputs {
            members: 20,
            senders: 1,
            we_sent: false,
            avg_rtcp_size: 200.0,
            initial: false,
        };
        println!(
            "{who}: b=AS {} bit/s, RS {:?}, RR {:?} -> a receiver's RTCP interval among 20 members: {:?}",
            bw.session_bps,
            bw.rtcp_senders_bps,
            bw.rtcp_receivers_bps,
            deterministic_interval(&bw, &inputs)
        );
    }
    offerer
        .session_mut()
        .set_remote_transport(&toward_answerer)?;
    answerer
        .session_mut()
        .set_remote_transport(&toward_offerer)?;

    // Two sections the resolver handles differently: multiplexing offered, and required.
    let mux_offer = "v=0\r\nc=IN IP4 192.0.2.7\r\nm=audio 50000 RTP/AVP 0\r\na=rtcp-mux\r\nm=audio 50002 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n";
    let accepted = Transport::from_sdp(mux_offer, 0, MuxPolicy::Accept)?;
    println!(
        "\na=rtcp-mux accepted: RTCP at {:?}, mux {}",
        accepted.remote_rtcp, accepted.rtcp_mux
    );
    match Transport::from_sdp(mux_offer, 1, MuxPolicy::Refuse) {
        Ok(t) => println!("a=rtcp-mux-only refused?! {t:?}"),
        Err(e) => println!("a=rtcp-mux-only with multiplexing refused: {e}"),
    }

    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let end = tokio::time::Instant::now() + Duration::from_secs(3);
    let (mut frames_o, mut frames_a, mut n) = (0, 0, 0u32);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                offerer.send(&[0xd5; 160], n * 160, n == 0)?;
                answerer.send(&[0x55; 160], n * 160, n == 0)?;
                n += 1;
            }
            Some(out) = offerer.next() => if let Output::Frame(_) = out { frames_o += 1 },
            Some(out) = answerer.next() => if let Output::Frame(_) = out { frames_a += 1 },
            () = tokio::time::sleep_until(end) => break,
        }
    }
    for (who, d, frames) in [
        ("offerer", &offerer, frames_o),
        ("answerer", &answerer, frames_a),
    ] {
        let c = d.session().counters();
        println!(
            "{who}: RTP on {} and RTCP on {}: {} RTP received ({frames} frames played), {} RTCP received, \
             {} RTCP from unexpected sources",
            d.local_rtp(),
            d.local_rtcp(),
            c.rtp_received,
            c.rtcp_received,
            c.rtcp_unexpected_source
        );
    }
    offerer.close().await?;
    answerer.close().await?;
    Ok(())
}
