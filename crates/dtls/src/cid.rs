//! Connection IDs (RFC 9146 for DTLS 1.2, RFC 9147 §9 for DTLS 1.3): the identifier a
//! receiver asks its peer to put in every protected record, so that records can be matched
//! to their association by something other than the source address (which a NAT rebinding
//! or a mobile handover changes).
//!
//! **Negotiation.** Each side names, in its hello's `connection_id` extension (codepoint
//! 54), the CID it wants to *receive*; the peer then writes that CID into the records it
//! sends. A zero-length CID means "I will put your CID into what I send, but I want none in
//! what you send me". Only when both hellos carry the extension is anything negotiated; a
//! server that does not answer the extension turns CIDs off for both directions. Once
//! negotiated, DTLS 1.2 records from epoch 1 on that carry a non-empty CID use content type
//! `tls12_cid` (25), the CID after the sequence number, a `DTLSInnerPlaintext` (content,
//! real type, zero padding) and RFC 9146 §5's additional data (the `seq_num_placeholder`
//! construction); DTLS 1.3 records from epoch 2 on set the unified header's C bit and
//! carry the CID after the first byte, where the AEAD's additional data (the header)
//! covers it. A sender whose peer asked for a zero-length CID writes ordinary records.
//!
//! **Why off by default** ([`crate::Config::connection_id`] is `None`). A CID helps only an
//! endpoint whose front end routes datagrams by it; WebRTC pins one 5-tuple per ICE pair
//! and re-handshakes nothing on a path change, so a CID there would add bytes to every
//! record and a field the peer can observe for linking, for nothing. An owner that
//! demultiplexes many peers on one socket (a server behind NATs, a constrained client that
//! sleeps through rebindings) turns it on and routes with [`connection_id`]; it must then
//! give every association the same CID length, because a receiver reads a CID of a
//! length only it knows (the record carries no length for it).
//!
//! **Not spoken.** DTLS 1.3's NewConnectionId and RequestConnectionId (RFC 9147 §9) are
//! parsed; with CIDs negotiated they are acknowledged and otherwise ignored (we keep
//! using the CIDs of the handshake, which RFC 9147 allows: answering a request is a
//! SHOULD), without CIDs they end the association with unexpected_message. A peer's
//! address change is the owner's to act on: see [`connection_id`] and RFC 9146 §6.

use crate::error::Error;

/// The `connection_id` extension's codepoint (RFC 9146 §3).
pub const CONNECTION_ID_EXTENSION: u16 = 54;

/// The `tls12_cid` content type of a DTLS 1.2 record carrying a CID (RFC 9146 §4).
pub const TLS12_CID: u8 = 25;

/// The longest connection ID (RFC 9146 §3: `opaque cid<0..2^8-1>`).
pub const MAX_CONNECTION_ID_LEN: usize = 255;

/// A connection ID of 0 to [`MAX_CONNECTION_ID_LEN`] bytes: the one we ask the peer to
/// put in the records it sends us (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ConnectionId(Vec<u8>);

impl ConnectionId {
    /// A connection ID of these bytes; longer than 255 bytes is
    /// [`Error::InvalidLength`]. Empty means "I send CIDs but want none".
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let bytes = bytes.into();
        if bytes.len() > MAX_CONNECTION_ID_LEN {
            return Err(Error::InvalidLength {
                what: "connection ID",
                len: bytes.len(),
            });
        }
        Ok(ConnectionId(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the zero-length CID.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The extension body: `opaque cid<0..2^8-1>`.
    pub(crate) fn extension_body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(1 + self.0.len());
        b.push(self.0.len() as u8);
        b.extend_from_slice(&self.0);
        b
    }

    /// Parses an extension body: a one-byte length and exactly that many bytes.
    pub(crate) fn parse_extension(body: &[u8]) -> Result<Self, Error> {
        let mut r = crate::codec::Reader::new("connection_id", body);
        let cid = r.vec8()?.to_vec();
        r.finish()?;
        Ok(ConnectionId(cid))
    }
}

/// The connection IDs of an association once both hellos carried the extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NegotiatedCids {
    /// What the peer puts in the records it sends us (we asked for it).
    pub(crate) local: ConnectionId,
    /// What we put in the records we send (the peer asked for it).
    pub(crate) peer: ConnectionId,
}

