//! Where a video frame ends, and whether it arrived whole: the one definition of a frame's
//! span, shared by the payload reassembler
//! ([`Depacketizer`](crate::payload::reassembly::Depacketizer)) and the jitter buffer's
//! video playout.
//!
//! A frame is a run of packets with one RTP timestamp, in sequence order, from a packet
//! that starts a frame to a packet that ends one. What starts and ends a frame is the
//! caller's to say: VP8's S bit with partition 0 and the marker bit (RFC 7741 §4.5), VP9's
//! B and E bits (RFC 9628 §4.5), or, for a codec-agnostic receiver, "the previous packet
//! carried the marker bit" and the marker bit itself (RFC 3550 §5.1). The caller also says
//! which packets are present through a [`PacketSource`]: its own store, walked in sequence
//! order.
//!
//! [`frame_span`] walks forward from the packet a frame should begin at. The span takes
//! in every present packet up to and including the first that ends a frame; it stops
//! before a present packet with another timestamp or one that starts a new frame, and at
//! the newest packet the caller names. Missing packets inside the span are gaps. The frame
//! is [complete](FrameSpan::is_complete) when its first packet is present and starts a
//! frame, its last ends one, and nothing between is missing.
//!
//! The walk visits present packets only (the source skips what is missing), stores
//! nothing and cannot fail.

/// What a frame scan needs to know about one present packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketFacts {
    /// The packet's RTP timestamp, extended or not: one frame's packets carry equal values.
    pub timestamp: u64,
    /// The packet begins a frame.
    pub starts_frame: bool,
    /// The packet ends a frame.
    pub ends_frame: bool,
}

/// The present packets of one stream, by extended sequence number.
pub trait PacketSource {
    /// The first present packet numbered `from..=to`, with its number; `None` when none is.
    /// A scan asks with increasing `from`, so a source may keep a position between calls.
    fn next_packet(&mut self, from: u64, to: u64) -> Option<(u64, PacketFacts)>;
}

/// The span of a frame found by [`frame_span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSpan {
    /// Extended sequence number the frame was looked for at (its first packet, if present).
    pub start: u64,
    /// Extended sequence number of the frame's last present packet.
    pub last: u64,
    /// The frame's timestamp: its first present packet's.
    pub timestamp: u64,
    /// Present packets from `start` to `last`.
    pub present: u64,
    /// The packet at `start` is present and starts a frame.
    pub starts_frame: bool,
    /// The packet at `last` ends a frame.
    pub ends_frame: bool,
}

impl FrameSpan {
    /// Missing packets from `start` to `last`.
    pub fn missing(&self) -> u64 {
        self.last
            .saturating_sub(self.start)
            .saturating_add(1)
            .saturating_sub(self.present)
    }

    /// Whether the frame arrived whole: started, ended, nothing missing between.
    pub fn is_complete(&self) -> bool {
        self.starts_frame && self.ends_frame && self.missing() == 0
    }
}

