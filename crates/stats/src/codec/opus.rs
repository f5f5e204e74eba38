//! Opus impairment values from Alahmadi, Počta and Melvin (2021).
//!
//! # Source
//!
//! M. Alahmadi, P. Počta, H. Melvin, "An Adaptive Bitrate Switching Algorithm for Speech
//! Applications in Context of WebRTC", ACM Transactions on Multimedia Computing,
//! Communications, and Applications 17(4), article 133, 2021,
//! <https://doi.org/10.1145/3458751> (open access). The study derives Ie and Bpl for Opus
//! used for speech, per bit rate, in VBR and CBR mode, for narrowband, wideband and
//! super-wideband operation, and for random and bursty packet loss. Each bandwidth's
//! values are on the scale of the E-model for that bandwidth: narrowband on ITU-T G.107,
//! wideband on G.107.1 and super-wideband on G.107.2.
//!
//! The numbers below are the authors' own data as they published them next to the paper
//! (MIT licence, "Copyright (c) 2021 Mohannad Alahmadi",
//! <https://github.com/mohaoahmadi/Opus_Codec_Quality_Evaluation>, file `Opus_emodel.js`,
//! unchanged between the first 2021 version and the latest one).
//! They are copied at the precision given there. The paper's tables themselves were not
//! available while this module was written.
//!
//! # What this crate can rate
//!
//! [`EModel`](crate::EModel) is the narrowband model of G.107. It rates only the
//! narrowband entries (Opus limited to narrowband, 6–11 kbit/s). The wideband and
//! super-wideband entries carry their [`Scale`], and a rating with them is unknown. An
//! Ie on the wideband (Ro,WB = 129) or fullband (Ro,FB = 148) scale must never go into the
//! narrowband model unchanged.

use super::{CodecImpairment, Scale};

/// The audio bandwidth Opus was limited to (RFC 6716 §2: NB 4 kHz, WB 8 kHz, SWB 12 kHz).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpusBandwidth {
    /// Narrowband, rated on the G.107 scale.
    Narrowband,
    /// Wideband, rated on the G.107.1 scale.
    Wideband,
    /// Super-wideband, rated on the G.107.2 scale.
    SuperWideband,
}

impl OpusBandwidth {
    /// The E-model scale the study used for this bandwidth.
    pub fn scale(self) -> Scale {
        match self {
            OpusBandwidth::Narrowband => Scale::Narrowband,
            OpusBandwidth::Wideband => Scale::Wideband,
            OpusBandwidth::SuperWideband => Scale::Fullband,
        }
    }
}

/// Opus rate control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpusMode {
    /// Variable bit rate (libopus's default).
    Vbr,
    /// Constant bit rate.
    Cbr,
}

/// Which of the study's two Bpl values to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LossPattern {
    /// The Bpl for random (independent) loss. G.107 applies burstiness through BurstR on
    /// top of a random-loss Bpl, so this is the value to combine with a measured BurstR.
    Random,
    /// The Bpl the study fitted under its bursty loss condition. It already reflects that
    /// burstiness; this crate's reading (not the paper's statement) is that it should be
    /// used with BurstR = 1, because a measured BurstR on top would count the bursts twice.
    Bursty,
}

/// An Opus configuration the study measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpusConfig {
    /// Audio bandwidth.
    pub bandwidth: OpusBandwidth,
    /// Rate control.
    pub mode: OpusMode,
    /// Target bit rate, kbit/s.
    pub kbps: u8,
}

/// One row: bandwidth, mode, kbit/s, Ie, Bpl (random loss), Bpl (bursty loss).
type Row = (OpusBandwidth, OpusMode, u8, f64, f64, f64);

use OpusBandwidth::{Narrowband as Nb, SuperWideband as Swb, Wideband as Wb};
use OpusMode::{Cbr, Vbr};

/// The study's values (see the module documentation for the source).
#[rustfmt::skip]
const TABLE: [Row; 37] = [
    // Super-wideband, VBR.
    (Swb, Vbr, 14, 38.06, 16.51, 9.13),
    (Swb, Vbr, 15, 34.12, 15.0, 7.9),
    (Swb, Vbr, 16, 30.16302131, 11.83, 10.06),
    (Swb, Vbr, 19, 23.80720462, 10.67, 8.92),
    (Swb, Vbr, 22, 20.22332357, 10.47, 8.57),
    (Swb, Vbr, 25, 20.20905481, 11.28, 9.18),
    (Swb, Vbr, 28, 18.47734739, 10.63, 8.91),
    (Swb, Vbr, 31, 16.82867498, 10.44, 8.82),
    (Swb, Vbr, 34, 14.75893036, 10.12, 8.54),
    (Swb, Vbr, 37, 12.07782849, 10.38, 8.30),
    (Swb, Vbr, 40, 10.66596559, 9.79, 8.04),
    // Super-wideband, CBR.
    (Swb, Cbr, 16, 36.88067115, 13.30, 10.80),
    (Swb, Cbr, 19, 29.58016175, 10.74, 8.93),
    (Swb, Cbr, 22, 23.38003477, 10.01, 8.46),
    (Swb, Cbr, 25, 22.64371205, 10.57, 8.74),
    (Swb, Cbr, 28, 23.65242842, 11.67, 9.98),
    (Swb, Cbr, 31, 21.74245539, 11.51, 9.58),
    (Swb, Cbr, 34, 20.62029481, 11.78, 9.69),
    (Swb, Cbr, 37, 16.22868955, 10.62, 8.99),
    (Swb, Cbr, 40, 15.89845959, 11.35, 9.37),
    // Wideband, VBR.
    (Wb, Vbr, 11, 28.41322299, 23.93979569, 20.11987374),
    (Wb, Vbr, 12, 23.29505705, 22.2151863, 18.90376092),
    (Wb, Vbr, 13, 19.958882, 19.49608704, 16.91955649),
    // Wideband, CBR.
    (Wb, Cbr, 12, 29.76435108, 24.80947978, 20.77703993),
    (Wb, Cbr, 13, 26.16108167, 23.0047189, 19.372252),
    (Wb, Cbr, 14, 20.77194577, 17.5623101, 15.84824707),
    (Wb, Cbr, 15, 18.06274989, 18.73740804, 16.09740659),
    // Narrowband, VBR.
    (Nb, Vbr, 6, 23.00233478, 24.5644848, 15.35503534),
    (Nb, Vbr, 7, 21.25545861, 22.45885046, 14.42549516),
    (Nb, Vbr, 8, 16.02443357, 20.25866692, 13.47963008),
    (Nb, Vbr, 9, 11.73674352, 18.90829837, 12.44222463),
    // Narrowband, CBR.
    (Nb, Cbr, 6, 46.26834316, 8.939710714, 5.655040056),
    (Nb, Cbr, 7, 31.73480382, 18.17914283, 11.76446295),
    (Nb, Cbr, 8, 19.24547807, 15.12823436, 10.1315844),
    (Nb, Cbr, 9, 13.20879771, 17.23921027, 11.36427122),
    (Nb, Cbr, 10, 6.197366255, 15.32972957, 10.47043983),
    (Nb, Cbr, 11, 2.030115291, 15.95164784, 10.73313709),
];

