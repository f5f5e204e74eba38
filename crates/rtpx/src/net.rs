//! From a frame to its UDP datagram or TCP segment: link layer, IPv4/IPv6 and transport
//! headers, read with `etherparse`; the link types `etherparse` has no slicer for (Linux
//! cooked v2, BSD and OpenBSD loopback) are unwrapped here first.
//!
//! A decoded packet keeps the offsets of its IP header, transport header and payload in
//! the frame, so that `rtpx decrypt` can rewrite the payload and fix the lengths and
//! checksums in place.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};

use crate::capture::LinkType;

/// Which transport a packet came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP (RFC 4571 framing is read above it).
    Tcp,
}

/// A directional five-tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// UDP or TCP.
    pub transport: Transport,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
}

impl FlowKey {
    /// The same flow in the other direction.
    pub fn reversed(self) -> Self {
        Self {
            transport: self.transport,
            src: self.dst,
            dst: self.src,
        }
    }
}

/// A UDP datagram or TCP segment found in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// Its five-tuple.
    pub flow: FlowKey,
    /// Offset of the IP header in the frame.
    pub ip_offset: usize,
    /// Offset of the UDP or TCP header in the frame.
    pub transport_offset: usize,
    /// Offset of the payload in the frame.
    pub payload_offset: usize,
    /// Length of the payload.
    pub payload_len: usize,
    /// TCP only: sequence number, SYN, FIN and RST.
    pub tcp: Option<TcpInfo>,
}

/// The TCP header fields reassembly needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpInfo {
    /// Sequence number of the first payload byte (of the SYN itself when `syn`).
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// FIN or RST: the direction ends.
    pub fin_or_rst: bool,
}

/// Why a frame holds no packet rtpx reads; each is counted in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// ARP, or another ether type that is not IP.
    NotIp,
    /// IP but neither UDP nor TCP (ICMP...).
    OtherTransport,
    /// An IP fragment (rtpx does not reassemble IP fragments).
    IpFragment,
    /// Headers that do not parse or lengths past the captured bytes (a short snap length,
    /// or garbage).
    Malformed,
    /// A link type rtpx does not decode (pcapng interfaces of other types).
    UnknownLinkType,
}

/// Decodes `frame` of link type `link`.
pub fn decode(link: LinkType, frame: &[u8]) -> Result<Packet, Skip> {
    let sliced = match link {
        LinkType::Ethernet => SlicedPacket::from_ethernet(frame),
        LinkType::LinuxSll => SlicedPacket::from_linux_sll(frame),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => SlicedPacket::from_ip(frame),
        LinkType::LinuxSll2 => {
            // SLL2: protocol type (2), reserved (2), interface index (4), ARPHRD type (2),
            // packet type (1), address length (1), address (8): 20 bytes.
            let Some((head, rest)) = frame.split_at_checked(20) else {
                return Err(Skip::Malformed);
            };
            SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([head[0], head[1]])), rest)
        }
        LinkType::Null | LinkType::Loop => {
            let Some((head, rest)) = frame.split_at_checked(4) else {
                return Err(Skip::Malformed);
            };
            let family = if link == LinkType::Loop {
                u32::from_be_bytes([head[0], head[1], head[2], head[3]])
            } else {
                // Host byte order of the capturing machine: take whichever reading is small.
                let le = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
                if le < 256 {
                    le
                } else {
                    u32::from_be_bytes([head[0], head[1], head[2], head[3]])
                }
            };
            match family {
                // AF_INET everywhere; AF_INET6 on the BSDs, Darwin and Linux.
                2 | 10 | 24 | 28 | 30 => SlicedPacket::from_ip(rest),
                _ => return Err(Skip::NotIp),
            }
        }
    };
    let sliced = sliced.map_err(|_| Skip::Malformed)?;
    let base = frame.as_ptr() as usize;
    let offset = |s: &[u8]| (s.as_ptr() as usize).wrapping_sub(base);
    let (src_ip, dst_ip, ip_offset, fragmented): (IpAddr, IpAddr, usize, bool) = match &sliced.net {
        Some(NetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                offset(h.slice()),
                v4.is_payload_fragmented(),
            )
        }
        Some(NetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                offset(h.slice()),
                v6.is_payload_fragmented(),
            )
        }
        Some(NetSlice::Arp(_)) | None => return Err(Skip::NotIp),
    };
    if fragmented {
        return Err(Skip::IpFragment);
    }
    let packet = |transport, sp: u16, dp: u16, header: &[u8], payload: &[u8], tcp| Packet {
        flow: FlowKey {
            transport,
            src: SocketAddr::new(src_ip, sp),
            dst: SocketAddr::new(dst_ip, dp),
        },
        ip_offset,
        transport_offset: offset(header),
        payload_offset: offset(payload),
        payload_len: payload.len(),
        tcp,
    };
    match &sliced.transport {
        Some(TransportSlice::Udp(udp)) => Ok(packet(
            Transport::Udp,
            udp.source_port(),
            udp.destination_port(),
            udp.header_slice(),
            udp.payload(),
            None,
        )),
        Some(TransportSlice::Tcp(tcp)) => Ok(packet(
            Transport::Tcp,
            tcp.source_port(),
            tcp.destination_port(),
            tcp.header_slice(),
            tcp.payload(),
            Some(TcpInfo {
                seq: tcp.sequence_number(),
                syn: tcp.syn(),
                fin_or_rst: tcp.fin() || tcp.rst(),
            }),
        )),
        _ => Err(Skip::OtherTransport),
    }
}

