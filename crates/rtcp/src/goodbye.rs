//! BYE: goodbye (RFC 3550 §6.6).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|    SC   |   PT=BYE=203  |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           SSRC/CSRC (SC of them)              |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |     length    |               reason for leaving            ... (opt)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::{Error, Result};
use crate::header::{packet_type, split};
use crate::packet::Packet;
use crate::wire::{List, Writer, pad4};
use std::borrow::Cow;

/// A goodbye packet (RFC 3550 §6.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goodbye<'a> {
    /// The sources leaving, at most 31.
    pub sources: List<'a, u32>,
    /// reason for leaving: UTF-8 text of at most 255 octets, when present.
    pub reason: Option<Cow<'a, [u8]>>,
}

impl<'a> Packet<'a> for Goodbye<'a> {
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let (h, body) = split(packet, packet_type::BYE)?;
        let (sources, rest) = List::parse_count(body, h.count.into(), "BYE sources")?;
        let reason = match rest.split_first() {
            None => None,
            Some((&length, text)) => {
                let length = usize::from(length);
                let text = text.get(..length).ok_or(Error::ByeReasonPastEnd {
                    length,
                    got: text.len(),
                })?;
                Some(Cow::Borrowed(text))
            }
        };
        Ok(Self { sources, reason })
    }

    fn size(&self) -> usize {
        let reason = self.reason.as_ref().map_or(0, |r| pad4(1 + r.len()));
        4 + self.sources.wire_size() + reason
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let size = self.size();
        let mut w = Writer::packet(buf, self.sources.len(), packet_type::BYE, size)?;
        w.list(&self.sources)?;
        if let Some(reason) = &self.reason {
            let len = reason.len();
            let length = u8::try_from(len).map_err(|_| Error::TooLong {
                what: "BYE reason",
                len,
                max: 255,
            })?;
            w.u8(length)?;
            w.put(reason)?;
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYE: [u8; 20] = [
        0x82, 0xcb, 0x00, 0x04, // V=2 SC=2 PT=203 length=4
        0x90, 0x2f, 0x9e, 0x2e, // SSRC
        0xbc, 0x5e, 0x9a, 0x40, // CSRC
        0x05, b'c', b'l', b'o', // reason length 5, "clo
        b's', b'e', 0x00, 0x00, // se", zeros to the 32-bit boundary
    ];

    #[test]
    fn with_reason() {
        let bye = Goodbye::parse(&BYE).unwrap();
        assert_eq!(
            bye.sources.iter().collect::<Vec<_>>(),
            [0x902f_9e2e, 0xbc5e_9a40]
        );
        assert_eq!(bye.reason.as_deref(), Some(&b"close"[..]));
        assert_eq!(bye.to_vec().unwrap(), BYE);
    }

    #[test]
    fn without_reason() {
        let bye = Goodbye {
            sources: vec![7].into(),
            reason: None,
        };
        let bytes = bye.to_vec().unwrap();
        assert_eq!(bytes, [0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 7]);
        assert_eq!(Goodbye::parse(&bytes).unwrap(), bye);
    }

    #[test]
    fn reason_past_end() {
        let mut bad = BYE;
        bad[12] = 9;
        assert_eq!(
            Goodbye::parse(&bad),
            Err(Error::ByeReasonPastEnd { length: 9, got: 7 })
        );
        bad[0] = 0x86;
        assert_eq!(
            Goodbye::parse(&bad),
            Err(Error::CountTooLarge {
                what: "BYE sources",
                count: 6,
                needed: 24,
                got: 16
            })
        );
    }
}
