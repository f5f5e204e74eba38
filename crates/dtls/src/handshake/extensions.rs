//! Hello extensions (RFC 5246 §7.4.1.4): the ones this implementation negotiates, parsed into
//! typed fields; unknown ones are skipped.

use crate::codec::{Reader, Writer};
use crate::error::Error;

/// supported_groups (RFC 8422 §5.1.1).
pub const SUPPORTED_GROUPS: u16 = 10;
/// ec_point_formats (RFC 8422 §5.1.2).
pub const EC_POINT_FORMATS: u16 = 11;
/// signature_algorithms (RFC 5246 §7.4.1.4.1).
pub const SIGNATURE_ALGORITHMS: u16 = 13;
/// use_srtp (RFC 5764 §4.1.1).
pub const USE_SRTP: u16 = 14;
/// extended_master_secret (RFC 7627 §5.1).
pub const EXTENDED_MASTER_SECRET: u16 = 23;
/// SessionTicket (RFC 5077 §3.2).
pub const SESSION_TICKET: u16 = 35;
/// renegotiation_info (RFC 5746 §3.2).
pub const RENEGOTIATION_INFO: u16 = 0xFF01;

/// Upper bound on the number of extensions in one hello. Browsers send about a dozen; the
/// cap keeps the duplicate check of a stateless server's ClientHello parse cheap.
pub const MAX_EXTENSIONS: usize = 64;

/// The use_srtp extension body (RFC 5764 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseSrtp {
    /// SRTPProtectionProfile values, in the sender's preference order.
    pub profiles: Vec<u16>,
    /// srtp_mki.
    pub mki: Vec<u8>,
}

/// The extensions of a ClientHello or ServerHello that matter to this implementation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// supported_groups, in the sender's preference order.
    pub supported_groups: Option<Vec<u16>>,
    /// ec_point_formats.
    pub ec_point_formats: Option<Vec<u8>>,
    /// signature_algorithms.
    pub signature_algorithms: Option<Vec<u16>>,
    /// use_srtp.
    pub use_srtp: Option<UseSrtp>,
    /// extended_master_secret was present.
    pub extended_master_secret: bool,
    /// SessionTicket was present (we never ask for tickets; a server's echo is ignored).
    pub session_ticket: bool,
    /// renegotiation_info's renegotiated_connection.
    pub renegotiation_info: Option<Vec<u8>>,
    /// connection_id (RFC 9146 §3): the CID the sender wants to receive.
    pub connection_id: Option<crate::cid::ConnectionId>,
}

impl Extensions {
    /// Parses the optional extensions block at the end of a hello (absent means empty).
    pub(crate) fn parse(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut ext = Extensions::default();
        if r.remaining() == 0 {
            return Ok(ext);
        }
        let block = r.vec16()?;
        let mut r = Reader::new("extensions", block);
        let mut seen: Vec<u16> = Vec::new();
        while r.remaining() > 0 {
            let ty = r.u16()?;
            let body = r.vec16()?;
            if seen.contains(&ty) {
                return Err(Error::DuplicateExtension(ty));
            }
            if seen.len() >= MAX_EXTENSIONS {
                return Err(Error::InvalidLength {
                    what: "extension count",
                    len: seen.len(),
                });
            }
            seen.push(ty);
            let mut b = Reader::new("extension", body);
            match ty {
                SUPPORTED_GROUPS => ext.supported_groups = Some(b.u16_list(true)?),
                EC_POINT_FORMATS => ext.ec_point_formats = Some(b.vec8()?.to_vec()),
                SIGNATURE_ALGORITHMS => ext.signature_algorithms = Some(b.u16_list(true)?),
                USE_SRTP => {
                    let profiles = b.u16_list(true)?;
                    let mki = b.vec8()?.to_vec();
                    ext.use_srtp = Some(UseSrtp { profiles, mki });
                }
                EXTENDED_MASTER_SECRET => ext.extended_master_secret = true,
                SESSION_TICKET => {
                    ext.session_ticket = true;
                    b.take(b.remaining())?;
                }
                RENEGOTIATION_INFO => ext.renegotiation_info = Some(b.vec8()?.to_vec()),
                crate::cid::CONNECTION_ID_EXTENSION => {
                    let body = b.take(b.remaining())?;
                    ext.connection_id = Some(crate::cid::ConnectionId::parse_extension(body)?);
                }
                _ => {
                    b.take(b.remaining())?;
                }
            }
            b.finish()?;
        }
        Ok(ext)
    }

