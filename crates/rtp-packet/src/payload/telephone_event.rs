//! Telephone events: DTMF digits and other telephony signals (RFC 4733).
//!
//! An event packet's payload is one or more 4-octet event reports (RFC 4733 §2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`TelephoneEvent`] is one report, read with [`TelephoneEvent::parse`] (the first report)
//! or [`reports`] (all of them) and written with [`TelephoneEvent::write`].
//!
//! **Sending** (RFC 4733 §2.5.1) follows rules that tie the reports to the RTP header, and
//! [`EventSchedule`] produces them for one event: every packet of an event carries the RTP
//! timestamp of its onset and the duration so far, in timestamp units; the first packet
//! carries the marker bit; updates follow at a fixed interval; the final report, with the
//! E bit, is sent three times with the same timestamp and duration (§2.5.1.4); and an event
//! longer than the 16-bit duration field can count (0xFFFF units, 8.19 s at 8000 Hz) is
//! sent as segments (§2.5.1.3): a segment ends with a report of duration 0xFFFF and no E
//! bit, itself sent three times, and the next segment starts at the timestamp where the
//! previous one ended, without the marker bit.
//!
//! Telephone-event packets share the SSRC, sequence numbers and timestamp clock of the
//! audio they accompany (RFC 4733 §2.1): the schedule gives timestamps and send times in
//! that clock's ticks, and the caller numbers the packets from the audio stream's sequence.
//!
//! What the session makes of received reports (one event per digit, duplicates suppressed,
//! lost end packets) is `rtp-session`'s; this module is the wire format and the sender's
//! timing rules.

use super::PayloadError;

/// Octets of one event report (RFC 4733 §2.3).
pub const REPORT_LEN: usize = 4;
/// The largest volume: −63 dBm0 (RFC 4733 §2.3.4, a 6-bit field).
pub const MAX_VOLUME: u8 = 63;
/// The largest duration one report can carry, in timestamp units (RFC 4733 §2.3.5): an
/// event lasting longer is sent in segments (§2.5.1.3).
pub const MAX_SEGMENT: u16 = 0xFFFF;
/// How many times the final report of an event, or of a segment, is sent (RFC 4733
/// §2.5.1.4).
pub const FINAL_REPORTS: u32 = 3;

/// The DTMF event codes (RFC 4733 §3.2, Table 7): `0`–`9` are 0–9, `*` is 10, `#` is 11,
/// `A`–`D` are 12–15.
const DTMF: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// The RFC 4733 §3.2 event code of a DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`, letters in
/// either case), or `None` for anything else.
pub fn dtmf_event(digit: char) -> Option<u8> {
    let upper = digit.to_ascii_uppercase();
    (0u8..).zip(DTMF).find(|(_, d)| *d == upper).map(|(e, _)| e)
}

/// The DTMF digit of an RFC 4733 §3.2 event code 0–15, or `None` for other events
/// (flash, 16, and the tones of RFC 4734).
pub fn dtmf_digit(event: u8) -> Option<char> {
    DTMF.get(usize::from(event)).copied()
}

/// One event report (RFC 4733 §2.3): the event, the end bit, the volume and the duration
/// so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// The event code (RFC 4733 §3.2 for DTMF; RFC 4734 for modem and fax tones).
    pub event: u8,
    /// The E bit: the event has ended (RFC 4733 §2.3.3).
    pub end: bool,
    /// The power level of the tone in dBm0 with the sign dropped, 0 to 63 (RFC 4733
    /// §2.3.4): larger values are quieter. Zero for events without a volume.
    pub volume: u8,
    /// The duration of the event so far, in units of the RTP timestamp clock, counted from
    /// the packet's RTP timestamp (RFC 4733 §2.3.5).
    pub duration: u16,
}

impl TelephoneEvent {
    /// A report of `event` at `volume` lasting `duration` so far, not ended. A volume above
    /// [`MAX_VOLUME`] is [`PayloadError::FieldOutOfRange`].
    pub fn new(event: u8, volume: u8, duration: u16) -> Result<Self, PayloadError> {
        check_volume(volume)?;
        Ok(Self {
            event,
            end: false,
            volume,
            duration,
        })
    }

