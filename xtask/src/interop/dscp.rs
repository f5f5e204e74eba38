//! Interop suite `dscp`: Wireshark reads the DS field of every datagram the driver sends.
//!
//! `dumpcap` records loopback UDP in 45000–46199 while five short calls run, each between
//! two [`rtp_session::Driver`]s with separate RTP and RTCP ports: on IPv4 and on IPv6 with
//! the library's default socket options (EF, 46: RFC 8837's audio mark), on both families
//! with AF41 (34, interactive video) configured, and a dual-stack `[::]` driver calling an
//! IPv4 peer with AF42 (36), whose datagrams leave as IPv4 from an IPv6 socket. Each side
//! sends 25 20-ms frames, and closing sends its RTCP BYE. tshark dissects each port as RTP
//! or RTCP and must find, on every datagram from one of the drivers' ports, the expected
//! `ip.dsfield.dscp` or `ipv6.tclass.dscp`, ECN 0, and the RTP or RTCP its port carries;
//! every driver must have sent at least 25 RTP packets and one RTCP compound.

use super::Context;
use super::capture::Dumpcap;
use super::tshark;
use crate::util::Result;
use rand_core::SeedableRng;
use rtp_session::{Binding, Config, Driver, Dscp, PortRange, SocketOptions};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Duration;

/// Frames each side sends per call.
const FRAMES: u32 = 25;
/// The first port of the captured range; call `i` binds in `FIRST_PORT + 200 i ..+199`.
const FIRST_PORT: u16 = 45000;

/// One call: where each side binds, and the DSCP configured (`None`: the default).
struct Call {
    name: &'static str,
    a: IpAddr,
    b: IpAddr,
    configured: Option<u8>,
    /// The DSCP every datagram must carry.
    expected: u8,
}

const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
const ANY6: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

const CALLS: [Call; 5] = [
    Call {
        name: "ipv4 default",
        a: V4,
        b: V4,
        configured: None,
        expected: 46,
    },
    Call {
        name: "ipv4 AF41",
        a: V4,
        b: V4,
        configured: Some(34),
        expected: 34,
    },
    Call {
        name: "ipv6 default",
        a: V6,
        b: V6,
        configured: None,
        expected: 46,
    },
    Call {
        name: "ipv6 AF41",
        a: V6,
        b: V6,
        configured: Some(34),
        expected: 34,
    },
    Call {
        name: "dual-stack to ipv4 AF42",
        a: ANY6,
        b: V4,
        configured: Some(36),
        expected: 36,
    },
];

/// What one driver sent from: its call, its RTP and RTCP ports.
struct Sender {
    call: usize,
    rtp: u16,
    rtcp: u16,
}

pub fn run(ctx: &Context) -> Result {
    tshark::ensure()?;
    let pcap = ctx.dir.join("dscp.pcapng");
    let last = FIRST_PORT + 200 * CALLS.len() as u16 - 1;
    let capture = Dumpcap::start(&format!("udp portrange {FIRST_PORT}-{last}"), &pcap)?;
    let result = calls();
    capture.stop()?;
    check(&pcap, &result?)
}

/// Runs the calls one after another and returns every driver's ports.
fn calls() -> Result<Vec<Sender>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mut senders = Vec::new();
    for (index, call) in CALLS.iter().enumerate() {
        let first = FIRST_PORT + 200 * index as u16;
        let [a, b] = runtime
            .block_on(one_call(index, call, first))
            .map_err(|e| format!("call `{}`: {e}", call.name))?;
        senders.push(a);
        senders.push(b);
    }
    Ok(senders)
}

