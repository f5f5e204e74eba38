//! Rebuilding video frames from RTP packets: the reassembler behind
//! [`Vp8Depacketizer`](super::vp8::Vp8Depacketizer) and
//! [`Vp9Depacketizer`](super::vp9::Vp9Depacketizer).
//!
//! A frame is a run of packets with consecutive sequence numbers and one RTP timestamp,
//! from a packet that starts a frame to a packet that ends one (RFC 7741 §4.5: S bit with
//! PID 0, then the marker bit; RFC 9628 §4.5: B bit, then E bit). Packets may arrive in
//! any order; a frame is handed out as soon as its last missing packet arrives. Where a
//! frame ends and whether it is whole is [`crate::frame`]'s rule, shared with the jitter
//! buffer; this module adds the descriptor bits, the order and the memory bound.
//!
//! Decoding order is kept: once a frame is handed out, every packet still waiting that
//! precedes it in sequence order is given up and counted in [`Incomplete`], and packets
//! that arrive later with an earlier sequence number are discarded as [`Discarded::Late`].
//! Waiting packets are bounded by [`ReassemblyLimits`]: when a packet would exceed them,
//! the oldest frame is given up first.
//!
//! The bound counts packets, so a frame of more packets than
//! [`ReassemblyLimits::max_packets`] is never handed out: when its packet number
//! `max_packets + 1` arrives, the frame is given up (counted in [`Incomplete`]) and its later
//! packets wait until they are given up in turn. The limit is a memory bound an attacker
//! cannot talk past, not a guess at frame sizes, and the default is sized for real video: a
//! 1080p key frame of 100–300 kB needs 80–250 packets at the usual ~1200-octet payloads,
//! well inside 512; a 4K key frame can need more, and an application that receives one
//! raises `max_packets` (memory grows with `max_packets × max_payload_len`). Lowering the
//! bound instead of the packet count would not help: tiny packets are what a hostile sender
//! would use, and each waiting packet costs a buffer whatever its size.
//!
//! The packetizers do not refuse a frame of more packets than this bound, on purpose: the
//! bound is the receiver's memory policy, and the packetizer runs at the sender, which
//! does not know it. The peer may be another implementation with a larger bound (browsers
//! take 4K key frames of well over 512 packets), so a sender refusing by our receiver's
//! default would break calls that work; and a receiver of this crate that expects such
//! frames raises its own `max_packets`. What a user can rely on is the documented pairing:
//! a frame of at most `max_packets` packets, sent in any order within the bound, comes out
//! whole; a larger one never comes out, and every one of its packets is counted, in
//! [`Incomplete`] or still [`waiting`](Depacketizer::waiting) until the next frame or a
//! [`flush`](Depacketizer::flush) gives it up. The `rtp_packet_vp8`, `rtp_packet_vp9` and
//! `rtp_packet_h264` fuzz targets hold the code to exactly that.

use tracing::debug;

use super::PayloadError;
use crate::frame::{PacketFacts, PacketSource, frame_span};
use crate::sequence::ExtendedSequence;

/// Bounds on what a reassembler holds (memory is at most about
/// `max_packets × max_payload_len` for waiting packets plus as much for the frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Largest number of packets waiting for their frame to complete; a frame of more
    /// packets than this is given up, never handed out.
    pub max_packets: usize,
    /// Largest payload (after the payload descriptor) of one packet, in octets; larger
    /// packets are refused with [`PayloadError::PayloadTooLarge`].
    pub max_payload_len: usize,
}

impl Default for ReassemblyLimits {
    /// 512 packets of at most 1500 octets: a frame of about 750 kB.
    fn default() -> Self {
        Self {
            max_packets: 512,
            max_payload_len: 1500,
        }
    }
}

/// A reassembled frame, borrowed from the reassembler until the next push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a, D> {
    /// RTP timestamp shared by the frame's packets.
    pub timestamp: u32,
    /// RTP sequence number of the frame's first packet.
    pub first_sequence: u16,
    /// RTP sequence number of the frame's last packet.
    pub last_sequence: u16,
    /// RTP marker bit of the last packet: for VP9, whether this frame ends its picture.
    pub marker: bool,
    /// Payload descriptor of the frame's first packet.
    pub descriptor: D,
    /// The frame: the packets' payloads after their descriptors, in sequence order.
    pub data: &'a [u8],
    /// Where each packet's part of `data` ends, for formats that read packets one by one
    /// once the frame is whole (H.264).
    pub(crate) packet_ends: &'a [usize],
}

