//! Bounds-checked reading and length-prefixed writing of TLS presentation-language
//! structures (RFC 5246 §4).

use crate::error::Error;

/// A cursor over untrusted bytes; every read checks the remaining length.
pub(crate) struct Reader<'a> {
    what: &'static str,
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, naming `what` in its errors.
    pub(crate) fn new(what: &'static str, buf: &'a [u8]) -> Self {
        Reader { what, buf }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.buf.len() < n {
            return Err(Error::Truncated {
                what: self.what,
                needed: n,
                got: self.buf.len(),
            });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Takes a fixed-size array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u24(&mut self) -> Result<u32, Error> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    pub(crate) fn u48(&mut self) -> Result<u64, Error> {
        let [a, b, c, d, e, f] = self.array()?;
        Ok(u64::from_be_bytes([0, 0, a, b, c, d, e, f]))
    }

    /// A vector with a one-byte length prefix.
    pub(crate) fn vec8(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    /// A vector with a two-byte length prefix.
    pub(crate) fn vec16(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// A vector with a three-byte length prefix.
    pub(crate) fn vec24(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u24()?;
        self.take(n as usize)
    }

    /// A list of `u16`s inside a vector of `prefix` bytes (1 or 2); an odd length is an error.
    pub(crate) fn u16_list(&mut self, two_byte_prefix: bool) -> Result<Vec<u16>, Error> {
        let bytes = if two_byte_prefix {
            self.vec16()?
        } else {
            self.vec8()?
        };
        if bytes.len() % 2 != 0 {
            return Err(Error::InvalidLength {
                what: self.what,
                len: bytes.len(),
            });
        }
        Ok(bytes
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect())
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                what: self.what,
                extra: self.buf.len(),
            })
        }
    }
}

/// Appends big-endian integers and length-prefixed vectors to a `Vec<u8>`.
pub(crate) trait Writer {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u24(&mut self, v: u32);
    fn put_u48(&mut self, v: u64);
    /// Writes `body` behind a length prefix of `prefix` bytes (1, 2 or 3).
    fn put_vec(&mut self, prefix: usize, body: &[u8]);
    /// Writes what `f` appends behind a length prefix of `prefix` bytes (1, 2 or 3).
    fn put_nested(&mut self, prefix: usize, f: impl FnOnce(&mut Vec<u8>));
}

impl Writer for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u24(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes()[1..]);
    }
    fn put_u48(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes()[2..]);
    }
    fn put_vec(&mut self, prefix: usize, body: &[u8]) {
        self.put_nested(prefix, |w| w.extend_from_slice(body));
    }
    fn put_nested(&mut self, prefix: usize, f: impl FnOnce(&mut Vec<u8>)) {
        let at = self.len();
        self.resize(at + prefix, 0);
        f(self);
        let len = (self.len() - at - prefix) as u32;
        let be = len.to_be_bytes();
        self[at..at + prefix].copy_from_slice(&be[4 - prefix..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_and_vectors() {
        let bytes = [1, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 4, 2, 9, 9];
        let mut r = Reader::new("t", &bytes);
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.u16().unwrap(), 2);
        assert_eq!(r.u24().unwrap(), 3);
        assert_eq!(r.u48().unwrap(), 4);
        assert_eq!(r.vec8().unwrap(), &[9, 9]);
        r.finish().unwrap();
    }

    #[test]
    fn truncation_is_reported() {
        let mut r = Reader::new("t", &[0, 5, 1]);
        assert_eq!(
            r.vec16(),
            Err(Error::Truncated {
                what: "t",
                needed: 5,
                got: 1
            })
        );
        let mut r = Reader::new("t", &[3, 0, 1, 2]);
        assert_eq!(
            r.u16_list(false),
            Err(Error::InvalidLength { what: "t", len: 3 })
        );
    }

    #[test]
    fn writes_nested_vectors() {
        let mut w = Vec::new();
        w.put_nested(2, |w| {
            w.put_vec(1, &[7, 7]);
            w.put_u24(1);
        });
        w.put_u48(0x0102_0304_0506);
        assert_eq!(w, [0, 6, 2, 7, 7, 0, 0, 1, 1, 2, 3, 4, 5, 6]);
    }
}
