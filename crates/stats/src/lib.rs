//! RTP statistics and call quality.
//!
//! - [`SourceStatistics`]: per-source receiver statistics exactly as RFC 3550 Appendix A
//!   (A.1 validation, A.3 loss, A.8 jitter) plus the reception history that RFC 3611 XR
//!   blocks and burst/gap metrics need; no allocation per packet.
//! - Report generation as the `rtcp` crate's types: RR/SR report blocks from
//!   [`SourceStatistics::report`], SR sender info from [`SenderStatistics`] (NTP↔RTP from
//!   the [`MediaClock`], packet and octet counts), XR Loss RLE, Duplicate RLE, Statistics
//!   Summary, VoIP Metrics and DLRR from [`xr`] and [`SourceStatistics::dlrr_item`].
//! - [`rtt`]: round-trip time from LSR/DLSR and from XR RRTR/DLRR.
//! - [`BurstGapAnalyzer`], [`VoipReport`]: RFC 3611 §4.7 burst/gap and VoIP metrics.
//! - [`EModel`]: ITU-T G.107 R-factor and MOS, with [`Codec`] impairment values; unknown
//!   inputs give unknown ratings.
//! - [`Throughput`], [`CongestionMonitor`]: sliding-window rates and delay/loss trends.
//! - [`AlertMonitor`], [`QualityTrends`]: threshold alerts with hysteresis and trends.
//! - [`sync`]: RTP↔NTP mapping from SRs, lip-sync offset and clock drift.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alert;
mod burst;
mod codec;
mod congestion;
mod emodel;
mod error;
mod history;
mod jitter;
mod quality;
mod receiver;
pub mod rtt;
mod sender;
mod sequence;
pub mod sync;
mod throughput;
mod trend;
mod voip;
pub mod xr;

pub use alert::{AlertEvent, AlertMonitor, Metric, Threshold};
pub use burst::{BurstGapAnalyzer, BurstGapStats, DEFAULT_GMIN, PacketFate};
pub use codec::{Codec, CodecImpairment, LossPattern, OpusBandwidth, OpusConfig, OpusMode, Scale};
pub use congestion::{CongestionConfig, CongestionMonitor, CongestionState};
pub use emodel::{Delays, EModel, EModelParams, Rating, RatingInputs, mos_from_r};
pub use error::Error;
pub use history::{MAX_HISTORY, ReceptionHistory, Record};
pub use jitter::{ArrivalClock, JitterEstimator};
pub use quality::QualityTrends;
pub use receiver::{PacketVerdict, ReceiverConfig, SeqRange, SourceStatistics, TransitSummary};
/// RFC 3550 A.1 tunables, defined once in `rtp-packet` and named here because
/// [`ReceiverConfig`] holds one.
pub use rtp_packet::ValidationConfig;
pub use sender::{MediaClock, SenderStatistics};
pub use sequence::{IntervalLoss, LossTracker, clamp_cumulative_lost};
pub use throughput::{MAX_SLOTS, Throughput};
pub use trend::{MAX_TREND_WINDOW, Trend, TrendWindow};
pub use voip::{JitterBufferMode, PlcType, RxConfig, VoipInputs, VoipReport};
