//! RTP payload formats: what goes inside the payload of an RTP packet for the audio and
//! video codecs this stack carries.
//!
//! Everything here works on payload byte slices plus the RTP header fields a payload format
//! needs (marker bit, sequence number, timestamp), so it is usable with any packet type.
//!
//! - [`telephone_event`]: DTMF digits and other telephony events (RFC 4733): the event
//!   report, and the sender's schedule of start, update and end packets.
//! - [`comfort_noise`]: comfort noise for silence (RFC 3389): noise level and spectrum.
//! - [`g711`]: G.711 μ-law and A-law sample coding (ITU-T G.711) and their RTP clock
//!   (RFC 3551 §4.5.14).
//! - [`g722`]: the G.722 RTP clock rule (RFC 3551 §4.5.2): 8000 Hz although sampled at 16 kHz.
//! - [`opus`]: the Opus TOC byte and packet framing (RFC 6716 §3) and its RTP clock
//!   (RFC 7587 §4.1).
//! - [`vp8`]: the VP8 payload descriptor and payload header (RFC 7741 §4), a packetizer and
//!   a frame reassembler.
//! - [`vp9`]: the VP9 payload descriptor with its scalability structure (RFC 9628 §4), a
//!   packetizer and a frame reassembler.
//! - [`h264`]: H.264 (RFC 6184) packetization modes 0 and 1, access-unit reassembly with
//!   key frame detection, and the `a=fmtp` parameters.
//! - [`reassembly`]: the frame reassembler that the video formats share.

pub mod comfort_noise;
pub mod g711;
pub mod g722;
pub mod h264;
pub mod opus;
pub mod reassembly;
pub mod telephone_event;
pub mod vp8;
pub mod vp9;

mod error;
mod fragment;
mod picture_id;
mod sample_clock;
mod wire;

pub use error::PayloadError;
pub use fragment::{Fragment, Packetizer, PayloadDescriptor};
pub use picture_id::PictureId;
