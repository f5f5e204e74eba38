//! The TLS 1.3 key schedule (RFC 8446 §7.1) as DTLS 1.3 uses it (RFC 9147 §5.9: every
//! `HKDF-Expand-Label` label starts with "dtls13" where TLS writes "tls13 "), the traffic
//! keys (§7.3), Finished (§4.4.4), KeyUpdate's next secret (§7.2) and the exporter (§7.5).
//!
//! Only SHA-256 suites are spoken (TLS_AES_128_GCM_SHA256 and
//! TLS_CHACHA20_POLY1305_SHA256), so every secret is 32 bytes. HKDF is RustCrypto's `hkdf`.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of every secret and transcript hash (SHA-256).
pub(crate) const HASH_LEN: usize = 32;

/// A 32-byte secret, wiped when dropped.
pub(crate) type Secret = Zeroizing<[u8; HASH_LEN]>;

/// SHA-256 of `data`.
pub(crate) fn hash(data: &[u8]) -> [u8; HASH_LEN] {
    Sha256::digest(data).into()
}

/// `HKDF-Extract(salt, ikm)` (RFC 5869 §2.2).
pub(crate) fn extract(salt: &[u8], ikm: &[u8]) -> Secret {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let mut out = Zeroizing::new([0u8; HASH_LEN]);
    out.copy_from_slice(&prk);
    out
}

/// The label prefix of one protocol: "dtls13" (RFC 9147 §5.9) or, for the RFC 8448 test
/// vectors, TLS 1.3's "tls13 ".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Labels(&'static [u8]);

impl Labels {
    /// DTLS 1.3.
    pub(crate) const DTLS13: Labels = Labels(b"dtls13");
    /// TLS 1.3 (test vectors only).
    #[cfg(test)]
    pub(crate) const TLS13: Labels = Labels(b"tls13 ");

    /// `HKDF-Expand-Label(secret, label, context, out.len())` (RFC 8446 §7.1). Every
    /// caller passes a label of a few bytes and an output of at most 255 hashes.
    pub(crate) fn expand(self, secret: &[u8], label: &[u8], context: &[u8], out: &mut [u8]) {
        let mut info = Vec::with_capacity(4 + self.0.len() + label.len() + context.len());
        info.extend_from_slice(&(out.len() as u16).to_be_bytes());
        info.push((self.0.len() + label.len()) as u8);
        info.extend_from_slice(self.0);
        info.extend_from_slice(label);
        info.push(context.len() as u8);
        info.extend_from_slice(context);
        let hk = Hkdf::<Sha256>::from_prk(secret).unwrap_or_else(|_| unreachable!());
        hk.expand(&info, out).unwrap_or_else(|_| unreachable!());
    }

    /// `Derive-Secret(secret, label, messages)` given `Transcript-Hash(messages)`.
    pub(crate) fn derive(self, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Secret {
        let mut out = Zeroizing::new([0u8; HASH_LEN]);
        self.expand(secret, label, transcript_hash, &mut *out);
        out
    }

    /// The handshake secret and both handshake traffic secrets from the (EC)DHE shared
    /// secret and the hash of ClientHello..ServerHello, without a PSK.
    pub(crate) fn handshake(self, shared: &[u8], hello_hash: &[u8]) -> HandshakeSecrets {
        let zeros = [0u8; HASH_LEN];
        let early = extract(&zeros, &zeros);
        let derived = self.derive(&*early, b"derived", &hash(b""));
        let handshake = extract(&*derived, shared);
        let client = self.derive(&*handshake, b"c hs traffic", hello_hash);
        let server = self.derive(&*handshake, b"s hs traffic", hello_hash);
        let derived = self.derive(&*handshake, b"derived", &hash(b""));
        let master = extract(&*derived, &zeros);
        HandshakeSecrets {
            client,
            server,
            master,
        }
    }

    /// The application traffic secrets and the exporter master secret from the hash of
    /// ClientHello..server Finished.
    pub(crate) fn application(self, master: &[u8], finished_hash: &[u8]) -> ApplicationSecrets {
        ApplicationSecrets {
            client: self.derive(master, b"c ap traffic", finished_hash),
            server: self.derive(master, b"s ap traffic", finished_hash),
            exporter: self.derive(master, b"exp master", finished_hash),
        }
    }

    /// Finished's verify_data: HMAC over the transcript hash under the finished key of
    /// `base` (a handshake traffic secret), RFC 8446 §4.4.4.
    pub(crate) fn finished(self, base: &[u8], transcript_hash: &[u8]) -> [u8; HASH_LEN] {
        let mut key = Zeroizing::new([0u8; HASH_LEN]);
        self.expand(base, b"finished", &[], &mut *key);
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&*key).unwrap_or_else(|_| unreachable!());
        mac.update(transcript_hash);
        mac.finalize().into_bytes().into()
    }

