//! The send path (RFC 6347 §4.1, §4.2.3, §4.2.4): records under the current epoch, flights
//! kept whole for retransmission, and handshake messages cut into fragments that fit the MTU.

use super::{Connection, FlightEntry};
use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::codec::Writer;
use crate::crypto::aead::RecordId;
use crate::error::Error;
use crate::handshake::{HANDSHAKE_HEADER_LEN, HandshakeMessage, encode_message};
use crate::record::{self, ContentType, DTLS_1_2, MAX_SEQUENCE_NUMBER, RecordHeader};
use std::time::Instant;

/// Smallest handshake fragment worth starting at the end of a datagram.
const MIN_FRAGMENT: usize = 64;

impl Connection {
    /// Queues an alert record under the current write epoch (RFC 5246 §7.2).
    pub(super) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let bytes = Alert { level, description }.to_bytes();
        if let Err(e) = self.send_record(self.write_epoch, ContentType::Alert, &bytes) {
            tracing::debug!(error = %e, "alert not sent");
        }
    }

    /// Sends one record as a datagram of its own.
    pub(super) fn send_record(
        &mut self,
        epoch: u16,
        content_type: ContentType,
        payload: &[u8],
    ) -> Result<(), Error> {
        let mut datagram = self.transmit.buffer();
        let sealed = self.seal_record(epoch, content_type, payload, &mut datagram);
        match sealed {
            Ok(()) => self.transmit.push(datagram),
            Err(_) => self.transmit.recycle(datagram),
        }
        sealed
    }

    /// Appends one record under `epoch` with the next sequence number of that epoch to
    /// `out`, or fails with [`Error::SequenceNumberExhausted`] once 2^48 - 1 has been used:
    /// the number is never reused (RFC 6347 §4.1; under AEAD a reused number reuses a
    /// nonce).
    pub(super) fn seal_record(
        &mut self,
        epoch: u16,
        content_type: ContentType,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let slot = usize::from(epoch.min(1));
        let sequence_number = self.write_seq[slot];
        if sequence_number > MAX_SEQUENCE_NUMBER {
            return Err(Error::SequenceNumberExhausted);
        }
        self.write_seq[slot] = sequence_number + 1;
        let id = RecordId {
            epoch,
            sequence_number,
            content_type,
            version: DTLS_1_2,
        };
        let cipher = match (&self.write_cipher, epoch) {
            (Some(c), 1) => Some(c),
            _ => None,
        };
        let cid = self
            .cids
            .as_ref()
            .map(|c| c.peer.as_bytes())
            .filter(|c| !c.is_empty());
        match (cipher, cid) {
            (Some(c), Some(cid)) => {
                // RFC 9146 §4: tls12_cid, the CID after the sequence number, and a
                // DTLSInnerPlaintext (content, real type, no padding) sealed under
                // RFC 9146 §5.3's additional data.
                out.put_u8(crate::cid::TLS12_CID);
                out.put_u16(DTLS_1_2);
                out.put_u16(epoch);
                out.put_u48(sequence_number);
                out.extend_from_slice(cid);
                out.put_u16((payload.len() + 1 + c.overhead()) as u16);
                c.seal_cid_into(&id, cid, payload, content_type.to_u8(), out);
            }
            _ => {
                RecordHeader {
                    content_type,
                    version: DTLS_1_2,
                    epoch,
                    sequence_number,
                    length: (payload.len() + cipher.map_or(0, |c| c.overhead())) as u16,
                }
                .write(out);
                match cipher {
                    Some(c) => c.seal_into(&id, payload, out),
                    None => out.extend_from_slice(payload),
                }
            }
        }
        Ok(())
    }

    /// Bytes a record of `epoch` adds to its payload: the header, the cipher's explicit
    /// nonce and tag, and with a CID to send the CID and the inner content type.
    fn record_overhead(&self, epoch: u16) -> usize {
        let Some(c) = self.write_cipher.as_ref().filter(|_| epoch == 1) else {
            return record::RECORD_HEADER_LEN;
        };
        let cid = self
            .cids
            .as_ref()
            .map_or(0, |c| c.peer.len() + usize::from(!c.peer.is_empty()));
        record::RECORD_HEADER_LEN + c.overhead() + cid
    }

    /// Starts a new flight: the messages added next replace the previous flight.
    pub(super) fn begin_flight(&mut self) {
        self.flight.clear();
    }

    /// Adds a handshake message to the flight and, unless `transcript` is false, to the
    /// transcript.
    pub(super) fn add_message(&mut self, msg: &HandshakeMessage, transcript: bool) {
        let mut body = Vec::new();
        msg.write_body(&mut body);
        let bytes = encode_message(msg.msg_type(), self.next_send_seq, &body);
        self.next_send_seq = self.next_send_seq.wrapping_add(1);
        if transcript {
            self.hs.transcript.extend_from_slice(&bytes);
        }
        self.flight.push(FlightEntry {
            epoch: self.write_epoch,
            content_type: ContentType::Handshake,
            payload: bytes,
        });
    }

    /// Adds ChangeCipherSpec to the flight and switches writing to epoch 1.
    pub(super) fn add_change_cipher_spec(&mut self) {
        self.flight.push(FlightEntry {
            epoch: self.write_epoch,
            content_type: ContentType::ChangeCipherSpec,
            payload: vec![1],
        });
        self.write_epoch = 1;
    }

    /// Sends the current flight, packing records into datagrams of at most the MTU and
    /// splitting handshake messages into fragments that fit (RFC 6347 §4.2.3). `now` is
    /// remembered to pace resends the peer asks for (see `resend_for_peer_repeat`).
    pub(super) fn send_flight(&mut self, now: Instant) {
        self.flight_sent_at = Some(now);
        let entries = std::mem::take(&mut self.flight);
        let mut datagram = self.transmit.buffer();
        for e in &entries {
            let overhead = self.record_overhead(e.epoch);
            if e.content_type != ContentType::Handshake {
                self.push_record(&mut datagram, e.epoch, e.content_type, &e.payload);
                continue;
            }
            let (header, body) = e
                .payload
                .split_at(HANDSHAKE_HEADER_LEN.min(e.payload.len()));
            let mut offset = 0;
            loop {
                let fixed = overhead + HANDSHAKE_HEADER_LEN;
                let mut room = self.mtu.saturating_sub(datagram.len() + fixed);
                // Start a new datagram rather than send a sliver of a message.
                if room < (body.len() - offset).min(MIN_FRAGMENT) && !datagram.is_empty() {
                    let full = std::mem::replace(&mut datagram, self.transmit.buffer());
                    self.transmit.push(full);
                    room = self.mtu.saturating_sub(fixed);
                }
                // A record's overhead can leave almost no room under a small MTU when the
                // peer asked for a long connection ID (255 bytes with a 256-byte MTU):
                // then a fragment of MIN_FRAGMENT bytes goes out in a datagram over the
                // MTU rather than the flight never going out at all.
                let len = room.max(MIN_FRAGMENT).min(body.len() - offset);
                let mut fragment = Vec::with_capacity(HANDSHAKE_HEADER_LEN + len);
                fragment.extend_from_slice(header.get(..6).unwrap_or_default());
                fragment.put_u24(offset as u32);
                fragment.put_u24(len as u32);
                fragment.extend_from_slice(&body[offset..offset + len]);
                self.push_record(&mut datagram, e.epoch, ContentType::Handshake, &fragment);
                offset += len;
                if offset == body.len() {
                    break;
                }
            }
        }
        self.flight = entries;
        self.transmit.push_unless_empty(datagram);
    }

    /// Appends a record to the datagram being built, sending that datagram first when the
    /// record would not fit.
    fn push_record(
        &mut self,
        datagram: &mut Vec<u8>,
        epoch: u16,
        content_type: ContentType,
        payload: &[u8],
    ) {
        let len = self.record_overhead(epoch) + payload.len();
        if !datagram.is_empty() && datagram.len() + len > self.mtu {
            let full = std::mem::replace(datagram, self.transmit.buffer());
            self.transmit.push(full);
        }
        // Only an exhausted sequence fails, which a handshake never reaches.
        let start = datagram.len();
        if self
            .seal_record(epoch, content_type, payload, datagram)
            .is_err()
        {
            datagram.truncate(start);
        }
    }

    /// Sends the flight and arms the retransmission timer.
    pub(super) fn send_flight_with_timer(&mut self, now: Instant) {
        self.send_flight(now);
        self.retransmit_timeout = self.config.initial_retransmit;
        self.retransmit_at = Some(now + self.retransmit_timeout);
    }

    /// Answers a repeat of the peer's previous flight by sending ours again (RFC 6347
    /// §4.2.4), at most once per half the initial retransmission timeout.
    ///
    /// The repeat arrives in epoch-0 records that anyone who can send from the peer's
    /// address can forge, and each one would otherwise draw a whole flight (several
    /// kilobytes with a certificate chain) in answer to a few dozen bytes. A real peer
    /// repeats its flight when its own timer fires, no sooner than the initial timeout, so
    /// half of it never suppresses a genuine repeat of a flight sent by timer; one whose
    /// datagrams were all lost still gets its resend from our own timer.
    ///
    /// Returns whether the flight went out.
    pub(super) fn resend_for_peer_repeat(&mut self, now: Instant) -> bool {
        if self.flight.is_empty() {
            return false;
        }
        let gap = self.config.initial_retransmit / 2;
        if self
            .flight_sent_at
            .is_some_and(|at| now.saturating_duration_since(at) < gap)
        {
            tracing::trace!("peer repeated its flight; ours went out too recently to resend");
            return false;
        }
        tracing::debug!("peer repeated its flight, sending ours again");
        self.send_flight(now);
        true
    }
}
