//! Reading and writing big-endian fields, and lists of wire elements that are either
//! borrowed from a parsed datagram or owned by a packet being built.
//!
//! Every bounds check of the output lives in `Writer::slot`, every common header is written
//! by `Writer::packet` and every padding to 32 bits by `Writer::finish`, so a packet type
//! says only what its fields are. Fixed-size list elements implement the crate-private
//! `FixedElement` (read and write their fields) and get [`Element`] from one blanket
//! implementation; the report block keeps a hand-written one because it is on the
//! benchmarked SR path, where it reads its 24 bytes as one array.

use crate::error::{Error, Result};
use core::fmt;

/// A cursor over untrusted bytes: every read is checked and fails with
/// [`Error::Truncated`] naming the structure being read.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self {
            bytes,
            pos: 0,
            what,
        }
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.saturating_add(n);
        let out = self.bytes.get(self.pos..end).ok_or(Error::Truncated {
            what: self.what,
            needed: end,
            got: self.bytes.len(),
        })?;
        self.pos = end;
        Ok(out)
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Everything not yet read.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }
}

/// A cursor over the caller's output buffer, cut to the exact size of what is written.
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    /// Takes the first `size` bytes of `buf`, or fails with [`Error::BufferTooSmall`].
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8], size: usize) -> Result<Self> {
        let got = buf.len();
        let buf = buf
            .get_mut(..size)
            .ok_or(Error::BufferTooSmall { needed: size, got })?;
        Ok(Self { buf, pos: 0 })
    }

    /// Starts a packet of `size` bytes: takes the first `size` bytes of `buf` and writes the
    /// common RTCP header (RFC 3550 §6.4.1) with `count` in its 5-bit field.
    #[inline]
    pub(crate) fn packet(
        buf: &'b mut [u8],
        count: usize,
        packet_type: u8,
        size: usize,
    ) -> Result<Self> {
        if count > 31 {
            return Err(Error::TooMany {
                what: "RTCP header count",
                count,
                max: 31,
            });
        }
        let words = size / 4 - 1;
        let words = u16::try_from(words).map_err(|_| Error::TooLong {
            what: "RTCP packet",
            len: size,
            max: 65536 * 4,
        })?;
        let mut w = Self::new(buf, size)?;
        w.u8(0x80 | count as u8)?;
        w.u8(packet_type)?;
        w.u16(words)?;
        Ok(w)
    }

    /// The next `n` bytes of the output, marked written.
    #[inline]
    fn slot(&mut self, n: usize) -> Result<&mut [u8]> {
        let end = self.pos + n;
        let got = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall { needed: end, got })?;
        self.pos = end;
        Ok(dst)
    }

    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        if !bytes.is_empty() {
            self.slot(bytes.len())?.copy_from_slice(bytes);
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> Result<()> {
        self.put(&[v])
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn u24(&mut self, v: u32) -> Result<()> {
        let [_, a, b, c] = v.to_be_bytes();
        self.put(&[a, b, c])
    }

    #[inline]
    pub(crate) fn u32(&mut self, v: u32) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn u64(&mut self, v: u64) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn zeros(&mut self, n: usize) -> Result<()> {
        if n != 0 {
            self.slot(n)?.fill(0);
        }
        Ok(())
    }

    /// Writes every element of `list`, each into a slice of exactly its size.
    #[inline]
    pub(crate) fn list<'a, T: Element<'a>>(&mut self, list: &List<'a, T>) -> Result<()> {
        match list {
            List::Wire { bytes, .. } => self.put(bytes),
            List::Owned(items) => {
                for item in items {
                    item.encode(self.slot(item.wire_size())?)?;
                }
                Ok(())
            }
        }
    }

    #[inline]
    pub(crate) fn written(&self) -> usize {
        self.pos
    }

    /// Zero-fills what is left of the size given to [`Writer::new`] (the padding of
    /// variable-length fields to 32 bits) and returns that size.
    #[inline]
    pub(crate) fn finish(mut self) -> Result<usize> {
        self.zeros(self.buf.len() - self.pos)?;
        Ok(self.pos)
    }
}

/// One element of a list inside a packet: a report block, an SDES chunk, an XR block, a
/// NACK pair... Implemented by every repeated structure so a packet can hold its elements
/// either as validated wire bytes (parsing, no allocation) or as a `Vec` (building).
pub trait Element<'a>: Sized + Clone {
    /// The element's size when every element of the type has the same size. Lists of such
    /// elements are validated by length alone.
    const FIXED_SIZE: Option<usize>;

    /// Decodes one element from the front of `bytes`; returns it and the bytes it used.
    fn decode(bytes: &'a [u8]) -> Result<(Self, usize)>;

    /// Bytes [`Element::encode`] writes.
    fn wire_size(&self) -> usize;

    /// Writes the element into `out`, which is exactly [`Element::wire_size`] bytes long.
    fn encode(&self, out: &mut [u8]) -> Result<()>;
}

/// The elements of a list inside a packet.
///
/// Parsing produces [`List::Wire`]: the validated bytes, decoded one element at a time by
/// [`List::iter`], without allocating. Building uses [`List::Owned`] (`Vec::into`).
#[derive(Clone)]
pub enum List<'a, T> {
    /// Validated wire bytes holding `count` elements.
    Wire {
        /// The elements' bytes.
        bytes: &'a [u8],
        /// How many elements they hold.
        count: usize,
    },
    /// Elements built by the caller.
    Owned(Vec<T>),
}

