//! VoIP Metrics report block (RFC 3611 §4.7).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     BT=7      |   reserved    |       block length = 8        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        SSRC of source                         |
//! |   loss rate   | discard rate  | burst density |  gap density  |
//! |       burst duration          |         gap duration          |
//! |     round trip delay          |       end system delay        |
//! | signal level  |  noise level  |     RERL      |     Gmin      |
//! |   R factor    | ext. R factor |    MOS-LQ     |    MOS-CQ     |
//! |   RX config   |   reserved    |          JB nominal           |
//! |          JB maximum           |          JB abs max           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{block_type, expect_len};
use crate::error::Result;
use crate::wire::{Reader, Writer};

/// VoIP metrics (RFC 3611 §4.7). Values are kept as they came; the accessors apply the
/// RFC's ranges and its "127 = unavailable" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoipMetrics {
    /// SSRC of source.
    pub ssrc: u32,
    /// loss rate: fraction lost, ×256.
    pub loss_rate: u8,
    /// discard rate: fraction discarded by the jitter buffer, ×256.
    pub discard_rate: u8,
    /// burst density, ×256.
    pub burst_density: u8,
    /// gap density, ×256.
    pub gap_density: u8,
    /// burst duration, ms.
    pub burst_duration: u16,
    /// gap duration, ms.
    pub gap_duration: u16,
    /// round trip delay, ms.
    pub round_trip_delay: u16,
    /// end system delay, ms.
    pub end_system_delay: u16,
    /// signal level, dBm0 (signed; 127 = unavailable).
    pub signal_level: u8,
    /// noise level, dBm0 (signed; 127 = unavailable).
    pub noise_level: u8,
    /// residual echo return loss, dB (127 = unavailable).
    pub rerl: u8,
    /// Gmin: gap threshold.
    pub gmin: u8,
    /// R factor: 0–100, 127 = unavailable.
    pub r_factor: u8,
    /// external R factor: 0–100, 127 = unavailable.
    pub ext_r_factor: u8,
    /// MOS-LQ ×10: 10–50, 127 = unavailable.
    pub mos_lq: u8,
    /// MOS-CQ ×10: 10–50, 127 = unavailable.
    pub mos_cq: u8,
    /// RX config: PLC (2 bits), JBA (2 bits), JB rate (4 bits).
    pub rx_config: u8,
    /// JB nominal, ms.
    pub jb_nominal: u16,
    /// JB maximum, ms.
    pub jb_maximum: u16,
    /// JB abs max, ms.
    pub jb_abs_max: u16,
}

impl VoipMetrics {
    pub(crate) const CONTENTS: usize = 32;
    /// The value of an 8-bit metric that is unavailable.
    pub const UNAVAILABLE: u8 = 127;

    fn r(v: u8) -> Option<u8> {
        (v <= 100).then_some(v)
    }

    fn mos(v: u8) -> Option<f32> {
        (10..=50).contains(&v).then(|| f32::from(v) / 10.0)
    }

    /// The R factor, when available and in 0–100.
    pub fn r_factor(&self) -> Option<u8> {
        Self::r(self.r_factor)
    }

    /// The external R factor, when available and in 0–100.
    pub fn ext_r_factor(&self) -> Option<u8> {
        Self::r(self.ext_r_factor)
    }

    /// MOS-LQ (1.0–5.0), when available.
    pub fn mos_lq(&self) -> Option<f32> {
        Self::mos(self.mos_lq)
    }

    /// MOS-CQ (1.0–5.0), when available.
    pub fn mos_cq(&self) -> Option<f32> {
        Self::mos(self.mos_cq)
    }

    /// MOS (1.0–5.0) as the ×10 field value, `127` for `None`.
    pub fn mos_field(mos: Option<f32>) -> u8 {
        mos.map_or(Self::UNAVAILABLE, |m| {
            (m * 10.0).round().clamp(10.0, 50.0) as u8
        })
    }

    pub(crate) fn decode(contents: &[u8]) -> Result<Self> {
        expect_len(block_type::VOIP_METRICS, contents, Self::CONTENTS)?;
        let mut r = Reader::new(contents, "VoIP metrics block");
        let ssrc = r.u32()?;
        let [loss_rate, discard_rate, burst_density, gap_density] = r.array()?;
        let burst_duration = r.u16()?;
        let gap_duration = r.u16()?;
        let round_trip_delay = r.u16()?;
        let end_system_delay = r.u16()?;
        let [signal_level, noise_level, rerl, gmin] = r.array()?;
        let [r_factor, ext_r_factor, mos_lq, mos_cq] = r.array()?;
        let rx_config = r.u8()?;
        r.u8()?;
        Ok(Self {
            ssrc,
            loss_rate,
            discard_rate,
            burst_density,
            gap_density,
            burst_duration,
            gap_duration,
            round_trip_delay,
            end_system_delay,
            signal_level,
            noise_level,
            rerl,
            gmin,
            r_factor,
            ext_r_factor,
            mos_lq,
            mos_cq,
            rx_config,
            jb_nominal: r.u16()?,
            jb_maximum: r.u16()?,
            jb_abs_max: r.u16()?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.ssrc)?;
        w.put(&[
            self.loss_rate,
            self.discard_rate,
            self.burst_density,
            self.gap_density,
        ])?;
        w.u16(self.burst_duration)?;
        w.u16(self.gap_duration)?;
        w.u16(self.round_trip_delay)?;
        w.u16(self.end_system_delay)?;
        w.put(&[self.signal_level, self.noise_level, self.rerl, self.gmin])?;
        w.put(&[self.r_factor, self.ext_r_factor, self.mos_lq, self.mos_cq])?;
        w.put(&[self.rx_config, 0])?;
        w.u16(self.jb_nominal)?;
        w.u16(self.jb_maximum)?;
        w.u16(self.jb_abs_max)
    }
}
