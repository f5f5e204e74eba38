//! H.264 payloads (RFC 6184): parse arbitrary payloads against an independent reading of
//! the first octets; feed arbitrary packet streams to the depacketizer within its limits
//! (every frame it hands out writes in both formats); and packetize → depacketize
//! arbitrary NAL unit sequences, in both modes, from NAL units and from Annex B, giving
//! the input back.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::payload::PayloadError;
use rtp_packet::payload::h264::{
    H264Depacketizer, H264Packet, H264Packetizer, NalFormat, PacketizationMode,
};
use rtp_packet::payload::reassembly::ReassemblyLimits;

const LIMITS: ReassemblyLimits = ReassemblyLimits {
    max_packets: 16,
    max_payload_len: 64,
};

fuzz_target!(|data: &[u8]| {
    parse_one(data);
    stream(data);
    round_trip(data);
});

/// One payload, checked against the structure its first octet names.
fn parse_one(data: &[u8]) {
    let parsed = H264Packet::parse(data);
    let Some(&first) = data.first() else {
        assert_eq!(parsed, Err(PayloadError::Truncated { needed: 1, got: 0 }));
        return;
    };
    match (first & 0x1F, parsed) {
        (1..=23, Ok(H264Packet::Single(nal))) => assert_eq!(nal, data),
        (24, Ok(H264Packet::StapA(stap))) => {
            // The units tile the payload after the STAP-A header exactly.
            let mut at = 1;
            for unit in stap.nal_units() {
                let size = usize::from(u16::from_be_bytes([data[at], data[at + 1]]));
                assert_eq!(unit, &data[at + 2..at + 2 + size]);
                assert!(size > 0 && !matches!(unit[0] & 0x1F, 0 | 24..=31));
                at += 2 + size;
            }
            assert_eq!(at, data.len());
            assert_eq!(stap.nal_units().count(), stap.len());
        }
        (28, Ok(H264Packet::FuA(fu))) => {
            assert_eq!(fu.indicator, first);
            assert_eq!(
                (fu.start, fu.end),
                (data[1] & 0x80 != 0, data[1] & 0x40 != 0)
            );
            assert!(!(fu.start && fu.end));
            assert_eq!(fu.nal_type, data[1] & 0x1F);
            assert_eq!(fu.data, &data[2..]);
            assert!(!fu.data.is_empty());
        }
        (25..=27 | 29, Err(e)) => assert_eq!(
            e,
            PayloadError::H264InterleavedUnsupported {
                packet_type: first & 0x1F
            }
        ),
        (0 | 30 | 31, Err(e)) => assert_eq!(
            e,
            PayloadError::H264ReservedType {
                nal_type: first & 0x1F
            }
        ),
        (24 | 28, Err(_)) => {}
        (t, other) => panic!("type {t} read as {other:?}"),
    }
}

/// The bytes as a stream of packets: `[length, sequence, flags]` then the payload.
fn stream(data: &[u8]) {
    let mut depacketizer = H264Depacketizer::new(LIMITS);
    let mut rest = data;
    let mut out = [0u8; 16 * 64 * 2];
    while let [len, sequence, flags, tail @ ..] = rest {
        let (payload, next) = tail.split_at(usize::from(*len).min(tail.len()));
        if let Ok(pushed) = depacketizer.push(
            payload,
            u16::from(*sequence) * 257,
            u32::from(flags >> 1),
            flags & 1 == 1,
        ) {
            if let Some(frame) = pushed.frame {
                write_both(&frame, &mut out);
            }
            while let Some(ready) = depacketizer.next_ready() {
                if let Some(frame) = ready.frame {
                    write_both(&frame, &mut out);
                }
            }
        }
        assert!(depacketizer.waiting() <= LIMITS.max_packets);
        rest = next;
    }
}

fn write_both(frame: &rtp_packet::payload::h264::H264Frame<'_>, out: &mut [u8]) {
    let len = frame.output_len();
    assert!(len <= out.len(), "a frame within the limits fits");
    for format in [NalFormat::AnnexB, NalFormat::LengthPrefixed] {
        assert_eq!(frame.write(format, out), Ok(len));
    }
}