impl<'a, T: Element<'a>> List<'a, T> {
    /// Validates exactly `count` elements at the front of `bytes`; returns the list and the
    /// bytes after it. `what` names the list in [`Error::CountTooLarge`].
    pub(crate) fn parse_count(
        bytes: &'a [u8],
        count: usize,
        what: &'static str,
    ) -> Result<(Self, &'a [u8])> {
        let used = match T::FIXED_SIZE {
            Some(size) => {
                let needed = size * count;
                if needed > bytes.len() {
                    return Err(Error::CountTooLarge {
                        what,
                        count,
                        needed,
                        got: bytes.len(),
                    });
                }
                needed
            }
            None => {
                let mut used = 0;
                for _ in 0..count {
                    let rest = bytes.get(used..).unwrap_or(&[]);
                    if rest.is_empty() {
                        return Err(Error::CountTooLarge {
                            what,
                            count,
                            needed: used + 1,
                            got: bytes.len(),
                        });
                    }
                    used += T::decode(rest)?.1;
                }
                used
            }
        };
        let (list, rest) = bytes.split_at(used);
        Ok((List::Wire { bytes: list, count }, rest))
    }

    /// Validates `bytes` as a whole number of elements.
    pub(crate) fn parse_all(bytes: &'a [u8], what: &'static str) -> Result<Self> {
        let count = match T::FIXED_SIZE {
            Some(size) => {
                if bytes.len() % size != 0 {
                    return Err(Error::Truncated {
                        what,
                        needed: bytes.len().div_ceil(size) * size,
                        got: bytes.len(),
                    });
                }
                bytes.len() / size
            }
            None => {
                let (mut used, mut count) = (0, 0);
                while let Some(rest) = bytes.get(used..).filter(|r| !r.is_empty()) {
                    used += T::decode(rest)?.1;
                    count += 1;
                }
                count
            }
        };
        Ok(List::Wire { bytes, count })
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            List::Wire { count, .. } => *count,
            List::Owned(v) => v.len(),
        }
    }

    /// True when the list has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the elements take on the wire.
    #[inline]
    pub fn wire_size(&self) -> usize {
        match self {
            List::Wire { bytes, .. } => bytes.len(),
            List::Owned(v) => v.iter().map(Element::wire_size).sum(),
        }
    }

    /// The elements, in wire order, by value. Decoding borrowed bytes allocates nothing;
    /// the elements of a built list are cloned (use the `Vec` of [`List::Owned`] to borrow
    /// them instead).
    #[inline]
    pub fn iter(&self) -> ListIter<'_, 'a, T> {
        match self {
            List::Wire { bytes, count } => ListIter::Wire {
                bytes,
                left: *count,
            },
            List::Owned(v) => ListIter::Owned(v.iter()),
        }
    }
}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        List::Owned(Vec::new())
    }
}

impl<T> From<Vec<T>> for List<'_, T> {
    fn from(v: Vec<T>) -> Self {
        List::Owned(v)
    }
}

impl<'a, T: Element<'a> + PartialEq + Clone> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Element<'a> + Eq + Clone> Eq for List<'a, T> {}

impl<'a, T: Element<'a> + fmt::Debug + Clone> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a [`List`]'s elements (by value: decoded from wire bytes, or cloned).
pub enum ListIter<'l, 'a, T> {
    /// Decoding validated wire bytes.
    Wire {
        /// Bytes not yet decoded.
        bytes: &'a [u8],
        /// Elements not yet decoded.
        left: usize,
    },
    /// Walking a caller-built `Vec`.
    Owned(core::slice::Iter<'l, T>),
}

impl<'a, T: Element<'a> + Clone> Iterator for ListIter<'_, 'a, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            ListIter::Wire { bytes, left } => {
                if *left == 0 {
                    return None;
                }
                // The bytes were validated when the list was parsed, so decoding succeeds.
                let (item, used) = T::decode(bytes).ok()?;
                *bytes = bytes.get(used..).unwrap_or(&[]);
                *left -= 1;
                Some(item)
            }
            ListIter::Owned(it) => it.next().cloned(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ListIter::Wire { left, .. } => (0, Some(*left)),
            ListIter::Owned(it) => it.size_hint(),
        }
    }
}

