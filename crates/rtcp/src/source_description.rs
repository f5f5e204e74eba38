//! SDES: source description (RFC 3550 §6.5).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|    SC   |  PT=SDES=202  |             length            |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                          SSRC/CSRC_1                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           SDES items                          |
//! |      (type, length, text)..., a null octet, zeros to 32 bits  |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! ```

use crate::error::{Error, Result};
use crate::header::{packet_type, split};
use crate::packet::Packet;
use crate::wire::{Element, List, Writer, pad4};
use std::borrow::Cow;

/// SDES item types (RFC 3550 §6.5, IANA "RTP SDES item types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdesItemType {
    /// CNAME (1): canonical end-point identifier (§6.5.1).
    Cname,
    /// NAME (2): user name (§6.5.2).
    Name,
    /// EMAIL (3): electronic mail address (§6.5.3).
    Email,
    /// PHONE (4): phone number (§6.5.4).
    Phone,
    /// LOC (5): geographic user location (§6.5.5).
    Loc,
    /// TOOL (6): application or tool name (§6.5.6).
    Tool,
    /// NOTE (7): notice/status (§6.5.7).
    Note,
    /// PRIV (8): private extension, with a prefix (§6.5.8).
    Priv,
    /// Any other non-zero type, kept as it came.
    Other(u8),
}

impl SdesItemType {
    /// The type octet.
    pub fn code(self) -> u8 {
        match self {
            Self::Cname => 1,
            Self::Name => 2,
            Self::Email => 3,
            Self::Phone => 4,
            Self::Loc => 5,
            Self::Tool => 6,
            Self::Note => 7,
            Self::Priv => 8,
            Self::Other(c) => c,
        }
    }

    /// The type of a type octet (0, the end of a chunk's list, is `Other(0)`).
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Cname,
            2 => Self::Name,
            3 => Self::Email,
            4 => Self::Phone,
            5 => Self::Loc,
            6 => Self::Tool,
            7 => Self::Note,
            8 => Self::Priv,
            c => Self::Other(c),
        }
    }
}

/// One SDES item (RFC 3550 §6.5): type, and UTF-8 text of at most 255 octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// The item type.
    pub item_type: SdesItemType,
    /// The PRIV prefix (§6.5.8); empty for every other type.
    pub prefix: Cow<'a, [u8]>,
    /// The text (for PRIV, the value string after the prefix).
    pub text: Cow<'a, [u8]>,
}

impl<'a> SdesItem<'a> {
    /// An item of `item_type` holding `text`.
    pub fn new(item_type: SdesItemType, text: &'a str) -> Self {
        Self {
            item_type,
            prefix: Cow::Borrowed(&[]),
            text: Cow::Borrowed(text.as_bytes()),
        }
    }

    /// A CNAME item.
    pub fn cname(text: &'a str) -> Self {
        Self::new(SdesItemType::Cname, text)
    }

    /// A PRIV item with its prefix and value.
    pub fn private(prefix: &'a str, value: &'a str) -> Self {
        Self {
            item_type: SdesItemType::Priv,
            prefix: Cow::Borrowed(prefix.as_bytes()),
            text: Cow::Borrowed(value.as_bytes()),
        }
    }

    /// The text as UTF-8, if it is.
    pub fn text_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.text).ok()
    }

    #[inline]
    fn value_len(&self) -> usize {
        match self.item_type {
            SdesItemType::Priv => 1 + self.prefix.len() + self.text.len(),
            _ => self.text.len(),
        }
    }
}

/// Checks the item at the front of `bytes` and returns its type octet, its length octet and
/// the PRIV prefix length (0 for other types).
#[inline]
fn item_extent(bytes: &[u8]) -> Result<(u8, usize, usize)> {
    let (code, length) = match bytes {
        [code, length, ..] => (*code, usize::from(*length)),
        [code] => {
            return Err(Error::SdesItemPastChunk {
                item_type: *code,
                needed: 2,
                got: 1,
            });
        }
        [] => {
            return Err(Error::Truncated {
                what: "SDES item",
                needed: 2,
                got: 0,
            });
        }
    };
    if 2 + length > bytes.len() {
        return Err(Error::SdesItemPastChunk {
            item_type: code,
            needed: 2 + length,
            got: bytes.len(),
        });
    }
    if code != 8 {
        return Ok((code, length, 0));
    }
    match bytes.get(2) {
        Some(&prefix) if length >= 1 && usize::from(prefix) < length => {
            Ok((code, length, usize::from(prefix)))
        }
        Some(&prefix) if length >= 1 => Err(Error::SdesPrivPrefix {
            prefix: prefix.into(),
            length,
        }),
        _ => Err(Error::SdesPrivPrefix { prefix: 1, length }),
    }
}

