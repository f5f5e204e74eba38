//! Every field of the RFC 3611 §4.7 VoIP Metrics block, computed from the receiver
//! statistics, the E-model and the values only the endpoint knows.
//!
//! Fields this crate measures (loss, discard, burst/gap, R, MOS) are computed; fields only
//! the media engine knows (signal and noise level, echo, jitter-buffer configuration, end
//! system delay) come in through [`VoipInputs`]. Anything unknown stays `None` here and is
//! sent as the RFC's "unavailable" value (127 for 8-bit metrics, 0 for the others), never as
//! a guess.

use std::time::Duration;

use crate::burst::BurstGapStats;
use crate::codec::CodecImpairment;
use crate::emodel::{Delays, EModel, RatingInputs, mos_from_r};

/// RFC 3611 §4.7.6 packet-loss concealment type (the PLC bits of RX config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlcType {
    /// Unspecified (0).
    #[default]
    Unspecified,
    /// Disabled (1).
    Disabled,
    /// Enhanced (2).
    Enhanced,
    /// Standard (3).
    Standard,
}

/// RFC 3611 §4.7.6 jitter-buffer adaptivity (the JBA bits of RX config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JitterBufferMode {
    /// Unknown (0).
    #[default]
    Unknown,
    /// Reserved value (1).
    Reserved,
    /// Non-adaptive (2).
    NonAdaptive,
    /// Adaptive (3).
    Adaptive,
}

/// The receiver configuration byte of RFC 3611 §4.7.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxConfig {
    /// PLC type.
    pub plc: PlcType,
    /// Jitter-buffer adaptivity.
    pub jba: JitterBufferMode,
    /// Jitter-buffer adjustment rate, 0–15 (the low four bits are used).
    pub jb_rate: u8,
}

impl RxConfig {
    /// The byte as it goes on the wire: PLC in bits 7–6, JBA in 5–4, JB rate in 3–0.
    pub fn to_byte(self) -> u8 {
        let plc = match self.plc {
            PlcType::Unspecified => 0,
            PlcType::Disabled => 1,
            PlcType::Enhanced => 2,
            PlcType::Standard => 3,
        };
        let jba = match self.jba {
            JitterBufferMode::Unknown => 0,
            JitterBufferMode::Reserved => 1,
            JitterBufferMode::NonAdaptive => 2,
            JitterBufferMode::Adaptive => 3,
        };
        (plc << 6) | (jba << 4) | (self.jb_rate & 0x0f)
    }
}

/// Values of the VoIP Metrics block that only the media engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VoipInputs {
    /// The codec, for the E-model.
    pub codec: Option<CodecImpairment>,
    /// Internal delay of this end system (encoding, jitter buffer, decoding, playout).
    pub end_system_delay: Option<Duration>,
    /// Speech signal level, dBm0.
    pub signal_level_dbm0: Option<i8>,
    /// Silent-period noise level, dBm0.
    pub noise_level_dbm0: Option<i8>,
    /// Residual echo return loss, dB.
    pub rerl_db: Option<u8>,
    /// An R factor computed externally (for example by the far end's analogue side).
    pub external_r: Option<u8>,
    /// Receiver configuration.
    pub rx_config: RxConfig,
    /// Jitter-buffer nominal delay.
    pub jb_nominal: Option<Duration>,
    /// Jitter-buffer maximum delay.
    pub jb_maximum: Option<Duration>,
    /// Jitter-buffer absolute maximum delay.
    pub jb_abs_max: Option<Duration>,
}

/// The VoIP Metrics of one source in natural units; `None` is "not known".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoipReport {
    /// Fraction of packets lost since the start of reception (0–1).
    pub loss_rate: Option<f64>,
    /// Fraction of packets discarded since the start of reception (0–1).
    pub discard_rate: Option<f64>,
    /// Burst and gap statistics.
    pub bursts: BurstGapStats,
    /// Packet spacing used to turn burst/gap lengths into durations.
    pub packet_interval: Option<Duration>,
    /// Latest round-trip delay.
    pub round_trip_delay: Option<Duration>,
    /// The inputs the media engine supplied.
    pub inputs: VoipInputs,
    /// Conversational R (with delay).
    pub r_factor: Option<f64>,
    /// MOS-LQ: listening quality, R without the delay impairment, through Annex B.
    pub mos_lq: Option<f64>,
    /// MOS-CQ: conversational quality from `r_factor`.
    pub mos_cq: Option<f64>,
}

