//! Rebuilding H.264 access units from RTP payloads (RFC 6184 §5.1, §6.3) on the shared
//! reassembler, and writing their NAL units into a caller's buffer.

use super::nal::{nal_type, types};
use super::packet::H264Packet;
use crate::payload::PayloadError;
use crate::payload::reassembly::{
    Depacketizer, Discarded, Frame, Incomplete, ReassemblyDescriptor, ReassemblyLimits,
};

/// What the reassembler keeps of an H.264 payload: nothing beyond what it says of frame
/// boundaries. The payload is stored whole, structure octets included, and read again
/// once its access unit is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct H264Descriptor;

impl ReassemblyDescriptor for H264Descriptor {
    /// RFC 6184 has no start-of-access-unit bit: the packet before says.
    const START_FROM_PREVIOUS: bool = true;

    /// Checks the payload's structure; it may start an access unit when its first NAL
    /// unit can open one, and ends one with the marker bit (§5.1).
    fn parse_packet(
        payload: &[u8],
        marker: bool,
    ) -> Result<(Self, bool, bool, &[u8]), PayloadError> {
        let packet = H264Packet::parse(payload)?;
        Ok((Self, packet.may_start_access_unit(), marker, payload))
    }
}

/// How [`H264Frame::write`] delimits NAL units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NalFormat {
    /// Annex B byte stream: each NAL unit after a four-octet start code `00 00 00 01`.
    AnnexB,
    /// Each NAL unit after its length as four big-endian octets (the ISO/IEC 14496-15
    /// `avcC` form with `lengthSizeMinusOne` = 3).
    LengthPrefixed,
}

/// Rebuilds H.264 access units from the RTP payloads of one stream (RFC 6184, packetization
/// modes 0 and 1), in decoding order, with bounded memory.
///
/// An access unit is the run of packets with one RTP timestamp that ends with the marker
/// bit. Ordering, loss reporting and the memory bound are the shared
/// [`reassembly`](crate::payload::reassembly)'s; see the [module](super) for how an access
/// unit's start is found without a start bit. Each payload is checked when pushed
/// ([`H264Packet::parse`]); a complete access unit whose FU-As do not chain into whole NAL
/// units is given up ([`H264Pushed::rejected`]).
#[derive(Debug)]
pub struct H264Depacketizer {
    inner: Depacketizer<H264Descriptor>,
}

/// What one push produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Pushed<'a> {
    /// The access unit this packet completed, if any.
    pub frame: Option<H264Frame<'a>>,
    /// Access units given up during this push: skipped over by the completed one, evicted
    /// to stay within the limits, or rejected.
    pub incomplete: Incomplete,
    /// Set when the pushed packet itself was not kept.
    pub discarded: Option<Discarded>,
    /// Set when a complete access unit was given up because its FU-As do not chain
    /// ([`PayloadError::H264BrokenFragments`]); it is counted in `incomplete` too.
    pub rejected: Option<PayloadError>,
}

/// A reassembled access unit, borrowed from the depacketizer until its next push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Frame<'a> {
    /// RTP timestamp shared by the access unit's packets.
    pub timestamp: u32,
    /// RTP sequence number of the first packet.
    pub first_sequence: u16,
    /// RTP sequence number of the last packet.
    pub last_sequence: u16,
    /// Number of NAL units.
    pub nal_units: usize,
    /// It holds a slice of an IDR picture (NAL unit type 5): a key frame.
    pub idr: bool,
    /// It holds a sequence parameter set (type 7).
    pub sps: bool,
    /// It holds a picture parameter set (type 8).
    pub pps: bool,
    /// Octets of all NAL units, headers included, without delimiters.
    nal_octets: usize,
    data: &'a [u8],
    packet_ends: &'a [usize],
}

impl H264Depacketizer {
    /// A depacketizer holding at most what `limits` allow.
    pub fn new(limits: ReassemblyLimits) -> Self {
        Self {
            inner: Depacketizer::new(limits),
        }
    }

    /// Adds one RTP packet's payload with its header's sequence number, timestamp and
    /// marker bit. Fails, changing nothing, when the payload is malformed (see
    /// [`H264Packet::parse`]) or exceeds the limits.
    pub fn push(
        &mut self,
        payload: &[u8],
        sequence: u16,
        timestamp: u32,
        marker: bool,
    ) -> Result<H264Pushed<'_>, PayloadError> {
        let pushed = self.inner.push(payload, sequence, timestamp, marker)?;
        let mut out = H264Pushed {
            frame: None,
            incomplete: pushed.incomplete,
            discarded: pushed.discarded,
            rejected: None,
        };
        if let Some(frame) = pushed.frame {
            out.take(frame);
        }
        Ok(out)
    }

    /// Hands out the access unit at the front of the waiting packets if it is complete:
    /// a late packet that completes one access unit can make the next, already whole, one
    /// known to start. Call after every push that handed out a frame, until `None`.
    pub fn next_ready(&mut self) -> Option<H264Pushed<'_>> {
        let frame = self.inner.next_ready()?;
        let mut out = H264Pushed {
            frame: None,
            incomplete: Incomplete::default(),
            discarded: None,
            rejected: None,
        };
        out.take(frame);
        Some(out)
    }

    /// Number of packets waiting for their access unit to complete.
    pub fn waiting(&self) -> usize {
        self.inner.waiting()
    }

    /// Gives up every waiting packet, for example at the end of the stream.
    pub fn flush(&mut self) -> Incomplete {
        self.inner.flush()
    }
}

