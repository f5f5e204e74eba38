//! A minimal classic-pcap writer (Ethernet / IPv4 / UDP) for handing our datagrams to tshark.

use std::net::Ipv4Addr;

/// One UDP datagram to record.
#[derive(Debug, Clone)]
pub struct Datagram {
    pub src: (Ipv4Addr, u16),
    pub dst: (Ipv4Addr, u16),
    pub payload: Vec<u8>,
}

impl Datagram {
    /// A datagram between two fixed documentation addresses, `src_port` → `dst_port`.
    pub fn new(src_port: u16, dst_port: u16, payload: Vec<u8>) -> Self {
        Self {
            src: (Ipv4Addr::new(192, 0, 2, 1), src_port),
            dst: (Ipv4Addr::new(192, 0, 2, 2), dst_port),
            payload,
        }
    }
}

/// Serialises `datagrams` as a pcap file (link type Ethernet), one every 20 ms.
pub fn pcap(datagrams: &[Datagram]) -> Vec<u8> {
    let mut out = Vec::new();
    // Global header: magic, version 2.4, thiszone, sigfigs, snaplen, linktype 1 (Ethernet).
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, d) in datagrams.iter().enumerate() {
        let frame = ethernet_ipv4_udp(d);
        let micros = i as u64 * 20_000;
        out.extend_from_slice(&(1_700_000_000 + (micros / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame);
    }
    out
}

fn ethernet_ipv4_udp(d: &Datagram) -> Vec<u8> {
    let udp_len = 8 + d.payload.len();
    let ip_len = 20 + udp_len;
    let mut f = Vec::with_capacity(14 + ip_len);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&(ip_len as u16).to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&d.src.0.octets());
    ip[16..20].copy_from_slice(&d.dst.0.octets());
    let sum = checksum(&ip, 0);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    let mut udp = Vec::with_capacity(udp_len);
    udp.extend_from_slice(&d.src.1.to_be_bytes());
    udp.extend_from_slice(&d.dst.1.to_be_bytes());
    udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(&d.payload);
    // UDP checksum over the IPv4 pseudo-header, so tshark has nothing to complain about.
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&d.src.0.octets());
    pseudo.extend_from_slice(&d.dst.0.octets());
    pseudo.extend_from_slice(&[0, 17]);
    pseudo.extend_from_slice(&(udp_len as u16).to_be_bytes());
    let partial = sum_words(&pseudo, 0);
    let mut c = checksum(&udp, partial);
    if c == 0 {
        c = 0xffff;
    }
    udp[6..8].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&udp);
    f
}

fn sum_words(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for w in &mut chunks {
        acc += u32::from(u16::from_be_bytes([w[0], w[1]]));
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