impl<'a> Element<'a> for SdesItem<'a> {
    const FIXED_SIZE: Option<usize> = None;

    #[inline]
    fn decode(bytes: &'a [u8]) -> Result<(Self, usize)> {
        let (code, length, prefix) = item_extent(bytes)?;
        let item_type = SdesItemType::from_code(code);
        let value = bytes.get(2..2 + length).unwrap_or(&[]);
        let (prefix, text) = if item_type == SdesItemType::Priv {
            let rest = value.get(1..).unwrap_or(&[]);
            rest.split_at(prefix.min(rest.len()))
        } else {
            (&[][..], value)
        };
        Ok((
            Self {
                item_type,
                prefix: Cow::Borrowed(prefix),
                text: Cow::Borrowed(text),
            },
            2 + length,
        ))
    }

    #[inline]
    fn wire_size(&self) -> usize {
        2 + self.value_len()
    }

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let len = self.value_len();
        if len > 255 {
            return Err(Error::TooLong {
                what: "SDES item",
                len,
                max: 255,
            });
        }
        if self.item_type.code() == 0 {
            return Err(Error::OutOfRange {
                what: "SDES item type",
                value: 0,
            });
        }
        let mut w = Writer::new(out, 2 + len)?;
        w.u8(self.item_type.code())?;
        w.u8(len as u8)?;
        if self.item_type == SdesItemType::Priv {
            w.u8(self.prefix.len() as u8)?;
            w.put(&self.prefix)?;
        }
        w.put(&self.text)
    }
}

/// One SDES chunk: a source and its items (RFC 3550 §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SdesChunk<'a> {
    /// SSRC/CSRC the items describe.
    pub source: u32,
    /// The items, in wire order.
    pub items: List<'a, SdesItem<'a>>,
}

impl<'a> SdesChunk<'a> {
    /// The text of the first item of `item_type`, if any.
    pub fn item(&self, item_type: SdesItemType) -> Option<Cow<'a, [u8]>> {
        self.items
            .iter()
            .find(|i| i.item_type == item_type)
            .map(|i| i.text)
    }
}

impl<'a> Element<'a> for SdesChunk<'a> {
    const FIXED_SIZE: Option<usize> = None;

    #[inline]
    fn decode(bytes: &'a [u8]) -> Result<(Self, usize)> {
        let source = match bytes.get(..4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => {
                return Err(Error::Truncated {
                    what: "SDES chunk",
                    needed: 4,
                    got: bytes.len(),
                });
            }
        };
        let mut pos = 4;
        let mut count = 0;
        loop {
            match bytes.get(pos) {
                None => return Err(Error::SdesMissingTerminator { ssrc: source }),
                Some(0) => break,
                Some(_) => {
                    let rest = bytes.get(pos..).unwrap_or(&[]);
                    pos += 2 + item_extent(rest)?.1;
                    count += 1;
                }
            }
        }
        let items = List::Wire {
            bytes: bytes.get(4..pos).unwrap_or(&[]),
            count,
        };
        // The null octet, then zeros up to the next 32-bit boundary.
        let used = pad4(pos + 1);
        if used > bytes.len() {
            return Err(Error::Truncated {
                what: "SDES chunk padding",
                needed: used,
                got: bytes.len(),
            });
        }
        Ok((Self { source, items }, used))
    }

    #[inline]
    fn wire_size(&self) -> usize {
        // At least one null octet ends the list, even when the items end on a boundary.
        4 + pad4(self.items.wire_size() + 1)
    }

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let size = self.wire_size();
        let mut w = Writer::new(out, size)?;
        w.u32(self.source)?;
        w.list(&self.items)?;
        w.finish().map(drop)
    }
}

/// A source description packet (RFC 3550 §6.5): at most 31 chunks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceDescription<'a> {
    /// The chunks.
    pub chunks: List<'a, SdesChunk<'a>>,
}

impl<'a> SourceDescription<'a> {
    /// The usual SDES of a compound packet: one chunk with one CNAME.
    pub fn cname(source: u32, cname: &'a str) -> Self {
        let items = vec![SdesItem::cname(cname)].into();
        Self {
            chunks: vec![SdesChunk { source, items }].into(),
        }
    }
}

