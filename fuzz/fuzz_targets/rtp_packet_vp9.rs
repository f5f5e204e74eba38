//! VP9 payload descriptor (RFC 9628): parse arbitrary bytes; parse → write → parse gives
//! the same descriptor, scalability structure included; packetize → reassemble gives the
//! same frame; and the reassembler takes arbitrary packet streams within its limits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::payload::PayloadDescriptor;
use rtp_packet::payload::reassembly::ReassemblyLimits;
use rtp_packet::payload::vp9::{Vp9Depacketizer, Vp9Descriptor, Vp9Packetizer};

const LIMITS: ReassemblyLimits = ReassemblyLimits {
    max_packets: 16,
    max_payload_len: 64,
};

fuzz_target!(|data: &[u8]| {
    if let Ok((descriptor, frame)) = Vp9Descriptor::parse(data) {
        let mut buf = vec![0u8; descriptor.encoded_len()];
        let len = descriptor
            .write(&mut buf)
            .expect("a parsed descriptor writes");
        assert_eq!(len, buf.len());
        let (again, rest) = Vp9Descriptor::parse(&buf).expect("a written descriptor parses");
        assert_eq!(again, descriptor);
        assert!(rest.is_empty());

        // Chunks of 1 to 32 octets, but never more than ~1024 packets a frame: twice the
        // default limit is enough to cross it, and more only slows the fuzzer down.
        let chunk = (1 + usize::from(data[0] % 32))
            .max(frame.len() / 1024)
            .min(1024);
        let mtu = len + chunk;
        if let Ok(packetizer) = Vp9Packetizer::new(frame, descriptor, true, mtu) {
            // The reassembler's documented bound: a frame of more packets than
            // `max_packets` is never handed out but given up, every packet of it counted
            // (in `Incomplete` or still waiting). The limit comes from the input, so small
            // inputs cross it both ways; the default's 512 is checked in rtp-packet's tests.
            let limits = ReassemblyLimits {
                max_packets: 1 + usize::from(data[data.len() - 1] % 64),
                max_payload_len: 1500,
            };
            let packets = packetizer.remaining();
            let mut depacketizer = Vp9Depacketizer::new(limits);
            let mut rebuilt = None;
            let mut given_up = 0usize;
            let mut frames_given_up = 0usize;
            let mut payload = vec![0u8; mtu];
            for (i, fragment) in packetizer.enumerate() {
                let n = fragment
                    .write(&mut payload)
                    .expect("a fragment fits its MTU");
                assert!(n <= mtu);
                let pushed = depacketizer
                    .push(&payload[..n], i as u16, 0, fragment.marker)
                    .expect("a fragment parses");
                assert_eq!(pushed.discarded, None, "packet {i} of {packets} discarded");
                given_up += pushed.incomplete.packets;
                frames_given_up += pushed.incomplete.frames;
                if let Some(f) = pushed.frame {
                    assert!(rebuilt.is_none(), "one frame, handed out once");
                    rebuilt = Some(f.data.to_vec());
                }
                assert!(depacketizer.waiting() <= limits.max_packets);
            }
            if packets <= limits.max_packets {
                assert_eq!(rebuilt.as_deref(), Some(frame));
                assert_eq!((given_up, depacketizer.waiting()), (0, 0));
            } else {
                assert_eq!(rebuilt, None, "{packets} packets exceed the limit");
                assert!(frames_given_up >= 1);
                assert_eq!(given_up + depacketizer.waiting(), packets);
                let rest = depacketizer.flush();
                assert_eq!(given_up + rest.packets, packets);
                assert_eq!(depacketizer.waiting(), 0);
            }
        }
    }

    // The same bytes as a stream of packets: [length, sequence, flags] then the payload.
    let mut depacketizer = Vp9Depacketizer::new(LIMITS);
    let mut rest = data;
    while let [len, sequence, flags, tail @ ..] = rest {
        let (payload, next) = tail.split_at(usize::from(*len).min(tail.len()));
        let _ = depacketizer.push(
            payload,
            u16::from(*sequence) * 257,
            u32::from(flags >> 1),
            flags & 1 == 1,
        );
        assert!(depacketizer.waiting() <= LIMITS.max_packets);
        rest = next;
    }
});