/// Replaces the UDP payload of `packet` in `frame` with `payload` (which may be shorter or
/// longer), then fixes the IPv4 total length and header checksum or the IPv6 payload
/// length, and the UDP length and checksum. Bytes after the old payload (Ethernet padding)
/// are dropped.
pub fn rewrite_udp(frame: &mut Vec<u8>, packet: &Packet, payload: &[u8]) {
    let udp_len = 8 + payload.len();
    frame.truncate(packet.payload_offset);
    frame.extend_from_slice(payload);
    let ip = packet.ip_offset;
    let t = packet.transport_offset;
    let version = frame[ip] >> 4;
    let mut pseudo = 0u32;
    if version == 4 {
        let ihl = usize::from(frame[ip] & 0x0f) * 4;
        let total = (frame.len() - ip) as u16;
        frame[ip + 2..ip + 4].copy_from_slice(&total.to_be_bytes());
        frame[ip + 10..ip + 12].copy_from_slice(&[0, 0]);
        let sum = checksum(&frame[ip..ip + ihl], 0);
        frame[ip + 10..ip + 12].copy_from_slice(&sum.to_be_bytes());
        pseudo = sum_words(&frame[ip + 12..ip + 20], pseudo);
    } else {
        // The UDP header is the last header of the IPv6 packet: its payload length is
        // everything after the fixed 40-byte header.
        let plen = (frame.len() - ip - 40) as u16;
        frame[ip + 4..ip + 6].copy_from_slice(&plen.to_be_bytes());
        pseudo = sum_words(&frame[ip + 8..ip + 40], pseudo);
    }
    pseudo += 17 + udp_len as u32;
    frame[t + 4..t + 6].copy_from_slice(&(udp_len as u16).to_be_bytes());
    frame[t + 6..t + 8].copy_from_slice(&[0, 0]);
    let mut sum = checksum(&frame[t..], pseudo);
    if sum == 0 {
        sum = 0xffff;
    }
    frame[t + 6..t + 8].copy_from_slice(&sum.to_be_bytes());
}

fn sum_words(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for w in &mut chunks {
        acc += u32::from(u16::from_be_bytes([w[0], w[1]]));
        if acc > 0xffff_0000 {
            acc = (acc & 0xffff) + (acc >> 16);
        }
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

fn checksum(data: &[u8], initial: u32) -> u16 {
    let mut acc = sum_words(data, initial);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn udp4(payload: &[u8]) -> Vec<u8> {
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
            .udp(4000, 5004);
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    #[test]
    fn decodes_ethernet_ipv4_udp() {
        let f = udp4(b"hello");
        let p = decode(LinkType::Ethernet, &f).unwrap();
        assert_eq!(p.flow.src, "192.0.2.1:4000".parse().unwrap());
        assert_eq!(p.flow.dst, "192.0.2.2:5004".parse().unwrap());
        assert_eq!(
            (p.ip_offset, p.transport_offset, p.payload_offset),
            (14, 34, 42)
        );
        assert_eq!(p.payload_len, 5);
    }

    #[test]
    fn rewrite_matches_a_freshly_built_frame() {
        for (old, new) in [
            (&b"0123456789abcdef"[..], &b"short"[..]),
            (b"x", b"longer payload"),
        ] {
            let mut f = udp4(old);
            let p = decode(LinkType::Ethernet, &f).unwrap();
            rewrite_udp(&mut f, &p, new);
            assert_eq!(f, udp4(new));
        }
        let b = || PacketBuilder::ipv6([1; 16], [2; 16], 64).udp(1, 2);
        let (mut f, mut want) = (Vec::new(), Vec::new());
        b().write(&mut f, b"abcdefgh").unwrap();
        b().write(&mut want, b"xyz").unwrap();
        let p = decode(LinkType::Raw, &f).unwrap();
        rewrite_udp(&mut f, &p, b"xyz");
        assert_eq!(f, want);
    }

    #[test]
    fn short_and_odd_frames_are_skipped() {
        assert_eq!(decode(LinkType::Ethernet, &[0; 10]), Err(Skip::Malformed));
        assert_eq!(decode(LinkType::LinuxSll2, &[0; 5]), Err(Skip::Malformed));
        assert_eq!(
            decode(LinkType::Null, &[99, 0, 0, 0, 0x45]),
            Err(Skip::NotIp)
        );
        let f = udp4(b"hello");
        assert_eq!(
            decode(LinkType::Ethernet, &f[..f.len() - 2]),
            Err(Skip::Malformed)
        );
    }
}
