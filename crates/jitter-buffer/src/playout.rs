//! What [`crate::JitterBuffer::poll`] hands out: a frame to play or a gap to conceal.

use crate::store::Store;
use crate::stretch::TimeStretch;
use crate::time::Time;
use rtcp::NtpTime;
use rtp_packet::clock::timestamp_distance;
use std::time::Instant;

/// The next thing to play.
#[derive(Debug)]
#[non_exhaustive]
pub enum Playout<'a> {
    /// A frame whose playout time has come: one packet for audio, every packet of one
    /// timestamp for video (complete or not, see [`Frame::is_complete`]).
    Frame(Frame<'a>),
    /// A packet that will never be played: the caller conceals `samples` samples (packet
    /// loss concealment, W3C `concealedSamples`).
    Conceal(Concealment),
}

/// Why a packet is concealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConcealReason {
    /// Never received by its playout time.
    Lost,
    /// Received after its playout time.
    Late,
    /// Received, then dropped to stay within the buffer's capacity.
    Overflow,
}

/// A gap in the stream the caller must fill (audio).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concealment {
    /// The RTP sequence number of the missing packet.
    pub sequence_number: u16,
    /// Its RTP timestamp (estimated from its neighbours when it never arrived).
    pub timestamp: u32,
    /// How many samples to conceal: the stream's packet duration in RTP clock ticks.
    pub samples: u32,
    /// Why the packet is missing.
    pub reason: ConcealReason,
    /// When it was due.
    pub playout_time: Instant,
}

/// The sender's wallclock for the stream's RTP timestamps: the NTP and RTP timestamps of
/// one instant, as an RTCP sender report pairs them (RFC 3550 §6.4.1), and the clock rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SenderClock {
    pub(crate) wallclock: NtpTime,
    pub(crate) timestamp: u32,
    pub(crate) clock_rate: u32,
}

impl SenderClock {
    /// The sender's wallclock at RTP timestamp `timestamp` (within 2^31 ticks of the pair).
    pub(crate) fn wallclock_of(&self, timestamp: u32) -> NtpTime {
        let ticks = timestamp_distance(self.timestamp, timestamp);
        self.wallclock.wrapping_add_ticks(ticks, self.clock_rate)
    }
}

/// A frame released for playout. It borrows the buffer's storage: the payloads stay valid
/// until the next call on the buffer.
#[derive(Debug)]
pub struct Frame<'a> {
    pub(crate) store: &'a Store,
    pub(crate) first: i64,
    pub(crate) last: i64,
    pub(crate) timestamp: u32,
    pub(crate) complete: bool,
    pub(crate) stretch: Option<TimeStretch>,
    /// Due time, turned into an `Instant` only when asked for.
    pub(crate) due: Time,
    pub(crate) epoch: Instant,
    pub(crate) sender_clock: Option<SenderClock>,
}

impl<'a> Frame<'a> {
    /// The RTP timestamp of the frame.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// The sequence number of the first packet of the frame (received or not).
    pub fn sequence_number(&self) -> u16 {
        self.first as u16
    }

    /// When the frame was due.
    pub fn playout_time(&self) -> Instant {
        self.due.to_instant(self.epoch)
    }

    /// The sender's wallclock when the frame was sampled: its RTP timestamp mapped through
    /// the sender's latest (NTP, RTP) pair ([`JitterBuffer::set_sender_clock`], fed from
    /// RTCP sender reports, RFC 3550 §6.4.1). `None` before the first. Frames of two
    /// streams from one sender (one CNAME) share this clock, which is what lines audio
    /// and video up (lip sync, RFC 3550 §5.1).
    ///
    /// [`JitterBuffer::set_sender_clock`]: crate::JitterBuffer::set_sender_clock
    pub fn sender_wallclock(&self) -> Option<NtpTime> {
        self.sender_clock.map(|c| c.wallclock_of(self.timestamp))
    }

    /// A change of the playout delay to carry out on this audio frame (continuous audio,
    /// see [`TimeStretch`]); `None` for a frame played as it is, and always for video.
    pub fn time_stretch(&self) -> Option<TimeStretch> {
        self.stretch
    }

    /// Whether every packet of the frame is present, from the one after the previous
    /// frame's marker packet up to this frame's marker packet (always true for audio).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The payload type of the first present packet.
    pub fn payload_type(&self) -> u8 {
        self.present()
            .next()
            .map(|s| s.payload_type)
            .unwrap_or_default()
    }

    /// Whether the last present packet carries the marker bit.
    pub fn marker(&self) -> bool {
        self.present().last().is_some_and(|s| s.marker)
    }

    /// The payload of the first present packet: the whole frame for audio.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        match self.store.get(self.first) {
            Some(slot) if !slot.dropped => &slot.payload,
            _ => self.payloads().next().unwrap_or_default(),
        }
    }

    /// The payloads of the present packets, in sequence order.
    pub fn payloads(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.present().map(|s| s.payload.as_slice())
    }

    /// How many packets of the frame are present.
    pub fn packet_count(&self) -> usize {
        self.present().count()
    }

    /// Sequence numbers inside the frame's span that are absent (for NACK, RFC 4585
    /// §6.2.1, or to decide on a PLI).
    pub fn missing(&self) -> impl Iterator<Item = u16> + 'a {
        let store = self.store;
        (self.first..=self.last)
            .filter(move |&e| !store.has_payload(e))
            .map(|e| e as u16)
    }

    fn present(&self) -> impl Iterator<Item = &'a crate::store::Slot> + 'a {
        let store = self.store;
        (self.first..=self.last).filter_map(move |e| store.get(e).filter(|s| !s.dropped))
    }
}