/// Frames given up because some of their packets were missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Incomplete {
    /// Number of frames (runs of packets with one RTP timestamp) given up.
    pub frames: usize,
    /// Number of received packets thrown away with them.
    pub packets: usize,
}

impl Incomplete {
    /// Whether nothing was given up.
    pub fn is_empty(&self) -> bool {
        self.packets == 0
    }
}

/// Why a pushed packet was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discarded {
    /// Its sequence number precedes a frame already handed out or given up.
    Late,
    /// A packet with the same sequence number is already waiting.
    Duplicate,
}

/// What one push produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed<'a, D> {
    /// The frame this packet completed, if any.
    pub frame: Option<Frame<'a, D>>,
    /// Frames given up during this push: skipped over by the completed frame, or evicted
    /// to stay within the limits.
    pub incomplete: Incomplete,
    /// Set when the pushed packet itself was not kept.
    pub discarded: Option<Discarded>,
}

/// One packet, as the reassembler needs it.
#[derive(Debug, Clone, Copy)]
struct Packet<'p, D> {
    sequence: u16,
    timestamp: u32,
    marker: bool,
    /// This packet's payload is the beginning of a frame.
    starts_frame: bool,
    /// This packet's payload is the end of a frame.
    ends_frame: bool,
    descriptor: D,
    /// The payload after the descriptor.
    data: &'p [u8],
}

#[derive(Debug)]
struct Waiting<D> {
    /// Sequence number extended past 16 bits, for ordering across wrap-around.
    extended: u64,
    timestamp: u32,
    marker: bool,
    starts_frame: bool,
    /// What the packet says of itself about starting a frame; for a format whose starts
    /// are inferred ([`ReassemblyDescriptor::START_FROM_PREVIOUS`]) `starts_frame` is
    /// recomputed from it and the packet before.
    start_hint: bool,
    ends_frame: bool,
    descriptor: D,
    data: Vec<u8>,
}

/// The waiting packets as a [`PacketSource`], walked forward from an index.
struct WaitingFrom<'w, D> {
    waiting: &'w [Waiting<D>],
    next: usize,
}

impl<'w, D> WaitingFrom<'w, D> {
    fn new(waiting: &'w [Waiting<D>], next: usize) -> Self {
        Self { waiting, next }
    }
}

impl<D> PacketSource for WaitingFrom<'_, D> {
    fn next_packet(&mut self, from: u64, to: u64) -> Option<(u64, PacketFacts)> {
        while self.waiting.get(self.next)?.extended < from {
            self.next += 1;
        }
        let w = self.waiting.get(self.next)?;
        let facts = PacketFacts {
            timestamp: u64::from(w.timestamp),
            starts_frame: w.starts_frame,
            ends_frame: w.ends_frame,
        };
        (w.extended <= to).then_some((w.extended, facts))
    }
}

/// A payload descriptor the reassembler can read frame boundaries from: VP8's (RFC 7741
/// §4.5) and VP9's (RFC 9628 §4.5).
pub trait ReassemblyDescriptor: Copy {
    /// Whether a frame's start is known from the packet before it rather than from the
    /// packet itself. RFC 6184 (H.264) has no start-of-frame bit: a packet starts an access
    /// unit when the packet before it ended one (marker bit) or carried another timestamp.
    /// When that packet is missing, or not yet arrived, the start flag `parse_packet`
    /// returns decides, as a hint; it is replaced once the packet before arrives.
    const START_FROM_PREVIOUS: bool = false;

    /// Parses the descriptor at the start of an RTP payload whose header had marker bit
    /// `marker`. Returns the descriptor a frame keeps, whether this payload starts a frame,
    /// whether it ends one, and the data after the descriptor.
    fn parse_packet(
        payload: &[u8],
        marker: bool,
    ) -> Result<(Self, bool, bool, &[u8]), PayloadError>;
}

/// Rebuilds video frames from the RTP payloads of one stream: the
/// [`Vp8Depacketizer`](super::vp8::Vp8Depacketizer) and
/// [`Vp9Depacketizer`](super::vp9::Vp9Depacketizer). See the [module](self) for ordering,
/// loss reporting and the memory bound.
#[derive(Debug)]
pub struct Depacketizer<D> {
    inner: Reassembler<D>,
}

