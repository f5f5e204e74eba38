//! RTP, RTCP and STUN on one port (RFC 5761, RFC 7983): two endpoints on loopback with
//! `a=rtcp-mux`, SRTP keys exchanged out of band (SDES-style), each bound to a single even
//! port. The session tells RTP from RTCP by the second byte and hands STUN to the
//! application; a bare socket plays an ICE agent sending a Binding request.
//!
//! Run with `cargo run -p rtp-stack-examples --example rtcp_mux`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rtp_packet::{PacketKind, classify};
use rtp_session::{
    Bandwidth, Binding, Config, Driver, Event, MasterKey, Output, PortRange, ProtectionProfile,
    Security, SrtpKeys, os_rng,
};

const PROFILE: ProtectionProfile = ProtectionProfile::AesCm128HmacSha1_80;

fn config(local: MasterKey, remote: MasterKey) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    // The reduced minimum interval (RFC 3550 §6.2) so that a 3 s run sees several reports.
    c.bandwidth = Bandwidth {
        reduced_minimum: true,
        ..Bandwidth::new(400_000)
    };
    c.security = Security::Srtp(SrtpKeys::new(PROFILE, local, remote));
    c
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RFC 7983 §7: the first byte says what a datagram on a shared port is.
    for (what, bytes) in [
        ("STUN Binding request", &[0x00u8, 0x01][..]),
        ("DTLS handshake record", &[22, 0xfe, 0xfd][..]),
        ("RTP, PT 0", &[0x80, 0x00][..]),
        ("RTCP SR (PT 200)", &[0x80, 200][..]),
        ("RTP, PT 72 with marker: looks like RTCP", &[0x80, 200][..]),
    ] {
        println!("{what:40} -> {:?}", classify(bytes));
    }

    let (k1, k2) = ([0x11u8; 30], [0x22u8; 30]);
    let key = |k: &[u8; 30]| MasterKey::new(PROFILE, &k[..16], &k[16..]);
    let binding = Binding {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange {
            first: 31000,
            last: 32000,
        },
    };
    let rng = || Box::new(os_rng().expect("OS randomness"));
    let mut alice = Driver::bind(config(key(&k1)?, key(&k2)?), binding, rng()).await?;
    let mut bob = Driver::bind(config(key(&k2)?, key(&k1)?), binding, rng()).await?;
    println!(
        "\nalice RTP+RTCP on {} (RTCP {}), bob on {}",
        alice.local_rtp(),
        alice.local_rtcp(),
        bob.local_rtp()
    );
    alice
        .session_mut()
        .set_remote(bob.local_rtp(), bob.local_rtp());
    bob.session_mut()
        .set_remote(alice.local_rtp(), alice.local_rtp());

    // An ICE agent's connectivity check arrives on the same port.
    let ice = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let mut binding_request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    binding_request.extend_from_slice(&[7; 12]);
    ice.send_to(&binding_request, alice.local_rtp()).await?;

    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let end = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut frame = 0u32;
    let (mut frames_alice, mut frames_bob) = (0, 0);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                alice.send(&[0xff; 160], frame * 160, frame == 0)?;
                bob.send(&[0x7f; 160], frame * 160, frame == 0)?;
                frame += 1;
            }
            Some(out) = alice.next() => match out {
                Output::Frame(_) => frames_alice += 1,
                Output::Event(Event::Stun { from, data, .. }) => println!(
                    "alice: STUN from {from} handed to the application ({} bytes, {:?})", data.len(), classify(&data)
                ),
                Output::Event(Event::RoundTripTime { rtt, .. }) => println!("alice: RTT {rtt:?} from an RTCP report on the RTP port"),
                _ => {}
            },
            Some(out) = bob.next() => if let Output::Frame(_) = out { frames_bob += 1 },
            () = tokio::time::sleep_until(end) => break,
        }
    }
    for (name, d, frames) in [("alice", &alice, frames_alice), ("bob", &bob, frames_bob)] {
        let c = d.session().counters();
        println!(
            "{name}: one port {}, RTP sent {} received {}, SRTCP sent {} received {}, frames played {frames}, \
             SRTP failures {}",
            d.local_rtp(),
            c.rtp_sent,
            c.rtp_received,
            c.rtcp_sent,
            c.rtcp_received,
            c.unprotect_failures
        );
    }
    assert_eq!(classify(&[0x80, 201]), PacketKind::Rtcp);
    alice.close().await?;
    bob.close().await?;
    Ok(())
}
