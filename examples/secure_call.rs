//! A secure call between two endpoints on loopback: a DTLS-SRTP handshake with certificate
//! fingerprints checked, then 10 s of G.711 µ-law audio each way through a simulated bad
//! network, with loss, jitter, round-trip time and MOS printed every second and summarised
//! at the end.
//!
//! Real UDP sockets carry every packet: each endpoint is an `rtp_session::Driver` bound on
//! 127.0.0.1 (DTLS, SRTP and RTCP multiplexed on one port), and both talk to a small
//! in-process relay whose two sockets pass datagrams through `netsim` links (40 ms delay,
//! 12 ms Gaussian jitter, 3 % random loss each way).
//!
//! Run with `cargo run -p rtp-stack-examples --example secure_call`. With `--keylog FILE`
//! both endpoints append their DTLS secrets to FILE in the NSS `SSLKEYLOGFILE` format, so
//! a capture of the call can be decrypted (`rtpx analyze --keylog FILE`, Wireshark,
//! `tshark -o tls.keylog_file:FILE`); never do that with a real call's keys. A logged call
//! is held to DTLS 1.2 (its `CLIENT_RANDOM` master secret is what every reader knows, Debian
//! 12's tshark 4.0 included, which cannot dissect DTLS 1.3) unless `--keylog-dtls13` is
//! given too: then the call negotiates DTLS 1.3 and logs its five TLS 1.3 secrets, which
//! `rtpx` reads. Without `--keylog` DTLS 1.3 is negotiated.
//! With `--rsa [BITS]` both endpoints hold RSA certificates (2048 bits unless 3072 or
//! 4096 is given) instead of the default ECDSA P-256 ones.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use netsim::{Jitter, Link, LinkConfig, LinkStats, Loss};
use rtp_packet::payload::g711;
use rtp_session::{
    Bandwidth, Binding, Certificate, Config, Driver, DtlsConfig, Event, Fingerprint, HashFunction,
    KeyLog, KeyLogFile, Output, PortRange, Role, Security, SourceQuality, os_rng,
};
use tokio::net::UdpSocket;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "A 10 s DTLS-SRTP call between two endpoints over a simulated bad network")]
struct Args {
    /// Append both endpoints' DTLS secrets to this file (NSS key log format) so a capture
    /// of the call can be decrypted. Off by default; for debugging only. The call is held
    /// to DTLS 1.2 (a CLIENT_RANDOM master secret, which tshark 4.0 reads) unless
    /// --keylog-dtls13 is given.
    #[arg(long, value_name = "FILE")]
    keylog: Option<std::path::PathBuf>,
    /// With --keylog: negotiate DTLS 1.3 as an unlogged call does and log its five TLS 1.3
    /// secrets (CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_/SERVER_TRAFFIC_SECRET_0,
    /// EXPORTER_SECRET). `rtpx analyze --keylog` reads them; Debian 12's tshark 4.0 cannot
    /// dissect DTLS 1.3.
    #[arg(long, requires = "keylog")]
    keylog_dtls13: bool,
    /// Hold DTLS to 1.2 (DTLS 1.3 is negotiated by default; a logged call is held to 1.2
    /// unless --keylog-dtls13 is given).
    #[arg(long, conflicts_with = "keylog_dtls13")]
    dtls12_only: bool,
    /// Give both endpoints RSA certificates of BITS bits (2048, 3072 or 4096; 2048 when
    /// no value is given) instead of ECDSA P-256 ones.
    #[arg(long, value_name = "BITS", num_args = 0..=1, default_missing_value = "2048")]
    rsa: Option<usize>,
}

const CALL: Duration = Duration::from_secs(10);
const FRAME: Duration = Duration::from_millis(20);
const SAMPLES: usize = 160;

/// The network between the endpoints: two sockets and a simulated link each way.
struct Relay {
    toward_a: UdpSocket,
    toward_b: UdpSocket,
    a: SocketAddr,
    b: SocketAddr,
    a_to_b: Link<Vec<u8>>,
    b_to_a: Link<Vec<u8>>,
}

impl Relay {
    async fn bind(a: SocketAddr, b: SocketAddr) -> std::io::Result<Self> {
        let link = LinkConfig {
            base_delay: Duration::from_millis(40),
            jitter: Jitter::Gaussian {
                sigma: Duration::from_millis(12),
            },
            loss: Loss::Random(0.03),
            ..LinkConfig::default()
        };
        Ok(Self {
            toward_a: UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?,
            toward_b: UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?,
            a,
            b,
            a_to_b: Link::new(link.clone(), 1),
            b_to_a: Link::new(link, 2),
        })
    }