impl<'a> Packet<'a> for SourceDescription<'a> {
    #[inline]
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let (h, body) = split(packet, packet_type::SDES)?;
        let (chunks, _) = List::parse_count(body, h.count.into(), "SDES chunks")?;
        Ok(Self { chunks })
    }

    #[inline]
    fn size(&self) -> usize {
        4 + self.chunks.wire_size()
    }

    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let size = self.size();
        let mut w = Writer::packet(buf, self.chunks.len(), packet_type::SDES, size)?;
        w.list(&self.chunks)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_type() {
        let sdes = SourceDescription {
            chunks: vec![SdesChunk {
                source: 0x1020_3040,
                items: vec![
                    SdesItem::cname("a"),
                    SdesItem::new(SdesItemType::Name, "bc"),
                    SdesItem::new(SdesItemType::Email, "d"),
                    SdesItem::new(SdesItemType::Phone, "1"),
                    SdesItem::new(SdesItemType::Loc, "x"),
                    SdesItem::new(SdesItemType::Tool, "t"),
                    SdesItem::new(SdesItemType::Note, "n"),
                    SdesItem::private("p", "v"),
                ]
                .into(),
            }]
            .into(),
        };
        let bytes = sdes.to_vec().unwrap();
        assert_eq!(
            bytes,
            [
                0x81, 0xca, 0x00, 0x08, // V=2 SC=1 PT=202 length=8
                0x10, 0x20, 0x30, 0x40, // SSRC/CSRC_1
                0x01, 0x01, b'a', // CNAME "a"
                0x02, 0x02, b'b', b'c', // NAME "bc"
                0x03, 0x01, b'd', // EMAIL "d"
                0x04, 0x01, b'1', // PHONE "1"
                0x05, 0x01, b'x', // LOC "x"
                0x06, 0x01, b't', // TOOL "t"
                0x07, 0x01, b'n', // NOTE "n"
                0x08, 0x03, 0x01, b'p', b'v', // PRIV: prefix length 1, "p", value "v"
                0x00, // null item, which ends exactly on the 32-bit boundary
            ]
        );
        let parsed = SourceDescription::parse(&bytes).unwrap();
        assert_eq!(parsed, sdes);
        let chunk = parsed.chunks.iter().next().unwrap();
        assert_eq!(chunk.item(SdesItemType::Cname).as_deref(), Some(&b"a"[..]));
        let private = chunk.items.iter().last().unwrap();
        assert_eq!((&*private.prefix, &*private.text), (&b"p"[..], &b"v"[..]));
    }

    #[test]
    fn items_ending_on_a_boundary_get_a_null_word() {
        let sdes = SourceDescription::cname(1, "ab");
        assert_eq!(
            sdes.to_vec().unwrap(),
            [
                0x81, 0xca, 0x00, 0x03, // SC=1 PT=202 length=3
                0x00, 0x00, 0x00, 0x01, // SSRC
                0x01, 0x02, b'a', b'b', // CNAME "ab" ends on a boundary
                0x00, 0x00, 0x00, 0x00, // so a whole word of nulls follows
            ]
        );
    }

    #[test]
    fn malformed_chunks() {
        // CNAME length 9 runs past the chunk.
        let past = [0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, b'a', b'b'];
        assert_eq!(
            SourceDescription::parse(&past),
            Err(Error::SdesItemPastChunk {
                item_type: 1,
                needed: 11,
                got: 4
            })
        );
        // No null octet before the end.
        let unterminated = [0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x02, b'a', b'b'];
        assert_eq!(
            SourceDescription::parse(&unterminated),
            Err(Error::SdesMissingTerminator { ssrc: 1 })
        );
        // SC=2 with one chunk.
        let short = [0x82, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x01, b'a', 0];
        assert_eq!(
            SourceDescription::parse(&short),
            Err(Error::CountTooLarge {
                what: "SDES chunks",
                count: 2,
                needed: 9,
                got: 8
            })
        );
        // The packet's padding eats the chunk's own padding: the chunk ends mid-word.
        let eaten = [
            0xa1, 0xca, 0x00, 0x04, // P=1 SC=1 PT=202 length=4
            0x00, 0x00, 0x00, 0x01, // SSRC
            0x01, 0x02, b'a', b'b', // CNAME "ab"
            0x00, 0x00, 0x00, 0x00, // null item; the packet padding starts after 2 bytes
            0x00, 0x00, 0x00, 0x06, // padding count 6
        ];
        assert_eq!(
            SourceDescription::parse(&eaten),
            Err(Error::Truncated {
                what: "SDES chunk padding",
                needed: 12,
                got: 10
            })
        );
        // PRIV whose prefix length exceeds the item.
        let prefix = [0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x08, 0x01, 0x05, 0];
        assert_eq!(
            SourceDescription::parse(&prefix),
            Err(Error::SdesPrivPrefix {
                prefix: 5,
                length: 1
            })
        );
        let long = "x".repeat(256);
        assert_eq!(
            SourceDescription::cname(1, &long).to_vec(),
            Err(Error::TooLong {
                what: "SDES item",
                len: 256,
                max: 255
            })
        );
    }
}