fn fraction_byte(v: Option<f64>) -> u8 {
    v.map_or(0, |f| (f * 256.0).floor().clamp(0.0, 255.0) as u8)
}

fn ms16(d: Option<Duration>) -> u16 {
    d.map_or(0, |d| u16::try_from(d.as_millis()).unwrap_or(u16::MAX))
}

fn dbm_byte(v: Option<i8>) -> u8 {
    // Signed dBm0 in two's complement; 127 means unavailable.
    v.map_or(127, |v| v as u8)
}

impl VoipReport {
    /// Computes the report from burst/gap statistics, the packet spacing, the latest RTT and
    /// the engine's inputs. The one-way mouth-to-ear delay for the E-model is RTT/2 plus
    /// the end system delay; without both, R and MOS-CQ are unknown. MOS-LQ needs no delay.
    pub fn compute(
        model: &EModel,
        bursts: BurstGapStats,
        burst_ratio: Option<f64>,
        packet_interval: Option<Duration>,
        round_trip_delay: Option<Duration>,
        inputs: VoipInputs,
    ) -> Self {
        let packets = bursts.packets;
        let loss_rate = (packets > 0).then(|| bursts.lost as f64 / packets as f64);
        let discard_rate = (packets > 0).then(|| bursts.discarded as f64 / packets as f64);
        let ppl =
            (packets > 0).then(|| (bursts.lost + bursts.discarded) as f64 * 100.0 / packets as f64);
        // With no loss BurstR does not enter Ie,eff, so any value gives the same result.
        let burst_ratio = if ppl == Some(0.0) {
            Some(1.0)
        } else {
            burst_ratio
        };
        let one_way = match (round_trip_delay, inputs.end_system_delay) {
            (Some(rtt), Some(end)) => Some(rtt.as_secs_f64() * 500.0 + end.as_secs_f64() * 1000.0),
            _ => None,
        };
        let base = RatingInputs {
            delays: None,
            packet_loss_percent: ppl,
            burst_ratio,
            codec: inputs.codec,
        };
        let conversational = model.rate(&RatingInputs {
            delays: one_way.map(Delays::one_way),
            ..base
        });
        let listening = model.rate(&RatingInputs {
            delays: Some(Delays::one_way(0.0)),
            ..base
        });
        Self {
            loss_rate,
            discard_rate,
            bursts,
            packet_interval,
            round_trip_delay,
            inputs,
            r_factor: conversational.map(|r| r.r),
            mos_lq: listening.map(|r| mos_from_r(r.listening_r())),
            mos_cq: conversational.map(|r| r.mos()),
        }
    }

    /// Loss rate as the block encodes it (×256, truncated, at most 255).
    pub fn loss_rate_byte(&self) -> u8 {
        fraction_byte(self.loss_rate)
    }

    /// Discard rate as the block encodes it.
    pub fn discard_rate_byte(&self) -> u8 {
        fraction_byte(self.discard_rate)
    }

    /// Burst duration in ms (0 when unknown or without bursts).
    pub fn burst_duration_ms(&self) -> u16 {
        let ms = self
            .packet_interval
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        self.bursts.burst_duration_ms(ms)
    }

    /// Gap duration in ms (0 when unknown).
    pub fn gap_duration_ms(&self) -> u16 {
        let ms = self
            .packet_interval
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        self.bursts.gap_duration_ms(ms)
    }

    /// Round-trip delay in ms (0 when unknown).
    pub fn round_trip_delay_ms(&self) -> u16 {
        ms16(self.round_trip_delay)
    }

    /// End system delay in ms (0 when unknown).
    pub fn end_system_delay_ms(&self) -> u16 {
        ms16(self.inputs.end_system_delay)
    }

