//! Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01).

use super::value::{ExtensionValue, exact};
use crate::error::Error;

/// A sequence number shared by every RTP stream on one transport, which transport-wide
/// congestion control feedback refers to: two bytes, big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransportSequenceNumber(pub u16);

impl ExtensionValue for TransportSequenceNumber {
    const URI: &'static str =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    type Bytes = [u8; 2];

    fn parse(data: &[u8]) -> Result<Self, Error> {
        exact::<2>("transport-wide sequence number", data).map(|b| Self(u16::from_be_bytes(b)))
    }

    fn to_bytes(&self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}
