//! RTCP feedback in the session (RFC 4585 RTP/AVPF, RFC 4588 RTX, RFC 5104 FIR): what was
//! negotiated ([`Feedback`]), and the parts that act on it, each owning its state:
//!
//! - `avpf.rs`: RFC 4585 §3 timing: the mode (immediate, early, regular), `allow_early`,
//!   `T_dither_max` and the `trr-int` suppression of regular compounds;
//! - `nack.rs`: the receive side's NACK generator, one per remote source, fed by the
//!   jitter buffer's list of missing packets and the playout deadline;
//! - `rtx.rs`: the send history and retransmission (RTX on its own SSRC and payload type,
//!   or plain retransmission of the very datagram sent), and RTX unwrapping on receive;
//! - `keyframe.rs`: PLI and FIR requests, rate-limited, and the FIR command numbers.
//!
//! The session (`session/feedback.rs`) wires them to the receive path, the RTCP timer and
//! the outbox. Everything is off by default ([`Feedback::default`]): a session without
//! negotiated feedback behaves, and allocates, as before. The design and its measured
//! effect are in `docs/feedback.md`.
//!
//! **Seam for congestion control.** `goog-remb` and `transport-cc` are recorded when
//! negotiated ([`Feedback::remb`], [`Feedback::transport_cc`]); transport-wide congestion
//! control itself is the `congestion` part's ([`crate::Config::congestion`]), and REMB,
//! TMMBR and what it does not consume reach the application as [`crate::Event::Feedback`].

pub(crate) mod avpf;
pub(crate) mod keyframe;
pub(crate) mod nack;
pub(crate) mod rtx;

use std::time::Duration;

use rtp_packet::PayloadType;
use sdp_rtcp_attr::{FeedbackPayloadType, FeedbackSet, RtcpFb};

use crate::error::Result;

/// RTX (RFC 4588) as negotiated: `a=rtpmap:<pt> rtx/<rate>` with `a=fmtp:<pt> apt=<apt>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rtx {
    /// The RTX payload type.
    pub payload_type: PayloadType,
    /// The payload type it repairs (`apt`): the session's media payload type.
    pub apt: PayloadType,
    /// Our RTX SSRC; `None` draws a random one.
    pub ssrc: Option<u32>,
}

/// What kind of decoder refresh was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyframeKind {
    /// Picture Loss Indication (RFC 4585 §6.3.1).
    Pli,
    /// Full Intra Request (RFC 5104 §4.3.1).
    Fir,
}

/// The RTCP feedback a session uses, from `a=rtcp-fb` (RFC 4585 §4.2) and the RTX
/// `a=rtpmap`/`a=fmtp` lines ([`Feedback::from_sdp`]) or set by hand. With any of
/// `nack`, `pli`, `fir` on, the session runs the RTP/AVPF profile's timing (RFC 4585 §3).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Feedback {
    /// Generic NACK (`nack`): the session asks for what it misses and answers the peer's
    /// NACKs from its send history (with RTX when [`Feedback::rtx`] is set, otherwise by
    /// sending the same datagram again).
    pub nack: bool,
    /// PLI (`nack pli`): keyframe requests go out as PLI.
    pub pli: bool,
    /// FIR (`ccm fir`): keyframe requests go out as FIR when PLI is not negotiated.
    pub fir: bool,
    /// REMB (`goog-remb`), recorded only.
    pub remb: bool,
    /// Transport-wide congestion control (`transport-cc`), recorded only.
    pub transport_cc: bool,
    /// RTX, when negotiated.
    pub rtx: Option<Rtx>,
    /// `trr-int`: the minimum interval between regular RTCP compounds (RFC 4585 §3.6.2);
    /// zero for none.
    pub trr_interval: Duration,
    /// The send history: how many packets (rounded up to a power of two, 16 to 4096).
    pub history_packets: usize,
    /// The send history: how old a packet may be and still be sent again.
    pub history_age: Duration,
    /// How many times one missing packet is asked for at most.
    pub max_nack_retries: u8,
    /// The most missing packets tracked per source; beyond it the oldest are given up.
    pub max_nack_tracked: usize,
    /// The RTT assumed until one is measured (report blocks or XR DLRR).
    pub initial_rtt: Duration,
    /// Keyframe requests for one source are at least this far apart, and at least one RTT.
    pub keyframe_interval: Duration,
    /// The most bits per second spent on retransmissions (a token bucket of a quarter
    /// second): a storm of NACKs cannot make the sender flood.
    pub max_retransmit_bps: u64,
    /// Request a keyframe (PLI or FIR) when the jitter buffer plays a video frame it could
    /// not complete, or conceals one.
    pub keyframe_on_loss: bool,
}

