//! The DTLS record layer framing (RFC 6347 §4.1): content types, versions, epochs and
//! 48-bit sequence numbers, several records per datagram.

use crate::codec::{Reader, Writer};
use crate::error::Error;

/// Length of the DTLS record header: type, version, epoch, sequence_number, length.
pub const RECORD_HEADER_LEN: usize = 13;

/// The largest sequence number a record can carry (2^48 - 1, RFC 6347 §4.1).
pub const MAX_SEQUENCE_NUMBER: u64 = (1 << 48) - 1;

/// Largest plaintext fragment (2^14, RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// DTLS 1.0 on the wire (RFC 4347), the record version of OpenSSL's first ClientHello.
pub const DTLS_1_0: u16 = 0xFEFF;
/// DTLS 1.2 on the wire (RFC 6347 §4.1).
pub const DTLS_1_2: u16 = 0xFEFD;

/// The record's content type (RFC 5246 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// change_cipher_spec(20).
    ChangeCipherSpec,
    /// alert(21).
    Alert,
    /// handshake(22).
    Handshake,
    /// application_data(23).
    ApplicationData,
    /// tls12_cid(25): a DTLS 1.2 record carrying a connection ID (RFC 9146 §4); only
    /// ever the outer type of a record, never the real type inside one.
    Tls12Cid,
}

impl ContentType {
    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            ContentType::ChangeCipherSpec => 20,
            ContentType::Alert => 21,
            ContentType::Handshake => 22,
            ContentType::ApplicationData => 23,
            ContentType::Tls12Cid => crate::cid::TLS12_CID,
        }
    }

    /// The content type for a wire value.
    pub fn from_u8(v: u8) -> Result<Self, Error> {
        Ok(match v {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            crate::cid::TLS12_CID => ContentType::Tls12Cid,
            other => return Err(Error::UnknownContentType(other)),
        })
    }
}

/// The 13-byte header of a DTLS record (RFC 6347 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// What the fragment holds.
    pub content_type: ContentType,
    /// DTLS 1.2 (0xFEFD) or, on a first ClientHello, DTLS 1.0 (0xFEFF).
    pub version: u16,
    /// The cipher state the record was protected under.
    pub epoch: u16,
    /// 48-bit sequence number within the epoch.
    pub sequence_number: u64,
    /// Length of the fragment that follows.
    pub length: u16,
}

impl RecordHeader {
    /// The 8-byte `epoch || sequence_number` used as the AEAD nonce input and the MAC's
    /// seq_num (RFC 6347 §4.1.2.1).
    pub fn epoch_and_sequence(&self) -> [u8; 8] {
        epoch_and_sequence(self.epoch, self.sequence_number)
    }

    /// Appends the header's wire form.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u8(self.content_type.to_u8());
        out.put_u16(self.version);
        out.put_u16(self.epoch);
        out.put_u48(self.sequence_number);
        out.put_u16(self.length);
    }
}

/// `epoch || sequence_number` as 8 big-endian bytes.
pub fn epoch_and_sequence(epoch: u16, sequence_number: u64) -> [u8; 8] {
    ((u64::from(epoch) << 48) | (sequence_number & MAX_SEQUENCE_NUMBER)).to_be_bytes()
}

/// One record of a datagram: its header and the still-protected fragment, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The parsed header.
    pub header: RecordHeader,
    /// The connection ID of a `tls12_cid` record (RFC 9146 §4), `None` for the others.
    pub cid: Option<&'a [u8]>,
    /// The fragment (ciphertext when `header.epoch > 0`).
    pub fragment: &'a [u8],
    /// The whole record as on the wire, header included.
    pub raw: &'a [u8],
}

impl<'a> Record<'a> {
    /// Parses one record from the front of `bytes`, returning it and the rest. A
    /// `tls12_cid` record is [`Error::UnknownContentType`]: without a negotiated CID its
    /// length is unknown (see [`Record::parse_with_cid`]).
    pub fn parse(bytes: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        Self::parse_with_cid(bytes, None)
    }

