//! An adaptive RTP jitter buffer, sans-IO.
//!
//! A receiver must turn packets that arrive late, early, twice, out of order or not at all
//! into a steady stream of frames, adding as little delay as the network allows.
//! [`JitterBuffer`] takes packets with their arrival time ([`JitterBuffer::insert`],
//! [`JitterBuffer::insert_packet`]) and, when polled at `now`, hands out the next frame to
//! play or the next gap to conceal ([`Playout`]), and the time of the next event
//! ([`JitterBuffer::poll_timeout`]). It owns no clock and no thread.
//!
//! - **Timestamps drive playout.** Each frame plays at a time computed from its RTP
//!   timestamp (RFC 3550 §5.1): the predicted arrival of the fastest packet plus the
//!   target delay. Packet counts never decide anything.
//! - **Adaptive delay.** The target is a high quantile of a histogram of delays relative
//!   to the fastest recent packet, with exponential forgetting (the design of WebRTC NetEq).
//!   Audio with talkspurts changes its delay where one starts (marker bit, RFC 3551 §4.1,
//!   or a silence gap), so speech is not cut or stretched, and grows it right after a
//!   concealment, when playback is already interrupted (counted in
//!   [`Metrics::inserted_samples_for_deceleration`]). Video follows continuously.
//!   [`DelayMode::Fixed`] holds a constant delay.
//! - **Continuous audio.** Audio without talkspurts for ten seconds follows the target both
//!   ways a frame at a time, as NetEq's accelerate and preemptive expand do: a frame is
//!   released marked [`TimeStretch::Shorten`] or [`TimeStretch::Lengthen`]
//!   ([`Frame::time_stretch`]) for the caller to carry out, at most one frame's worth in
//!   ten frames, at a quiet frame when the payload is G.711. After the network calms down,
//!   it aims at what the last seconds needed rather than waiting minutes for the histogram
//!   to forget. Shortened frames are played, never counted as lost or late
//!   ([`Metrics::frames_shortened`]). [`Config::time_stretch`] turns it off.
//! - **Lip sync.** Given a sender report's (NTP, RTP) pair
//!   ([`JitterBuffer::set_sender_clock`]), every frame carries the sender's wallclock at
//!   its capture ([`Frame::sender_wallclock`], RFC 3550 §6.4.1), so streams of one sender
//!   can be aligned.
//! - **Clock drift.** The sender's clock rate is estimated from the minimum arrival offsets
//!   of successive windows (robust Theil–Sen fit) and followed, so over an hour at ±0.5 %
//!   the buffer neither fills nor drains; [`JitterBuffer::estimated_drift_ppm`] tells an
//!   audio caller how much to resample.
//! - **Loss, lateness, duplication.** Duplicates and late packets are dropped and counted;
//!   a missing packet is concealed at its playout time ([`Playout::Conceal`]) once a later
//!   packet proves it existed, so playout never stalls; gaps of silence (DTX) are not loss.
//! - **Resynchronisation.** A new SSRC, a sequence jump confirmed by the next packet
//!   (RFC 3550 A.1 `MAX_DROPOUT` / `MAX_MISORDER`) or a timestamp rewind restarts the stream.
//!   The buffer has no unwrapper of its own: [`JitterBuffer::insert`] runs
//!   [`rtp_packet::SequenceTracker`], and a caller that already ran it (a session, which
//!   feeds the same packet to its statistics) hands the verdict to
//!   [`JitterBuffer::insert_validated`], so a packet is unwrapped once and both agree on
//!   its extended number and on when the source restarted.
//! - **Time first.** Like the other sans-IO engines of the stack, every call that takes
//!   time takes `now: Instant` first; [`JitterBuffer::poll`] fires and returns what is due,
//!   so there is no separate `handle_timeout`.
//! - **Time is never a float.** Inside, a point in time is whole nanoseconds since the
//!   first packet and a span signed nanoseconds (crate-private `Time` and `Span`), so
//!   playout times round-trip to the caller's `Instant` exactly and a long call loses no
//!   precision. Not `Duration` itself: arrival offsets, relative delays and drift
//!   corrections are signed, and a schedule maps ticks to time through a fractional,
//!   drift-corrected rate. Only ratios (skew, drift ppm, slew) and statistics (histogram
//!   weights) are floating point; the per-packet multiplications by a rate use fixed
//!   point, so the integer time costs the steady state no more than the floats did
//!   (see the `time` module).
//! - **Video.** Packets of one timestamp form a frame, ended by the marker bit; frames are
//!   released complete or marked incomplete with their missing sequence numbers, and
//!   [`JitterBuffer::missing`] lists what a NACK (RFC 4585 §6.2.1) could still recover.
//!   Where a frame ends and whether it is whole is [`rtp_packet::frame`]'s rule, the one
//!   the VP8/VP9 reassembler uses too, fed the marker bit instead of descriptor bits.
//! - **Bounded memory.** At most [`Config::capacity_packets`] packets and
//!   [`Config::capacity_bytes`] payload bytes; on overflow the oldest go, counted. Slots
//!   are reused, so the steady state allocates nothing per packet.
//! - **Metrics** for RFC 3611 XR and W3C `RTCInboundRtpStreamStats` in [`Metrics`].
//!
//! ```
//! use jitter_buffer::{Config, JitterBuffer, PacketInfo, Playout};
//! use rtp_packet::ClockRate;
//! use std::time::{Duration, Instant};
//!
//! let mut jb = JitterBuffer::new(Config::audio(ClockRate::NARROWBAND))?;
//! let t0 = Instant::now();
//! for i in 0..3u16 {
//!     let info = PacketInfo { ssrc: 1, sequence_number: i, timestamp: 160 * u32::from(i), ..PacketInfo::default() };
//!     jb.insert(t0 + Duration::from_millis(20) * u32::from(i), info, &[0xd5; 160]);
//! }
//! let due = jb.poll_timeout().expect("a packet is waiting");
//! match jb.poll(due) {
//!     Some(Playout::Frame(frame)) => assert_eq!(frame.sequence_number(), 0),
//!     other => panic!("expected the first frame, got {other:?}"),
//! }
//! # Ok::<(), jitter_buffer::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod arrival;
mod buffer;
mod config;
mod error;
mod histogram;
mod metrics;
mod playout;
mod poll;
mod store;
mod stretch;
mod time;

pub use buffer::{DiscardReason, Insertion, JitterBuffer, PacketInfo};
pub use config::{Config, DelayMode, MediaKind};
pub use error::Error;
pub use metrics::Metrics;
pub use playout::{ConcealReason, Concealment, Frame, Playout};
pub use rtcp::NtpTime;
pub use stretch::TimeStretch;
