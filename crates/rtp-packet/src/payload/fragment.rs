//! Splitting a video frame into RTP payloads that fit an MTU, shared by the VP8 and VP9
//! packetizers (RFC 7741 §4.4, RFC 9628 §4.4 leave the split to the sender).
//!
//! The split uses the fewest packets possible and then makes their sizes as even as it
//! can, so a frame does not end with a tiny last packet.
//!
//! [`Packetizer`] is generic over the descriptor: the split, the iteration and the marker
//! bit are the same for both formats, and the descriptor says the one thing that differs,
//! which flags a first or last fragment carries ([`PayloadDescriptor::for_fragment`]).
//! `Vp8Packetizer` and `Vp9Packetizer` are aliases with their format's constructor.

use core::ops::Range;

use super::PayloadError;
use super::wire::Writer;

mod sealed {
    /// What only this crate's descriptors can do: write their fields once the room and
    /// the values have been checked. It seals [`super::PayloadDescriptor`].
    pub trait WriteFields {
        /// Writes every field, in wire order, into room already checked to be
        /// `encoded_len()` octets.
        fn write_fields(&self, writer: &mut super::Writer<'_>);
    }
}

pub(crate) use sealed::WriteFields;

/// A video payload descriptor that goes in front of each fragment of a frame: the VP8
/// (RFC 7741 §4.2) and VP9 (RFC 9628 §4.2) descriptors.
pub trait PayloadDescriptor: WriteFields {
    /// Octets the descriptor takes on the wire.
    fn encoded_len(&self) -> usize;
    /// Checks that every field fits its width.
    fn validate(&self) -> Result<(), PayloadError>;
    /// Writes the descriptor at the start of `out`, returning its length (RFC 7741 §4.2,
    /// RFC 9628 §4.2). Fails, writing nothing, for a field out of range or a buffer too
    /// small.
    fn write(&self, out: &mut [u8]) -> Result<usize, PayloadError> {
        self.validate()?;
        let mut writer = Writer::new(out, self.encoded_len())?;
        self.write_fields(&mut writer);
        Ok(writer.position())
    }
    /// This descriptor as sent in front of a frame's `first` and/or `last` fragment: the
    /// frame-boundary flags set, and fields meant for the first payload only (VP9's
    /// scalability structure) kept only there.
    fn for_fragment(&self, first: bool, last: bool) -> Self
    where
        Self: Sized;
}

/// Splits one video frame into RTP payloads of at most an MTU, without allocating: an
/// iterator of [`Fragment`]s borrowing the frame. [`Vp8Packetizer`](super::vp8::Vp8Packetizer)
/// and [`Vp9Packetizer`](super::vp9::Vp9Packetizer) are this type for each format; the
/// descriptor decides the per-fragment flags ([`PayloadDescriptor::for_fragment`]).
#[derive(Debug, Clone)]
pub struct Packetizer<'a, D> {
    frame: &'a [u8],
    descriptor: D,
    /// Whether the last fragment carries the marker bit (always for VP8; for VP9 when the
    /// frame ends its picture).
    marker_on_last: bool,
    chunks: Chunks,
}

impl<'a, D: PayloadDescriptor + Copy> Packetizer<'a, D> {
    /// Plans the fragments of `frame`, each RTP payload (descriptor included) at most
    /// `mtu` octets.
    pub(crate) fn plan(
        frame: &'a [u8],
        descriptor: D,
        marker_on_last: bool,
        mtu: usize,
    ) -> Result<Self, PayloadError> {
        descriptor.validate()?;
        let plan = ChunkPlan::new(
            frame.len(),
            mtu,
            descriptor.for_fragment(true, false).encoded_len(),
            descriptor.for_fragment(false, false).encoded_len(),
        )?;
        Ok(Self {
            frame,
            descriptor,
            marker_on_last,
            chunks: Chunks::new(plan),
        })
    }

    /// Number of payloads still to come.
    pub fn remaining(&self) -> usize {
        self.chunks.remaining()
    }
}

impl<'a, D: PayloadDescriptor + Copy> Iterator for Packetizer<'a, D> {
    type Item = Fragment<'a, D>;

    fn next(&mut self) -> Option<Self::Item> {
        let (range, first, last) = self.chunks.next()?;
        Some(Fragment {
            descriptor: self.descriptor.for_fragment(first, last),
            data: self.frame.get(range)?,
            marker: last && self.marker_on_last,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl<D: PayloadDescriptor + Copy> ExactSizeIterator for Packetizer<'_, D> {}

/// One RTP payload of a packetized frame: a descriptor and the part of the frame it
/// carries, borrowed from the frame. See [`Vp8Fragment`](super::vp8::Vp8Fragment) and
/// [`Vp9Fragment`](super::vp9::Vp9Fragment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a, D> {
    /// The descriptor to send before `data`.
    pub descriptor: D,
    /// This payload's part of the frame.
    pub data: &'a [u8],
    /// The RTP marker bit: set on the last packet of the frame (VP8, RFC 7741 §4.1) or
    /// of the picture (VP9, RFC 9628 §4.1).
    pub marker: bool,
}

impl<D: PayloadDescriptor> Fragment<'_, D> {
    /// Length of the RTP payload: descriptor and data.
    pub fn len(&self) -> usize {
        self.descriptor.encoded_len() + self.data.len()
    }

    /// Whether the payload is empty; never true for a packetizer's fragments.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the RTP payload (descriptor then data) at the start of `out`, returning its
    /// length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, PayloadError> {
        let needed = self.len();
        if out.len() < needed {
            // An invalid descriptor is the error to report, whatever the buffer.
            self.descriptor.validate()?;
            return Err(PayloadError::BufferTooSmall {
                needed,
                got: out.len(),
            });
        }
        let header = self.descriptor.write(out)?;
        let end = header + self.data.len();
        let got = out.len();
        out.get_mut(header..end)
            .ok_or(PayloadError::BufferTooSmall { needed: end, got })?
            .copy_from_slice(self.data);
        Ok(end)
    }
}

/// The sizes of the chunks a frame is split into (also H.264's FU-A split).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkPlan {
    count: usize,
    first: usize,
    rest_base: usize,
    rest_extra: usize,
}

