//! RTP header extensions: the RFC 3550 §5.3.1 block and the RFC 8285 elements inside it.
//!
//! One-byte form (profile `0xBEDE`, RFC 8285 §4.2): each element is a byte `ID(4) | L(4)`
//! followed by `L + 1` data bytes; IDs 1–14 are usable, a zero byte is padding, and ID 15
//! ends processing of the block. Two-byte form (profile `0x100` + 4 application bits,
//! RFC 8285 §4.3): each element is an ID byte and a length byte followed by 0–255 data
//! bytes; IDs 1–255 are usable and a zero byte is padding.

mod abs_send_time;
mod audio_level;
mod extmap;
mod playout_delay;
mod transport_sequence;
mod value;
mod video_orientation;
mod writer;

pub use abs_send_time::AbsSendTime;
pub use audio_level::AudioLevel;
pub use extmap::{ExtensionMap, Extmap};
pub use playout_delay::PlayoutDelay;
pub use transport_sequence::TransportSequenceNumber;
pub use value::ExtensionValue;
pub use video_orientation::{Rotation, VideoOrientation};
pub use writer::ExtensionWriter;

use crate::error::Error;
use core::fmt;
use core::iter::FusedIterator;

/// The "defined by profile" value of the RFC 8285 one-byte form.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;

/// The "defined by profile" value of the RFC 8285 two-byte form, with application bits 0.
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// The two RFC 8285 element encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// One-byte headers: IDs 1–14, 1–16 data bytes (RFC 8285 §4.2).
    OneByte,
    /// Two-byte headers: IDs 1–255, 0–255 data bytes (RFC 8285 §4.3).
    TwoByte,
}

impl ExtensionForm {
    /// The form a "defined by profile" value selects, if it is an RFC 8285 one.
    #[inline]
    pub const fn from_profile(profile: u16) -> Option<Self> {
        if profile == ONE_BYTE_PROFILE {
            Some(Self::OneByte)
        } else if profile & 0xfff0 == TWO_BYTE_PROFILE {
            Some(Self::TwoByte)
        } else {
            None
        }
    }

    /// The "defined by profile" value this form writes (application bits 0 for two-byte).
    #[inline]
    pub const fn profile(self) -> u16 {
        match self {
            Self::OneByte => ONE_BYTE_PROFILE,
            Self::TwoByte => TWO_BYTE_PROFILE,
        }
    }

    /// Checks that `id` and a data length of `len` bytes can be written in this form.
    pub const fn check(self, id: u8, len: usize) -> Result<(), Error> {
        let id_ok = match self {
            Self::OneByte => id >= 1 && id <= 14,
            Self::TwoByte => id >= 1,
        };
        if !id_ok {
            return Err(Error::InvalidExtensionId { id, form: self });
        }
        let len_ok = match self {
            Self::OneByte => len >= 1 && len <= 16,
            Self::TwoByte => len <= 255,
        };
        if !len_ok {
            return Err(Error::InvalidExtensionLength {
                id,
                len,
                form: self,
            });
        }
        Ok(())
    }
}

/// One header extension element: its local ID and its data (RFC 8285 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    /// The local identifier negotiated with `a=extmap` (RFC 8285 §5).
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

/// A borrowed header extension block (RFC 3550 §5.3.1): the profile value and the data
/// words after the length field.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    profile: u16,
    data: &'a [u8],
}

impl<'a> HeaderExtension<'a> {
    /// A view over an extension block's data, as found after the 4-byte extension header.
    #[inline]
    pub const fn new(profile: u16, data: &'a [u8]) -> Self {
        Self { profile, data }
    }

    /// The 16-bit "defined by profile" field.
    #[inline]
    pub const fn profile(&self) -> u16 {
        self.profile
    }

    /// The extension data (a whole number of 32-bit words), without the 4-byte header.
    #[inline]
    pub const fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The RFC 8285 form the profile selects; `None` for any other profile.
    #[inline]
    pub const fn form(&self) -> Option<ExtensionForm> {
        ExtensionForm::from_profile(self.profile)
    }

    /// The four application bits of a two-byte-form profile (RFC 8285 §4.3).
    #[inline]
    pub const fn appbits(&self) -> Option<u8> {
        match self.form() {
            Some(ExtensionForm::TwoByte) => Some((self.profile & 0x0f) as u8),
            _ => None,
        }
    }