impl NegotiatedCids {
    /// Settles the CIDs from what we offered and what the peer's hello carried: both, or
    /// nothing.
    pub(crate) fn settle(
        ours: Option<&ConnectionId>,
        theirs: Option<ConnectionId>,
    ) -> Option<NegotiatedCids> {
        Some(NegotiatedCids {
            local: ours?.clone(),
            peer: theirs?,
        })
    }
}

/// The connection ID in the first record of `datagram` that carries one, for a front end
/// that routes datagrams to associations: `cid_len` is the length of the CIDs this
/// endpoint asked its peers for (a receiver must know it: nothing on the wire says how
/// long a CID is, so a server demultiplexing by CID gives all its associations CIDs of
/// one fixed length). Reads DTLS 1.2 `tls12_cid` records (content type 25, CID after the
/// 48-bit sequence number) and DTLS 1.3 unified headers with the C bit (CID after the
/// first byte); skips other records; `None` when no record carries a CID or the datagram
/// is cut short. The CID is not authenticated until the record opens.
///
/// RFC 9146 §6: a record carrying our CID from a new source address may move the peer's
/// address only once it authenticated ([`crate::Connection::handle_datagram`] returned
/// [`crate::Received::Processed`]) and it is newer than every record seen before; an owner
/// that updates the address must check both, or an attacker replaying an old record from
/// its own address diverts the media.
pub fn connection_id(datagram: &[u8], cid_len: usize) -> Option<&[u8]> {
    let mut d = datagram;
    while let Some(&first) = d.first() {
        if crate::v13::record::is_unified(first) {
            let h = crate::v13::record::parse_unified_header_with_cid(d, cid_len).ok()?;
            if first & crate::v13::record::CID_BIT != 0 {
                return d.get(1..1 + cid_len);
            }
            d = d.get(h.header_len + h.record_len..)?;
        } else {
            let rec = crate::record::Record::parse_with_cid(d, Some(cid_len)).ok()?;
            if let Some(cid) = rec.0.cid {
                return Some(cid);
            }
            d = rec.1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_extension_body() {
        assert!(ConnectionId::new(vec![0; 255]).is_ok());
        assert_eq!(
            ConnectionId::new(vec![0; 256]),
            Err(Error::InvalidLength {
                what: "connection ID",
                len: 256
            })
        );
        let cid = ConnectionId::new([0xAB, 0xCD]).unwrap();
        assert_eq!(cid.extension_body(), [2, 0xAB, 0xCD]);
        assert_eq!(
            ConnectionId::parse_extension(&[2, 0xAB, 0xCD]).unwrap(),
            cid
        );
        assert_eq!(
            ConnectionId::parse_extension(&[0]).unwrap(),
            ConnectionId::default()
        );
        assert!(ConnectionId::parse_extension(&[]).is_err());
        assert!(ConnectionId::parse_extension(&[3, 1, 2]).is_err());
        assert!(ConnectionId::parse_extension(&[1, 1, 2]).is_err());
    }

    #[test]
    fn settles_only_when_both_sent_it() {
        let a = ConnectionId::new([1]).unwrap();
        assert_eq!(NegotiatedCids::settle(Some(&a), None), None);
        assert_eq!(NegotiatedCids::settle(None, Some(a.clone())), None);
        assert_eq!(
            NegotiatedCids::settle(Some(&a), Some(ConnectionId::default())),
            Some(NegotiatedCids {
                local: a,
                peer: ConnectionId::default()
            })
        );
    }

    #[test]
    fn finds_the_cid_of_either_version() {
        // A DTLS 1.2 handshake record (no CID), then a tls12_cid record with CID 0xC1 0xC2.
        let d12 = [
            22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0xAA, // handshake
            25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 2, 0xC1, 0xC2, 0, 1, 0xBB,
        ];
        assert_eq!(connection_id(&d12, 2), Some(&[0xC1, 0xC2][..]));
        assert_eq!(connection_id(&d12[..14], 2), None);
        assert_eq!(connection_id(&d12[..27], 2), None, "cut short");
        // DTLS 1.3: 001 C=1 S=1 L=1 EE=11, CID 0x07, sequence, length 1, one byte.
        let d13 = [0b0011_1111, 0x07, 0, 5, 0, 1, 0xEE];
        assert_eq!(connection_id(&d13, 1), Some(&[0x07][..]));
        // Without the C bit: no CID.
        assert_eq!(connection_id(&[0b0010_1111, 0, 5, 0, 1, 0xEE], 1), None);
        assert_eq!(connection_id(&[], 4), None);
    }
}