/// An element whose every instance has the same size: NACK pairs, FIR entries, DLRR
/// sub-blocks, chunks... Such a type says only how its fields are read and written; the
/// [`Element`] implementation (size, bounds, the reader naming it in errors, the zeroed
/// reserved bits at the end) is written once, here.
pub(crate) trait FixedElement: Sized + Clone {
    /// Bytes of one element.
    const SIZE: usize;
    /// What the element is called in [`Error::Truncated`].
    const WHAT: &'static str;

    /// Reads the element's fields; `r` holds at least [`FixedElement::SIZE`] bytes.
    fn read(r: &mut Reader<'_>) -> Result<Self>;

    /// Writes the element's fields; bytes left unwritten are zeroed.
    fn write(&self, w: &mut Writer<'_>) -> Result<()>;
}

impl<T: FixedElement> Element<'_> for T {
    const FIXED_SIZE: Option<usize> = Some(T::SIZE);

    #[inline]
    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let fields = bytes.get(..T::SIZE).ok_or(Error::Truncated {
            what: T::WHAT,
            needed: T::SIZE,
            got: bytes.len(),
        })?;
        Ok((T::read(&mut Reader::new(fields, T::WHAT))?, T::SIZE))
    }

    fn wire_size(&self) -> usize {
        T::SIZE
    }

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(out, T::SIZE)?;
        self.write(&mut w)?;
        w.finish().map(drop)
    }
}

/// Implements [`FixedElement`] for a record whose wire form is its integer fields in the
/// order given, big-endian, then zeros (reserved bits) up to `size` bytes: the read and
/// the write are derived from that one field list, so they cannot disagree.
macro_rules! wire_record {
    ($name:ident, $what:literal, $size:literal: $($field:ident: $ty:ident),+) => {
        impl $crate::wire::FixedElement for $name {
            const SIZE: usize = $size;
            const WHAT: &'static str = $what;

            fn read(r: &mut $crate::wire::Reader<'_>) -> $crate::error::Result<Self> {
                Ok(Self { $($field: r.$ty()?),+ })
            }

            fn write(&self, w: &mut $crate::wire::Writer<'_>) -> $crate::error::Result<()> {
                $(w.$ty(self.$field)?;)+
                Ok(())
            }
        }
    };
}
pub(crate) use wire_record;

/// A 32-bit SSRC or CSRC as a list element (BYE sources, REMB SSRC lists).
impl FixedElement for u32 {
    const SIZE: usize = 4;
    const WHAT: &'static str = "SSRC";

    #[inline]
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.u32()
    }

    #[inline]
    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(*self)
    }
}

/// `count` in the unsigned integer field `T` that carries it (REMB's Num SSRC, CCFB's
/// num_reports, transport-cc's packet status count), or [`Error::TooMany`] naming `what`.
pub(crate) fn count_field<T: TryFrom<usize>>(what: &'static str, count: usize) -> Result<T> {
    T::try_from(count).map_err(|_| Error::TooMany {
        what,
        count,
        max: usize::MAX >> (usize::BITS - 8 * size_of::<T>() as u32),
    })
}

/// Rounds `n` up to the next multiple of 4.
#[inline]
pub(crate) fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::feedback::ReceiverEstimatedMaximumBitrate;

    #[test]
    fn count_fields_name_their_maximum() {
        assert_eq!(count_field::<u8>("eight", 255), Ok(255));
        assert_eq!(
            count_field::<u8>("eight", 256),
            Err(Error::TooMany {
                what: "eight",
                count: 256,
                max: 255
            })
        );
        assert_eq!(
            count_field::<u16>("sixteen", 65536),
            Err(Error::TooMany {
                what: "sixteen",
                count: 65536,
                max: 65535
            })
        );
        let remb = ReceiverEstimatedMaximumBitrate {
            ssrcs: vec![7; 256].into(),
            ..Default::default()
        };
        assert_eq!(
            remb.to_vec(),
            Err(Error::TooMany {
                what: "REMB SSRC feedback",
                count: 256,
                max: 255
            })
        );
    }
}