impl Default for Feedback {
    /// Nothing negotiated; the bounds of a 1–2 Mbit/s video stream.
    fn default() -> Self {
        Self {
            nack: false,
            pli: false,
            fir: false,
            remb: false,
            transport_cc: false,
            rtx: None,
            trr_interval: Duration::ZERO,
            history_packets: 1024,
            history_age: Duration::from_secs(1),
            max_nack_retries: 10,
            max_nack_tracked: 256,
            initial_rtt: Duration::from_millis(100),
            keyframe_interval: Duration::from_millis(300),
            max_retransmit_bps: 2_000_000,
            keyframe_on_loss: true,
        }
    }
}

impl Feedback {
    /// Nothing negotiated (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the session runs the AVPF profile: some feedback it generates or answers
    /// is negotiated.
    pub fn is_avpf(&self) -> bool {
        self.nack || self.pli || self.fir
    }

    /// True when keyframes can be requested (PLI or FIR negotiated).
    pub fn keyframes(&self) -> bool {
        self.pli || self.fir
    }

    /// Takes what `set` negotiated (its `trr-int` too).
    pub fn apply(&mut self, set: &FeedbackSet) {
        self.nack = set.nack;
        self.pli = set.pli;
        self.fir = set.fir;
        self.remb = set.remb;
        self.transport_cc = set.transport_cc;
        self.trr_interval = Duration::from_millis(set.trr_int.unwrap_or(0).into());
    }

    /// What the `index`th media section of `sdp` negotiates for `payload_type`: its
    /// `a=rtcp-fb` lines (malformed ones are skipped, with a debug log) and an RTX
    /// payload type whose `apt` is `payload_type`. The SDP is read by `sdp-types`.
    pub fn from_sdp(sdp: &str, index: usize, payload_type: PayloadType) -> Result<Self> {
        crate::sdp::with_media_section(sdp, index, |media| {
            let lines: Vec<RtcpFb> = media
                .get_attribute_values("rtcp-fb")
                .flatten()
                .filter_map(|v| match RtcpFb::parse_value(v.trim()) {
                    Ok(fb) => Some(fb),
                    Err(error) => {
                        tracing::debug!(%error, "a=rtcp-fb line skipped");
                        None
                    }
                })
                .collect();
            let mut feedback = Self::new();
            feedback.apply(&FeedbackSet::for_payload_type(&lines, payload_type.value()));
            let rtx_types: Vec<u8> = media
                .attributes_typed::<sdp_types::RtpMap>()
                .filter_map(std::result::Result::ok)
                .filter(|m| m.encoding_name.eq_ignore_ascii_case("rtx"))
                .map(|m| m.payload_type)
                .collect();
            for value in media.get_attribute_values("fmtp").flatten() {
                let Some((pt, params)) = value.trim().split_once(' ') else {
                    continue;
                };
                let Ok(pt) = pt.parse::<u8>() else { continue };
                if !rtx_types.contains(&pt) {
                    continue;
                }
                let apt = params
                    .split(';')
                    .filter_map(|p| p.trim().strip_prefix("apt="))
                    .find_map(|v| v.parse::<u8>().ok());
                if apt == Some(payload_type.value())
                    && let Ok(rtx) = PayloadType::new(pt)
                {
                    feedback.rtx = Some(Rtx {
                        payload_type: rtx,
                        apt: payload_type,
                        ssrc: None,
                    });
                }
            }
            Ok(feedback)
        })
    }

    /// The `a=rtcp-fb` lines announcing this feedback for `payload_type`, and, with RTX,
    /// its `a=rtpmap` and `a=fmtp` lines at `clock_rate` Hz, each without a line ending.
    pub fn sdp_lines(&self, payload_type: PayloadType, clock_rate: u32) -> Vec<String> {
        let set = FeedbackSet {
            nack: self.nack,
            pli: self.pli,
            fir: self.fir,
            remb: self.remb,
            transport_cc: self.transport_cc,
            trr_int: u32::try_from(self.trr_interval.as_millis())
                .ok()
                .filter(|&ms| ms > 0),
        };
        let mut lines: Vec<String> = set
            .lines(FeedbackPayloadType::Type(payload_type.value()))
            .iter()
            .map(ToString::to_string)
            .collect();
        if let Some(rtx) = self.rtx {
            let pt = rtx.payload_type.value();
            lines.push(format!("a=rtpmap:{pt} rtx/{clock_rate}"));
            lines.push(format!("a=fmtp:{pt} apt={}", rtx.apt.value()));
        }
        lines
    }
}

