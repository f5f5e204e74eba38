//! Coordination of video orientation (CVO, RFC 7742 §4 referring to 3GPP TS 26.114).

use super::value::{ExtensionValue, exact};
use crate::error::Error;

/// Clockwise rotation the receiver applies before display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rotation {
    /// 0°.
    None,
    /// 90°.
    Deg90,
    /// 180°.
    Deg180,
    /// 270°.
    Deg270,
}

/// The orientation of the video in this packet's frame: one byte `0 0 0 0 C F R1 R0`
/// (RFC 7742 §4, 3GPP TS 26.114 §7.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoOrientation {
    /// C: the back-facing camera captured the frame.
    pub back_camera: bool,
    /// F: the frame is to be flipped horizontally.
    pub horizontal_flip: bool,
    /// R1 R0: the rotation to apply.
    pub rotation: Rotation,
}

impl ExtensionValue for VideoOrientation {
    const URI: &'static str = "urn:3gpp:video-orientation";
    type Bytes = [u8; 1];

    fn parse(data: &[u8]) -> Result<Self, Error> {
        let [byte] = exact::<1>("video orientation", data)?;
        let rotation = match byte & 0x03 {
            0 => Rotation::None,
            1 => Rotation::Deg90,
            2 => Rotation::Deg180,
            _ => Rotation::Deg270,
        };
        Ok(Self {
            back_camera: byte & 0x08 != 0,
            horizontal_flip: byte & 0x04 != 0,
            rotation,
        })
    }

    fn to_bytes(&self) -> [u8; 1] {
        let r = match self.rotation {
            Rotation::None => 0,
            Rotation::Deg90 => 1,
            Rotation::Deg180 => 2,
            Rotation::Deg270 => 3,
        };
        [u8::from(self.back_camera) << 3 | u8::from(self.horizontal_flip) << 2 | r]
    }
}
