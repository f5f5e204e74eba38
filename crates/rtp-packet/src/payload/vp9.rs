//! VP9 video (RFC 9628): the payload descriptor with its scalability structure, a
//! packetizer and a frame reassembler.
//!
//! Every RTP payload starts with a payload descriptor (§4.2). A VP9 *picture* may hold
//! several *frames*, one per spatial layer, all with one RTP timestamp; B and E mark the
//! first and last packet of each frame and the RTP marker bit the end of the picture.

mod scalability;

pub use scalability::{
    PictureGroup, PictureGroupEntry, References, Resolution, Resolutions, ScalabilityStructure,
};

use super::PayloadError;
use super::fragment::{Fragment, Packetizer, PayloadDescriptor, WriteFields};
use super::picture_id::PictureId;
use super::reassembly::{Depacketizer, Frame, ReassemblyDescriptor};
use super::wire::{Reader, Writer};

/// The layer indices of a VP9 frame, sent when L = 1 (RFC 9628 §4.2).
///
/// ```text
/// +-+-+-+-+-+-+-+-+
/// | TID |U| SID |D|
/// +-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LayerIndices {
    /// TID: temporal layer index, 0 to 7.
    pub tid: u8,
    /// U: switching-up point.
    pub switching_up: bool,
    /// SID: spatial layer index, 0 to 7.
    pub sid: u8,
    /// D: the frame depends on the frame of the spatial layer below in the same picture.
    pub inter_layer_dependency: bool,
}

/// The VP9 payload descriptor (RFC 9628 §4.2).
///
/// ```text
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |I|P|L|F|B|E|V|Z| (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PICTURE ID  | (second octet when M = 1)
///      +-+-+-+-+-+-+-+-+
/// L:   | TID |U| SID |D|
///      +-+-+-+-+-+-+-+-+
///      |   TL0PICIDX   | (only when F = 0)
///      +-+-+-+-+-+-+-+-+                  -\
/// P,F: | P_DIFF      |N| (only when F = 1)  - up to 3 times
///      +-+-+-+-+-+-+-+-+                  -/
/// V:   | SS            |
///      | ..            |
///      +-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp9Descriptor<'a> {
    /// I and PICTURE ID: running index of the picture; required in flexible mode.
    pub picture_id: Option<PictureId>,
    /// P: the frame is inter-picture predicted (not a key frame of its layer).
    pub inter_picture_predicted: bool,
    /// L: the layer indices.
    pub layers: Option<LayerIndices>,
    /// F: flexible mode, where references are listed in each descriptor.
    pub flexible_mode: bool,
    /// B: the payload starts a frame.
    pub start_of_frame: bool,
    /// E: the payload ends a frame.
    pub end_of_frame: bool,
    /// Z: the frame is not used as a reference by upper spatial layers.
    pub not_upper_reference: bool,
    /// TL0PICIDX: running index of temporal base layer pictures; present exactly when
    /// F = 0 and L = 1.
    pub tl0_pic_idx: Option<u8>,
    /// P_DIFF list (7 bits each): present exactly when F = 1 and P = 1.
    pub references: References,
    /// V and SS: the scalability structure.
    pub scalability_structure: Option<ScalabilityStructure<'a>>,
}

const I_BIT: u8 = 0x80;
const P_BIT: u8 = 0x40;
const L_BIT: u8 = 0x20;
const F_BIT: u8 = 0x10;
const B_BIT: u8 = 0x08;
const E_BIT: u8 = 0x04;
const V_BIT: u8 = 0x02;
const Z_BIT: u8 = 0x01;

/// Largest flexible-mode P_DIFF (7 bits).
const MAX_P_DIFF: u8 = 0x7F;

impl<'a> Vp9Descriptor<'a> {
    /// A descriptor with every bit clear and no optional field.
    pub fn new() -> Self {
        Self {
            picture_id: None,
            inter_picture_predicted: false,
            layers: None,
            flexible_mode: false,
            start_of_frame: false,
            end_of_frame: false,
            not_upper_reference: false,
            tl0_pic_idx: None,
            references: References::default(),
            scalability_structure: None,
        }
    }

