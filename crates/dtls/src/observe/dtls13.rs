//! The DTLS 1.3 part of the observer: epoch-2 records opened with the handshake traffic
//! secrets of the key log, held while the hellos that name their keys are not seen yet
//! (see the parent module's docs).

use super::{DTLS_1_3, HANDSHAKE, HandshakeObserver, MAX_PENDING_PROTECTED_BYTES, Side};
use crate::keylog::Dtls13Secret;
use crate::record::MAX_SEQUENCE_NUMBER;
use crate::v13::key_schedule::{HASH_LEN, Labels};
use crate::v13::record::{Aead, Protection, UnifiedHeader, parse_unified_header, reconstruct};

/// One side's epoch-2 read state.
pub(super) struct ReadKeys {
    protection: Protection,
    /// The record number after the highest opened, to rebuild the next from its low bits.
    next: u64,
}

/// The DTLS 1.3 handshake keys of one handshake, derived from the key log.
pub(super) struct HandshakeKeys {
    /// The handshake they belong to.
    client_random: [u8; 32],
    aead: Aead,
    client: Option<ReadKeys>,
    server: Option<ReadKeys>,
}

impl std::fmt::Debug for HandshakeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandshakeKeys")
            .field("aead", &self.aead)
            .field("client", &self.client.is_some())
            .field("server", &self.server.is_some())
            .finish_non_exhaustive()
    }
}

/// An epoch-2 record held until the hellos name its keys.
#[derive(Debug)]
pub(super) struct Pending {
    from: Side,
    record: Vec<u8>,
}

impl HandshakeObserver {
    /// Whether the hellos that name a DTLS 1.3 handshake's keys (the client random, the
    /// version and the suite) were seen.
    pub(super) fn hellos_seen(&self) -> bool {
        self.summary.client_random.is_some() && self.summary.version.is_some()
    }

    /// One DTLS 1.3 record of epoch 2 (the handshake epoch; the observer never sees a
    /// later epoch 6, which would take four KeyUpdates during the handshake).
    pub(super) fn handshake_epoch_record(
        &mut self,
        record: &[u8],
        header: &UnifiedHeader,
        from: Side,
    ) {
        if !self.hellos_seen() {
            let duplicate = self
                .pending
                .iter()
                .any(|p| p.from == from && p.record == record);
            if duplicate {
                return;
            }
            if self.pending_bytes + record.len() > MAX_PENDING_PROTECTED_BYTES {
                self.counters.undecryptable_records += 1;
                return;
            }
            self.pending_bytes += record.len();
            self.pending.push(Pending {
                from,
                record: record.to_vec(),
            });
            return;
        }
        let Some(keys) = self.read_keys(from) else {
            self.counters.undecryptable_records += 1;
            return;
        };
        let (header_bytes, body) = record.split_at(header.header_len);
        let opened = keys.protection.unmask(header, body).and_then(|low| {
            let bits = if header.long_sequence { 16 } else { 8 };
            let seq = reconstruct(keys.next, low, bits);
            let opened = keys.protection.open(header_bytes, header, seq, body)?;
            keys.next = keys
                .next
                .max(seq.saturating_add(1))
                .min(MAX_SEQUENCE_NUMBER);
            Some(opened)
        });
        let Some((content_type, content)) = opened else {
            self.counters.undecryptable_records += 1;
            return;
        };
        self.counters.decrypted_records += 1;
        // ACKs and alerts tell nothing the summary holds.
        if content_type == HANDSHAKE {
            self.fragments(&content, from, true);
        }
    }

    /// Opens the records held until the hellos were seen.
    pub(super) fn open_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        for p in pending {
            // Parsed once already when it was held.
            if let Ok(header) = parse_unified_header(&p.record) {
                self.handshake_epoch_record(&p.record, &header, p.from);
            }
        }
    }

    /// `from`'s epoch-2 keys for the handshake the hellos named, derived from the key log
    /// on first use; `None` when the handshake is not DTLS 1.3 with a suite the record
    /// layer opens, or the key log lacks the secret.
    fn read_keys(&mut self, from: Side) -> Option<&mut ReadKeys> {
        if self.summary.version != Some(DTLS_1_3) {
            return None;
        }
        let client_random = self.summary.client_random?;
        let aead = match self.summary.cipher_suite? {
            0x1301 => Aead::Aes128Gcm,
            0x1303 => Aead::Chacha20Poly1305,
            _ => return None,
        };
        let stale = self
            .keys
            .as_ref()
            .is_none_or(|k| k.client_random != client_random || k.aead != aead);
        if stale {
            let log = self.key_log.as_ref()?;
            let side = |which| {
                let secret = log
                    .dtls13_secret(which, &client_random)
                    .filter(|s| s.len() == HASH_LEN)?;
                let keys = Labels::DTLS13.traffic_keys(secret, aead.key_len());
                Some(ReadKeys {
                    protection: Protection::new(aead, &keys.key, &keys.iv, &keys.sn),
                    next: 0,
                })
            };
            self.keys = Some(HandshakeKeys {
                client_random,
                aead,
                client: side(Dtls13Secret::ClientHandshakeTraffic),
                server: side(Dtls13Secret::ServerHandshakeTraffic),
            });
        }
        let keys = self.keys.as_mut()?;
        match from {
            Side::Client => keys.client.as_mut(),
            Side::Server => keys.server.as_mut(),
        }
    }
}
