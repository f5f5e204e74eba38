//! Link types, IPv6 and RFC 4571 TCP framing: the same RTP stream wrapped every way the
//! reader accepts must come out with the same figures.

use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use rtpx::analyze::Options;
use rtpx::net::Transport;

fn rtp(seq: u16) -> Vec<u8> {
    let h = RtpHeader::new(PayloadType::PCMA, seq, u32::from(seq) * 160, 0xabcd);
    let mut buf = [0u8; 256];
    let n = PacketWriter::new(&mut buf, &h)
        .unwrap()
        .finish(&[0xd5; 160], 0)
        .unwrap();
    buf[..n].to_vec()
}

fn pcap(link: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    let header = PcapHeader {
        datalink: DataLink::from(link),
        endianness: pcap_file::Endianness::Little,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(&mut out, header).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let at = Duration::from_secs(1_000) + Duration::from_millis(20 * i as u64);
        w.write_packet(&PcapPacket::new(at, f.len() as u32, f))
            .unwrap();
    }
    out
}

fn udp6(seq: u16) -> Vec<u8> {
    let mut f = Vec::new();
    PacketBuilder::ipv6(
        [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
        64,
    )
    .udp(7000, 7002)
    .write(&mut f, &rtp(seq))
    .unwrap();
    f
}

fn check(data: &[u8], transport: Transport, src: &str) {
    let r = rtpx::analyze_bytes(data, Options::default()).unwrap();
    assert_eq!(r.capture_error, None);
    assert_eq!(r.streams.len(), 1, "{r:?}");
    let s = &r.streams[0];
    assert_eq!((s.transport, s.src.as_str()), (transport, src));
    assert_eq!(
        (s.packets, s.lost, s.codec.as_deref()),
        (20, 0, Some("PCMA"))
    );
    assert_eq!(s.jitter_max_ms, Some(0.0));
}

#[test]
fn ipv6_over_every_link_type() {
    let raw: Vec<Vec<u8>> = (0..20).map(udp6).collect();
    let src = "[2001:db8::1]:7000";
    check(&pcap(101, &raw), Transport::Udp, src);
    check(&pcap(229, &raw), Transport::Udp, src);
    let wrap = |head: &[u8]| -> Vec<Vec<u8>> { raw.iter().map(|f| [head, f].concat()).collect() };
    // Ethernet, EtherType IPv6.
    check(
        &pcap(1, &wrap(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd])),
        Transport::Udp,
        src,
    );
    // Linux cooked v1: packet type, ARPHRD, address length, address (8), protocol.
    check(
        &pcap(
            113,
            &wrap(&[0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd]),
        ),
        Transport::Udp,
        src,
    );
    // Linux cooked v2: protocol, reserved, interface, ARPHRD, packet type, address.
    check(
        &pcap(
            276,
            &wrap(&[
                0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
            ]),
        ),
        Transport::Udp,
        src,
    );
    // BSD loopback (host order, AF_INET6 = 24/28/30) and OpenBSD loopback (network order).
    check(&pcap(0, &wrap(&30u32.to_le_bytes())), Transport::Udp, src);
    check(&pcap(108, &wrap(&24u32.to_be_bytes())), Transport::Udp, src);
}

#[test]
fn rfc_4571_over_tcp_across_segment_boundaries() {
    let mut stream = Vec::new();
    for seq in 0..20 {
        let p = rtp(seq);
        stream.extend_from_slice(&(p.len() as u16).to_be_bytes());
        stream.extend_from_slice(&p);
    }
    let isn = 1_000_000u32;
    let segment = |seq: u32, syn: bool, payload: &[u8]| {
        let mut b =
            PacketBuilder::ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64).tcp(5000, 6000, seq, 65535);
        if syn {
            b = b.syn();
        }
        let mut f = Vec::new();
        b.write(&mut f, payload).unwrap();
        f
    };
    let mut frames = vec![segment(isn, true, &[])];
    // Uneven segments of 333 bytes: frames straddle them; one segment retransmitted.
    let mut offset = 0usize;
    for chunk in stream.chunks(333) {
        frames.push(segment(isn + 1 + offset as u32, false, chunk));
        if offset == 333 {
            frames.push(segment(isn + 1 + offset as u32, false, chunk));
        }
        offset += chunk.len();
    }
    let r = rtpx::analyze_bytes(&pcap(228, &frames), Options::default()).unwrap();
    assert_eq!(r.capture.tcp_gaps, 0);
    assert_eq!(r.streams.len(), 1, "{r:?}");
    let s = &r.streams[0];
    assert_eq!(
        (s.transport, s.packets, s.lost, s.duplicated),
        (Transport::Tcp, 20, 0, 0)
    );
}

#[test]
fn pcapng_interfaces_resolutions_and_unknown_link_types() {
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    let mut out = Vec::new();
    let mut w = PcapNgWriter::new(&mut out).unwrap();
    // Interface 0: raw IPv6 in nanoseconds; interface 1: a link type rtpx does not read.
    let mut raw = InterfaceDescriptionBlock::new(DataLink::IPV6, 0);
    raw.options.push(InterfaceDescriptionOption::IfTsResol(9));
    w.write_pcapng_block(raw).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock::new(DataLink::from(147), 0))
        .unwrap();
    for seq in 0..20u16 {
        for interface_id in [0, 1] {
            let data = udp6(seq);
            // pcap-file keeps the raw timestamp units in the Duration's nanoseconds.
            let units = 1_000_000_000_000 + u64::from(seq) * 20_000_000;
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id,
                timestamp: Duration::from_nanos(units),
                original_len: data.len() as u32,
                data: data.into(),
                options: vec![],
            })
            .unwrap();
        }
    }
    let r = rtpx::analyze_bytes(&out, Options::default()).unwrap();
    assert_eq!(r.capture_error, None);
    assert_eq!(r.capture.frames, 40);
    assert_eq!(
        r.capture.skipped.get(&rtpx::net::Skip::UnknownLinkType),
        Some(&20)
    );
    assert_eq!(r.streams.len(), 1);
    let s = &r.streams[0];
    assert_eq!(
        (s.packets, s.lost, s.start, s.duration),
        (20, 0, 1000.0, 0.38)
    );
    assert_eq!(s.jitter_max_ms, Some(0.0));
}