impl OpusConfig {
    /// The study's Ie and the Bpl for `loss`, on the scale of [`OpusConfig::bandwidth`];
    /// `None` for a configuration the study did not measure (no interpolation between
    /// bit rates: the measured series is not monotonic, e.g. SWB CBR 25 → 28 kbit/s).
    pub fn impairment(self, loss: LossPattern) -> Option<CodecImpairment> {
        let &(bw, _, _, ie, random, bursty) = TABLE
            .iter()
            .find(|r| r.0 == self.bandwidth && r.1 == self.mode && r.2 == self.kbps)?;
        Some(CodecImpairment {
            ie,
            bpl: Some(match loss {
                LossPattern::Random => random,
                LossPattern::Bursty => bursty,
            }),
            scale: bw.scale(),
        })
    }

    /// The bit rates the study measured for this bandwidth and mode, ascending.
    pub fn measured_kbps(bandwidth: OpusBandwidth, mode: OpusMode) -> impl Iterator<Item = u8> {
        TABLE
            .iter()
            .filter(move |r| r.0 == bandwidth && r.1 == mode)
            .map(|r| r.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(bandwidth: OpusBandwidth, mode: OpusMode, kbps: u8) -> OpusConfig {
        OpusConfig {
            bandwidth,
            mode,
            kbps,
        }
    }

    #[test]
    fn rows_as_published() {
        assert_eq!(
            cfg(Nb, Vbr, 8).impairment(LossPattern::Random),
            Some(CodecImpairment {
                ie: 16.02443357,
                bpl: Some(20.25866692),
                scale: Scale::Narrowband,
            })
        );
        assert_eq!(
            cfg(Nb, Cbr, 11).impairment(LossPattern::Bursty),
            Some(CodecImpairment {
                ie: 2.030115291,
                bpl: Some(10.73313709),
                scale: Scale::Narrowband,
            })
        );
        assert_eq!(
            cfg(Wb, Cbr, 15).impairment(LossPattern::Random),
            Some(CodecImpairment {
                ie: 18.06274989,
                bpl: Some(18.73740804),
                scale: Scale::Wideband,
            })
        );
        assert_eq!(
            cfg(Swb, Vbr, 40).impairment(LossPattern::Bursty),
            Some(CodecImpairment {
                ie: 10.66596559,
                bpl: Some(8.04),
                scale: Scale::Fullband,
            })
        );
    }

    #[test]
    fn unmeasured_configurations_are_unknown() {
        // 10 kbit/s was measured in CBR only; 32 kbit/s (a WebRTC default) not at all; no
        // wideband configuration above 15 kbit/s.
        assert_eq!(cfg(Nb, Vbr, 10).impairment(LossPattern::Random), None);
        assert_eq!(cfg(Swb, Vbr, 32).impairment(LossPattern::Random), None);
        assert_eq!(cfg(Wb, Vbr, 16).impairment(LossPattern::Random), None);
    }

    #[test]
    fn table_shape_matches_the_study() {
        // 11 + 9 super-wideband, 3 + 4 wideband, 4 + 6 narrowband configurations.
        let count = |b, m| OpusConfig::measured_kbps(b, m).count();
        assert_eq!(
            [
                count(Swb, Vbr),
                count(Swb, Cbr),
                count(Wb, Vbr),
                count(Wb, Cbr),
                count(Nb, Vbr),
                count(Nb, Cbr)
            ],
            [11, 9, 3, 4, 4, 6]
        );
        assert_eq!(
            OpusConfig::measured_kbps(Nb, Cbr).collect::<Vec<_>>(),
            [6, 7, 8, 9, 10, 11]
        );
        // Every row is unique and every value is a usable E-model input (0 ≤ Ie < 95,
        // Bpl > 0).
        for (i, a) in TABLE.iter().enumerate() {
            assert!((0.0..95.0).contains(&a.3), "{a:?}");
            assert!(a.4 > 0.0 && a.5 > 0.0, "{a:?}");
            for b in &TABLE[i + 1..] {
                assert!((a.0, a.1, a.2) != (b.0, b.1, b.2), "{a:?} twice");
            }
        }
    }
}