impl<D: ReassemblyDescriptor> Depacketizer<D> {
    /// A reassembler holding at most what `limits` allow.
    pub fn new(limits: ReassemblyLimits) -> Self {
        Self {
            inner: Reassembler::new(limits),
        }
    }

    /// Adds one RTP packet's payload with its header's sequence number, timestamp and
    /// marker bit. Fails, changing nothing, when the descriptor is malformed or the
    /// payload exceeds the limits.
    pub fn push(
        &mut self,
        payload: &[u8],
        sequence: u16,
        timestamp: u32,
        marker: bool,
    ) -> Result<Pushed<'_, D>, PayloadError> {
        let (descriptor, starts_frame, ends_frame, data) = D::parse_packet(payload, marker)?;
        self.inner.push(Packet {
            sequence,
            timestamp,
            marker,
            starts_frame,
            ends_frame,
            descriptor,
            data,
        })
    }

    /// Number of packets waiting for their frame to complete.
    pub fn waiting(&self) -> usize {
        self.inner.waiting()
    }

    /// Hands out the frame at the front of the waiting packets if it is complete. A push
    /// hands out one frame; with a format whose frame starts are inferred from the packet
    /// before ([`ReassemblyDescriptor::START_FROM_PREVIOUS`], H.264), a late packet that
    /// completes one frame can also make the next, already whole, frame known to start.
    /// Call this after every push that handed out a frame, until it returns `None`; for
    /// VP8 and VP9 it never finds one (a whole frame is handed out when it completes).
    pub fn next_ready(&mut self) -> Option<Frame<'_, D>> {
        self.inner.next_ready()
    }

    /// Gives up every waiting packet, for example at the end of the stream.
    pub fn flush(&mut self) -> Incomplete {
        self.inner.flush()
    }
}

impl<D: ReassemblyDescriptor> Default for Depacketizer<D> {
    fn default() -> Self {
        Self::new(ReassemblyLimits::default())
    }
}

/// Bounded-memory frame reassembler over packets of one RTP stream, generic over the
/// payload descriptor kept with each frame (RFC 7741 §4.5, RFC 9628 §4.5).
#[derive(Debug)]
struct Reassembler<D> {
    limits: ReassemblyLimits,
    /// Waiting packets, sorted by extended sequence number.
    waiting: Vec<Waiting<D>>,
    /// Emptied payload buffers kept for reuse, so steady state does not allocate.
    spare: Vec<Vec<u8>>,
    /// Unwraps sequence numbers; the stream starts far enough up to go back before it.
    sequence: ExtendedSequence,
    /// Extended sequence number of the last packet handed out or given up.
    done_through: Option<u64>,
    /// That packet's timestamp and whether it ended a frame, for inferred starts.
    done_facts: Option<(u32, bool)>,
    frame: Vec<u8>,
    /// Where each packet of `frame` ends in it.
    packet_ends: Vec<usize>,
}

/// Rollover counter of the first packet; leaves room to go back before it.
const FIRST_CYCLE: u32 = 1 << 16;

impl<D: ReassemblyDescriptor> Reassembler<D> {
    fn new(limits: ReassemblyLimits) -> Self {
        Self {
            limits,
            waiting: Vec::new(),
            spare: Vec::new(),
            sequence: ExtendedSequence::with_rollover_counter(FIRST_CYCLE),
            done_through: None,
            done_facts: None,
            frame: Vec::new(),
            packet_ends: Vec::new(),
        }
    }

    /// Number of packets waiting for their frame.
    fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Gives up every waiting packet.
    fn flush(&mut self) -> Incomplete {
        let count = self.waiting.len();
        self.give_up(count)
    }