    /// Parses the descriptor at the start of an RTP payload (RFC 9628 §4.2), returning it
    /// and the VP9 data after it.
    pub fn parse(payload: &'a [u8]) -> Result<(Self, &'a [u8]), PayloadError> {
        let mut reader = Reader::new(payload);
        let first = reader.u8()?;
        let mut descriptor = Self {
            inter_picture_predicted: first & P_BIT != 0,
            flexible_mode: first & F_BIT != 0,
            start_of_frame: first & B_BIT != 0,
            end_of_frame: first & E_BIT != 0,
            not_upper_reference: first & Z_BIT != 0,
            ..Self::new()
        };
        if first & I_BIT != 0 {
            descriptor.picture_id = Some(PictureId::read(&mut reader)?);
        } else if descriptor.flexible_mode {
            return Err(PayloadError::Vp9FlexibleWithoutPictureId);
        }
        if first & L_BIT != 0 {
            let layer = reader.u8()?;
            descriptor.layers = Some(LayerIndices {
                tid: layer >> 5,
                switching_up: layer & 0x10 != 0,
                sid: (layer >> 1) & 0x07,
                inter_layer_dependency: layer & 0x01 != 0,
            });
            if !descriptor.flexible_mode {
                descriptor.tl0_pic_idx = Some(reader.u8()?);
            }
        }
        if descriptor.flexible_mode && descriptor.inter_picture_predicted {
            descriptor.references = References::read_flexible(&mut reader)?;
        }
        if first & V_BIT != 0 {
            descriptor.scalability_structure = Some(ScalabilityStructure::read(&mut reader)?);
        }
        Ok((descriptor, reader.rest()))
    }

    /// The same descriptor without its scalability structure, no longer borrowing the
    /// packet.
    pub fn without_scalability_structure(&self) -> Vp9Descriptor<'static> {
        Vp9Descriptor {
            picture_id: self.picture_id,
            inter_picture_predicted: self.inter_picture_predicted,
            layers: self.layers,
            flexible_mode: self.flexible_mode,
            start_of_frame: self.start_of_frame,
            end_of_frame: self.end_of_frame,
            not_upper_reference: self.not_upper_reference,
            tl0_pic_idx: self.tl0_pic_idx,
            references: self.references,
            scalability_structure: None,
        }
    }
}

impl Default for Vp9Descriptor<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn out_of_range(field: &'static str, value: u8) -> PayloadError {
    PayloadError::FieldOutOfRange {
        field,
        value: u32::from(value),
    }
}

/// One RTP payload of a packetized VP9 frame: a [`Vp9Descriptor`] and the part of the frame
/// it carries.
pub type Vp9Fragment<'a> = Fragment<'a, Vp9Descriptor<'a>>;

impl WriteFields for Vp9Descriptor<'_> {
    /// The fields in wire order (RFC 9628 §4.2).
    fn write_fields(&self, writer: &mut Writer<'_>) {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        writer.u8(flag(self.picture_id.is_some(), I_BIT)
            | flag(self.inter_picture_predicted, P_BIT)
            | flag(self.layers.is_some(), L_BIT)
            | flag(self.flexible_mode, F_BIT)
            | flag(self.start_of_frame, B_BIT)
            | flag(self.end_of_frame, E_BIT)
            | flag(self.scalability_structure.is_some(), V_BIT)
            | flag(self.not_upper_reference, Z_BIT));
        if let Some(picture_id) = self.picture_id {
            picture_id.write(writer);
        }
        if let Some(layers) = self.layers {
            writer.u8((layers.tid & 0x07) << 5
                | flag(layers.switching_up, 0x10)
                | (layers.sid & 0x07) << 1
                | flag(layers.inter_layer_dependency, 0x01));
        }
        if let Some(tl0_pic_idx) = self.tl0_pic_idx {
            writer.u8(tl0_pic_idx);
        }
        self.references.write_flexible(writer);
        if let Some(ss) = &self.scalability_structure {
            ss.write(writer);
        }
    }
}

