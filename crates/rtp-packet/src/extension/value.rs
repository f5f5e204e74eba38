//! The trait typed header-extension values implement.

use crate::error::Error;

/// A header-extension element with a typed value and a registered URI (the name an SDP
/// `a=extmap` line binds to a local ID, RFC 8285 §5).
pub trait ExtensionValue: Sized {
    /// The URI identifying the extension in `a=extmap`.
    const URI: &'static str;
    /// The encoded element data.
    type Bytes: AsRef<[u8]>;

    /// Decodes element data.
    fn parse(data: &[u8]) -> Result<Self, Error>;

    /// Encodes the value as element data.
    fn to_bytes(&self) -> Self::Bytes;
}

/// `data` as exactly `N` bytes, or [`Error::ExtensionValueLength`] naming the value.
pub(crate) fn exact<const N: usize>(name: &'static str, data: &[u8]) -> Result<[u8; N], Error> {
    <[u8; N]>::try_from(data).map_err(|_| Error::ExtensionValueLength {
        name,
        expected: N,
        got: data.len(),
    })
}