    /// Checks a received verify_data in constant time.
    pub(crate) fn verify_finished(self, base: &[u8], transcript_hash: &[u8], got: &[u8]) -> bool {
        let want = self.finished(base, transcript_hash);
        got.len() == want.len() && bool::from(want.ct_eq(got))
    }

    /// The traffic secret after a KeyUpdate (RFC 8446 §7.2).
    pub(crate) fn next_traffic_secret(self, secret: &[u8]) -> Secret {
        let mut out = Zeroizing::new([0u8; HASH_LEN]);
        self.expand(secret, b"traffic upd", &[], &mut *out);
        out
    }

    /// `TLS-Exporter(label, context, len)` (RFC 8446 §7.5).
    pub(crate) fn export(
        self,
        exporter_master: &[u8],
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        let secret = self.derive(exporter_master, label, &hash(b""));
        let mut out = Zeroizing::new(vec![0u8; len]);
        self.expand(&*secret, b"exporter", &hash(context), &mut out);
        out
    }

    /// The record key, IV and record-number key of a traffic secret (RFC 8446 §7.3,
    /// RFC 9147 §4.2.3).
    pub(crate) fn traffic_keys(self, secret: &[u8], key_len: usize) -> TrafficKeys {
        let mut key = Zeroizing::new(vec![0u8; key_len]);
        let mut iv = Zeroizing::new([0u8; 12]);
        let mut sn = Zeroizing::new(vec![0u8; key_len]);
        self.expand(secret, b"key", &[], &mut key);
        self.expand(secret, b"iv", &[], &mut *iv);
        self.expand(secret, b"sn", &[], &mut sn);
        TrafficKeys { key, iv, sn }
    }
}

/// What the handshake derives from the key exchange.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct HandshakeSecrets {
    pub(crate) client: Secret,
    pub(crate) server: Secret,
    pub(crate) master: Secret,
}

/// What the completed handshake derives.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct ApplicationSecrets {
    pub(crate) client: Secret,
    pub(crate) server: Secret,
    pub(crate) exporter: Secret,
}

/// One direction's record protection keys.
pub(crate) struct TrafficKeys {
    pub(crate) key: Zeroizing<Vec<u8>>,
    pub(crate) iv: Zeroizing<[u8; 12]>,
    pub(crate) sn: Zeroizing<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // RFC 8448 §3 (Simple 1-RTT Handshake): the ECDHE secret, the transcript hashes and
    // every secret derived from them.
    const SHARED: &str = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
    const HELLO_HASH: &str = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
    const FINISHED_HASH: &str = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";

    #[test]
    fn rfc8448_early_and_derived() {
        let zeros = [0u8; 32];
        let early = extract(&zeros, &zeros);
        assert_eq!(
            early.to_vec(),
            h("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
        );
        let derived = Labels::TLS13.derive(&*early, b"derived", &hash(b""));
        assert_eq!(
            derived.to_vec(),
            h("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")
        );
        let hs = extract(&*derived, &h(SHARED));
        assert_eq!(
            hs.to_vec(),
            h("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
        );
    }

    #[test]
    fn rfc8448_handshake_and_application_secrets() {
        let l = Labels::TLS13;
        let s = l.handshake(&h(SHARED), &h(HELLO_HASH));
        assert_eq!(
            s.client.to_vec(),
            h("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
        );
        assert_eq!(
            s.server.to_vec(),
            h("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
        );
        assert_eq!(
            s.master.to_vec(),
            h("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
        );
        let keys = l.traffic_keys(&*s.server, 16);
        assert_eq!(keys.key.to_vec(), h("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(keys.iv.to_vec(), h("5d313eb2671276ee13000b30"));
        let mut finished_key = [0u8; 32];
        l.expand(&*s.server, b"finished", &[], &mut finished_key);
        assert_eq!(
            finished_key.to_vec(),
            h("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")
        );
        let app = l.application(&*s.master, &h(FINISHED_HASH));
        assert_eq!(
            app.client.to_vec(),
            h("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
        );
        assert_eq!(
            app.server.to_vec(),
            h("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
        );
        let client_keys = l.traffic_keys(&*s.client, 16);
        assert_eq!(client_keys.iv.to_vec(), h("5bd3c71b836e0b76bb73265f"));
    }

    #[test]
    fn dtls_labels_differ_from_tls_and_finished_verifies() {
        let secret = [7u8; 32];
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        Labels::TLS13.expand(&secret, b"key", &[], &mut a);
        Labels::DTLS13.expand(&secret, b"key", &[], &mut b);
        assert_ne!(a, b);
        let th = hash(b"transcript");
        let vd = Labels::DTLS13.finished(&secret, &th);
        assert!(Labels::DTLS13.verify_finished(&secret, &th, &vd));
        let mut bad = vd;
        bad[0] ^= 1;
        assert!(!Labels::DTLS13.verify_finished(&secret, &th, &bad));
        assert!(!Labels::DTLS13.verify_finished(&secret, &th, &vd[..31]));
        assert_ne!(*Labels::DTLS13.next_traffic_secret(&secret), secret);
    }
}