    /// The elements in order, skipping padding (RFC 8285 §4). Each malformed element is
    /// reported once as an error, after which iteration ends; a one-byte ID 15 ends it
    /// silently as RFC 8285 §4.2 requires. A profile that is not RFC 8285 yields a single
    /// [`Error::NotRfc8285`].
    #[inline]
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            form: self.form(),
            profile: self.profile,
            rest: self.data,
            done: false,
        }
    }

    /// The data of the first element with this ID, or `None` when there is none
    /// (RFC 8285 §4). A malformed element before it is an error, as in
    /// [`HeaderExtension::elements`].
    #[inline]
    pub fn get(&self, id: u8) -> Result<Option<&'a [u8]>, Error> {
        match self.form() {
            Some(ExtensionForm::OneByte) => find_one_byte(self.data, id),
            Some(ExtensionForm::TwoByte) => find_two_byte(self.data, id),
            None => Err(Error::NotRfc8285 {
                profile: self.profile,
            }),
        }
    }

    /// The element with this ID decoded as `T`, or `None` when there is none.
    #[inline]
    pub fn value<T: ExtensionValue>(&self, id: u8) -> Result<Option<T>, Error> {
        match self.get(id)? {
            Some(data) => T::parse(data).map(Some),
            None => Ok(None),
        }
    }
}

impl fmt::Debug for HeaderExtension<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("HeaderExtension");
        s.field("profile", &format_args!("{:#06x}", self.profile));
        if self.form().is_some() {
            s.field("elements", &DebugElements(*self));
        } else {
            s.field("data", &self.data);
        }
        s.finish()
    }
}

/// [`HeaderExtension::get`] for the one-byte form: the same walk as [`Elements`] without
/// building an element per step, because lookups by ID are the per-packet hot path.
#[inline]
fn find_one_byte(data: &[u8], id: u8) -> Result<Option<&[u8]>, Error> {
    let mut at = 0;
    while let Some(&first) = data.get(at) {
        if first == 0 {
            at += 1;
            continue;
        }
        let element_id = first >> 4;
        if element_id == 15 {
            break;
        }
        if element_id == 0 {
            return Err(Error::InvalidExtensionId {
                id: 0,
                form: ExtensionForm::OneByte,
            });
        }
        let start = at + 1;
        let end = start + usize::from(first & 0x0f) + 1;
        let value = element_value(data, at, start..end, element_id)?;
        if element_id == id {
            return Ok(Some(value));
        }
        at = end;
    }
    Ok(None)
}

/// The value of the element `id` that starts at `at` and whose value is `value` in `data`.
#[inline]
fn element_value(
    data: &[u8],
    at: usize,
    value: core::ops::Range<usize>,
    id: u8,
) -> Result<&[u8], Error> {
    let needed = value.end - at;
    data.get(value).ok_or(Error::TruncatedExtensionElement {
        id,
        needed,
        got: data.len() - at,
    })
}

/// [`HeaderExtension::get`] for the two-byte form.
#[inline]
fn find_two_byte(data: &[u8], id: u8) -> Result<Option<&[u8]>, Error> {
    let mut at = 0;
    while let Some(&element_id) = data.get(at) {
        if element_id == 0 {
            at += 1;
            continue;
        }
        let Some(&len) = data.get(at + 1) else {
            return Err(Error::TruncatedExtensionElement {
                id: element_id,
                needed: 2,
                got: data.len() - at,
            });
        };
        let start = at + 2;
        let end = start + usize::from(len);
        let value = element_value(data, at, start..end, element_id)?;
        if element_id == id {
            return Ok(Some(value));
        }
        at = end;
    }
    Ok(None)
}

struct DebugElements<'a>(HeaderExtension<'a>);

impl fmt::Debug for DebugElements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.elements()).finish()
    }
}

/// Iterator over the RFC 8285 elements of a [`HeaderExtension`].
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    form: Option<ExtensionForm>,
    profile: u16,
    rest: &'a [u8],
    done: bool,
}

impl<'a> Elements<'a> {
    #[inline]
    fn fail(&mut self, error: Error) -> Option<Result<Element<'a>, Error>> {
        self.done = true;
        Some(Err(error))
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Element<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let Some(form) = self.form else {
            return self.fail(Error::NotRfc8285 {
                profile: self.profile,
            });
        };
        loop {
            let Some((&first, after)) = self.rest.split_first() else {
                self.done = true;
                return None;
            };
            if first == 0 {
                self.rest = after;
                continue;
            }
            let (id, len, data_start) = match form {
                ExtensionForm::OneByte => {
                    let id = first >> 4;
                    if id == 15 {
                        self.done = true;
                        return None;
                    }
                    if id == 0 {
                        // Only a whole zero byte is padding; ID 0 with a length is malformed.
                        return self.fail(Error::InvalidExtensionId { id, form });
                    }
                    (id, usize::from(first & 0x0f) + 1, after)
                }
                ExtensionForm::TwoByte => {
                    let Some((&len, data)) = after.split_first() else {
                        return self.fail(Error::TruncatedExtensionElement {
                            id: first,
                            needed: 2,
                            got: self.rest.len(),
                        });
                    };
                    (first, usize::from(len), data)
                }
            };
            let Some((data, rest)) = data_start.split_at_checked(len) else {
                return self.fail(Error::TruncatedExtensionElement {
                    id,
                    needed: self.rest.len() - data_start.len() + len,
                    got: self.rest.len(),
                });
            };
            self.rest = rest;
            return Some(Ok(Element { id, data }));
        }
    }
}

impl FusedIterator for Elements<'_> {}