    /// Signal level byte (127 when unknown).
    pub fn signal_level_byte(&self) -> u8 {
        dbm_byte(self.inputs.signal_level_dbm0)
    }

    /// Noise level byte (127 when unknown).
    pub fn noise_level_byte(&self) -> u8 {
        dbm_byte(self.inputs.noise_level_dbm0)
    }

    /// RERL byte (127 when unknown).
    pub fn rerl_byte(&self) -> u8 {
        self.inputs.rerl_db.unwrap_or(127)
    }

    /// R factor byte: 0–100, 127 when unknown.
    pub fn r_factor_byte(&self) -> u8 {
        self.r_factor
            .map_or(127, |r| r.round().clamp(0.0, 100.0) as u8)
    }

    /// External R factor byte: 0–100, 127 when unknown.
    pub fn external_r_byte(&self) -> u8 {
        self.inputs.external_r.map_or(127, |r| r.min(100))
    }

    /// MOS-LQ ×10: 10–50, 127 when unknown.
    pub fn mos_lq_byte(&self) -> u8 {
        mos_byte(self.mos_lq)
    }

    /// MOS-CQ ×10: 10–50, 127 when unknown.
    pub fn mos_cq_byte(&self) -> u8 {
        mos_byte(self.mos_cq)
    }
}

fn mos_byte(v: Option<f64>) -> u8 {
    v.map_or(127, |m| (m * 10.0).round().clamp(10.0, 50.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::burst::{BurstGapAnalyzer, PacketFate};
    use crate::codec::Codec;

    fn stats(pattern: &[PacketFate]) -> (BurstGapStats, Option<f64>) {
        let mut a = BurstGapAnalyzer::new(16).unwrap();
        for &p in pattern {
            a.push(p);
        }
        (a.stats(), a.burst_ratio())
    }

    #[test]
    fn clean_call_with_everything_known() {
        let (b, br) = stats(&[PacketFate::Received; 100]);
        let inputs = VoipInputs {
            codec: Codec::G711Plc.impairment(),
            end_system_delay: Some(Duration::from_millis(40)),
            signal_level_dbm0: Some(-20),
            ..Default::default()
        };
        let r = VoipReport::compute(
            &EModel::default(),
            b,
            br,
            Some(Duration::from_millis(20)),
            Some(Duration::from_millis(100)),
            inputs,
        );
        // One-way delay 50 + 40 = 90 ms < mT, so Idd = 0, but echo grows with T:
        // Idte = 1.78, Idle = 0.70 → R = 93.21 − 2.49 = 90.87 → 91; MOS = 4.36 → 44.
        assert_eq!(r.loss_rate_byte(), 0);
        assert_eq!(r.r_factor_byte(), 91);
        assert_eq!(r.mos_cq_byte(), 44);
        assert_eq!(r.mos_lq_byte(), 44);
        assert_eq!(r.signal_level_byte(), (-20i8) as u8);
        assert_eq!(r.noise_level_byte(), 127);
        assert_eq!(r.gap_duration_ms(), 2000);
        assert_eq!(r.round_trip_delay_ms(), 100);
    }

    #[test]
    fn unknown_rtt_leaves_r_and_mos_cq_unavailable_but_not_mos_lq() {
        let (b, br) = stats(&[PacketFate::Received; 10]);
        let inputs = VoipInputs {
            codec: Codec::G711.impairment(),
            ..Default::default()
        };
        let r = VoipReport::compute(&EModel::default(), b, br, None, None, inputs);
        assert_eq!((r.r_factor_byte(), r.mos_cq_byte()), (127, 127));
        assert_eq!(r.mos_lq_byte(), 44);
        let none =
            VoipReport::compute(&EModel::default(), b, br, None, None, VoipInputs::default());
        assert_eq!(
            (none.r_factor_byte(), none.mos_lq_byte(), none.mos_cq_byte()),
            (127, 127, 127)
        );
    }

    #[test]
    fn rx_config_byte() {
        let c = RxConfig {
            plc: PlcType::Enhanced,
            jba: JitterBufferMode::Adaptive,
            jb_rate: 5,
        };
        assert_eq!(c.to_byte(), 0b1011_0101);
    }
}
