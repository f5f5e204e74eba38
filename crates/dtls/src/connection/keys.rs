//! Key derivation at ClientKeyExchange and the Finished computation (RFC 5246 §6.3, §7.4.9,
//! RFC 7627 §4).

use super::{Connection, Role};
use crate::crypto::aead::RecordCipher;
use crate::crypto::prf;
use crate::error::Error;

impl Connection {
    /// Derives the master secret, the key block and both record ciphers; writing switches
    /// at our ChangeCipherSpec, reading at the peer's.
    pub(super) fn derive_keys(&mut self, pre_master_secret: &[u8]) -> Result<(), Error> {
        let suite = self
            .hs
            .suite
            .ok_or(Error::IllegalParameter("no cipher suite"))?;
        let hash = suite.prf_hash();
        let session_hash = self
            .hs
            .extended_master_secret
            .then(|| prf::transcript_hash(hash, &self.hs.transcript));
        let ms = prf::master_secret(
            hash,
            pre_master_secret,
            &self.hs.client_random,
            &self.hs.server_random,
            session_hash.as_deref(),
        );
        let bulk = suite.bulk_cipher();
        let (k, iv) = (bulk.key_len(), bulk.fixed_iv_len());
        let block = prf::key_block(
            hash,
            &ms,
            &self.hs.client_random,
            &self.hs.server_random,
            2 * (k + iv),
        );
        let (client_key, rest) = block.split_at(k);
        let (server_key, rest) = rest.split_at(k);
        let (client_iv, server_iv) = rest.split_at(iv);
        let client = RecordCipher::new(bulk, client_key, client_iv);
        let server = RecordCipher::new(bulk, server_key, server_iv);
        let (write, read) = match self.role {
            Role::Client => (client, server),
            Role::Server => (server, client),
        };
        self.write_cipher = Some(write);
        self.hs.pending_read = Some(read);
        self.hs.master_secret = Some(ms);
        Ok(())
    }

    /// Our Finished verify_data over the transcript so far.
    pub(super) fn finished_data(&self, client: bool) -> Result<[u8; 12], Error> {
        let suite = self
            .hs
            .suite
            .ok_or(Error::IllegalParameter("no cipher suite"))?;
        let ms = self
            .hs
            .master_secret
            .as_ref()
            .ok_or(Error::IllegalParameter("no master secret"))?;
        Ok(prf::verify_data(
            suite.prf_hash(),
            ms,
            client,
            &self.hs.transcript,
        ))
    }

    /// Checks the peer's Finished against the transcript.
    pub(super) fn verify_finished(&self, verify_data: &[u8]) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        let expected = self.finished_data(self.role == Role::Server)?;
        if bool::from(expected.ct_eq(verify_data)) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }
}
