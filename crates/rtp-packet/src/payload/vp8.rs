//! VP8 video (RFC 7741): the payload descriptor, the payload header, a packetizer and a
//! frame reassembler.
//!
//! Every RTP payload starts with a payload descriptor (§4.2); the packet that starts a
//! frame continues with the VP8 payload header (§4.3), the first three octets of the VP8
//! frame, which tells key frames from inter frames.

use super::PayloadError;
use super::fragment::{Fragment, Packetizer, PayloadDescriptor, WriteFields};
use super::picture_id::PictureId;
use super::reassembly::{Depacketizer, Frame, ReassemblyDescriptor};
use super::wire::{Reader, Writer};

/// The VP8 payload descriptor (RFC 7741 §4.2).
///
/// ```text
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL, second octet when M = 1)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// ```
///
/// The X octet is sent exactly when one of the optional fields is present. Reserved bits
/// are written as zero and ignored on reading (§4.2). A descriptor is not refused for
/// combinations the RFC asks senders to avoid (such as L = 1 with T = 0): it is read and
/// written as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Vp8Descriptor {
    /// N: the frame is not used as a reference by other frames.
    pub non_reference: bool,
    /// S: the payload starts a VP8 partition.
    pub start_of_partition: bool,
    /// PID: index of the partition the payload belongs to, 0 to 7.
    pub partition_index: u8,
    /// I and PictureID: running index of the frame.
    pub picture_id: Option<PictureId>,
    /// L and TL0PICIDX: running index of the temporal base layer frames.
    pub tl0_pic_idx: Option<u8>,
    /// T with TID and Y: the temporal layer of the frame.
    pub temporal_layer: Option<TemporalLayer>,
    /// K and KEYIDX: running index of key frames, 0 to 31.
    pub key_idx: Option<u8>,
}

/// The temporal layer fields of the VP8 descriptor, sent when T = 1 (RFC 7741 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TemporalLayer {
    /// TID: temporal layer index, 0 to 3.
    pub tid: u8,
    /// Y: layer sync, the frame depends only on temporal base layer frames.
    pub layer_sync: bool,
}

const X_BIT: u8 = 0x80;
const N_BIT: u8 = 0x20;
const S_BIT: u8 = 0x10;
const PID_MASK: u8 = 0x07;
const I_BIT: u8 = 0x80;
const L_BIT: u8 = 0x40;
const T_BIT: u8 = 0x20;
const K_BIT: u8 = 0x10;
const Y_BIT: u8 = 0x20;
const KEYIDX_MASK: u8 = 0x1F;

impl Vp8Descriptor {
    /// Parses the descriptor at the start of an RTP payload (RFC 7741 §4.2), returning it
    /// and the VP8 data after it.
    pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
        let mut reader = Reader::new(payload);
        let first = reader.u8()?;
        let mut descriptor = Self {
            non_reference: first & N_BIT != 0,
            start_of_partition: first & S_BIT != 0,
            partition_index: first & PID_MASK,
            ..Self::default()
        };
        if first & X_BIT != 0 {
            let extension = reader.u8()?;
            if extension & I_BIT != 0 {
                descriptor.picture_id = Some(PictureId::read(&mut reader)?);
            }
            if extension & L_BIT != 0 {
                descriptor.tl0_pic_idx = Some(reader.u8()?);
            }
            if extension & (T_BIT | K_BIT) != 0 {
                let layer = reader.u8()?;
                // TID/Y are ignored unless T is set, KEYIDX unless K is set (§4.2).
                if extension & T_BIT != 0 {
                    descriptor.temporal_layer = Some(TemporalLayer {
                        tid: layer >> 6,
                        layer_sync: layer & Y_BIT != 0,
                    });
                }
                if extension & K_BIT != 0 {
                    descriptor.key_idx = Some(layer & KEYIDX_MASK);
                }
            }
        }
        Ok((descriptor, reader.rest()))
    }

    /// Whether the payload after this descriptor starts a frame: S = 1 and PID = 0, where
    /// the VP8 payload header follows (RFC 7741 §4.3).
    pub fn starts_frame(&self) -> bool {
        self.start_of_partition && self.partition_index == 0
    }

    fn has_extension(&self) -> bool {
        self.picture_id.is_some()
            || self.tl0_pic_idx.is_some()
            || self.temporal_layer.is_some()
            || self.key_idx.is_some()
    }
}