/// The most feedback bytes waiting for the next regular compound; beyond it new
/// feedback is dropped and counted (the compound must stay within its 1400 bytes).
pub(crate) const MAX_PENDING_BYTES: usize = 600;
/// The most sequence numbers one NACK message asks for (it needs at most this many
/// PID/BLP pairs).
pub(crate) const MAX_NACK_PER_MESSAGE: usize = 64;
/// The most sequence numbers of one received NACK message acted on.
pub(crate) const MAX_NACK_RECEIVED: usize = 512;

/// The session's feedback state that is not per remote source: the AVPF timing, the send
/// history and RTX stream, feedback waiting for the next regular compound, and sources
/// whose frame was lost at playout.
pub(crate) struct FeedbackState {
    pub(crate) avpf: avpf::Avpf,
    /// Our sent packets (when `nack` is negotiated).
    pub(crate) history: Option<rtx::SendHistory>,
    /// Our RTX stream: SSRC and next sequence number.
    pub(crate) rtx_ssrc: u32,
    pub(crate) rtx_seq: u16,
    /// Feedback messages for the next regular compound, and their size.
    pub(crate) pending: Vec<rtcp::AnyPacket<'static>>,
    pub(crate) pending_bytes: usize,
    /// Sources whose frame the jitter buffer gave up on (keyframe wanted), deduplicated.
    pub(crate) lost_frames: Vec<u32>,
    /// Reused: sequence numbers of one NACK, and one unwrapped RTX packet.
    pub(crate) nack_scratch: Vec<u16>,
    pub(crate) rtx_scratch: Vec<u8>,
    /// The FIR command numbers received, per requester.
    pub(crate) fir_seen: keyframe::FirSeen,
}

impl FeedbackState {
    /// The jitter buffer of `ssrc` lost a frame at playout: a keyframe is wanted.
    pub(crate) fn on_lost_frame(&mut self, ssrc: u32, max: usize) {
        if !self.lost_frames.contains(&ssrc) && self.lost_frames.len() < max {
            self.lost_frames.push(ssrc);
        }
    }

    pub(crate) fn new(feedback: &Feedback, rtx_ssrc: u32, rtx_seq: u16) -> Self {
        Self {
            avpf: avpf::Avpf::new(feedback.trr_interval),
            history: feedback.nack.then(|| {
                rtx::SendHistory::new(
                    feedback.history_packets,
                    feedback.history_age,
                    feedback.max_retransmit_bps,
                )
            }),
            rtx_ssrc: feedback.rtx.and_then(|r| r.ssrc).unwrap_or(rtx_ssrc),
            rtx_seq,
            pending: Vec::new(),
            pending_bytes: 0,
            lost_frames: Vec::new(),
            nack_scratch: Vec::new(),
            rtx_scratch: Vec::new(),
            fir_seen: keyframe::FirSeen::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\nc=IN IP4 0.0.0.0\r\n\
        a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n\
        a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n\
        a=rtcp-fb:* trr-int 100\r\na=rtcp-fb:96 bogus line here\r\na=rtcp-fb:96\r\n\
        a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n\
        a=rtpmap:98 VP9/90000\r\n";

    #[test]
    fn a_chromium_video_section_negotiates_nack_pli_fir_and_rtx() {
        let vp8 = PayloadType::new(96).unwrap();
        let fb = Feedback::from_sdp(OFFER, 0, vp8).unwrap();
        assert!(fb.nack && fb.pli && fb.fir && fb.remb && fb.transport_cc);
        assert_eq!(fb.trr_interval, Duration::from_millis(100));
        assert_eq!(
            fb.rtx,
            Some(Rtx {
                payload_type: PayloadType::new(97).unwrap(),
                apt: vp8,
                ssrc: None
            })
        );
        assert_eq!(
            fb.sdp_lines(vp8, 90_000),
            [
                "a=rtcp-fb:96 goog-remb",
                "a=rtcp-fb:96 transport-cc",
                "a=rtcp-fb:96 ccm fir",
                "a=rtcp-fb:96 nack",
                "a=rtcp-fb:96 nack pli",
                "a=rtcp-fb:96 trr-int 100",
                "a=rtpmap:97 rtx/90000",
                "a=fmtp:97 apt=96",
            ]
        );
        // VP9 has no feedback of its own and no RTX: only the wildcard trr-int applies.
        let fb = Feedback::from_sdp(OFFER, 0, PayloadType::new(98).unwrap()).unwrap();
        assert!(!fb.is_avpf());
        assert_eq!(
            (fb.rtx, fb.trr_interval),
            (None, Duration::from_millis(100))
        );
    }
}