    /// Forwards until `stop`, returning each direction's link statistics.
    async fn run(mut self, mut stop: tokio::sync::oneshot::Receiver<()>) -> (LinkStats, LinkStats) {
        let mut buf = vec![0u8; 2048];
        let mut buf2 = vec![0u8; 2048];
        loop {
            let next = [self.a_to_b.next_delivery(), self.b_to_a.next_delivery()]
                .into_iter()
                .flatten()
                .min();
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Ok((n, _)) = self.toward_a.recv_from(&mut buf) => self.a_to_b.send(Instant::now(), buf[..n].to_vec()),
                Ok((n, _)) = self.toward_b.recv_from(&mut buf2) => self.b_to_a.send(Instant::now(), buf2[..n].to_vec()),
                () = sleep => {}
                _ = &mut stop => return (*self.a_to_b.stats(), *self.b_to_a.stats()),
            }
            let now = Instant::now();
            while let Some((_, d)) = self.a_to_b.poll(now) {
                let _ = self.toward_b.send_to(&d, self.b).await;
            }
            while let Some((_, d)) = self.b_to_a.poll(now) {
                let _ = self.toward_a.send_to(&d, self.a).await;
            }
        }
    }
}

/// What one endpoint heard.
#[derive(Default)]
struct Heard {
    frames: u64,
    concealed: u64,
    mos_sum: f64,
    mos_samples: u32,
}

fn config(
    role: Role,
    cert: Certificate,
    peer: Fingerprint,
    key_log: Option<Arc<dyn KeyLog>>,
    dtls12_only: bool,
    keylog_dtls13: bool,
) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    // RFC 3550 §6.2's reduced minimum (360 s / 400 kbit/s = 0.9 s), so a 10 s call sees
    // several reports and RTT early.
    c.bandwidth = Bandwidth {
        reduced_minimum: true,
        ..Bandwidth::new(400_000)
    };
    let mut dtls = DtlsConfig::new(cert);
    if dtls12_only {
        dtls.max_version = rtp_session::DtlsVersion::Dtls12;
    }
    if let Some(key_log) = key_log {
        dtls.set_key_log(key_log);
        // Debian 12's tshark 4.0 cannot dissect DTLS 1.3, so a logged call stays on 1.2
        // (one CLIENT_RANDOM master secret) unless asked for 1.3, whose five secrets
        // `rtpx` reads; without `--keylog` the call negotiates DTLS 1.3.
        if !keylog_dtls13 {
            dtls.max_version = rtp_session::DtlsVersion::Dtls12;
        }
    }
    c.security = Security::Dtls {
        role,
        config: Arc::new(dtls),
        peer_fingerprints: vec![peer],
    };
    c
}

