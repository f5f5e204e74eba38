//! What the session hands out: datagrams to send and events for the application.

use std::net::SocketAddr;

use crate::source::SourceQuality;

/// Which of the session's transports a datagram uses: the RTP port, or the RTCP port
/// when RTP and RTCP are not multiplexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// The RTP port (everything, with rtcp-mux).
    Rtp,
    /// The separate RTCP port (RFC 3550 §11: RTP port + 1 unless `a=rtcp` says otherwise).
    Rtcp,
}

/// A datagram for the driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local socket to send from.
    pub component: Component,
    /// The peer's address.
    pub destination: SocketAddr,
    /// The datagram (SRTP/SRTCP-protected once security is configured).
    pub contents: Vec<u8>,
}

/// Why a remote source left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaveReason {
    /// It sent an RTCP BYE (RFC 3550 §6.6), with its reason text when given.
    Bye(Option<String>),
    /// Nothing was heard from it for five RTCP intervals (RFC 3550 §6.3.5).
    Timeout,
}

/// What happened, for the application.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A remote source was validated (RFC 3550 A.1) and is now a member.
    NewSource {
        /// Its SSRC.
        ssrc: u32,
        /// The address its first packet came from.
        address: SocketAddr,
    },
    /// A remote source left the session. Its state is gone from the session; the event
    /// carries its final figures, so that a call's statistics outlive its BYE.
    SourceLeft {
        /// Its SSRC.
        ssrc: u32,
        /// BYE or timeout.
        reason: LeaveReason,
        /// Its quality figures at the moment it left (loss, jitter, MOS...).
        quality: SourceQuality,
    },
    /// Another participant used our SSRC (RFC 3550 §8.2): we sent a BYE for the old one
    /// and continue with a new random SSRC.
    SsrcCollision {
        /// The SSRC we gave up.
        old: u32,
        /// The SSRC we use from now on.
        new: u32,
        /// Where the conflicting packet came from.
        address: SocketAddr,
    },
    /// Two remote participants send RTP with one SSRC (a third-party collision, or a loop),
    /// RFC 3550 §8.2: their packets interleaved from two addresses. The source keeps the
    /// address it had, and packets of that SSRC from anywhere else are dropped (counted in
    /// [`Counters::address_conflicts`]) until it leaves. Reported once per source. A source
    /// that only moves (a NAT rebinding, a new ICE path) is followed instead, after
    /// [`crate::Transport::latch_probation`] consecutive packets from its new address.
    SourceConflict {
        /// The SSRC in use twice.
        ssrc: u32,
        /// The address whose packets are kept.
        address: SocketAddr,
        /// The other address sending this SSRC.
        other: SocketAddr,
    },
    /// The session moved its RTP destination to the address the peer's packets come from
    /// (symmetric RTP, RFC 4961).
    Latched {
        /// The new RTP destination.
        address: SocketAddr,
    },
    /// The DTLS-SRTP handshake completed and SRTP is keyed.
    DtlsConnected {
        /// The negotiated SRTP profile.
        profile: srtp::ProtectionProfile,
        /// The peer certificate's SHA-256 fingerprint.
        peer_fingerprint: Option<dtls::Fingerprint>,
        /// The DTLS cipher suite the RTP component's handshake negotiated.
        cipher_suite: dtls::CipherSuite,
        /// The ECDHE group of that handshake's key exchange.
        key_exchange_group: dtls::NamedGroup,
        /// Whether that handshake used the extended master secret (RFC 7627).
        extended_master_secret: bool,
    },
    /// The DTLS-SRTP handshake or association failed (bad fingerprint, timeout, a fatal
    /// alert from the peer). The fatal alert our side owed the peer was sent first; the
    /// session is unkeyed and media stays off until [`crate::Session::start_dtls`] runs
    /// again. DTLS from other addresses than the expected remote never causes this: it is
    /// dropped and counted in [`Counters::dtls_foreign`].
    DtlsFailed {
        /// Why.
        error: dtls::Error,
    },
    /// A quality metric of a remote source crossed a threshold (from `stats`).
    QualityAlert {
        /// The source.
        ssrc: u32,
        /// The transition.
        alert: stats::AlertEvent,
    },
    /// An RTCP feedback packet (RTPFB or PSFB, RFC 4585 §6) arrived that the session does
    /// not act on itself: its bytes, to parse with `rtcp::AnyPacket::parse`. With
    /// [`crate::Feedback`] negotiated, NACKs are answered from the send history and
    /// PLI/FIR become [`Event::KeyframeRequested`]; REMB, TMMBR, transport-cc and the
    /// rest always come here.
    Feedback {
        /// The packet's bytes (one packet of the compound, decrypted).
        packet: Vec<u8>,
    },
    /// The peer asked for a keyframe of our stream (RFC 4585 PLI or RFC 5104 FIR; a FIR
    /// repeating its command number is not reported twice). Only with PLI or FIR
    /// negotiated ([`crate::Feedback`]); otherwise such packets come as
    /// [`Event::Feedback`].
    KeyframeRequested {
        /// The SSRC whose keyframe is wanted: ours.
        ssrc: u32,
        /// Who asked.
        requester: u32,
        /// PLI or FIR.
        kind: crate::KeyframeKind,
    },
    /// An RTCP report block about our stream arrived and gave a round-trip time.
    RoundTripTime {
        /// The reporter.
        reporter: u32,
        /// The measured RTT (RFC 3550 §6.4.1).
        rtt: std::time::Duration,
    },
    /// A STUN message arrived on a media socket (RFC 7983): ICE is the application's.
    Stun {
        /// The socket it arrived on.
        component: Component,
        /// Its sender.
        from: SocketAddr,
        /// The message.
        data: Vec<u8>,
    },
    /// ICE-lite: a connectivity check with USE-CANDIDATE nominated `address`; RTP, RTCP
    /// and DTLS go there from now on.
    IceNominated {
        /// The peer's nominated address.
        address: SocketAddr,
    },
    /// ICE-lite: consent expired (RFC 7675: no authenticated check from the nominated
    /// address for [`crate::IceConfig::consent_timeout`], or no nomination within that time
    /// of the start). The session stopped sending and is closed; [`Event::Closed`] follows.
    IceConsentExpired {
        /// The address that lost consent, if one was ever nominated.
        address: Option<SocketAddr>,
    },
    /// A telephone event (RFC 4733) from a remote source ended: a DTMF digit, reported
    /// once however many packets carried it (updates, the three end packets, the
    /// segments of a long event). Its packets never reach the jitter buffer or playout.
    Dtmf {
        /// The source.
        ssrc: u32,
        /// The RFC 4733 event code: 0–9 the digits, 10 `*`, 11 `#`, 12–15 `A`–`D`, 16
        /// flash (`rtp_packet::payload::telephone_event::dtmf_digit` gives the digit).
        event: u8,
        /// The RTP timestamp of its onset, as the source sent it.
        timestamp: u32,
        /// How long it lasted: the duration of its end packet, or the longest seen when
        /// its end packets were lost.
        duration: std::time::Duration,
        /// Its volume, 0 to 63 (−dBm0; larger is quieter).
        volume: u8,
        /// True when an end packet (E bit) arrived; false when the event was ended by a
        /// newer one, by [`crate::Config::dtmf_timeout`] without packets, or by the
        /// source's BYE.
        end_received: bool,
    },
    /// A received RTP packet, decrypted (only with [`crate::Config::raw_packets`]).
    RtpPacket {
        /// Its sender.
        from: SocketAddr,
        /// The packet.
        packet: Vec<u8>,
    },
    /// The session sent its BYE and is closed.
    Closed,
    /// RTP over TCP ([`crate::TcpDriver`]): the connection to the peer is up.
    TcpConnected {
        /// The peer's address.
        peer: SocketAddr,
    },
    /// RTP over TCP: the connection ended (the peer closed or reset it, its framing was
    /// lost, a frame stalled). Nothing more is sent or received; [`crate::TcpDriver::next`]
    /// returns `None` after this.
    TcpClosed {
        /// Why.
        reason: crate::TcpCloseReason,
    },
}

