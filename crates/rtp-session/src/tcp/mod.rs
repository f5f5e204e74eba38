//! RTP and RTCP over TCP (RFC 4571 framing, RFC 4145 connection setup): the second
//! transport beside UDP, for TCP candidates and SBCs that only speak TCP.
//!
//! One connection carries everything: RTP and RTCP multiplexed as with rtcp-mux (RFC 5761;
//! the session demultiplexes each frame by its second byte, as it does datagrams), SRTP and
//! SRTCP exactly as on UDP. Each packet is one frame, its length in 16 bits before it
//! (`rtp_packet::framing`). [`TcpDriver`] runs a [`crate::Session`] over the connection: it
//! connects (`a=setup:active`) or listens and accepts one peer (`a=setup:passive`,
//! `a=connection:new`), and hands out the same [`crate::Output`]s as the UDP
//! [`crate::Driver`], plus [`crate::Event::TcpConnected`] and [`crate::Event::TcpClosed`].
//!
//! **Bounds, and why.** A stream has no datagram boundaries to fall back on, so each
//! direction gets one fixed bound and one rule for crossing it:
//!
//! - Receive: the frame decoder holds at most one frame of [`TcpTransport::max_frame`]
//!   bytes (65,535 by default, the most a prefix can say) plus one read, allocated once. A
//!   larger prefix cannot be resynchronised past (nothing marks where the next frame
//!   starts), so it ends the connection ([`TcpCloseReason::Framing`]). A frame whose bytes
//!   are not RTP or RTCP is a datagram like any other: the session drops and counts it. A
//!   peer that starts a frame and stops (a slowloris: 65,535 bytes announced, three sent)
//!   holds nothing but that fixed buffer, never blocks the timers (reads are only
//!   attempted when the socket is readable), and is cut off when the frame stays
//!   incomplete for [`TcpTransport::stall_timeout`] ([`TcpCloseReason::Stalled`]).
//! - Send: what the kernel will not take waits in a buffer of at most
//!   [`TcpTransport::send_buffer`] bytes. A packet that does not fit is dropped whole and
//!   counted ([`TcpCounters::send_drops`]): real-time media late is media lost, a frame
//!   is never cut (that would break the framing for the peer), and the driver never waits
//!   for the peer to read, so a peer that stops reading costs at most that buffer and
//!   never stalls the RTCP timer or playout.

mod driver;
mod sdp;

pub use driver::{TcpCounters, TcpDriver};
pub use sdp::{TcpMedia, TcpPeerSetup, media_lines};

use std::time::Duration;

/// Which end opens the connection (RFC 4145 §4: `a=setup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpSetup {
    /// This side connects to [`crate::Transport::remote_rtp`] (`a=setup:active`).
    Active,
    /// This side listens and accepts one connection (`a=setup:passive`).
    Passive,
}

/// RTP over TCP: the role and the bounds ([`crate::Transport::tcp`]). See the module
/// documentation of `tcp` for why the bounds are what they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpTransport {
    /// Connect or listen.
    pub setup: TcpSetup,
    /// The largest frame accepted from the peer; a larger length prefix closes the
    /// connection. Default 65,535 (any frame RFC 4571 can describe).
    pub max_frame: u16,
    /// The most bytes of framed packets waiting for the kernel to take them; a packet that
    /// does not fit is dropped and counted. Default 64 KiB.
    pub send_buffer: usize,
    /// How long a frame may stay incomplete before the connection is closed as stalled.
    /// Default 5 s.
    pub stall_timeout: Duration,
}

impl TcpTransport {
    /// `setup` with the default bounds.
    pub fn new(setup: TcpSetup) -> Self {
        Self {
            setup,
            max_frame: u16::MAX,
            send_buffer: 64 * 1024,
            stall_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a TCP transport ended ([`crate::Event::TcpClosed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TcpCloseReason {
    /// The peer closed its side (FIN) between frames.
    PeerClosed,
    /// The peer closed its side in the middle of a frame: the partial frame (this many
    /// bytes, prefix included) was dropped.
    PeerClosedMidFrame {
        /// Bytes of the unfinished frame.
        buffered: usize,
    },
    /// The connection was reset (RST) or broke.
    Reset,
    /// A length prefix above [`TcpTransport::max_frame`]: the framing is lost.
    Framing(rtp_packet::framing::FramingError),
    /// A frame stayed incomplete for [`TcpTransport::stall_timeout`].
    Stalled,
    /// Another socket error.
    Io(std::io::ErrorKind),
    /// We closed it ([`TcpDriver::shutdown`] or [`TcpDriver::close`]), after the session's
    /// BYE.
    Local,
}
