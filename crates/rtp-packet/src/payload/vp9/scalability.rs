//! The VP9 scalability structure (RFC 9628 §4.2.1) and the reference index lists that it
//! shares with the flexible-mode descriptor.

use crate::payload::PayloadError;
use crate::payload::wire::{Reader, Writer};

/// Up to three reference indices (P_DIFF): how many pictures back each reference is
/// (RFC 9628 §4.2 for flexible mode, §4.2.1 for picture groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct References {
    len: u8,
    diffs: [u8; References::MAX],
}

impl References {
    /// Largest number of reference indices (RFC 9628 §4.2).
    pub const MAX: usize = 3;

    /// A list of up to three reference indices.
    pub fn new(diffs: &[u8]) -> Result<Self, PayloadError> {
        let mut refs = Self::default();
        for &diff in diffs {
            refs.push(diff)?;
        }
        Ok(refs)
    }

    fn push(&mut self, diff: u8) -> Result<(), PayloadError> {
        let slot = self
            .diffs
            .get_mut(usize::from(self.len))
            .ok_or(PayloadError::Vp9TooManyReferences)?;
        *slot = diff;
        self.len += 1;
        Ok(())
    }

    /// The reference indices in order.
    pub fn as_slice(&self) -> &[u8] {
        self.diffs.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Number of reference indices.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads flexible-mode reference indices: 7-bit P_DIFF and an N bit that announces
    /// another (RFC 9628 §4.2).
    pub(crate) fn read_flexible(reader: &mut Reader<'_>) -> Result<Self, PayloadError> {
        let mut refs = Self::default();
        loop {
            let byte = reader.u8()?;
            refs.push(byte >> 1)?;
            if byte & 0x01 == 0 {
                return Ok(refs);
            }
        }
    }

    /// Writes flexible-mode reference indices, each at most 127.
    pub(crate) fn write_flexible(&self, writer: &mut Writer<'_>) {
        let last = self.len().saturating_sub(1);
        for (i, &diff) in self.as_slice().iter().enumerate() {
            writer.u8(diff << 1 | u8::from(i < last));
        }
    }
}

/// The resolution of one spatial layer (RFC 9628 §4.2.1, WIDTH and HEIGHT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
}

/// One picture of a picture group (RFC 9628 §4.2.1): its temporal layer, whether it is a
/// switching-up point, and its references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PictureGroupEntry {
    /// T: temporal layer index, 0 to 7.
    pub tid: u8,
    /// U: switching-up point.
    pub switching_up: bool,
    /// R and P_DIFF: references, as pictures back (8 bits each here).
    pub references: References,
}

/// A list borrowed either from the wire or from the caller, so parsed and built
/// structures are the same type and neither allocates.
#[derive(Debug, Clone, Copy)]
enum Source<'a, T> {
    /// Validated wire octets holding `count` entries.
    Wire { bytes: &'a [u8], count: usize },
    /// Entries given by the caller.
    Given(&'a [T]),
}

impl<T> Source<'_, T> {
    /// Number of entries, whichever side they came from.
    fn len(&self) -> usize {
        match self {
            Self::Wire { count, .. } => *count,
            Self::Given(list) => list.len(),
        }
    }
}

/// The spatial layer resolutions of a scalability structure (Y = 1), one per layer.
#[derive(Debug, Clone, Copy)]
pub struct Resolutions<'a>(Source<'a, Resolution>);

impl<'a> Resolutions<'a> {
    /// Resolutions of the spatial layers, lowest first.
    pub fn new(resolutions: &'a [Resolution]) -> Self {
        Self(Source::Given(resolutions))
    }

    /// Number of resolutions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The resolutions, lowest spatial layer first.
    pub fn iter(&self) -> impl Iterator<Item = Resolution> + 'a {
        let (bytes, given): (&'a [u8], &'a [Resolution]) = match self.0 {
            Source::Wire { bytes, .. } => (bytes, &[]),
            Source::Given(list) => (&[], list),
        };
        bytes
            .chunks_exact(4)
            .map(|c| match c {
                [w0, w1, h0, h1] => Resolution {
                    width: u16::from_be_bytes([*w0, *w1]),
                    height: u16::from_be_bytes([*h0, *h1]),
                },
                _ => Resolution::default(),
            })
            .chain(given.iter().copied())
    }
}

impl PartialEq for Resolutions<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Resolutions<'_> {}

/// The pictures of a picture group (G = 1), at most 255 (RFC 9628 §4.2.1).
#[derive(Debug, Clone, Copy)]
pub struct PictureGroup<'a>(Source<'a, PictureGroupEntry>);

impl<'a> PictureGroup<'a> {
    /// Largest number of pictures (N_G is one octet).
    pub const MAX: usize = 255;

    /// A picture group from the caller's entries.
    pub fn new(entries: &'a [PictureGroupEntry]) -> Self {
        Self(Source::Given(entries))
    }

    /// Number of pictures (N_G).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pictures in order.
    pub fn iter(&self) -> impl Iterator<Item = PictureGroupEntry> + 'a {
        let (bytes, count, given): (&'a [u8], usize, &'a [PictureGroupEntry]) = match self.0 {
            Source::Wire { bytes, count } => (bytes, count, &[]),
            Source::Given(list) => (&[], 0, list),
        };
        let mut reader = Reader::new(bytes);
        core::iter::from_fn(move || read_entry(&mut reader).ok())
            .take(count)
            .chain(given.iter().copied())
    }
}

impl PartialEq for PictureGroup<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for PictureGroup<'_> {}

