//! Alerts (RFC 5246 §7.2, as carried by DTLS 1.2).

use crate::codec::Reader;
use crate::error::Error;

/// The level byte of an alert (RFC 5246 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    /// warning(1).
    Warning,
    /// fatal(2).
    Fatal,
}

macro_rules! alert_descriptions {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        /// The description byte of an alert (RFC 5246 §7.2, RFC 5746 for no_renegotiation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AlertDescription {
            $($(#[$doc])* $name,)*
            /// A value this implementation does not name.
            Unknown(u8),
        }

        impl AlertDescription {
            /// The wire value.
            pub fn to_u8(self) -> u8 {
                match self {
                    $(AlertDescription::$name => $value,)*
                    AlertDescription::Unknown(v) => v,
                }
            }

            /// The description for a wire value.
            pub fn from_u8(v: u8) -> Self {
                match v {
                    $($value => AlertDescription::$name,)*
                    other => AlertDescription::Unknown(other),
                }
            }
        }
    };
}

alert_descriptions! {
    /// close_notify(0).
    CloseNotify = 0,
    /// unexpected_message(10).
    UnexpectedMessage = 10,
    /// bad_record_mac(20).
    BadRecordMac = 20,
    /// record_overflow(22).
    RecordOverflow = 22,
    /// handshake_failure(40).
    HandshakeFailure = 40,
    /// bad_certificate(42).
    BadCertificate = 42,
    /// unsupported_certificate(43).
    UnsupportedCertificate = 43,
    /// certificate_revoked(44).
    CertificateRevoked = 44,
    /// certificate_expired(45).
    CertificateExpired = 45,
    /// certificate_unknown(46).
    CertificateUnknown = 46,
    /// illegal_parameter(47).
    IllegalParameter = 47,
    /// unknown_ca(48).
    UnknownCa = 48,
    /// access_denied(49).
    AccessDenied = 49,
    /// decode_error(50).
    DecodeError = 50,
    /// decrypt_error(51).
    DecryptError = 51,
    /// protocol_version(70).
    ProtocolVersion = 70,
    /// insufficient_security(71).
    InsufficientSecurity = 71,
    /// internal_error(80).
    InternalError = 80,
    /// user_canceled(90).
    UserCanceled = 90,
    /// no_renegotiation(100).
    NoRenegotiation = 100,
    /// unsupported_extension(110).
    UnsupportedExtension = 110,
}

/// One alert message: level and description (RFC 5246 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// Warning or fatal.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// Parses the two bytes of an alert record's plaintext.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new("Alert", bytes);
        let level = match r.u8()? {
            1 => AlertLevel::Warning,
            2 => AlertLevel::Fatal,
            _ => return Err(Error::IllegalParameter("alert level")),
        };
        let description = AlertDescription::from_u8(r.u8()?);
        r.finish()?;
        Ok(Alert { level, description })
    }

    /// The two wire bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        let level = match self.level {
            AlertLevel::Warning => 1,
            AlertLevel::Fatal => 2,
        };
        [level, self.description.to_u8()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let a = Alert::parse(&[2, 40]).unwrap();
        assert_eq!(a.level, AlertLevel::Fatal);
        assert_eq!(a.description, AlertDescription::HandshakeFailure);
        assert_eq!(a.to_bytes(), [2, 40]);
        assert_eq!(
            Alert::parse(&[1, 0]).unwrap().description,
            AlertDescription::CloseNotify
        );
        assert_eq!(
            Alert::parse(&[2]),
            Err(Error::Truncated {
                what: "Alert",
                needed: 1,
                got: 0
            })
        );
        assert_eq!(
            Alert::parse(&[3, 0]),
            Err(Error::IllegalParameter("alert level"))
        );
        assert_eq!(
            Alert::parse(&[1, 0, 0]),
            Err(Error::TrailingBytes {
                what: "Alert",
                extra: 1
            })
        );
    }
}