fn tone(hz: f64, frame: u64) -> Vec<u8> {
    (0..SAMPLES)
        .map(|i| {
            let t = (frame as f64 * SAMPLES as f64 + i as f64) / 8000.0;
            g711::ulaw_encode((8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16)
        })
        .collect()
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("   -".into(), |d| {
        format!("{:4.0}", d.as_secs_f64() * 1000.0)
    })
}

fn cell(q: Option<SourceQuality>) -> String {
    match q {
        Some(q) => format!(
            "{:5.1}% {:5.1} {} {:4}",
            q.loss_ratio * 100.0,
            q.jitter.as_secs_f64() * 1000.0,
            ms(q.rtt),
            q.mos.map_or(" -  ".into(), |m| format!("{m:.2}"))
        ),
        None => format!("{:>26}", "-"),
    }
}

fn take(heard: &mut Heard, out: Output) {
    match out {
        Output::Frame(_) => heard.frames += 1,
        Output::Conceal { .. } => heard.concealed += 1,
        Output::Event(Event::DtlsConnected {
            profile,
            peer_fingerprint,
            cipher_suite,
            key_exchange_group,
            extended_master_secret,
            ..
        }) => {
            let fp = peer_fingerprint.map(|f| f.to_string()).unwrap_or_default();
            println!(
                "  DTLS-SRTP connected: {} over {cipher_suite:?}, {key_exchange_group:?}, \
                 extended master secret {extended_master_secret} (peer {}…)",
                profile.name(),
                &fp[..fp.len().min(30)]
            );
        }
        Output::Event(Event::DtlsFailed { error }) => println!("  DTLS failed: {error}"),
        Output::Event(Event::NewSource { ssrc, .. }) => println!("  new source {ssrc:08x}"),
        Output::Event(Event::SourceLeft {
            ssrc,
            reason,
            quality,
        }) => {
            let loss = quality.loss_ratio * 100.0;
            println!("  source {ssrc:08x} left: {reason:?} (final loss {loss:.1} %)")
        }
        Output::Event(Event::QualityAlert { ssrc, alert }) => {
            println!("  quality alert for {ssrc:08x}: {alert:?}")
        }
        _ => {}
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let key_log: Option<Arc<dyn KeyLog>> = match &args.keylog {
        Some(path) => {
            let what = if args.keylog_dtls13 {
                "DTLS 1.3 secrets"
            } else {
                "DTLS 1.2 master secrets"
            };
            println!("logging {what} to {}", path.display());
            Some(Arc::new(KeyLogFile::new(path)?))
        }
        None => None,
    };
    let certificate = |name| match args.rsa {
        Some(bits) => Certificate::generate_rsa(name, bits),
        None => Certificate::generate(name),
    };
    let cert_a = certificate("alice")?;
    let cert_b = certificate("bob")?;
    let fp_a = cert_a.fingerprint(HashFunction::Sha256);
    let fp_b = cert_b.fingerprint(HashFunction::Sha256);
    println!("alice a=fingerprint:{fp_a}");
    println!("bob   a=fingerprint:{fp_b}");

    let binding = Binding {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange {
            first: 30000,
            last: 31000,
        },
    };
    let mut alice = Driver::bind(
        config(
            Role::Client,
            cert_a,
            fp_b,
            key_log.clone(),
            args.dtls12_only,
            args.keylog_dtls13,
        ),
        binding,
        Box::new(os_rng()?),
    )
    .await?;
    let mut bob = Driver::bind(
        config(
            Role::Server,
            cert_b,
            fp_a,
            key_log,
            args.dtls12_only,
            args.keylog_dtls13,
        ),
        binding,
        Box::new(os_rng()?),
    )
    .await?;
    let relay = Relay::bind(alice.local_rtp(), bob.local_rtp()).await?;
    println!(
        "alice {} <-> relay {} | {} <-> bob {}",
        alice.local_rtp(),
        relay.toward_a.local_addr()?,
        relay.toward_b.local_addr()?,
        bob.local_rtp()
    );
    let (to_a, to_b) = (relay.toward_a.local_addr()?, relay.toward_b.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let relay = tokio::spawn(relay.run(stopped));
    alice.session_mut().set_remote(to_a, to_a);
    bob.session_mut().set_remote(to_b, to_b);
    alice.flush();

    let (mut heard_a, mut heard_b) = (Heard::default(), Heard::default());
    let mut tick = tokio::time::interval(FRAME);
    let mut second = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let mut frame = 0u64;
    let frames = (CALL.as_millis() / FRAME.as_millis()) as u64;
    let mut started = None;
    println!("\n  t  | alice → bob: loss  jitter  RTT  MOS | bob → alice: loss  jitter  RTT  MOS");
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if alice.session().is_keyed() && bob.session().is_keyed() {
                    started.get_or_insert_with(Instant::now);
                    let ts = (frame * SAMPLES as u64) as u32;
                    alice.send(&tone(440.0, frame), ts, frame == 0)?;
                    bob.send(&tone(660.0, frame), ts, frame == 0)?;
                    frame += 1;
                    if frame == frames {
                        break;
                    }
                }
            }
            _ = second.tick() => {
                let a_to_b = bob.session().quality(alice.session().local_ssrc());
                let b_to_a = alice.session().quality(bob.session().local_ssrc());
                for (q, heard) in [(a_to_b, &mut heard_b), (b_to_a, &mut heard_a)] {
                    if let Some(m) = q.and_then(|q| q.mos) {
                        heard.mos_sum += m;
                        heard.mos_samples += 1;
                    }
                }
                let t = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
                println!("{t:4.1} | {} | {}", cell(a_to_b), cell(b_to_a));
            }
            Some(out) = alice.next() => take(&mut heard_a, out),
            Some(out) = bob.next() => take(&mut heard_b, out),
        }
    }
    // Let the last packets play out.
    let drain = tokio::time::Instant::now() + Duration::from_millis(400);
    loop {
        tokio::select! {
            Some(out) = alice.next() => take(&mut heard_a, out),
            Some(out) = bob.next() => take(&mut heard_b, out),
            () = tokio::time::sleep_until(drain) => break,
        }
    }
    let final_a_to_b = bob.session().quality(alice.session().local_ssrc());
    let final_b_to_a = alice.session().quality(bob.session().local_ssrc());
    let (sent_a, sent_b) = (alice.session().counters(), bob.session().counters());
    alice.close().await?;
    bob.close().await?;
    let _ = stop.send(());
    let (link_ab, link_ba) = relay.await?;

    println!(
        "\nSummary of {:.1} s of G.711 each way over DTLS-SRTP:",
        CALL.as_secs_f64()
    );
    for (name, q, sent, heard, link) in [
        ("alice → bob", final_a_to_b, sent_a, &heard_b, link_ab),
        ("bob → alice", final_b_to_a, sent_b, &heard_a, link_ba),
    ] {
        let Some(q) = q else {
            println!("  {name}: no media received");
            continue;
        };
        let mean_mos = if heard.mos_samples > 0 {
            heard.mos_sum / f64::from(heard.mos_samples)
        } else {
            f64::NAN
        };
        println!(
            "  {name}: sent {} RTP, network dropped {}, received {}, lost {} ({:.1} %), \
             jitter {:.1} ms, RTT {} ms, frames played {}, concealed {}, MOS {:.2} (mean {:.2})",
            sent.rtp_sent,
            link.lost,
            q.packets_received,
            q.cumulative_lost,
            q.loss_ratio * 100.0,
            q.jitter.as_secs_f64() * 1000.0,
            ms(q.rtt).trim(),
            heard.frames,
            heard.concealed,
            q.mos.unwrap_or(f64::NAN),
            mean_mos,
        );
    }
    println!(
        "  SRTP authentication failures: alice {}, bob {}",
        sent_a.unprotect_failures, sent_b.unprotect_failures
    );
    Ok(())
}
