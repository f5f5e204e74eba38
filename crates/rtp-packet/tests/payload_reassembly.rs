//! Frame reassembly from RTP packets: reordering, loss, duplicates, limits, allocation.

use rtp_packet::payload::PayloadDescriptor;
use rtp_packet::payload::reassembly::{Discarded, Incomplete, ReassemblyLimits};
use rtp_packet::payload::vp8::{Vp8Depacketizer, Vp8Descriptor, Vp8Packetizer};
use rtp_packet::payload::vp9::{Vp9Depacketizer, Vp9Descriptor};
use rtp_packet::payload::{PayloadError, PictureId};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// An RTP packet of a VP8 stream: payload, sequence number, timestamp, marker.
struct Sent {
    payload: Vec<u8>,
    sequence: u16,
    timestamp: u32,
    marker: bool,
}

/// Packetizes `frames` (of `len` octets each, 100 octets per packet) from `sequence` on.
fn stream(frames: usize, len: usize, mut sequence: u16) -> (Vec<Vec<u8>>, Vec<Sent>) {
    let mut originals = Vec::new();
    let mut packets = Vec::new();
    for n in 0..frames {
        let frame: Vec<u8> = (0..len).map(|i| (i * 7 + n) as u8).collect();
        let descriptor = Vp8Descriptor {
            picture_id: Some(PictureId::Short(n as u8)),
            ..Vp8Descriptor::default()
        };
        for fragment in Vp8Packetizer::new(&frame, descriptor, 103).unwrap() {
            let mut payload = vec![0u8; fragment.len()];
            fragment.write(&mut payload).unwrap();
            packets.push(Sent {
                payload,
                sequence,
                timestamp: 3000 * n as u32,
                marker: fragment.marker,
            });
            sequence = sequence.wrapping_add(1);
        }
        originals.push(frame);
    }
    (originals, packets)
}

/// What one push produced, owned.
#[derive(Debug, PartialEq)]
struct Outcome {
    frame: Option<(u8, Vec<u8>)>,
    incomplete: Incomplete,
    discarded: Option<Discarded>,
}

fn push(d: &mut Vp8Depacketizer, p: &Sent) -> Outcome {
    let pushed = d
        .push(&p.payload, p.sequence, p.timestamp, p.marker)
        .unwrap();
    Outcome {
        frame: pushed.frame.map(|f| {
            (
                f.descriptor.picture_id.map_or(0, |id| id.value() as u8),
                f.data.to_vec(),
            )
        }),
        incomplete: pushed.incomplete,
        discarded: pushed.discarded,
    }
}

fn nothing() -> Outcome {
    Outcome {
        frame: None,
        incomplete: Incomplete::default(),
        discarded: None,
    }
}

#[test]
fn reordered_packets_within_a_frame() {
    let (frames, packets) = stream(1, 400, 7);
    assert_eq!(packets.len(), 4);
    let mut d = Vp8Depacketizer::default();
    for i in [2, 0, 3] {
        assert_eq!(push(&mut d, &packets[i]), nothing());
    }
    assert_eq!(d.waiting(), 3);
    let out = push(&mut d, &packets[1]);
    assert_eq!(out.frame, Some((0, frames[0].clone())));
    assert_eq!(d.waiting(), 0);
}

#[test]
fn reordering_across_the_sequence_wrap() {
    let (frames, packets) = stream(2, 250, 65533);
    // Sequence numbers 65533..=65535 then 0..=2.
    assert_eq!(packets[3].sequence, 0);
    let mut d = Vp8Depacketizer::default();
    for i in [1, 2, 0] {
        let out = push(&mut d, &packets[i]);
        if i == 0 {
            assert_eq!(out.frame, Some((0, frames[0].clone())));
        }
    }
    for i in [5, 3, 4] {
        let out = push(&mut d, &packets[i]);
        if i == 4 {
            assert_eq!(out.frame, Some((1, frames[1].clone())));
            assert!(out.incomplete.is_empty());
        }
    }
}

#[test]
fn a_lost_packet_gives_up_its_frame_when_a_later_one_completes() {
    let (frames, packets) = stream(3, 300, 1000);
    assert_eq!(packets.len(), 9);
    let mut d = Vp8Depacketizer::default();
    // Frame 0 complete; frame 1 loses its middle packet (index 4); frame 2 complete.
    for p in &packets[..3] {
        push(&mut d, p);
    }
    push(&mut d, &packets[3]);
    push(&mut d, &packets[5]);
    push(&mut d, &packets[6]);
    push(&mut d, &packets[7]);
    let out = push(&mut d, &packets[8]);
    assert_eq!(out.frame, Some((2, frames[2].clone())));
    assert_eq!(
        out.incomplete,
        Incomplete {
            frames: 1,
            packets: 2
        }
    );
    // The lost packet arriving now is too late.
    assert_eq!(
        push(&mut d, &packets[4]),
        Outcome {
            discarded: Some(Discarded::Late),
            ..nothing()
        }
    );
    assert_eq!(d.waiting(), 0);
}

#[test]
fn duplicates_are_discarded() {
    let (frames, packets) = stream(1, 200, 0);
    let mut d = Vp8Depacketizer::default();
    push(&mut d, &packets[0]);
    assert_eq!(
        push(&mut d, &packets[0]),
        Outcome {
            discarded: Some(Discarded::Duplicate),
            ..nothing()
        }
    );
    assert_eq!(
        push(&mut d, &packets[1]).frame,
        Some((0, frames[0].clone()))
    );
    // Once handed out, a copy is late.
    assert_eq!(push(&mut d, &packets[1]).discarded, Some(Discarded::Late));
}