    fn push(&mut self, packet: Packet<'_, D>) -> Result<Pushed<'_, D>, PayloadError> {
        if packet.data.len() > self.limits.max_payload_len {
            return Err(PayloadError::PayloadTooLarge {
                len: packet.data.len(),
                max: self.limits.max_payload_len,
            });
        }
        let extended = self.sequence.extend(packet.sequence);
        let mut pushed = Pushed {
            frame: None,
            incomplete: Incomplete::default(),
            discarded: None,
        };
        // `None` is a packet 2^32 cycles back from the first: late by any measure.
        let Some(extended) = extended else {
            pushed.discarded = Some(Discarded::Late);
            return Ok(pushed);
        };
        if self.done_through.is_some_and(|done| extended <= done) {
            pushed.discarded = Some(Discarded::Late);
            return Ok(pushed);
        }
        if self
            .waiting
            .binary_search_by_key(&extended, |w| w.extended)
            .is_ok()
        {
            pushed.discarded = Some(Discarded::Duplicate);
            return Ok(pushed);
        }
        if self.limits.max_packets == 0 {
            pushed.discarded = Some(Discarded::Late);
            return Ok(pushed);
        }
        while self.waiting.len() >= self.limits.max_packets {
            let oldest = self.oldest_frame_len();
            let given_up = self.give_up(oldest);
            pushed.incomplete.frames += given_up.frames;
            pushed.incomplete.packets += given_up.packets;
            if self.done_through.is_some_and(|done| extended <= done) {
                pushed.discarded = Some(Discarded::Late);
                return Ok(pushed);
            }
        }
        let mut data = self.spare.pop().unwrap_or_default();
        data.clear();
        // A buffer that must grow grows once to the largest payload, so buffers reused in
        // any order (packets of uneven sizes, STAP-As next to FU-As) never grow again.
        if data.capacity() < packet.data.len() {
            data.reserve(self.limits.max_payload_len);
        }
        data.extend_from_slice(packet.data);
        let index = self.waiting.partition_point(|w| w.extended < extended);
        self.waiting.insert(
            index,
            Waiting {
                extended,
                timestamp: packet.timestamp,
                marker: packet.marker,
                starts_frame: packet.starts_frame,
                start_hint: packet.starts_frame,
                ends_frame: packet.ends_frame,
                descriptor: packet.descriptor,
                data,
            },
        );
        if D::START_FROM_PREVIOUS {
            self.infer_start(index);
            self.infer_start(index + 1);
        }
        if let Some((first, last)) = self.complete_frame_around(index) {
            let skipped = self.give_up(first);
            pushed.incomplete.frames += skipped.frames;
            pushed.incomplete.packets += skipped.packets;
            pushed.frame = self.hand_out(last - first + 1);
        }
        Ok(pushed)
    }

    /// Hands out the frame at the front of the waiting packets if it is complete.
    fn next_ready(&mut self) -> Option<Frame<'_, D>> {
        let (first, last) = self.complete_frame_around(0)?;
        if first != 0 {
            return None;
        }
        self.hand_out(last + 1)
    }

    /// Recomputes whether the waiting packet at `index` starts a frame, from the nearest
    /// packet before it that arrived (waiting, or the last one handed out or given up):
    /// right before it, that packet's marker bit or another timestamp says; after a gap, a
    /// packet of the same timestamp that ended nothing means the gap is inside this
    /// packet's frame; otherwise the packet's own hint decides.
    fn infer_start(&mut self, index: usize) {
        let previous = match index.checked_sub(1) {
            Some(before) => self
                .waiting
                .get(before)
                .map(|w| (w.extended, w.timestamp, w.ends_frame)),
            None => self
                .done_through
                .zip(self.done_facts)
                .map(|(extended, (timestamp, ends))| (extended, timestamp, ends)),
        };
        let Some(w) = self.waiting.get_mut(index) else {
            return;
        };
        w.starts_frame = match previous {
            Some((extended, timestamp, ends)) if extended + 1 == w.extended => {
                ends || timestamp != w.timestamp
            }
            Some((_, timestamp, false)) if timestamp == w.timestamp => false,
            _ => w.start_hint,
        };
    }

    /// Number of waiting packets at the front that share the first one's timestamp.
    fn oldest_frame_len(&self) -> usize {
        match self.waiting.first() {
            Some(first) => self
                .waiting
                .iter()
                .take_while(|w| w.timestamp == first.timestamp)
                .count(),
            None => 0,
        }
    }