    /// The first report of a telephone-event payload. The payload must be one or more
    /// whole reports: shorter than one is [`PayloadError::Truncated`], a length that is not
    /// a multiple of four [`PayloadError::TelephoneEventLength`]. The reserved R bit is
    /// ignored, as RFC 4733 §2.3.2 asks of receivers.
    pub fn parse(payload: &[u8]) -> Result<Self, PayloadError> {
        check_length(payload)?;
        match payload {
            [event, flags, hi, lo, ..] => Ok(Self::from_octets([*event, *flags, *hi, *lo])),
            _ => Err(PayloadError::Truncated {
                needed: REPORT_LEN,
                got: payload.len(),
            }),
        }
    }

    fn from_octets([event, flags, hi, lo]: [u8; REPORT_LEN]) -> Self {
        Self {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([hi, lo]),
        }
    }

    /// The report's four octets, with the R bit zero (RFC 4733 §2.3.2). A volume above
    /// [`MAX_VOLUME`] is [`PayloadError::FieldOutOfRange`].
    pub fn to_bytes(&self) -> Result<[u8; REPORT_LEN], PayloadError> {
        check_volume(self.volume)?;
        let [hi, lo] = self.duration.to_be_bytes();
        let end = if self.end { 0x80 } else { 0 };
        Ok([self.event, end | self.volume, hi, lo])
    }

    /// Writes the report into the front of `out`; returns the octets written (4). Fails
    /// with [`PayloadError::BufferTooSmall`] or, for a volume above [`MAX_VOLUME`],
    /// [`PayloadError::FieldOutOfRange`].
    pub fn write(&self, out: &mut [u8]) -> Result<usize, PayloadError> {
        let bytes = self.to_bytes()?;
        let got = out.len();
        let slot = out
            .get_mut(..REPORT_LEN)
            .ok_or(PayloadError::BufferTooSmall {
                needed: REPORT_LEN,
                got,
            })?;
        slot.copy_from_slice(&bytes);
        Ok(REPORT_LEN)
    }
}

/// Every report of a telephone-event payload, in order (RFC 4733 §2.5.1.5 lets a packet
/// carry several). The payload must be one or more whole reports, as for
/// [`TelephoneEvent::parse`].
pub fn reports(payload: &[u8]) -> Result<impl Iterator<Item = TelephoneEvent> + '_, PayloadError> {
    check_length(payload)?;
    Ok(payload.chunks_exact(REPORT_LEN).map(|c| {
        let mut octets = [0u8; REPORT_LEN];
        octets.copy_from_slice(c);
        TelephoneEvent::from_octets(octets)
    }))
}

fn check_length(payload: &[u8]) -> Result<(), PayloadError> {
    if payload.len() < REPORT_LEN {
        return Err(PayloadError::Truncated {
            needed: REPORT_LEN,
            got: payload.len(),
        });
    }
    if payload.len() % REPORT_LEN != 0 {
        return Err(PayloadError::TelephoneEventLength { len: payload.len() });
    }
    Ok(())
}

fn check_volume(volume: u8) -> Result<(), PayloadError> {
    if volume > MAX_VOLUME {
        return Err(PayloadError::FieldOutOfRange {
            field: "volume",
            value: u32::from(volume),
        });
    }
    Ok(())
}

/// One packet of an event as [`EventSchedule`] plans it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduledReport {
    /// When to send it, in timestamp ticks after the event's onset (the first packet is
    /// sent at 0).
    pub send_at: u64,
    /// The RTP timestamp: the onset of the event, or of its segment (RFC 4733 §2.5.1.2,
    /// §2.5.1.3).
    pub timestamp: u32,
    /// The RTP marker bit: set on the event's first packet only (RFC 4733 §2.5.1.2).
    pub marker: bool,
    /// The payload.
    pub report: TelephoneEvent,
}