    /// Appends the extensions block; nothing when no extension is set.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut body = Vec::new();
        if let Some(ri) = &self.renegotiation_info {
            put_extension(&mut body, RENEGOTIATION_INFO, |w| w.put_vec(1, ri));
        }
        if let Some(groups) = &self.supported_groups {
            put_extension(&mut body, SUPPORTED_GROUPS, |w| put_u16_list(w, groups));
        }
        if let Some(formats) = &self.ec_point_formats {
            put_extension(&mut body, EC_POINT_FORMATS, |w| w.put_vec(1, formats));
        }
        if let Some(algs) = &self.signature_algorithms {
            put_extension(&mut body, SIGNATURE_ALGORITHMS, |w| put_u16_list(w, algs));
        }
        if let Some(srtp) = &self.use_srtp {
            put_extension(&mut body, USE_SRTP, |w| {
                put_u16_list(w, &srtp.profiles);
                w.put_vec(1, &srtp.mki);
            });
        }
        if self.extended_master_secret {
            put_extension(&mut body, EXTENDED_MASTER_SECRET, |_| {});
        }
        if self.session_ticket {
            put_extension(&mut body, SESSION_TICKET, |_| {});
        }
        if let Some(cid) = &self.connection_id {
            put_extension(&mut body, crate::cid::CONNECTION_ID_EXTENSION, |w| {
                w.extend_from_slice(&cid.extension_body())
            });
        }
        if !body.is_empty() {
            out.put_vec(2, &body);
        }
    }
}

/// One extension (RFC 5246 §7.4.1.4): its type, then what `data` writes behind a 16-bit
/// length.
fn put_extension(out: &mut Vec<u8>, extension_type: u16, data: impl FnOnce(&mut Vec<u8>)) {
    out.put_u16(extension_type);
    out.put_nested(2, data);
}

/// A list of 16-bit values behind a 16-bit length in bytes (named groups, signature
/// schemes, SRTP profiles).
fn put_u16_list(out: &mut Vec<u8>, values: &[u16]) {
    out.put_nested(2, |w| values.iter().for_each(|v| w.put_u16(*v)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_unknown_extension_skipped() {
        let ext = Extensions {
            supported_groups: Some(vec![29, 23]),
            ec_point_formats: Some(vec![0]),
            signature_algorithms: Some(vec![0x0403]),
            use_srtp: Some(UseSrtp {
                profiles: vec![7, 1],
                mki: vec![],
            }),
            extended_master_secret: true,
            session_ticket: false,
            renegotiation_info: Some(vec![]),
            connection_id: Some(crate::cid::ConnectionId::new([0xC1, 0xD2]).unwrap()),
        };
        let mut out = Vec::new();
        ext.write(&mut out);
        assert_eq!(
            out,
            [
                0, 51, // extensions length
                0xFF, 0x01, 0, 1, 0, // renegotiation_info, empty
                0, 10, 0, 6, 0, 4, 0, 29, 0, 23, // supported_groups x25519, secp256r1
                0, 11, 0, 2, 1, 0, // ec_point_formats uncompressed
                0, 13, 0, 4, 0, 2, 4, 3, // signature_algorithms ecdsa_secp256r1_sha256
                0, 14, 0, 7, 0, 4, 0, 7, 0, 1, 0, // use_srtp AEAD_AES_128_GCM, AES128_CM_80
                0, 23, 0, 0, // extended_master_secret
                0, 54, 0, 3, 2, 0xC1, 0xD2, // connection_id, CID C1 D2
            ]
        );
        // Append an unknown extension (0x1234) and fix up the block length.
        out.extend_from_slice(&[0x12, 0x34, 0, 2, 9, 9]);
        out[1] += 6;
        let mut r = Reader::new("t", &out);
        assert_eq!(Extensions::parse(&mut r).unwrap(), ext);
        r.finish().unwrap();
    }

    #[test]
    fn rejects_duplicates_and_bad_bodies() {
        let dup = [0, 8, 0, 23, 0, 0, 0, 23, 0, 0];
        assert_eq!(
            Extensions::parse(&mut Reader::new("t", &dup)),
            Err(Error::DuplicateExtension(23))
        );
        let long_ems = [0, 5, 0, 23, 0, 1, 0];
        assert_eq!(
            Extensions::parse(&mut Reader::new("t", &long_ems)),
            Err(Error::TrailingBytes {
                what: "extension",
                extra: 1
            })
        );
        let odd_groups = [0, 7, 0, 10, 0, 3, 0, 1, 29];
        assert_eq!(
            Extensions::parse(&mut Reader::new("t", &odd_groups)),
            Err(Error::InvalidLength {
                what: "extension",
                len: 1
            })
        );
    }
}
