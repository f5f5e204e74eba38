//! Splitting an H.264 access unit into RTP payloads (RFC 6184 §6.2, §6.3).

use super::nal::{Nals, check_nal, nal_type, types};
use crate::payload::PayloadError;
use crate::payload::fragment::{ChunkPlan, Chunks};

/// RFC 6184's packetization modes (§6), as the `packetization-mode` fmtp parameter names
/// them. The interleaved mode (2) is not supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PacketizationMode {
    /// Mode 0 (§6.2): one NAL unit per packet; the default when fmtp names no mode.
    #[default]
    SingleNalUnit,
    /// Mode 1 (§6.3): single NAL unit packets, STAP-A and FU-A, in decoding order.
    NonInterleaved,
}

impl PacketizationMode {
    /// The mode's number in fmtp.
    pub fn number(self) -> u8 {
        match self {
            Self::SingleNalUnit => 0,
            Self::NonInterleaved => 1,
        }
    }
}

/// Splits one H.264 access unit into RTP payloads of at most an MTU (RFC 6184), without
/// allocating: an iterator of [`H264Payload`]s borrowing the input.
///
/// In [mode 0](PacketizationMode::SingleNalUnit) every NAL unit is its own payload, and
/// one larger than the MTU is refused ([`PayloadError::H264NalTooLarge`]) before anything
/// is produced. In [mode 1](PacketizationMode::NonInterleaved) consecutive NAL units that
/// fit one MTU together (parameter sets, SEI, small slices) share a STAP-A (§5.7.1, its
/// NRI the largest of theirs and F set if any has it), a NAL unit that fits alone is sent
/// alone, and a larger one is split into FU-As (§5.8) of sizes as even as the MTU allows
/// (the split the VP8 and VP9 packetizers use). The last payload carries the marker bit
/// (§5.1: the last packet of the access unit).
///
/// Every NAL unit is checked when the packetizer is built: none may be empty or of a
/// type RFC 6184 uses for its own structures (24 to 29).
#[derive(Debug, Clone)]
pub struct H264Packetizer<'a> {
    nals: Nals<'a>,
    mode: PacketizationMode,
    mtu: usize,
    /// The NAL unit being sent as FU-As: its header octet, the rest, and the split.
    fragmenting: Option<(u8, &'a [u8], Chunks)>,
    remaining: usize,
}

/// One RTP payload of a packetized access unit, borrowing the input.
#[derive(Debug, Clone, Copy)]
pub struct H264Payload<'a> {
    kind: Kind<'a>,
    /// The RTP marker bit: set on the access unit's last payload.
    pub marker: bool,
}

#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Single(&'a [u8]),
    StapA {
        header: u8,
        units: Nals<'a>,
        count: usize,
        len: usize,
    },
    FuA {
        indicator: u8,
        fu_header: u8,
        data: &'a [u8],
    },
}

/// What the next payload of an access unit is, before any octet is written: one payload,
/// or a NAL unit to send as FU-As.
enum Step<'a> {
    Send(Kind<'a>),
    Fragment(&'a [u8], ChunkPlan),
}

impl<'a> H264Packetizer<'a> {
    /// Plans the payloads of an access unit given as an Annex B byte stream (start codes
    /// of three or four octets; leading and trailing zero octets ignored).
    pub fn from_annex_b(
        access_unit: &'a [u8],
        mode: PacketizationMode,
        mtu: usize,
    ) -> Result<Self, PayloadError> {
        Self::plan(Nals::annex_b(access_unit)?, mode, mtu)
    }

    /// Plans the payloads of an access unit given as its NAL units, each with its header
    /// octet and without a start code or length prefix.
    pub fn from_nal_units(
        nal_units: &'a [&'a [u8]],
        mode: PacketizationMode,
        mtu: usize,
    ) -> Result<Self, PayloadError> {
        Self::plan(Nals::List(nal_units), mode, mtu)
    }

    fn plan(nals: Nals<'a>, mode: PacketizationMode, mtu: usize) -> Result<Self, PayloadError> {
        if mtu == 0 {
            return Err(PayloadError::MtuTooSmall { mtu, needed: 1 });
        }
        let mut walk = nals;
        let mut remaining = 0;
        while let Some(step) = next_step(&mut walk, mode, mtu)? {
            remaining += match step {
                Step::Fragment(_, plan) => Chunks::new(plan).remaining(),
                Step::Send(_) => 1,
            };
        }
        if remaining == 0 {
            return Err(PayloadError::EmptyFrame);
        }
        Ok(Self {
            nals,
            mode,
            mtu,
            fragmenting: None,
            remaining,
        })
    }

    /// Number of payloads still to come.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

/// The next payload's plan, taking its NAL units off `nals`.
fn next_step<'a>(
    nals: &mut Nals<'a>,
    mode: PacketizationMode,
    mtu: usize,
) -> Result<Option<Step<'a>>, PayloadError> {
    let start = *nals;
    let Some(nal) = nals.next() else {
        return Ok(None);
    };
    check_nal(nal)?;
    if mode == PacketizationMode::SingleNalUnit {
        if nal.len() > mtu {
            return Err(PayloadError::H264NalTooLarge {
                len: nal.len(),
                mtu,
            });
        }
        return Ok(Some(Step::Send(Kind::Single(nal))));
    }
    // A STAP-A when the next NAL unit fits one with this one, growing while more fit.
    let mut len = 1 + 2 + nal.len();
    let mut count = 1;
    let header = nal.first().copied().unwrap_or(0);
    let (mut f, mut nri) = (header & 0x80, header & 0x60);
    let mut ahead = *nals;
    let mut aggregating = nal.len() <= usize::from(u16::MAX);
    while aggregating {
        let Some(next) = ahead.next() else { break };
        check_nal(next)?;
        aggregating = len + 2 + next.len() <= mtu && next.len() <= usize::from(u16::MAX);
        if aggregating {
            len += 2 + next.len();
            count += 1;
            let next_header = next.first().copied().unwrap_or(0);
            f |= next_header & 0x80;
            nri = nri.max(next_header & 0x60);
            *nals = ahead;
        }
    }
    if count > 1 {
        return Ok(Some(Step::Send(Kind::StapA {
            header: f | nri | types::STAP_A,
            units: start,
            count,
            len,
        })));
    }
    if nal.len() <= mtu {
        return Ok(Some(Step::Send(Kind::Single(nal))));
    }
    let rest = nal.get(1..).unwrap_or_default();
    Ok(Some(Step::Fragment(
        nal,
        ChunkPlan::new(rest.len(), mtu, 2, 2)?,
    )))
}

