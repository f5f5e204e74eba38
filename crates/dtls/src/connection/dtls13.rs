//! Where the 1.2 connection hands over to DTLS 1.3 (`crate::v13`) and back: a server's
//! complete ClientHello offering 1.3, a client's 1.3 offer, and a client's fallback to
//! 1.2 when the server answers in 1.2.

use super::{Connection, FlightEntry, Phase, Received, State};
use crate::error::Error;
use crate::handshake::{HandshakeMessage, HandshakeType, encode_message};
use crate::record::ContentType;
use crate::v13::server::{HelloContext, HelloOutcome, NewAssociation};
use srtp::ProtectionProfile;
use std::time::Instant;

impl Connection {
    /// A client offering DTLS 1.3 (and 1.2): the session sends the ClientHello.
    pub(super) fn start_dtls13_client(&mut self, now: Instant) {
        let session = crate::v13::client_start(
            self.config.clone(),
            self.peer_auth.clone(),
            self.mtu,
            self.handshake_deadline,
            &mut *self.rng,
            now,
        );
        self.v13 = Some(Box::new(session));
    }

    /// A datagram for the DTLS 1.3 session; a client whose server answered in 1.2 goes
    /// back to the 1.2 state machine with the ClientHello it sent, and the datagram is
    /// handled there.
    pub(super) fn dtls13_datagram(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> Result<Received, Error> {
        let Some(session) = self.v13.as_mut() else {
            return Err(Error::Internal("no DTLS 1.3 session"));
        };
        let result = session.handle_datagram(now, datagram, &mut *self.rng);
        if !session.fallback {
            return result;
        }
        let Some(session) = self.v13.take() else {
            return Err(Error::Internal("no DTLS 1.3 session"));
        };
        tracing::debug!("the server answered in DTLS 1.2");
        let body = session
            .first_hello_body()
            .ok_or(Error::Internal("fallback without a ClientHello"))?
            .to_vec();
        let HandshakeMessage::ClientHello(hello) =
            HandshakeMessage::parse(HandshakeType::ClientHello, &body)?
        else {
            return Err(Error::Internal("our ClientHello does not parse"));
        };
        let message = encode_message(HandshakeType::ClientHello, 0, &body);
        self.phase = Phase::ClientWaitServerHello {
            hello,
            hello_verify_requests: 0,
        };
        self.hs.transcript = message.clone();
        self.next_send_seq = 1;
        self.write_seq[0] = session.epoch0_seq();
        self.dropped_records += session.dropped_records();
        self.flight = vec![FlightEntry {
            epoch: 0,
            content_type: ContentType::Handshake,
            payload: message,
        }];
        self.flight_sent_at = Some(now);
        self.retransmit_timeout = self.config.initial_retransmit;
        self.retransmit_at = Some(now + self.retransmit_timeout);
        self.handle_datagram(now, datagram)
    }

    /// A server's complete ClientHello before any state: true when DTLS 1.3 took it
    /// (answered it with a HelloRetryRequest, dropped it, or started the session).
    pub(super) fn dtls13_client_hello(
        &mut self,
        now: Instant,
        record_sequence: u64,
        message_seq: u16,
        body: &[u8],
        received: usize,
    ) -> Result<bool, Error> {
        if self.config.max_version < crate::ProtocolVersion::Dtls13 {
            return Ok(false);
        }
        let Phase::ServerWaitClientHello {
            cookie_secret,
            client_address,
        } = &self.phase
        else {
            return Ok(false);
        };
        let cx = HelloContext {
            config: &self.config,
            cookie_secret,
            client_address: *client_address,
            record_sequence,
            message_seq,
            body,
            received,
        };
        let assoc = NewAssociation {
            peer_auth: &self.peer_auth,
            mtu: self.mtu,
            handshake_deadline: self.handshake_deadline,
        };
        match crate::v13::server::client_hello(cx, assoc, &mut *self.rng, now)? {
            HelloOutcome::NotDtls13 => Ok(false),
            HelloOutcome::Answered(datagram) => {
                if let Some(d) = datagram {
                    self.transmit.push(d);
                }
                Ok(true)
            }
            HelloOutcome::Started(session) => {
                self.hello_fragments = None;
                self.v13 = Some(session);
                Ok(true)
            }
        }
    }

    /// The protocol version once it is settled (see [`Connection::protocol_version`]).
    pub(super) fn settled_version(&self) -> Option<crate::ProtocolVersion> {
        match &self.v13 {
            Some(s) if s.first_hello_body().is_some() => None,
            Some(_) => Some(crate::ProtocolVersion::Dtls13),
            None => match self.phase {
                Phase::ClientWaitServerHello { .. } | Phase::ServerWaitClientHello { .. } => None,
                _ => Some(crate::ProtocolVersion::Dtls12),
            },
        }
    }

    /// The SRTP profile a DTLS 1.3 association negotiated.
    pub(super) fn dtls13_srtp_profile(&self) -> Option<ProtectionProfile> {
        self.v13
            .as_ref()
            .filter(|s| s.state() == State::Connected)
            .and_then(|s| s.srtp_profile)
    }

    /// Sends a KeyUpdate (DTLS 1.3 only, RFC 9147 §8).
    pub(super) fn dtls13_update_keys(
        &mut self,
        now: Instant,
        request_peer: bool,
    ) -> Result<(), Error> {
        match &mut self.v13 {
            Some(s) => s.start_key_update(now, request_peer),
            None => Err(Error::NotConnected),
        }
    }
}