impl PayloadDescriptor for Vp9Descriptor<'_> {
    /// Octets the descriptor takes on the wire.
    fn encoded_len(&self) -> usize {
        1 + self.picture_id.map_or(0, PictureId::wire_len)
            + usize::from(self.layers.is_some())
            + usize::from(self.tl0_pic_idx.is_some())
            + self.references.len()
            + self.scalability_structure.map_or(0, |ss| ss.encoded_len())
    }

    /// Checks the descriptor can be written: fields fit their widths, and the optional
    /// fields present are exactly those the flag bits call for (RFC 9628 §4.2).
    fn validate(&self) -> Result<(), PayloadError> {
        match self.picture_id {
            Some(picture_id) => picture_id.validate()?,
            None if self.flexible_mode => return Err(PayloadError::Vp9FlexibleWithoutPictureId),
            None => {}
        }
        if let Some(layers) = self.layers {
            if layers.tid > 7 {
                return Err(out_of_range("TID", layers.tid));
            }
            if layers.sid > 7 {
                return Err(out_of_range("SID", layers.sid));
            }
        }
        if self.tl0_pic_idx.is_some() != (!self.flexible_mode && self.layers.is_some()) {
            return Err(PayloadError::Vp9Tl0PicIdxMismatch);
        }
        if self.references.is_empty() == (self.flexible_mode && self.inter_picture_predicted) {
            return Err(PayloadError::Vp9ReferencesMismatch);
        }
        if let Some(&diff) = self.references.as_slice().iter().find(|&&d| d > MAX_P_DIFF) {
            return Err(out_of_range("P_DIFF", diff));
        }
        if let Some(ss) = &self.scalability_structure {
            ss.validate()?;
        }
        Ok(())
    }

    /// B on the first fragment, E on the last, the scalability structure only in the first.
    fn for_fragment(&self, first: bool, last: bool) -> Self {
        Self {
            start_of_frame: first,
            end_of_frame: last,
            scalability_structure: self.scalability_structure.filter(|_| first),
            ..*self
        }
    }
}

impl ReassemblyDescriptor for Vp9Descriptor<'static> {
    /// A frame runs from B = 1 to E = 1 (RFC 9628 §4.5); the kept descriptor drops the
    /// scalability structure, which borrows the packet.
    fn parse_packet(
        payload: &[u8],
        _marker: bool,
    ) -> Result<(Self, bool, bool, &[u8]), PayloadError> {
        let (descriptor, data) = Vp9Descriptor::parse(payload)?;
        Ok((
            descriptor.without_scalability_structure(),
            descriptor.start_of_frame,
            descriptor.end_of_frame,
            data,
        ))
    }
}

/// Splits one VP9 frame (one spatial layer of a picture) into RTP payloads of at most an
/// MTU (RFC 9628 §4.4), without allocating: an iterator of [`Vp9Fragment`]s.
///
/// Every payload repeats the caller's descriptor fields, with B set on the first and E on
/// the last. The scalability structure, if given, is sent in the first payload only. The
/// marker bit is set on the last payload when `end_of_picture` says this frame is the
/// last of its picture.
pub type Vp9Packetizer<'a> = Packetizer<'a, Vp9Descriptor<'a>>;

impl<'a> Vp9Packetizer<'a> {
    /// Plans the packets of `frame` with `descriptor`'s fields, each RTP payload at most
    /// `mtu` octets. The descriptor's B and E are set by the packetizer.
    ///
    /// Fails for an empty frame, an invalid descriptor, or an MTU that leaves no room for
    /// frame data after the descriptor.
    pub fn new(
        frame: &'a [u8],
        descriptor: Vp9Descriptor<'a>,
        end_of_picture: bool,
        mtu: usize,
    ) -> Result<Self, PayloadError> {
        Self::plan(frame, descriptor, end_of_picture, mtu)
    }
}

/// A reassembled VP9 frame; its `descriptor` is the first packet's without the
/// scalability structure (parse that packet to read it), and `marker` says whether the
/// frame ends its picture.
pub type Vp9Frame<'a> = Frame<'a, Vp9Descriptor<'static>>;

/// Rebuilds VP9 frames from the RTP payloads of one stream (RFC 9628 §4.5).
///
/// A frame runs from a packet with B = 1 to a packet with E = 1, over consecutive sequence
/// numbers with one timestamp; each spatial layer of a picture is its own frame. See
/// [`reassembly`](super::reassembly) for ordering, loss reporting and the memory bound.
pub type Vp9Depacketizer = Depacketizer<Vp9Descriptor<'static>>;
