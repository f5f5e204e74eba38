//! Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): an HMAC over the client's
//! transport address and its ClientHello under a server secret, so a server keeps no state
//! for a client until the client proves it receives at its address.

use crate::crypto::prf::hmac_sha256;
use crate::handshake::ClientHello;
use crate::random::Random;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of the cookies we issue.
pub const COOKIE_LEN: usize = 32;

/// The server's cookie key.
pub struct CookieSecret(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSecret(..)")
    }
}

impl CookieSecret {
    /// A fresh secret from `rng`.
    pub fn generate(rng: &mut dyn Random) -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill(&mut *k);
        CookieSecret(k)
    }

    /// The cookie for a hello from `client_address` (any stable byte encoding of the
    /// address and port). The cookie field itself is left out, so the second ClientHello
    /// maps to the same cookie as the first.
    pub fn cookie(&self, client_address: &[u8], hello: &ClientHello) -> [u8; COOKIE_LEN] {
        let mut fields = Vec::new();
        fields.extend_from_slice(&hello.client_version.to_be_bytes());
        fields.extend_from_slice(&hello.random);
        fields.push(hello.session_id.len() as u8);
        fields.extend_from_slice(&hello.session_id);
        for s in &hello.cipher_suites {
            fields.extend_from_slice(&s.to_be_bytes());
        }
        fields.extend_from_slice(&hello.compression_methods);
        let len = (client_address.len() as u32).to_be_bytes();
        let mac = hmac_sha256(&*self.0, &[&len, client_address, &fields]);
        let mut out = [0u8; COOKIE_LEN];
        out.copy_from_slice(&mac[..COOKIE_LEN]);
        out
    }

    /// True when `hello` carries the cookie we would issue to `client_address`.
    pub fn verify(&self, client_address: &[u8], hello: &ClientHello) -> bool {
        hello.cookie.len() == COOKIE_LEN
            && bool::from(self.cookie(client_address, hello).ct_eq(&hello.cookie))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::Extensions;
    use crate::random::ChaChaRandom;

    #[test]
    fn cookie_binds_address_and_hello() {
        let secret = CookieSecret::generate(&mut ChaChaRandom::from_seed([5; 32]));
        let mut hello = ClientHello {
            client_version: 0xFEFD,
            random: [1; 32],
            session_id: vec![],
            cookie: vec![],
            cipher_suites: vec![0xC02B],
            compression_methods: vec![0],
            extensions: Extensions::default(),
        };
        let addr = b"192.0.2.1:5000";
        hello.cookie = secret.cookie(addr, &hello).to_vec();
        assert!(secret.verify(addr, &hello));
        assert!(!secret.verify(b"192.0.2.1:5001", &hello));
        let mut other = hello.clone();
        other.random[0] ^= 1;
        assert!(!secret.verify(addr, &other));
        let other_secret = CookieSecret::generate(&mut ChaChaRandom::from_seed([6; 32]));
        assert!(!other_secret.verify(addr, &hello));
        hello.cookie.pop();
        assert!(!secret.verify(addr, &hello));
    }
}