async fn one_call(index: usize, call: &Call, first: u16) -> Result<[Sender; 2]> {
    let config = || -> Result<Config> {
        let mut config = Config::default();
        if let Some(value) = call.configured {
            config.transport.socket = SocketOptions {
                dscp: Dscp::new(value).map_err(|e| e.to_string())?,
                ..Default::default()
            };
        }
        Ok(config)
    };
    let binding = |ip| Binding {
        ip,
        ports: PortRange {
            first,
            last: first + 199,
        },
    };
    let rng = |seed: u8| -> Box<dyn rand_core::CryptoRng + Send> {
        Box::new(chacha20::ChaCha20Rng::from_seed([seed; 32]))
    };
    let mut a = Driver::bind(config()?, binding(call.a), rng(2 * index as u8 + 1))
        .await
        .map_err(|e| e.to_string())?;
    let mut b = Driver::bind(config()?, binding(call.b), rng(2 * index as u8 + 2))
        .await
        .map_err(|e| e.to_string())?;
    // The dual-stack side's wildcard address is not somewhere to send: its peer sends to
    // 127.0.0.1, which the `[::]` socket receives as an IPv4-mapped address.
    let reach = |driver: &Driver| {
        let (mut rtp, mut rtcp) = (driver.local_rtp(), driver.local_rtcp());
        if rtp.ip().is_unspecified() {
            rtp.set_ip(V4);
            rtcp.set_ip(V4);
        }
        (rtp, rtcp)
    };
    let (a_rtp, a_rtcp) = reach(&a);
    let (b_rtp, b_rtcp) = reach(&b);
    a.session_mut().set_remote(b_rtp, b_rtcp);
    b.session_mut().set_remote(a_rtp, a_rtcp);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut sent = 0;
    let end = tokio::time::Instant::now() + Duration::from_millis(20 * u64::from(FRAMES) + 300);
    loop {
        tokio::select! {
            _ = tick.tick(), if sent < FRAMES => {
                a.send(&[0x55; 160], sent * 160, sent == 0).map_err(|e| e.to_string())?;
                b.send(&[0x66; 160], sent * 160, sent == 0).map_err(|e| e.to_string())?;
                sent += 1;
            }
            Some(_) = a.next() => {}
            Some(_) = b.next() => {}
            () = tokio::time::sleep_until(end) => break,
        }
    }
    let senders = [
        Sender {
            call: index,
            rtp: a.local_rtp().port(),
            rtcp: a.local_rtcp().port(),
        },
        Sender {
            call: index,
            rtp: b.local_rtp().port(),
            rtcp: b.local_rtcp().port(),
        },
    ];
    a.close().await.map_err(|e| e.to_string())?;
    b.close().await.map_err(|e| e.to_string())?;
    Ok(senders)
}

/// Per driver: RTP and RTCP datagrams seen, and the DSCPs they carried.
#[derive(Default)]
struct Seen {
    rtp: usize,
    rtcp: usize,
    dscp: BTreeMap<String, usize>,
}

fn check(pcap: &Path, senders: &[Sender]) -> Result {
    let mut rules = Vec::new();
    for s in senders {
        rules.push(format!("udp.port=={},rtp", s.rtp));
        rules.push(format!("udp.port=={},rtcp", s.rtcp));
    }
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let rows = tshark::fields(
        pcap,
        &rules,
        &[
            "frame.number",
            "udp.srcport",
            "frame.protocols",
            "ip.dsfield.dscp",
            "ip.dsfield.ecn",
            "ipv6.tclass.dscp",
            "ipv6.tclass.ecn",
        ],
    )?;
    let mut seen: Vec<Seen> = senders.iter().map(|_| Seen::default()).collect();
    let mut problems = Vec::new();
    for row in &rows {
        let get = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        let Ok(port) = get(1).parse::<u16>() else {
            continue;
        };
        let Some((index, sender)) = senders
            .iter()
            .enumerate()
            .find(|(_, s)| s.rtp == port || s.rtcp == port)
        else {
            continue;
        };
        let call = &CALLS[sender.call];
        let protocols = get(2);
        let family = if protocols.contains(":ipv6:") {
            "ipv6"
        } else {
            "ip"
        };
        let (dscp, ecn) = if family == "ipv6" {
            (get(5), get(6))
        } else {
            (get(3), get(4))
        };
        *seen[index]
            .dscp
            .entry(format!("{family} {dscp}"))
            .or_default() += 1;
        if dscp != call.expected.to_string() || ecn != "0" {
            problems.push(format!(
                "frame {} (`{}`, port {port}): {family} DSCP {dscp} ECN {ecn}, expected DSCP {} ECN 0",
                get(0),
                call.name,
                call.expected
            ));
        }
        let rtp_port = port == sender.rtp && sender.rtp != sender.rtcp;
        if rtp_port && protocols.ends_with(":rtp") {
            seen[index].rtp += 1;
        } else if !rtp_port && protocols.contains(":rtcp") {
            seen[index].rtcp += 1;
        } else {
            problems.push(format!(
                "frame {} (`{}`, port {port}): dissected as {protocols}",
                get(0),
                call.name
            ));
        }
    }
    for (sender, seen) in senders.iter().zip(&seen) {
        let call = &CALLS[sender.call];
        eprintln!(
            "  {:<24} RTP :{} / RTCP :{}: {} RTP, {} RTCP, DS field {:?}",
            call.name, sender.rtp, sender.rtcp, seen.rtp, seen.rtcp, seen.dscp
        );
        if seen.rtp < FRAMES as usize || seen.rtcp == 0 {
            problems.push(format!(
                "`{}` from :{}: {} RTP and {} RTCP datagrams captured, expected {FRAMES}+ and 1+",
                call.name, sender.rtp, seen.rtp, seen.rtcp
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