impl ChunkPlan {
    /// Plans the split of a frame of `len` octets into payloads of at most `mtu` octets,
    /// where the first payload's descriptor takes `first_header` octets and every other
    /// payload's descriptor `rest_header`.
    pub(crate) fn new(
        len: usize,
        mtu: usize,
        first_header: usize,
        rest_header: usize,
    ) -> Result<Self, PayloadError> {
        if len == 0 {
            return Err(PayloadError::EmptyFrame);
        }
        let needed = first_header.max(rest_header) + 1;
        let (Some(first_room @ 1..), Some(rest_room @ 1..)) =
            (mtu.checked_sub(first_header), mtu.checked_sub(rest_header))
        else {
            return Err(PayloadError::MtuTooSmall { mtu, needed });
        };
        if len <= first_room {
            return Ok(Self {
                count: 1,
                first: len,
                rest_base: 0,
                rest_extra: 0,
            });
        }
        let count = 1 + (len - first_room).div_ceil(rest_room);
        let first = len
            .div_ceil(count)
            .min(first_room)
            .max(len.saturating_sub((count - 1) * rest_room));
        let remaining = len - first;
        Ok(Self {
            count,
            first,
            rest_base: remaining / (count - 1),
            rest_extra: remaining % (count - 1),
        })
    }

    /// Size of chunk `index` (0-based); the first `rest_extra` chunks after the first get
    /// one more octet.
    fn size(&self, index: usize) -> usize {
        match index {
            0 => self.first,
            i if i <= self.rest_extra => self.rest_base + 1,
            _ => self.rest_base,
        }
    }
}

/// Walks a [`ChunkPlan`], yielding each chunk's range in the frame.
#[derive(Debug, Clone)]
pub(crate) struct Chunks {
    plan: ChunkPlan,
    index: usize,
    offset: usize,
}

impl Chunks {
    pub(crate) fn new(plan: ChunkPlan) -> Self {
        Self {
            plan,
            index: 0,
            offset: 0,
        }
    }

    /// Chunks not yielded yet.
    pub(crate) fn remaining(&self) -> usize {
        self.plan.count - self.index
    }
}

impl Iterator for Chunks {
    /// The chunk's range in the frame, and whether it is the first and the last chunk.
    type Item = (Range<usize>, bool, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.index >= self.plan.count {
            return None;
        }
        let start = self.offset;
        let end = start + self.plan.size(self.index);
        let first = self.index == 0;
        self.index += 1;
        self.offset = end;
        Some((start..end, first, self.index == self.plan.count))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunk sizes for an MTU of 100 and descriptors leaving `first` and `rest` octets.
    fn sizes(len: usize, first: usize, rest: usize) -> Vec<usize> {
        let plan = ChunkPlan::new(len, 100, 100 - first, 100 - rest).unwrap();
        let expected = Chunks::new(plan).remaining();
        let chunks: Vec<_> = Chunks::new(plan).collect();
        assert_eq!(chunks.len(), expected);
        assert_eq!(chunks.last().unwrap().0.end, len);
        chunks.iter().map(|(r, _, _)| r.len()).collect()
    }

    #[test]
    fn splits_into_fewest_even_chunks() {
        assert_eq!(sizes(10, 10, 10), [10]);
        assert_eq!(sizes(11, 10, 10), [6, 5]);
        assert_eq!(sizes(21, 10, 10), [7, 7, 7]);
        assert_eq!(sizes(22, 10, 10), [8, 7, 7]);
        // A large first room does not leave later chunks over their room.
        assert_eq!(sizes(30, 20, 5), [20, 5, 5]);
        // A small first room (a descriptor with a scalability structure).
        assert_eq!(sizes(30, 2, 10), [2, 10, 9, 9]);
        assert_eq!(sizes(5, 1, 1), [1, 1, 1, 1, 1]);
    }

    #[test]
    fn rejects_empty_frames_and_no_room() {
        assert_eq!(ChunkPlan::new(0, 10, 1, 1), Err(PayloadError::EmptyFrame));
        let too_small = Err(PayloadError::MtuTooSmall { mtu: 4, needed: 5 });
        assert_eq!(ChunkPlan::new(5, 4, 4, 1), too_small);
        assert_eq!(ChunkPlan::new(5, 4, 1, 4), too_small);
        assert_eq!(
            ChunkPlan::new(5, 4, 9, 1),
            Err(PayloadError::MtuTooSmall { mtu: 4, needed: 10 })
        );
    }
}