/// The frame that begins at extended sequence number `start`, looking no further than
/// `newest`; `None` when no packet from `start` to `newest` is present. See the
/// [module](self) for the rules.
#[inline]
pub fn frame_span<S: PacketSource + ?Sized>(
    packets: &mut S,
    start: u64,
    newest: u64,
) -> Option<FrameSpan> {
    // A source that answers outside the range asked is taken to have nothing there.
    let mut next = |from: u64| {
        packets
            .next_packet(from, newest)
            .filter(|(number, _)| (from..=newest).contains(number))
    };
    let (first, facts) = next(start)?;
    let mut span = FrameSpan {
        start,
        last: first,
        timestamp: facts.timestamp,
        present: 1,
        starts_frame: first == start && facts.starts_frame,
        ends_frame: facts.ends_frame,
    };
    while !span.ends_frame {
        let Some(from) = span.last.checked_add(1) else {
            break;
        };
        match next(from) {
            Some((number, facts)) if facts.timestamp == span.timestamp && !facts.starts_frame => {
                span.last = number;
                span.present += 1;
                span.ends_frame = facts.ends_frame;
            }
            _ => break,
        }
    }
    Some(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packets by number: `(number, timestamp, starts, ends)`, sorted.
    struct Packets(Vec<(u64, u64, bool, bool)>);

    impl PacketSource for Packets {
        fn next_packet(&mut self, from: u64, to: u64) -> Option<(u64, PacketFacts)> {
            self.0
                .iter()
                .find(|p| p.0 >= from)
                .filter(|p| p.0 <= to)
                .map(|&(n, timestamp, starts_frame, ends_frame)| {
                    (
                        n,
                        PacketFacts {
                            timestamp,
                            starts_frame,
                            ends_frame,
                        },
                    )
                })
        }
    }

    /// The span from `start` to `newest` over `packets` (`(number, timestamp, starts,
    /// ends)`, sorted), as `(last, present, missing, starts_frame, ends_frame, complete)`.
    fn span(
        packets: &[(u64, u64, bool, bool)],
        start: u64,
        newest: u64,
    ) -> Option<(u64, u64, u64, bool, bool, bool)> {
        let s = frame_span(&mut Packets(packets.to_vec()), start, newest)?;
        assert_eq!(s.start, start);
        Some((
            s.last,
            s.present,
            s.missing(),
            s.starts_frame,
            s.ends_frame,
            s.is_complete(),
        ))
    }

    /// Every rule of the span over one stream: `(start, newest)` asked, span expected.
    #[test]
    fn each_rule_of_the_span() {
        let (a, b, c, d, e, f) = (90, 180, 270, 360, 450, 540);
        #[rustfmt::skip]
        let stream = [
            (10, a, true, false), (11, a, false, false), (12, a, false, true), // whole
            (13, b, true, false), (15, b, false, true), // 14 missing inside
            (17, c, false, false), (18, c, false, true), // 16, the first, missing
            (19, d, true, false), (20, d, false, false), (21, e, false, false), // no end
            (22, f, true, false), (23, f, true, true), // a second start
        ];
        let asked = [(10, 30), (13, 30), (16, 30), (19, 30), (22, 30), (10, 11)];
        let spans: Vec<_> = asked.iter().map(|&(s, n)| span(&stream, s, n)).collect();
        let (whole, gap, headless) = ((12, 3, 0), (15, 2, 1), (18, 2, 1));
        let (endless, restarted, cut) = ((20, 2, 0), (22, 1, 0), (11, 2, 0));
        let with = |(last, present, missing), starts, ends| {
            Some((
                last,
                present,
                missing,
                starts,
                ends,
                starts && ends && missing == 0,
            ))
        };
        let expected = [
            with(whole, true, true),
            with(gap, true, true),
            with(headless, false, true),
            with(endless, true, false),
            with(restarted, true, false),
            with(cut, true, false),
        ];
        assert_eq!(spans, expected);
        assert_eq!((span(&stream, 24, 30), span(&stream, 12, 11)), (None, None));
        let s = frame_span(&mut Packets(stream.to_vec()), 10, 30).expect("present");
        assert_eq!(s.timestamp, a);
        let top = u64::MAX;
        let highest = span(&[(top, a, true, false)], top, top);
        assert_eq!(highest, Some((top, 1, 0, true, false, false)));
    }

    /// A source that ignores the range it is asked for: always packet 3.
    struct Careless;

    impl PacketSource for Careless {
        fn next_packet(&mut self, _from: u64, _to: u64) -> Option<(u64, PacketFacts)> {
            Packets(vec![(3, 0, false, false)]).next_packet(0, 3)
        }
    }

    #[test]
    fn answers_outside_the_range_asked_count_as_missing() {
        assert_eq!(frame_span(&mut Careless, 5, 9), None);
        let s = frame_span(&mut Careless, 3, 9).expect("present");
        assert_eq!((s.last, s.present), (3, 1));
    }
}