    /// The index range of a complete frame that contains the packet at `index`; the frame's
    /// span is [`frame_span`]'s, the one definition the jitter buffer uses too.
    ///
    /// Looks forward first: packets mostly arrive in order, and then only a frame's last
    /// packet finds its end, so the look back for the frame's start, and the span from
    /// there, run once per frame, not once per packet.
    fn complete_frame_around(&self, index: usize) -> Option<(usize, usize)> {
        let newest = self.waiting.last()?.extended;
        let pushed = self.waiting.get(index)?.extended;
        let ahead = frame_span(&mut WaitingFrom::new(&self.waiting, index), pushed, newest)?;
        if !ahead.ends_frame || ahead.missing() != 0 {
            return None;
        }
        // The nearest frame start at or before the pushed packet. A complete frame has no
        // gap and no earlier frame's end inside, so the search stops at either.
        let (back, start) = self
            .waiting
            .get(..=index)?
            .iter()
            .rev()
            .enumerate()
            .take_while(|&(back, w)| pushed.checked_sub(back as u64) == Some(w.extended))
            .find(|&(back, w)| w.starts_frame || (back > 0 && w.ends_frame))?;
        if !start.starts_frame {
            return None;
        }
        let (first, start) = (index - back, start.extended);
        let frame = frame_span(&mut WaitingFrom::new(&self.waiting, first), start, newest)?;
        if !frame.is_complete() || frame.last < pushed {
            return None;
        }
        let count = usize::try_from(frame.present).ok()?;
        Some((first, first + count - 1))
    }

    /// Removes the first `count` waiting packets as given up.
    fn give_up(&mut self, count: usize) -> Incomplete {
        let count = count.min(self.waiting.len());
        if count == 0 {
            return Incomplete::default();
        }
        let mut frames = 0;
        let mut previous = None;
        for w in self.waiting.drain(..count) {
            if previous != Some(w.timestamp) {
                frames += 1;
                previous = Some(w.timestamp);
            }
            self.done_through = Some(w.extended);
            self.done_facts = Some((w.timestamp, w.ends_frame));
            self.spare.push(w.data);
        }
        debug!(frames, packets = count, "gave up incomplete frames");
        Incomplete {
            frames,
            packets: count,
        }
    }