/// Reads one picture group entry: `| T |U| R |-|-|` then R P_DIFF octets.
fn read_entry(reader: &mut Reader<'_>) -> Result<PictureGroupEntry, PayloadError> {
    let byte = reader.u8()?;
    let mut references = References::default();
    for _ in 0..(byte >> 2) & 0x03 {
        references.push(reader.u8()?)?;
    }
    Ok(PictureGroupEntry {
        tid: byte >> 5,
        switching_up: byte & 0x10 != 0,
        references,
    })
}

/// The scalability structure (SS), sent when V = 1 (RFC 9628 §4.2.1): the spatial layers
/// of the stream, optionally their resolutions, and optionally the picture group that
/// non-flexible mode follows.
///
/// ```text
///       +-+-+-+-+-+-+-+-+
/// V:    | N_S |Y|G|-|-|-|
///       +-+-+-+-+-+-+-+-+              -\
/// Y:    |     WIDTH     | (OPTIONAL)    .
///       +               +               .
///       |               | (OPTIONAL)    .
///       +-+-+-+-+-+-+-+-+               . N_S + 1 times
///       |     HEIGHT    | (OPTIONAL)    .
///       +               +               .
///       |               | (OPTIONAL)    .
///       +-+-+-+-+-+-+-+-+              -/
/// G:    |      N_G      | (OPTIONAL)
///       +-+-+-+-+-+-+-+-+                           -\
/// N_G:  |  T  |U| R |-|-| (OPTIONAL)                 .
///       +-+-+-+-+-+-+-+-+              -\            . N_G times
///       |    P_DIFF     | (OPTIONAL)    . R times    .
///       +-+-+-+-+-+-+-+-+              -/           -/
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalabilityStructure<'a> {
    /// Number of spatial layers, N_S + 1: 1 to 8.
    pub spatial_layers: u8,
    /// Y: the resolution of each spatial layer.
    pub resolutions: Option<Resolutions<'a>>,
    /// G: the picture group description.
    pub picture_group: Option<PictureGroup<'a>>,
}

impl<'a> ScalabilityStructure<'a> {
    /// Largest number of spatial layers (N_S is three bits).
    pub const MAX_SPATIAL_LAYERS: u8 = 8;

    /// Parses a scalability structure, bounds-checking every field.
    pub(crate) fn read(reader: &mut Reader<'a>) -> Result<Self, PayloadError> {
        let first = reader.u8()?;
        let spatial_layers = (first >> 5) + 1;
        let resolutions = if first & 0x10 != 0 {
            let start = reader.rest();
            for _ in 0..spatial_layers {
                reader.u16()?;
                reader.u16()?;
            }
            let count = usize::from(spatial_layers);
            Some(Resolutions(Source::Wire {
                bytes: start.get(..count * 4).unwrap_or_default(),
                count,
            }))
        } else {
            None
        };
        let picture_group = if first & 0x08 != 0 {
            let count = usize::from(reader.u8()?);
            let start = reader.rest();
            let before = reader.position();
            for _ in 0..count {
                read_entry(reader)?;
            }
            let len = reader.position() - before;
            Some(PictureGroup(Source::Wire {
                bytes: start.get(..len).unwrap_or_default(),
                count,
            }))
        } else {
            None
        };
        Ok(Self {
            spatial_layers,
            resolutions,
            picture_group,
        })
    }

    /// Checks the structure can be written.
    pub(crate) fn validate(&self) -> Result<(), PayloadError> {
        if !(1..=Self::MAX_SPATIAL_LAYERS).contains(&self.spatial_layers) {
            return Err(PayloadError::FieldOutOfRange {
                field: "N_S + 1",
                value: u32::from(self.spatial_layers),
            });
        }
        if let Some(resolutions) = &self.resolutions {
            if resolutions.len() != usize::from(self.spatial_layers) {
                return Err(PayloadError::Vp9ResolutionCount {
                    layers: usize::from(self.spatial_layers),
                    resolutions: resolutions.len(),
                });
            }
        }
        if let Some(group) = &self.picture_group {
            if group.len() > PictureGroup::MAX {
                return Err(PayloadError::FieldOutOfRange {
                    field: "N_G",
                    value: u32::try_from(group.len()).unwrap_or(u32::MAX),
                });
            }
            if let Some(entry) = group.iter().find(|e| e.tid > 7) {
                return Err(PayloadError::FieldOutOfRange {
                    field: "T",
                    value: u32::from(entry.tid),
                });
            }
        }
        Ok(())
    }

    /// Octets the structure takes on the wire.
    pub fn encoded_len(&self) -> usize {
        1 + self.resolutions.map_or(0, |r| 4 * r.len())
            + self.picture_group.map_or(0, |g| {
                1 + g.iter().map(|e| 1 + e.references.len()).sum::<usize>()
            })
    }

    /// Writes the validated structure.
    pub(crate) fn write(&self, writer: &mut Writer<'_>) {
        writer.u8((self.spatial_layers.saturating_sub(1) & 0x07) << 5
            | if self.resolutions.is_some() { 0x10 } else { 0 }
            | if self.picture_group.is_some() {
                0x08
            } else {
                0
            });
        if let Some(resolutions) = &self.resolutions {
            for r in resolutions.iter() {
                writer.u16(r.width);
                writer.u16(r.height);
            }
        }
        if let Some(group) = &self.picture_group {
            writer.u8(u8::try_from(group.len()).unwrap_or(u8::MAX));
            for entry in group.iter() {
                writer.u8((entry.tid & 0x07) << 5
                        | if entry.switching_up { 0x10 } else { 0 }
                        // At most 3 references, so R fits its 2 bits.
                        | (entry.references.len() as u8) << 2);
                for &diff in entry.references.as_slice() {
                    writer.u8(diff);
                }
            }
        }
    }
}