/// The packets of one event, sent by the rules of RFC 4733 §2.5.1: an iterator of
/// [`ScheduledReport`]s in sending order.
///
/// The packet sent `n` intervals after the onset reports the duration up to the end of
/// its interval, `min((n + 1) × interval, duration)`, so the first packet (with the
/// marker bit) already covers one interval and the event's end is reported as soon as the
/// interval that holds it starts. The report that reaches the full duration carries the E
/// bit and is sent three times, one interval apart. An event longer than [`MAX_SEGMENT`]
/// ticks is cut into segments of [`MAX_SEGMENT`] ticks (§2.5.1.3): the report that reaches
/// a segment's end carries duration 0xFFFF without the E bit and is sent three times too;
/// the next segment's reports carry the timestamp onset + 0xFFFF × segment and count their
/// duration from it.
///
/// ```
/// use rtp_packet::payload::telephone_event::EventSchedule;
///
/// // Digit 5, 100 ms at 8000 Hz (800 ticks), updates every 50 ms (400 ticks).
/// let packets: Vec<_> = EventSchedule::new(5, 10, 1000, 800, 400)?.collect();
/// let summary: Vec<_> = packets
///     .iter()
///     .map(|p| (p.send_at, p.timestamp, p.marker, p.report.end, p.report.duration))
///     .collect();
/// assert_eq!(summary, [
///     (0, 1000, true, false, 400),
///     (400, 1000, false, true, 800),
///     (800, 1000, false, true, 800),
///     (1200, 1000, false, true, 800),
/// ]);
/// # Ok::<(), rtp_packet::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone)]
pub struct EventSchedule {
    event: u8,
    volume: u8,
    onset: u32,
    duration: u64,
    interval: u64,
    /// When the next packet goes, in ticks after the onset.
    next_send: u64,
    /// Where the current segment starts, in ticks after the onset.
    segment_start: u64,
    /// A final report still to repeat, and how many more times.
    repeating: Option<(ScheduledReport, u32)>,
    first: bool,
    done: bool,
}

impl EventSchedule {
    /// The packets of `event` at `volume`, starting at RTP timestamp `onset` and lasting
    /// `duration` ticks of the timestamp clock, with an update every `interval` ticks.
    /// A volume above [`MAX_VOLUME`], a zero duration or a zero interval is
    /// [`PayloadError::FieldOutOfRange`].
    pub fn new(
        event: u8,
        volume: u8,
        onset: u32,
        duration: u32,
        interval: u32,
    ) -> Result<Self, PayloadError> {
        check_volume(volume)?;
        for (field, value) in [("duration", duration), ("interval", interval)] {
            if value == 0 {
                return Err(PayloadError::FieldOutOfRange { field, value });
            }
        }
        Ok(Self {
            event,
            volume,
            onset,
            duration: u64::from(duration),
            interval: u64::from(interval),
            next_send: 0,
            segment_start: 0,
            repeating: None,
            first: true,
            done: false,
        })
    }

    /// The total duration of the event, in ticks.
    pub fn duration(&self) -> u64 {
        self.duration
    }

    /// The report packet sent at `next_send` covering media up to `covered` ticks after the
    /// onset, within the current segment.
    fn report(&self, covered: u64, end: bool) -> ScheduledReport {
        let in_segment = covered - self.segment_start;
        ScheduledReport {
            send_at: self.next_send,
            // Timestamps are modulo 2^32 (RFC 3550 §5.1).
            timestamp: self.onset.wrapping_add(self.segment_start as u32),
            marker: self.first,
            report: TelephoneEvent {
                event: self.event,
                end,
                volume: self.volume,
                duration: u16::try_from(in_segment).unwrap_or(MAX_SEGMENT),
            },
        }
    }
}

impl Iterator for EventSchedule {
    type Item = ScheduledReport;

    fn next(&mut self) -> Option<ScheduledReport> {
        if let Some((report, left)) = self.repeating.take() {
            let copy = ScheduledReport {
                send_at: self.next_send,
                marker: false,
                ..report
            };
            self.next_send += self.interval;
            if left > 1 {
                self.repeating = Some((report, left - 1));
            } else if report.report.end {
                self.done = true;
            } else {
                // A segment ended: the next one starts where it stopped (§2.5.1.3).
                self.segment_start += u64::from(MAX_SEGMENT);
            }
            return Some(copy);
        }
        if self.done {
            return None;
        }
        let covered = (self.next_send + self.interval).min(self.duration);
        let segment_end = self.segment_start + u64::from(MAX_SEGMENT);
        let report = if segment_end < self.duration && covered >= segment_end {
            // The segment is full before the event ends: its final report, three times.
            let report = self.report(segment_end, false);
            self.repeating = Some((report, FINAL_REPORTS - 1));
            report
        } else if covered == self.duration {
            let report = self.report(covered, true);
            self.repeating = Some((report, FINAL_REPORTS - 1));
            report
        } else {
            self.report(covered, false)
        };
        self.first = false;
        self.next_send += self.interval;
        Some(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_digits_map_both_ways() {
        for (code, digit) in (0u8..).zip("0123456789*#ABCD".chars()) {
            assert_eq!(dtmf_event(digit), Some(code));
            assert_eq!(dtmf_digit(code), Some(digit));
        }
        assert_eq!(dtmf_event('a'), Some(12));
        assert_eq!(dtmf_event('E'), None);
        assert_eq!(dtmf_digit(16), None);
    }
}