    /// [`Record::parse`] for a receiver whose CIDs are `cid_len` bytes long: a
    /// `tls12_cid` record then has that many bytes of CID between its sequence number
    /// and its length (RFC 9146 §4). With `None` (no CID negotiated) or `Some(0)` (we
    /// asked for none, so the peer sends ordinary records) it is
    /// [`Error::UnknownContentType`].
    pub fn parse_with_cid(
        bytes: &'a [u8],
        cid_len: Option<usize>,
    ) -> Result<(Self, &'a [u8]), Error> {
        let mut r = Reader::new("DTLS record", bytes);
        let content_type = ContentType::from_u8(r.u8()?)?;
        let cid_len = match (content_type, cid_len) {
            (ContentType::Tls12Cid, Some(n)) if n > 0 => Some(n),
            (ContentType::Tls12Cid, _) => {
                return Err(Error::UnknownContentType(crate::cid::TLS12_CID));
            }
            _ => None,
        };
        let version = r.u16()?;
        if version != DTLS_1_2 && version != DTLS_1_0 {
            return Err(Error::UnsupportedVersion(version));
        }
        let epoch = r.u16()?;
        let sequence_number = r.u48()?;
        let cid = match cid_len {
            Some(n) => Some(r.take(n)?),
            None => None,
        };
        let length = r.u16()?;
        let fragment = r.take(usize::from(length))?;
        let rest = r.take(r.remaining())?;
        let raw = &bytes[..bytes.len() - rest.len()];
        Ok((
            Record {
                header: RecordHeader {
                    content_type,
                    version,
                    epoch,
                    sequence_number,
                    length,
                },
                cid,
                fragment,
                raw,
            },
            rest,
        ))
    }
}

/// Iterates over the records of one datagram (RFC 6347 §4.1.1: several per datagram).
///
/// After the first malformed record the iterator yields its error and stops, since the
/// record boundaries behind it are unknown.
pub fn records(datagram: &[u8]) -> Records<'_> {
    Records {
        rest: datagram,
        cid_len: None,
    }
}

/// [`records`] for a receiver whose CIDs are `cid_len` bytes long (see
/// [`Record::parse_with_cid`]).
pub fn records_with_cid(datagram: &[u8], cid_len: Option<usize>) -> Records<'_> {
    Records {
        rest: datagram,
        cid_len,
    }
}

/// The iterator returned by [`records`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
    cid_len: Option<usize>,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Record::parse_with_cid(self.rest, self.cid_len) {
            Ok((record, rest)) => {
                self.rest = rest;
                Some(Ok(record))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_records_in_one_datagram() {
        let datagram = [
            22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xAA, 0xBB, // handshake, DTLS 1.0
            20, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, // change_cipher_spec, epoch 1
        ];
        let got: Vec<_> = records(&datagram).collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].header.content_type, ContentType::Handshake);
        assert_eq!(got[0].header.version, DTLS_1_0);
        assert_eq!(got[0].header.sequence_number, 1);
        assert_eq!(got[0].fragment, &[0xAA, 0xBB]);
        assert_eq!(got[1].header.epoch, 1);
        assert_eq!(got[1].header.sequence_number, 0x100);
        assert_eq!(got[1].header.epoch_and_sequence(), [0, 1, 0, 0, 0, 0, 1, 0]);
        let mut out = Vec::new();
        got[1].header.write(&mut out);
        assert_eq!(out, datagram[15..28]);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(
            Record::parse(&[99, 0xFE, 0xFD]).unwrap_err(),
            Error::UnknownContentType(99)
        );
        assert_eq!(
            Record::parse(&[23, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            Error::UnsupportedVersion(0x0303)
        );
        assert_eq!(
            Record::parse(&[23, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1]).unwrap_err(),
            Error::Truncated {
                what: "DTLS record",
                needed: 4,
                got: 1
            }
        );
        let mut it = records(&[23, 0xFE, 0xFD, 0]);
        assert!(matches!(it.next(), Some(Err(Error::Truncated { .. }))));
        assert!(it.next().is_none());
    }

    #[test]
    fn tls12_cid_records_need_the_cid_length() {
        // tls12_cid, DTLS 1.2, epoch 1, sequence 2, CID AB CD, length 1, one byte; then
        // an ordinary record.
        let d = [
            25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 2, 0xAB, 0xCD, 0, 1, 0x99, //
            23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0,
        ];
        let got: Vec<_> = records_with_cid(&d, Some(2))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].header.content_type, ContentType::Tls12Cid);
        assert_eq!(got[0].cid, Some(&[0xAB, 0xCD][..]));
        assert_eq!(got[0].fragment, &[0x99]);
        assert_eq!(got[0].raw, &d[..16]);
        assert_eq!(got[1].cid, None);
        assert_eq!(got[1].raw, &d[16..]);
        for cid_len in [None, Some(0)] {
            assert_eq!(
                Record::parse_with_cid(&d, cid_len).unwrap_err(),
                Error::UnknownContentType(25)
            );
        }
        assert_eq!(
            Record::parse(&d).unwrap_err(),
            Error::UnknownContentType(25)
        );
        assert!(matches!(
            Record::parse_with_cid(&d[..14], Some(2)),
            Err(Error::Truncated { .. })
        ));
    }
}