/// NAL units cut from the input: `[control, (length, octets...)...]`. The control octet
/// picks the mode, the MTU and whether the input goes as Annex B. The NAL units make two
/// access units sent one after the other (the second one's start known from the first's
/// marker bit); the first begins with a NAL unit that can begin an access unit (ITU-T
/// H.264 §7.4.1.2.3), because nothing before it tells the depacketizer where it starts.
fn round_trip(data: &[u8]) {
    let [control, rest @ ..] = data else { return };
    let mode = if control & 1 == 0 {
        PacketizationMode::SingleNalUnit
    } else {
        PacketizationMode::NonInterleaved
    };
    let annex_b = control & 2 != 0;
    let mtu = 3 + usize::from(control >> 2) * 4;
    let mut nals: Vec<Vec<u8>> = Vec::new();
    let mut rest = rest;
    while let [len, tail @ ..] = rest {
        let (nal, next) = tail.split_at((1 + usize::from(*len)).min(tail.len()));
        rest = next;
        let Some((&header, body)) = nal.split_first() else {
            break;
        };
        // A NAL unit type an encoder can produce (1 to 23).
        let header = (header & 0xE0) | (1 + (header & 0x1F) % 23);
        let mut nal = vec![header];
        // Annex B cannot carry zero runs inside NAL units (emulation prevention): keep
        // the bytes, but not as zeros, there.
        nal.extend(body.iter().map(|&b| if annex_b && b == 0 { 3 } else { b }));
        nals.push(nal);
    }
    if nals.is_empty() {
        return;
    }
    // The first NAL unit opens an access unit: a parameter set, SEI, delimiter or types
    // 14 to 18 as drawn, anything else made an access unit delimiter.
    if !matches!(nals[0][0] & 0x1F, 6..=9 | 14..=18) {
        nals[0][0] = (nals[0][0] & 0xE0) | 9;
    }
    let split = nals.len().div_ceil(2);
    let (first, second) = nals.split_at(split);
    // The reassembler's documented bound: an access unit of more packets than
    // `max_packets` is never handed out, and each of its packets is counted (given up or
    // still waiting). The limit comes from the input so both sides of it are reached.
    let limits = ReassemblyLimits {
        max_packets: 1 + usize::from(data[data.len() - 1] % 64),
        max_payload_len: mtu,
    };
    let mut depacketizer = H264Depacketizer::new(limits);
    let mut tally = Tally::default();
    let mut sequence = 1000u16;
    for (timestamp, au) in [(90u32, first), (180, second)] {
        // An access unit mode 0 cannot send leaves the next one after an unknown gap.
        if au.is_empty()
            || !access_unit(
                au,
                Sending { mode, annex_b, mtu },
                limits.max_packets,
                &mut depacketizer,
                &mut sequence,
                timestamp,
                &mut tally,
            )
        {
            break;
        }
    }
    assert_eq!(
        tally.handed_out + tally.given_up + depacketizer.waiting(),
        tally.pushed,
        "every packet handed out, given up or waiting"
    );
    let rest = depacketizer.flush();
    assert_eq!(
        tally.handed_out + tally.given_up + rest.packets,
        tally.pushed
    );
    assert_eq!(depacketizer.waiting(), 0);
}

/// Packets pushed, handed out in frames, and given up.
#[derive(Default)]
struct Tally {
    pushed: usize,
    handed_out: usize,
    given_up: usize,
}

/// How the access units are packetized: the mode, Annex B or NAL-unit input, the MTU.
#[derive(Clone, Copy)]
struct Sending {
    mode: PacketizationMode,
    annex_b: bool,
    mtu: usize,
}

/// Packetizes one access unit, depacketizes it, and checks it comes back whole; false
/// when mode 0 refused it.
fn access_unit(
    nals: &[Vec<u8>],
    sending: Sending,
    max_packets: usize,
    depacketizer: &mut H264Depacketizer,
    sequence: &mut u16,
    timestamp: u32,
    tally: &mut Tally,
) -> bool {
    let Sending { mode, annex_b, mtu } = sending;
    let refs: Vec<&[u8]> = nals.iter().map(Vec::as_slice).collect();
    let stream: Vec<u8> = refs
        .iter()
        .flat_map(|n| [&[0, 0, 0, 1][..], n].concat())
        .collect();
    let packetizer = if annex_b {
        H264Packetizer::from_annex_b(&stream, mode, mtu)
    } else {
        H264Packetizer::from_nal_units(&refs, mode, mtu)
    };
    let packetizer = match packetizer {
        Ok(p) => p,
        Err(PayloadError::H264NalTooLarge { len, mtu: m }) => {
            assert_eq!(mode, PacketizationMode::SingleNalUnit);
            assert!(len > m && refs.iter().any(|n| n.len() == len));
            return false;
        }
        Err(e) => panic!("valid NAL units refused: {e}"),
    };
    let count = packetizer.remaining();
    let mut payload = vec![0u8; mtu];
    let mut rebuilt = None;
    for (i, p) in packetizer.enumerate() {
        let n = p.write(&mut payload).expect("fits its MTU");
        assert!(n <= mtu);
        assert_eq!(p.marker, i + 1 == count);
        let pushed = depacketizer
            .push(&payload[..n], *sequence, timestamp, p.marker)
            .expect("our payloads parse");
        *sequence = sequence.wrapping_add(1);
        tally.pushed += 1;
        assert_eq!((pushed.discarded, pushed.rejected), (None, None));
        tally.given_up += pushed.incomplete.packets;
        assert!(depacketizer_bound(&pushed, max_packets));
        if let Some(frame) = pushed.frame {
            tally.handed_out +=
                usize::from(frame.last_sequence.wrapping_sub(frame.first_sequence)) + 1;
            assert!(rebuilt.is_none());
            let format = if annex_b {
                NalFormat::AnnexB
            } else {
                NalFormat::LengthPrefixed
            };
            let mut out = vec![0u8; frame.output_len()];
            assert_eq!(frame.write(format, &mut out), Ok(out.len()));
            assert_eq!(frame.nal_units, nals.len());
            assert_eq!(frame.timestamp, timestamp);
            rebuilt = Some(out);
        }
    }
    let expected: Vec<u8> = if annex_b {
        stream
    } else {
        refs.iter()
            .flat_map(|n| [&(n.len() as u32).to_be_bytes()[..], n].concat())
            .collect()
    };
    if count <= max_packets {
        assert_eq!(rebuilt, Some(expected));
    } else {
        assert_eq!(
            rebuilt, None,
            "{count} packets exceed the limit of {max_packets}"
        );
    }
    assert!(depacketizer.waiting() <= max_packets);
    true
}

/// A push never reports more given up than the bound allows to wait.
fn depacketizer_bound(
    pushed: &rtp_packet::payload::h264::H264Pushed<'_>,
    max_packets: usize,
) -> bool {
    pushed.incomplete.packets <= max_packets
}