/// Counters of what the session did with datagrams, for monitoring and tests. More may be
/// added, so it is read through its fields and never built outside this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// RTP packets delivered to statistics and the jitter buffer (telephone-event packets:
    /// to the statistics and the event receiver).
    pub rtp_received: u64,
    /// RTCP compounds processed.
    pub rtcp_received: u64,
    /// SRTP or SRTCP packets that failed authentication or replay checks: dropped.
    pub unprotect_failures: u64,
    /// SRTP packets received marked as cryptex (RFC 9335: extension id 0xC0DE or 0xC2DE,
    /// CSRCs and header extensions encrypted) that unprotected: also in `rtp_received`
    /// when delivered.
    pub cryptex_received: u64,
    /// RTP packets we protected with cryptex (their CSRCs or header extensions encrypted,
    /// marked 0xC0DE or 0xC2DE); a packet with neither goes as plain SRTP (§5.1).
    pub cryptex_sent: u64,
    /// RTP or RTCP that arrived before SRTP was keyed: dropped.
    pub dropped_unkeyed: u64,
    /// RTP packets held back because their source is still on RFC 3550 A.1 probation (or
    /// restarting it after a bad sequence jump): not counted in `rtp_received` or the
    /// source's statistics. The audio and video packets of the run that ends probation are
    /// kept (four at most) and then played out (`probation_released`); the rest are
    /// dropped.
    pub probation_held: u64,
    /// Held probation packets handed to the jitter buffer when their source became valid
    /// (also counted in `probation_held`, never in `rtp_received`).
    pub probation_released: u64,
    /// Datagrams that did not parse as what their first byte said.
    pub malformed: u64,
    /// RTCP from an address other than the peer's: ignored.
    pub rtcp_unexpected_source: u64,
    /// DTLS datagrams from an address other than the expected remote of their component
    /// (see the rule in [`crate::Session::start_dtls`]): dropped unread.
    pub dtls_foreign: u64,
    /// DTLS records from the expected remote that were dropped: by the session, because a
    /// keyed association reads only its own epoch (1), or by the association, because they
    /// failed before authentication (`dtls::Connection::dropped_records`). Never fatal.
    pub dtls_dropped: u64,
    /// Packets with our own SSRC recognised as a loop (RFC 3550 §8.2): dropped.
    pub loops: u64,
    /// SSRC collisions resolved.
    pub collisions: u64,
    /// RTP packets dropped because their SSRC is in use from another address (RFC 3550
    /// §8.2): a conflict between remote participants, or the first packets from the new
    /// address of a source that moved ([`Event::SourceConflict`]).
    pub address_conflicts: u64,
    /// New sources beyond [`crate::Config::max_remote_sources`]: dropped, or admitted in
    /// place of an unvalidated source.
    pub sources_over_limit: u64,
    /// Datagrams of other kinds (ZRTP, TURN channels, unknown first bytes): dropped.
    pub unknown: u64,
    /// RTP packets dropped because the pacing queue was full.
    pub pacer_dropped: u64,
    /// RTP packets sent.
    pub rtp_sent: u64,
    /// ICE-lite: STUN messages dropped unanswered: malformed, not a Binding request, for
    /// another user, or failing MESSAGE-INTEGRITY. No state is kept for any of them.
    pub stun_rejected: u64,
    /// ICE-lite: authenticated checks answered with 487 Role Conflict.
    pub ice_role_conflicts: u64,
    /// ICE-lite: RTP, RTCP or DTLS from an address that passed no connectivity check, or
    /// before any address was nominated: dropped unread.
    pub ice_unchecked: u64,
    /// RTCP compounds sent.
    pub rtcp_sent: u64,
    /// RTP packets whose payload type is neither the session's nor in its payload map
    /// ([`crate::Config::payload_map`]): dropped before they touch any state.
    pub unknown_payload_type: u64,
    /// RFC 4733 telephone-event packets received and delivered to the event receiver
    /// (also counted in `rtp_received`).
    pub telephone_event_packets: u64,
    /// RFC 3389 comfort-noise packets received and delivered to the jitter buffer (also
    /// counted in `rtp_received`).
    pub comfort_noise_packets: u64,
    /// Transport-cc or RFC 8888 feedback messages sent about what we received
    /// ([`crate::CongestionControl`]).
    pub transport_feedback_sent: u64,
    /// Transport-cc (or RFC 8888) feedback messages about what we sent, consumed by the
    /// bandwidth estimator.
    pub transport_feedback_received: u64,
    /// Such feedback messages that did not parse: dropped.
    pub transport_feedback_malformed: u64,
    /// Generic NACK messages sent (RFC 4585 §6.2.1).
    pub nack_messages_sent: u64,
    /// Sequence numbers asked for in them (a retry counts again).
    pub nack_sequence_numbers_sent: u64,
    /// Missing packets not asked for (again) because the answer would come after their
    /// playout deadline.
    pub nack_too_late: u64,
    /// Missing packets given up after the last retry.
    pub nack_given_up: u64,
    /// Generic NACK messages received about our stream.
    pub nack_messages_received: u64,
    /// Received feedback (NACK, PLI, FIR) about an SSRC we do not send: dropped.
    pub feedback_unknown_ssrc: u64,
    /// Sequence numbers of received NACKs beyond what one message may ask for: ignored.
    pub nack_sequence_numbers_ignored: u64,
    /// Packets sent again (RTX or plain) in answer to NACKs.
    pub retransmissions_sent: u64,
    /// Requested packets not in the send history (never sent, overwritten, too old).
    pub retransmissions_missing: u64,
    /// Requested packets already sent again less than an RTT ago.
    pub retransmissions_suppressed: u64,
    /// Requested packets refused by the retransmission rate limit.
    pub retransmissions_rate_limited: u64,
    /// RTX packets unwrapped into their original stream.
    pub rtx_received: u64,
    /// RTX packets for a packet already received or not asked for: dropped.
    pub rtx_duplicates: u64,
    /// RTX packets that could not be tied to a media source, or had no OSN: dropped.
    pub rtx_dropped: u64,
    /// PLI and FIR requests sent.
    pub keyframe_requests_sent: u64,
    /// Keyframe requests dropped by the rate limit.
    pub keyframe_requests_limited: u64,
    /// PLI and FIR requests received for our stream (FIR retransmissions not counted).
    pub keyframe_requests_received: u64,
    /// Early feedback packets sent (RFC 4585 §3.5.2).
    pub early_feedback_sent: u64,
    /// Regular compounds suppressed by `trr-int` (RFC 4585 §3.5.3).
    pub regular_rtcp_suppressed: u64,
    /// Feedback dropped because the next regular compound had no room left for it.
    pub feedback_dropped: u64,
}