    /// Joins the first `count` (at least one) waiting packets into the frame buffer and
    /// hands it out.
    fn hand_out(&mut self, count: usize) -> Option<Frame<'_, D>> {
        let first = self.waiting.first()?;
        let (timestamp, first_sequence, descriptor) =
            (first.timestamp, first.extended as u16, first.descriptor);
        let last = self.waiting.get(count.checked_sub(1)?)?;
        let (marker, last_sequence) = (last.marker, last.extended as u16);
        self.frame.clear();
        self.packet_ends.clear();
        for w in self.waiting.drain(..count) {
            self.frame.extend_from_slice(&w.data);
            self.packet_ends.push(self.frame.len());
            self.done_through = Some(w.extended);
            self.done_facts = Some((w.timestamp, w.ends_frame));
            self.spare.push(w.data);
        }
        Some(Frame {
            timestamp,
            first_sequence,
            last_sequence,
            marker,
            descriptor,
            data: &self.frame,
            packet_ends: &self.packet_ends,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::PayloadDescriptor;
    use crate::payload::vp8::{Vp8Depacketizer, Vp8Descriptor, Vp8Packetizer};

    /// Pushes `frame` cut into `frame.len()` one-octet packets; returns the frame handed
    /// out (if any), the packets given up during the pushes and the depacketizer.
    fn one_octet_packets(
        frame: &[u8],
        limits: ReassemblyLimits,
    ) -> (Option<Vec<u8>>, Incomplete, Vp8Depacketizer) {
        let descriptor = Vp8Descriptor::default();
        let mtu = descriptor.encoded_len() + 1;
        let packetizer = Vp8Packetizer::new(frame, descriptor, mtu).expect("valid");
        assert_eq!(packetizer.remaining(), frame.len());
        let mut d = Vp8Depacketizer::new(limits);
        let mut out = None;
        let mut given_up = Incomplete::default();
        let mut buf = [0u8; 8];
        for (i, fragment) in packetizer.enumerate() {
            let n = fragment.write(&mut buf).expect("fits");
            let seq = u16::try_from(i).expect("few packets");
            let pushed = d.push(&buf[..n], seq, 90, fragment.marker).expect("parses");
            assert_eq!(pushed.discarded, None);
            given_up.frames += pushed.incomplete.frames;
            given_up.packets += pushed.incomplete.packets;
            if let Some(f) = pushed.frame {
                out = Some(f.data.to_vec());
            }
        }
        (out, given_up, d)
    }

    #[test]
    fn a_frame_of_exactly_max_packets_is_handed_out() {
        let limits = ReassemblyLimits {
            max_packets: 8,
            max_payload_len: 16,
        };
        let frame: Vec<u8> = (1..=8).collect();
        let (out, given_up, d) = one_octet_packets(&frame, limits);
        assert_eq!(out, Some(frame));
        assert_eq!(given_up, Incomplete::default());
        assert_eq!(d.waiting(), 0);
    }

    #[test]
    fn a_frame_over_max_packets_is_given_up_and_counted() {
        let limits = ReassemblyLimits {
            max_packets: 8,
            max_payload_len: 16,
        };
        let frame: Vec<u8> = (1..=11).collect();
        let (out, given_up, mut d) = one_octet_packets(&frame, limits);
        assert_eq!(out, None);
        // Packet 9 pushed out the first eight; packets 9 to 11 wait for nothing.
        assert_eq!(
            given_up,
            Incomplete {
                frames: 1,
                packets: 8
            }
        );
        assert_eq!(d.waiting(), 3);
        assert_eq!(
            d.flush(),
            Incomplete {
                frames: 1,
                packets: 3
            }
        );
    }

    #[test]
    fn the_default_takes_a_1080p_key_frame() {
        // 300 kB at 1200-octet payloads: 250 packets.
        let frame = vec![0x9Du8; 300_000];
        let descriptor = Vp8Descriptor::default();
        let packetizer =
            Vp8Packetizer::new(&frame, descriptor, 1200 + descriptor.encoded_len()).expect("valid");
        let packets = packetizer.remaining();
        assert_eq!(packets, 250);
        let mut d = Vp8Depacketizer::default();
        let mut buf = vec![0u8; 1300];
        let mut out = None;
        for (i, fragment) in packetizer.enumerate() {
            let n = fragment.write(&mut buf).expect("fits");
            let seq = u16::try_from(i).expect("few packets");
            if let Some(f) = d
                .push(&buf[..n], seq, 90, fragment.marker)
                .expect("parses")
                .frame
            {
                out = Some(f.data.len());
            }
        }
        assert_eq!(out, Some(frame.len()));
    }

    /// Pushes VP8 packets `(starts, octet, sequence, timestamp, marker)`, each a one-octet
    /// descriptor (S bit when `starts`, PID 0) and one octet; returns what each push
    /// handed out (the frame's octets and first and last sequence numbers) and the
    /// packets left waiting.
    fn push_vp8(packets: &[(bool, u8, u16, u32, bool)]) -> (Vec<Option<FrameSeen>>, usize) {
        let mut d = Vp8Depacketizer::default();
        let seen = packets
            .iter()
            .map(|&(starts, octet, seq, ts, marker)| {
                let payload = [if starts { 0x10 } else { 0x00 }, octet];
                let pushed = d.push(&payload, seq, ts, marker).expect("parses");
                pushed
                    .frame
                    .map(|f| (f.data.to_vec(), f.first_sequence, f.last_sequence))
            })
            .collect();
        (seen, d.waiting())
    }

    type FrameSeen = (Vec<u8>, u16, u16);

    #[test]
    fn a_frame_whose_first_packet_arrives_last_is_handed_out_then() {
        let packets = [
            (false, 2, 11, 90, false),
            (false, 3, 12, 90, true),
            (true, 1, 10, 90, false),
        ];
        let frame = Some((vec![1, 2, 3], 10, 12));
        assert_eq!(push_vp8(&packets), (vec![None, None, frame], 0));
    }

    #[test]
    fn a_packet_after_a_frame_end_does_not_join_that_frame() {
        // 10 is a whole frame on its own; 12, after a gap, ends nothing that started.
        let packets = [(true, 1, 10, 90, true), (false, 2, 12, 180, true)];
        assert_eq!(push_vp8(&packets), (vec![Some((vec![1], 10, 10)), None], 1));
    }

    #[test]
    fn a_timestamp_change_inside_a_run_is_not_one_frame() {
        let packets = [(true, 1, 10, 90, false), (false, 2, 11, 180, true)];
        assert_eq!(push_vp8(&packets), (vec![None, None], 2));
    }
}