impl<'a> Iterator for H264Packetizer<'a> {
    type Item = H264Payload<'a>;

    fn next(&mut self) -> Option<H264Payload<'a>> {
        if self.fragmenting.is_none() {
            let step = next_step(&mut self.nals, self.mode, self.mtu).ok()??;
            let kind = match step {
                Step::Send(kind) => kind,
                Step::Fragment(nal, plan) => {
                    let (&header, rest) = nal.split_first()?;
                    self.fragmenting = Some((header, rest, Chunks::new(plan)));
                    return self.next();
                }
            };
            self.remaining = self.remaining.saturating_sub(1);
            let marker = self.remaining == 0;
            return Some(H264Payload { kind, marker });
        }
        let (header, rest, chunks) = self.fragmenting.as_mut()?;
        let (range, first, last) = chunks.next()?;
        let data = rest.get(range)?;
        let fu_header =
            if first { 0x80 } else { 0 } | if last { 0x40 } else { 0 } | nal_type(*header);
        let indicator = (*header & 0xE0) | types::FU_A;
        if last {
            self.fragmenting = None;
        }
        self.remaining = self.remaining.saturating_sub(1);
        Some(H264Payload {
            kind: Kind::FuA {
                indicator,
                fu_header,
                data,
            },
            marker: self.remaining == 0,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for H264Packetizer<'_> {}

impl H264Payload<'_> {
    /// Length of the RTP payload.
    pub fn len(&self) -> usize {
        match self.kind {
            Kind::Single(nal) => nal.len(),
            Kind::StapA { len, .. } => len,
            Kind::FuA { data, .. } => 2 + data.len(),
        }
    }

    /// Whether the payload is empty; never true for a packetizer's payloads.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type field of the payload's first octet: a NAL unit type (1 to 23) for a
    /// single NAL unit packet, 24 for a STAP-A, 28 for an FU-A.
    pub fn packet_type(&self) -> u8 {
        match self.kind {
            Kind::Single(nal) => nal_type(nal.first().copied().unwrap_or(0)),
            Kind::StapA { .. } => types::STAP_A,
            Kind::FuA { .. } => types::FU_A,
        }
    }

    /// Writes the RTP payload at the start of `out`, returning its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, PayloadError> {
        let needed = self.len();
        let got = out.len();
        let out = out
            .get_mut(..needed)
            .ok_or(PayloadError::BufferTooSmall { needed, got })?;
        let mut at = 0;
        let mut put = |octets: &[u8]| {
            let end = at + octets.len();
            let slot = out
                .get_mut(at..end)
                .ok_or(PayloadError::BufferTooSmall { needed: end, got })?;
            slot.copy_from_slice(octets);
            at = end;
            Ok::<(), PayloadError>(())
        };
        match self.kind {
            Kind::Single(nal) => put(nal)?,
            Kind::StapA {
                header,
                units,
                count,
                ..
            } => {
                put(&[header])?;
                for unit in units.take(count) {
                    let size =
                        u16::try_from(unit.len()).map_err(|_| PayloadError::FieldOutOfRange {
                            field: "NALU size",
                            value: u32::try_from(unit.len()).unwrap_or(u32::MAX),
                        })?;
                    put(&size.to_be_bytes())?;
                    put(unit)?;
                }
            }
            Kind::FuA {
                indicator,
                fu_header,
                data,
            } => {
                put(&[indicator, fu_header])?;
                put(data)?;
            }
        }
        Ok(needed)
    }
}