#[test]
fn a_frame_needs_its_start_and_one_timestamp() {
    let (_, packets) = stream(1, 300, 50);
    let mut d = Vp8Depacketizer::default();
    // Without the first packet (S=1), the rest never completes.
    push(&mut d, &packets[1]);
    assert_eq!(push(&mut d, &packets[2]), nothing());
    // A packet with a different timestamp in the middle of the run breaks it.
    let mut d = Vp8Depacketizer::default();
    push(&mut d, &packets[0]);
    d.push(&packets[1].payload, packets[1].sequence, 1, false)
        .unwrap();
    assert_eq!(push(&mut d, &packets[2]), nothing());
    assert_eq!(
        d.flush(),
        Incomplete {
            frames: 3,
            packets: 3
        }
    );
    assert_eq!(d.waiting(), 0);
}

#[test]
fn memory_stays_within_the_limits() {
    let limits = ReassemblyLimits {
        max_packets: 4,
        max_payload_len: 100,
    };
    let mut d = Vp8Depacketizer::new(limits);
    let (frames, packets) = stream(3, 300, 0);
    // Frame 0 (3 packets) never completes: its last packet is lost. Frame 1's packets
    // push it out once four packets wait.
    push(&mut d, &packets[0]);
    push(&mut d, &packets[1]);
    push(&mut d, &packets[3]);
    assert_eq!(d.waiting(), 3);
    let out = push(&mut d, &packets[4]);
    assert_eq!(out, nothing());
    assert_eq!(d.waiting(), 4);
    let out = push(&mut d, &packets[5]);
    assert_eq!(
        out.incomplete,
        Incomplete {
            frames: 1,
            packets: 2
        }
    );
    assert_eq!(out.frame, Some((1, frames[1].clone())));
    // A payload over the limit is refused and changes nothing.
    let big = [0x10u8; 102];
    assert_eq!(
        d.push(&big, 9, 9000, true).unwrap_err(),
        PayloadError::PayloadTooLarge { len: 101, max: 100 }
    );
    assert_eq!(d.waiting(), 0);
    assert_eq!(push(&mut d, &packets[6]), nothing());
}

#[test]
fn malformed_descriptors_change_nothing() {
    let (_, packets) = stream(1, 200, 0);
    let mut d = Vp8Depacketizer::default();
    push(&mut d, &packets[0]);
    assert_eq!(
        d.push(&[0x80, 0x80], 1, 0, true).unwrap_err(),
        PayloadError::Truncated { needed: 3, got: 2 }
    );
    assert_eq!(
        d.push(&[], 1, 0, true).unwrap_err(),
        PayloadError::Truncated { needed: 1, got: 0 }
    );
    assert_eq!(d.waiting(), 1);
    let mut v = Vp9Depacketizer::default();
    assert_eq!(
        v.push(&[0x10], 1, 0, true).unwrap_err(),
        PayloadError::Vp9FlexibleWithoutPictureId
    );
    assert_eq!(v.waiting(), 0);
}

#[test]
fn vp9_lost_end_of_frame() {
    let mut d = Vp9Depacketizer::default();
    let b = Vp9Descriptor {
        start_of_frame: true,
        ..Vp9Descriptor::new()
    };
    let e = Vp9Descriptor {
        end_of_frame: true,
        ..Vp9Descriptor::new()
    };
    let payload = |d: Vp9Descriptor<'_>, data: u8| {
        let mut out = vec![0u8; 2];
        d.write(&mut out).unwrap();
        out[1] = data;
        out
    };
    // Frame at timestamp 0 has B but loses its E packet; the next frame is one packet.
    assert!(
        d.push(&payload(b, 1), 10, 0, false)
            .unwrap()
            .frame
            .is_none()
    );
    let both = Vp9Descriptor {
        start_of_frame: true,
        end_of_frame: true,
        ..Vp9Descriptor::new()
    };
    let pushed = d.push(&payload(both, 3), 12, 3000, true).unwrap();
    assert_eq!(pushed.frame.map(|f| f.data.to_vec()), Some(vec![3]));
    assert_eq!(
        pushed.incomplete,
        Incomplete {
            frames: 1,
            packets: 1
        }
    );
    assert_eq!(
        d.push(&payload(e, 2), 11, 0, true).unwrap().discarded,
        Some(Discarded::Late)
    );
}

#[test]
fn steady_state_packetizing_and_reassembly_do_not_allocate() {
    let frame: Vec<u8> = (0..3000).map(|i| i as u8).collect();
    let descriptor = Vp8Descriptor {
        picture_id: Some(PictureId::Long(1)),
        ..Vp8Descriptor::default()
    };
    let mut d = Vp8Depacketizer::default();
    let mut buf = [0u8; 1200];
    let mut sequence = 0u16;
    let mut run = |timestamp: u32, d: &mut Vp8Depacketizer| {
        let mut frames = 0;
        for fragment in Vp8Packetizer::new(&frame, descriptor, 1200).unwrap() {
            let len = fragment.write(&mut buf).unwrap();
            let pushed = d
                .push(&buf[..len], sequence, timestamp, fragment.marker)
                .unwrap();
            sequence = sequence.wrapping_add(1);
            frames += usize::from(pushed.frame.is_some());
        }
        frames
    };
    // The first frame sizes the reassembler's buffers.
    assert_eq!(run(0, &mut d), 1);
    let (allocations, frames) = alloc_counter::count(|| run(3000, &mut d) + run(6000, &mut d));
    assert_eq!(frames, 2);
    assert_eq!(allocations, 0);
}
