//! APP: application-defined (RFC 3550 §6.7).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P| subtype |   PT=APP=204  |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           SSRC/CSRC                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                          name (ASCII)                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   application-dependent data                ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::Result;
use crate::header::{packet_type, split};
use crate::packet::Packet;
use crate::wire::{Reader, Writer, pad4};
use std::borrow::Cow;

/// An application-defined packet (RFC 3550 §6.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationDefined<'a> {
    /// subtype (5 bits).
    pub subtype: u8,
    /// SSRC/CSRC.
    pub ssrc: u32,
    /// name: four ASCII characters.
    pub name: [u8; 4],
    /// application-dependent data; written zero-padded to a multiple of 4 bytes.
    pub data: Cow<'a, [u8]>,
}

impl<'a> Packet<'a> for ApplicationDefined<'a> {
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let (h, body) = split(packet, packet_type::APP)?;
        let mut r = Reader::new(body, "APP packet");
        let ssrc = r.u32()?;
        let name = r.array()?;
        Ok(Self {
            subtype: h.count,
            ssrc,
            name,
            data: Cow::Borrowed(r.rest()),
        })
    }

    fn size(&self) -> usize {
        12 + pad4(self.data.len())
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let size = self.size();
        let mut w = Writer::packet(buf, self.subtype.into(), packet_type::APP, size)?;
        w.u32(self.ssrc)?;
        w.put(&self.name)?;
        w.put(&self.data)?;
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const APP: [u8; 16] = [
        0x83, 0xcc, 0x00, 0x03, // V=2 subtype=3 PT=204 length=3
        0x00, 0x00, 0x12, 0x34, // SSRC/CSRC
        b'T', b'E', b'S', b'T', // name
        0xde, 0xad, 0xbe, 0xef, // application-dependent data
    ];

    #[test]
    fn round_trip() {
        let app = ApplicationDefined::parse(&APP).unwrap();
        assert_eq!((app.subtype, app.ssrc, &app.name), (3, 0x1234, b"TEST"));
        assert_eq!(&*app.data, &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(app.to_vec().unwrap(), APP);
    }

    #[test]
    fn malformed() {
        assert_eq!(
            ApplicationDefined::parse(&[0x80, 0xcc, 0x00, 0x01, 0, 0, 0, 1]),
            Err(Error::Truncated {
                what: "APP packet",
                needed: 8,
                got: 4
            })
        );
        let odd = ApplicationDefined {
            data: Cow::Borrowed(&[1, 2]),
            ..Default::default()
        };
        assert_eq!(odd.to_vec().unwrap()[12..], [1, 2, 0, 0]);
        let big = ApplicationDefined {
            subtype: 32,
            ..Default::default()
        };
        assert_eq!(
            big.to_vec(),
            Err(Error::TooMany {
                what: "RTCP header count",
                count: 32,
                max: 31
            })
        );
    }
}
