//! The keys of a handshake once the key exchange is done: the master secret (RFC 5246
//! §8.1, RFC 7627 §4), the key block and record ciphers (RFC 5246 §6.3), Finished
//! (§7.4.9) and the exporter (RFC 5705) that yields the DTLS-SRTP keys (RFC 5764 §4.2).

use super::{Connection, Negotiated, Role, SRTP_EXPORTER_LABEL};
use crate::crypto::aead::RecordCipher;
use crate::crypto::kx::EphemeralSecret;
use crate::crypto::prf;
use crate::error::Error;
use crate::suite::{CipherSuite, NamedGroup};
use srtp::ProtectionProfile;
use zeroize::Zeroizing;

/// The master secret and what it was derived under; it outlives the handshake as the
/// connection's session.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(super) struct Keys {
    negotiated: Negotiated,
    group: NamedGroup,
    master_secret: Zeroizing<[u8; 48]>,
}

impl Connection {
    /// Derives the keys once the transcript ends with ClientKeyExchange. Writing switches
    /// to the new cipher at our ChangeCipherSpec; the read cipher is returned, to be used
    /// from the peer's ChangeCipherSpec on.
    pub(super) fn derive_keys(
        &mut self,
        negotiated: Negotiated,
        ephemeral: &EphemeralSecret,
        pre_master_secret: &[u8],
    ) -> (Keys, RecordCipher) {
        let (keys, ciphers) = Keys::derive(
            negotiated,
            ephemeral.group(),
            pre_master_secret,
            &self.hs.transcript,
            self.role,
        );
        if let Some(key_log) = self.config.key_log() {
            key_log.log(
                crate::keylog::CLIENT_RANDOM_LABEL,
                &keys.negotiated.client_random,
                &*keys.master_secret,
            );
        }
        self.write_cipher = Some(ciphers.write);
        (keys, ciphers.read)
    }
}

/// The two record ciphers of a key block, as one side sees them.
pub(super) struct RecordCiphers {
    /// Protects what we send; used from our ChangeCipherSpec on.
    pub(super) write: RecordCipher,
    /// Opens what the peer sends; used from the peer's ChangeCipherSpec on.
    pub(super) read: RecordCipher,
}

impl Keys {
    /// Derives the master secret from the premaster secret and, with extended master
    /// secret, the hash of `transcript` up to ClientKeyExchange; then the key block.
    pub(super) fn derive(
        negotiated: Negotiated,
        group: NamedGroup,
        pre_master_secret: &[u8],
        transcript: &[u8],
        role: Role,
    ) -> (Keys, RecordCiphers) {
        let hash = negotiated.suite.prf_hash();
        let session_hash = negotiated
            .extended_master_secret
            .then(|| prf::transcript_hash(hash, transcript));
        let master_secret = prf::master_secret(
            hash,
            pre_master_secret,
            &negotiated.client_random,
            &negotiated.server_random,
            session_hash.as_deref(),
        );
        let bulk = negotiated.suite.bulk_cipher();
        let (k, iv) = (bulk.key_len(), bulk.fixed_iv_len());
        let block = prf::expand(
            hash,
            &master_secret,
            b"key expansion",
            [&negotiated.server_random, &negotiated.client_random],
            2 * (k + iv),
        );
        let (client_key, rest) = block.split_at(k);
        let (server_key, rest) = rest.split_at(k);
        let (client_iv, server_iv) = rest.split_at(iv);
        let client = RecordCipher::new(bulk, client_key, client_iv);
        let server = RecordCipher::new(bulk, server_key, server_iv);
        let (write, read) = match role {
            Role::Client => (client, server),
            Role::Server => (server, client),
        };
        let keys = Keys {
            negotiated,
            group,
            master_secret,
        };
        (keys, RecordCiphers { write, read })
    }

    /// The Finished verify_data of the client (`client`) or the server over `transcript`.
    pub(super) fn finished_data(&self, client: bool, transcript: &[u8]) -> [u8; 12] {
        prf::verify_data(
            self.negotiated.suite.prf_hash(),
            &self.master_secret,
            client,
            transcript,
        )
    }

    /// Checks the Finished that `peer` sent against `transcript`, in constant time.
    pub(super) fn verify_finished(
        &self,
        peer: Role,
        verify_data: &[u8],
        transcript: &[u8],
    ) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        let expected = self.finished_data(peer == Role::Client, transcript);
        if bool::from(expected.ct_eq(verify_data)) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }

    /// Keying material exported under `label` without context (RFC 5705 §4).
    pub(super) fn export(&self, label: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
        let randoms = [
            &self.negotiated.client_random,
            &self.negotiated.server_random,
        ];
        prf::expand(
            self.negotiated.suite.prf_hash(),
            &self.master_secret,
            label,
            randoms,
            len,
        )
    }

    /// The two SRTP master keys (RFC 5764 §4.2), when use_srtp was negotiated.
    pub(super) fn srtp_keys(&self) -> Result<Option<srtp::DtlsSrtpKeys>, Error> {
        let Some(profile) = self.negotiated.srtp_profile else {
            return Ok(None);
        };
        let material = self.export(SRTP_EXPORTER_LABEL, profile.keying_material_len());
        Ok(Some(srtp::DtlsSrtpKeys::from_keying_material(
            profile, &material,
        )?))
    }

    pub(super) fn suite(&self) -> CipherSuite {
        self.negotiated.suite
    }

    pub(super) fn group(&self) -> NamedGroup {
        self.group
    }

    pub(super) fn srtp_profile(&self) -> Option<ProtectionProfile> {
        self.negotiated.srtp_profile
    }

    pub(super) fn extended_master_secret(&self) -> bool {
        self.negotiated.extended_master_secret
    }
}