fn out_of_range(field: &'static str, value: u8) -> PayloadError {
    PayloadError::FieldOutOfRange {
        field,
        value: u32::from(value),
    }
}

/// The VP8 payload header: the first three octets of a VP8 frame, present at the start of
/// the payload when S = 1 and PID = 0 (RFC 7741 §4.3; RFC 6386 §9.1).
///
/// ```text
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |Size0|H| VER |P|
/// +-+-+-+-+-+-+-+-+
/// |     Size1     |
/// +-+-+-+-+-+-+-+-+
/// |     Size2     |
/// +-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vp8PayloadHeader {
    /// P inverted: the frame is a key frame (P = 0).
    pub key_frame: bool,
    /// VER: the version number of the frame (RFC 6386 §9.1).
    pub version: u8,
    /// H: show_frame, whether the frame is to be displayed.
    pub show_frame: bool,
    /// Size0 + 8 × Size1 + 2048 × Size2: the size of the first partition in octets.
    pub first_partition_size: u32,
}

impl Vp8PayloadHeader {
    /// Parses the payload header from the start of a frame's data (RFC 7741 §4.3).
    pub fn parse(frame: &[u8]) -> Result<Self, PayloadError> {
        match frame {
            [first, size1, size2, ..] => Ok(Self {
                key_frame: first & 0x01 == 0,
                version: (first >> 1) & 0x07,
                show_frame: first & 0x10 != 0,
                first_partition_size: u32::from(first >> 5)
                    + 8 * u32::from(*size1)
                    + 2048 * u32::from(*size2),
            }),
            _ => Err(PayloadError::Truncated {
                needed: 3,
                got: frame.len(),
            }),
        }
    }
}

/// Whether an RTP payload starts a VP8 key frame: its descriptor has S = 1 and PID = 0 and
/// the payload header that follows has P = 0 (RFC 7741 §4.3). A payload that does not
/// start a frame is not a key frame start.
pub fn is_key_frame(payload: &[u8]) -> Result<bool, PayloadError> {
    let (descriptor, data) = Vp8Descriptor::parse(payload)?;
    if !descriptor.starts_frame() {
        return Ok(false);
    }
    Ok(Vp8PayloadHeader::parse(data)?.key_frame)
}

/// One RTP payload of a packetized VP8 frame: a [`Vp8Descriptor`] and the part of the frame
/// it carries.
pub type Vp8Fragment<'a> = Fragment<'a, Vp8Descriptor>;

impl WriteFields for Vp8Descriptor {
    /// The fields in wire order (RFC 7741 §4.2).
    fn write_fields(&self, writer: &mut Writer<'_>) {
        let extended = self.has_extension();
        writer.u8(if extended { X_BIT } else { 0 }
            | if self.non_reference { N_BIT } else { 0 }
            | if self.start_of_partition { S_BIT } else { 0 }
            | (self.partition_index & PID_MASK));
        if !extended {
            return;
        }
        writer.u8(if self.picture_id.is_some() { I_BIT } else { 0 }
            | if self.tl0_pic_idx.is_some() { L_BIT } else { 0 }
            | if self.temporal_layer.is_some() {
                T_BIT
            } else {
                0
            }
            | if self.key_idx.is_some() { K_BIT } else { 0 });
        if let Some(picture_id) = self.picture_id {
            picture_id.write(writer);
        }
        if let Some(tl0_pic_idx) = self.tl0_pic_idx {
            writer.u8(tl0_pic_idx);
        }
        if self.temporal_layer.is_some() || self.key_idx.is_some() {
            let layer = self.temporal_layer.unwrap_or_default();
            writer.u8((layer.tid & 0x03) << 6
                | if layer.layer_sync { Y_BIT } else { 0 }
                | (self.key_idx.unwrap_or(0) & KEYIDX_MASK));
        }
    }
}