impl Default for H264Depacketizer {
    fn default() -> Self {
        Self::new(ReassemblyLimits::default())
    }
}

impl<'a> H264Pushed<'a> {
    /// Reads a complete frame's packets: handed out when its NAL units are whole, counted
    /// as given up otherwise.
    fn take(&mut self, frame: Frame<'a, H264Descriptor>) {
        match H264Frame::read(&frame) {
            Ok(f) => self.frame = Some(f),
            Err(e) => {
                tracing::debug!(timestamp = frame.timestamp, error = %e, "access unit rejected");
                self.incomplete.frames += 1;
                self.incomplete.packets += frame.packet_ends.len();
                self.rejected = Some(e);
            }
        }
    }
}

/// The payloads of a frame, one by one.
fn payloads<'a>(data: &'a [u8], ends: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    ends.iter().scan(0usize, move |start, &end| {
        let payload = data.get(*start..end);
        *start = end;
        payload
    })
}

impl<'a> H264Frame<'a> {
    fn read(frame: &Frame<'a, H264Descriptor>) -> Result<Self, PayloadError> {
        let mut out = Self {
            timestamp: frame.timestamp,
            first_sequence: frame.first_sequence,
            last_sequence: frame.last_sequence,
            nal_units: 0,
            idr: false,
            sps: false,
            pps: false,
            nal_octets: 0,
            data: frame.data,
            packet_ends: frame.packet_ends,
        };
        let note = |out: &mut Self, header: u8, len: usize| {
            out.nal_units += 1;
            out.nal_octets += len;
            match nal_type(header) {
                types::IDR => out.idr = true,
                types::SPS => out.sps = true,
                types::PPS => out.pps = true,
                _ => {}
            }
        };
        // The type of the NAL unit whose FU-As are being read.
        let mut fragmenting = None;
        for payload in payloads(frame.data, frame.packet_ends) {
            match H264Packet::parse(payload)? {
                H264Packet::Single(nal) => {
                    if fragmenting.is_some() {
                        return Err(PayloadError::H264BrokenFragments);
                    }
                    note(&mut out, nal.first().copied().unwrap_or(0), nal.len());
                }
                H264Packet::StapA(stap) => {
                    if fragmenting.is_some() {
                        return Err(PayloadError::H264BrokenFragments);
                    }
                    for nal in stap.nal_units() {
                        note(&mut out, nal.first().copied().unwrap_or(0), nal.len());
                    }
                }
                H264Packet::FuA(fu) => {
                    if fu.start {
                        if fragmenting.is_some() {
                            return Err(PayloadError::H264BrokenFragments);
                        }
                        fragmenting = Some(fu.nal_type);
                        note(&mut out, fu.nal_header(), 1);
                    } else if fragmenting != Some(fu.nal_type) {
                        return Err(PayloadError::H264BrokenFragments);
                    }
                    out.nal_octets += fu.data.len();
                    if fu.end {
                        fragmenting = None;
                    }
                }
            }
        }
        if fragmenting.is_some() {
            return Err(PayloadError::H264BrokenFragments);
        }
        Ok(out)
    }

    /// Whether the access unit holds an IDR slice and both parameter sets, so a decoder
    /// can start from it with nothing before.
    pub fn is_self_contained(&self) -> bool {
        self.idr && self.sps && self.pps
    }

    /// Octets [`write`](Self::write) takes: the NAL units with four octets before each.
    pub fn output_len(&self) -> usize {
        self.nal_octets + 4 * self.nal_units
    }

    /// Writes the access unit's NAL units, in order, at the start of `out`, each after a
    /// start code or its length as `format` says; returns the octets written. Fails,
    /// writing nothing, when `out` is shorter than [`output_len`](Self::output_len).
    pub fn write(&self, format: NalFormat, out: &mut [u8]) -> Result<usize, PayloadError> {
        let needed = self.output_len();
        let got = out.len();
        if got < needed {
            return Err(PayloadError::BufferTooSmall { needed, got });
        }
        let mut at = 0;
        let mut put = |out: &mut [u8], octets: &[u8]| {
            let end = at + octets.len();
            out.get_mut(at..end)
                .ok_or(PayloadError::BufferTooSmall { needed: end, got })?
                .copy_from_slice(octets);
            at = end;
            Ok::<usize, PayloadError>(end)
        };
        let prefix = |len: usize| match format {
            NalFormat::AnnexB => [0, 0, 0, 1],
            NalFormat::LengthPrefixed => u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes(),
        };
        // Where the fragmented NAL unit's prefix is, and its length so far.
        let mut fragment_prefix = (0, 0);
        for payload in payloads(self.data, self.packet_ends) {
            match H264Packet::parse(payload)? {
                H264Packet::Single(nal) => {
                    put(out, &prefix(nal.len()))?;
                    put(out, nal)?;
                }
                H264Packet::StapA(stap) => {
                    for nal in stap.nal_units() {
                        put(out, &prefix(nal.len()))?;
                        put(out, nal)?;
                    }
                }
                H264Packet::FuA(fu) => {
                    if fu.start {
                        let start = put(out, &prefix(0))? - 4;
                        put(out, &[fu.nal_header()])?;
                        fragment_prefix = (start, 1);
                    }
                    put(out, fu.data)?;
                    fragment_prefix.1 += fu.data.len();
                    if fu.end {
                        let (start, len) = fragment_prefix;
                        out.get_mut(start..start + 4)
                            .ok_or(PayloadError::BufferTooSmall { needed, got })?
                            .copy_from_slice(&prefix(len));
                    }
                }
            }
        }
        Ok(at)
    }
}