impl PayloadDescriptor for Vp8Descriptor {
    /// Octets the descriptor takes on the wire, 1 to 6.
    fn encoded_len(&self) -> usize {
        if !self.has_extension() {
            return 1;
        }
        2 + self.picture_id.map_or(0, PictureId::wire_len)
            + usize::from(self.tl0_pic_idx.is_some())
            + usize::from(self.temporal_layer.is_some() || self.key_idx.is_some())
    }

    /// Checks every field fits its width (RFC 7741 §4.2).
    fn validate(&self) -> Result<(), PayloadError> {
        if self.partition_index > PID_MASK {
            return Err(out_of_range("PID", self.partition_index));
        }
        if let Some(picture_id) = self.picture_id {
            picture_id.validate()?;
        }
        if let Some(layer) = self.temporal_layer.filter(|l| l.tid > 3) {
            return Err(out_of_range("TID", layer.tid));
        }
        if let Some(key_idx) = self.key_idx.filter(|&k| k > KEYIDX_MASK) {
            return Err(out_of_range("KEYIDX", key_idx));
        }
        Ok(())
    }

    /// S on the first fragment; PID 0 on all (RFC 7741 §4.4 allows sending the frame as
    /// one partition stream whatever its partitions).
    fn for_fragment(&self, first: bool, _last: bool) -> Self {
        Self {
            start_of_partition: first,
            partition_index: 0,
            ..*self
        }
    }
}

impl ReassemblyDescriptor for Vp8Descriptor {
    /// A frame starts with S = 1 and PID = 0 and ends with the marker bit (RFC 7741 §4.5).
    fn parse_packet(
        payload: &[u8],
        marker: bool,
    ) -> Result<(Self, bool, bool, &[u8]), PayloadError> {
        let (descriptor, data) = Self::parse(payload)?;
        Ok((descriptor, descriptor.starts_frame(), marker, data))
    }
}

/// Splits one VP8 frame into RTP payloads of at most an MTU (RFC 7741 §4.4), without
/// allocating: an iterator of [`Vp8Fragment`]s borrowing the frame.
///
/// The frame is sent as one partition stream: the first payload has S = 1 and PID = 0,
/// the others S = 0 and PID = 0, which RFC 7741 §4.4 allows without regard to partition
/// boundaries. Every payload repeats the caller's picture ID, TL0PICIDX, TID/Y and KEYIDX
/// fields, and the last one carries the marker bit.
pub type Vp8Packetizer<'a> = Packetizer<'a, Vp8Descriptor>;

impl<'a> Vp8Packetizer<'a> {
    /// Plans the packets of `frame` with `descriptor`'s fields, each RTP payload at most
    /// `mtu` octets. The descriptor's S and PID are set by the packetizer.
    ///
    /// Fails for an empty frame, a descriptor field out of range, or an MTU that leaves no
    /// room for frame data after the descriptor.
    pub fn new(
        frame: &'a [u8],
        descriptor: Vp8Descriptor,
        mtu: usize,
    ) -> Result<Self, PayloadError> {
        Self::plan(frame, descriptor, true, mtu)
    }
}

/// A reassembled VP8 frame; its `descriptor` is the first packet's.
pub type Vp8Frame<'a> = Frame<'a, Vp8Descriptor>;

impl Vp8Frame<'_> {
    /// The frame's payload header (RFC 7741 §4.3), which says whether it is a key frame.
    pub fn payload_header(&self) -> Result<Vp8PayloadHeader, PayloadError> {
        Vp8PayloadHeader::parse(self.data)
    }
}

/// Rebuilds VP8 frames from the RTP payloads of one stream (RFC 7741 §4.5).
///
/// A frame starts with a packet whose descriptor has S = 1 and PID = 0 and ends with the
/// packet that has the RTP marker bit; its packets have consecutive sequence numbers and
/// one timestamp. See [`reassembly`](super::reassembly) for ordering, loss reporting and
/// the memory bound.
pub type Vp8Depacketizer = Depacketizer<Vp8Descriptor>;
