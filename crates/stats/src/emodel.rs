//! The E-model of ITU-T G.107 (06/2015): transmission rating factor R and MOS.
//!
//! `R = Ro − Is − Id − Ie,eff + A` (§7.1), with every formula of §7.2–7.6 and the default
//! values of Table 2 (which give R = 93.2). MOS follows Annex B. The model never invents
//! an input: [`RatingInputs`] holds options, and a missing delay, loss rate or codec makes
//! the rating `None` (unknown) rather than a comfortable-looking 4.5. So does a codec value
//! on another E-model's scale ([`Scale::Wideband`](crate::Scale::Wideband) or
//! [`Scale::Fullband`](crate::Scale::Fullband)): this is the narrowband model only.

use crate::codec::{CodecImpairment, Scale};

/// The terminal, noise and echo parameters of G.107 Table 2. `Default` gives the table's
/// default values; change a field to plan a different connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelParams {
    /// Send loudness rating SLR, dB (default 8).
    pub slr: f64,
    /// Receive loudness rating RLR, dB (default 2).
    pub rlr: f64,
    /// Sidetone masking rating STMR, dB (default 15).
    pub stmr: f64,
    /// D-value of the telephone, send side Ds (default 3).
    pub ds: f64,
    /// D-value of the telephone, receive side Dr (default 3).
    pub dr: f64,
    /// Talker echo loudness rating TELR, dB (default 65).
    pub telr: f64,
    /// Weighted echo path loss WEPL, dB (default 110).
    pub wepl: f64,
    /// Number of quantization distortion units qdu (default 1).
    pub qdu: f64,
    /// Circuit noise referred to the 0 dBr point Nc, dBm0p (default −70).
    pub nc: f64,
    /// Noise floor at the receive side Nfor, dBmp (default −64).
    pub nfor: f64,
    /// Room noise at the send side Ps, dB(A) (default 35).
    pub ps: f64,
    /// Room noise at the receive side Pr, dB(A) (default 35).
    pub pr: f64,
    /// Advantage factor A (default 0; §7.6 Table 1 lists 5 for in-building mobility, 10
    /// for mobility in a geographical area or vehicle, 20 for hard-to-reach locations).
    pub advantage: f64,
    /// Minimum perceivable delay mT, ms (default 100, §7.4).
    pub mt: f64,
    /// Delay sensitivity sT (default 1, §7.4).
    pub st: f64,
}

impl Default for EModelParams {
    fn default() -> Self {
        Self {
            slr: 8.0,
            rlr: 2.0,
            stmr: 15.0,
            ds: 3.0,
            dr: 3.0,
            telr: 65.0,
            wepl: 110.0,
            qdu: 1.0,
            nc: -70.0,
            nfor: -64.0,
            ps: 35.0,
            pr: 35.0,
            advantage: 0.0,
            mt: 100.0,
            st: 1.0,
        }
    }
}

/// The three delays of the E-model, in milliseconds (G.107 Table 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delays {
    /// Mean one-way delay of the echo path T.
    pub t: f64,
    /// Round-trip delay in a 4-wire loop Tr.
    pub tr: f64,
    /// Absolute (mouth-to-ear) delay in echo-free connections Ta.
    pub ta: f64,
}

impl Delays {
    /// The usual VoIP reading of a one-way mouth-to-ear delay: T = Ta = `ms`, Tr = 2 × `ms`.
    pub fn one_way(ms: f64) -> Self {
        Self {
            t: ms,
            tr: 2.0 * ms,
            ta: ms,
        }
    }
}

/// Measured inputs for one rating. Every `None` is an input nobody measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RatingInputs {
    /// Delays (for example from RTT/2 plus jitter-buffer and codec delay).
    pub delays: Option<Delays>,
    /// Packet-loss probability Ppl in percent (0–100), including discards.
    pub packet_loss_percent: Option<f64>,
    /// Burst ratio BurstR (1 for random loss; see
    /// [`BurstGapAnalyzer::burst_ratio`](crate::BurstGapAnalyzer::burst_ratio)).
    pub burst_ratio: Option<f64>,
    /// Codec impairment Ie and robustness Bpl.
    pub codec: Option<CodecImpairment>,
}

/// The terms of one E-model rating, for inspection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Basic signal-to-noise ratio Ro (§7.2).
    pub ro: f64,
    /// Simultaneous impairment factor Is (§7.3).
    pub is: f64,
    /// Delay impairment factor Id = Idte + Idle + Idd (§7.4).
    pub id: f64,
    /// Delay impairment caused by too-long absolute delay, Idd.
    pub idd: f64,
    /// Effective equipment impairment Ie,eff (§7.5).
    pub ie_eff: f64,
    /// Advantage factor A.
    pub advantage: f64,
    /// The transmission rating R.
    pub r: f64,
}

impl Rating {
    /// MOS (conversational quality estimate) from R per G.107 Annex B.
    pub fn mos(&self) -> f64 {
        mos_from_r(self.r)
    }

    /// Listening quality: the same rating without the delay impairment Id, the reading
    /// RFC 3611 §4.7.5 uses for MOS-LQ.
    pub fn listening_r(&self) -> f64 {
        self.r + self.id
    }
}

/// MOS_CQE from R, G.107 (06/2015) Annex B (B-1): 1 for R < 0, 4.5 for R > 100, and
/// `1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶` in between.
pub fn mos_from_r(r: f64) -> f64 {
    if r.is_nan() || r < 0.0 {
        1.0
    } else if r > 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6
    }
}

fn lg(x: f64) -> f64 {
    x.log10()
}

/// The G.107 E-model with fixed terminal parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModel {
    params: EModelParams,
    no: f64,
    ro: f64,
    iolr: f64,
    iq: f64,
}

impl Default for EModel {
    fn default() -> Self {
        Self::new(EModelParams::default())
    }
}

impl EModel {
    /// Precomputes the delay-independent terms (No, Ro, Iolr, Iq) for `params`.
    pub fn new(params: EModelParams) -> Self {
        let p = params;
        let olr = p.slr + p.rlr;
        let lstr = p.stmr + p.dr;
        // §7.2: noise sources summed into No.
        let nos = p.ps - p.slr - p.ds - 100.0 + 0.004 * (p.ps - olr - p.ds - 14.0).powi(2);
        let pre = p.pr + 10.0 * lg(1.0 + 10f64.powf((10.0 - lstr) / 10.0));
        let nor = p.rlr - 121.0 + pre + 0.008 * (pre - 35.0).powi(2);
        let nfo = p.nfor + p.rlr;
        let no = 10.0
            * lg(10f64.powf(p.nc / 10.0)
                + 10f64.powf(nos / 10.0)
                + 10f64.powf(nor / 10.0)
                + 10f64.powf(nfo / 10.0));
        let ro = 15.0 - 1.5 * (p.slr + no);
        // §7.3: Iolr and Iq do not depend on delay.
        let xolr = olr + 0.2 * (64.0 + no - p.rlr);
        let iolr = 20.0 * ((1.0 + (xolr / 8.0).powi(8)).powf(1.0 / 8.0) - xolr / 8.0);
        let q = 37.0 - 15.0 * lg(p.qdu);
        let g = 1.07 + 0.258 * q + 0.0602 * q * q;
        let y = (ro - 100.0) / 15.0 + 46.0 / 8.4 - g / 9.0;
        let z = 46.0 / 30.0 - g / 40.0;
        let iq = 15.0 * lg(1.0 + 10f64.powf(y) + 10f64.powf(z));
        Self {
            params,
            no,
            ro,
            iolr,
            iq,
        }
    }

    /// The parameters in use.
    pub fn params(&self) -> &EModelParams {
        &self.params
    }

    /// The total noise power No, dBm0p (§7.2).
    pub fn noise(&self) -> f64 {
        self.no
    }

    /// Sidetone impairment Ist for a mean one-way delay `t` ms (§7.3, via STMRo).
    fn ist(&self, t: f64) -> f64 {
        let p = &self.params;
        let stmro =
            -10.0 * lg(10f64.powf(-p.stmr / 10.0) + (-t / 4.0).exp() * 10f64.powf(-p.telr / 10.0));
        12.0 * (1.0 + ((stmro - 13.0) / 6.0).powi(8)).powf(1.0 / 8.0)
            - 28.0 * (1.0 + ((stmro + 1.0) / 19.4).powi(35)).powf(1.0 / 35.0)
            - 13.0 * (1.0 + ((stmro - 3.0) / 33.0).powi(13)).powf(1.0 / 13.0)
            + 29.0
    }

    /// The delay impairment Id = Idte + Idle + Idd and its Idd part (§7.4).
    fn delay_impairment(&self, d: Delays, ist: f64) -> (f64, f64) {
        let p = &self.params;
        let t = d.t.max(0.0);
        // Talker echo, Idte.
        let mut terv =
            p.telr - 40.0 * lg((1.0 + t / 10.0) / (1.0 + t / 150.0)) + 6.0 * (-0.3 * t * t).exp();
        if p.stmr < 9.0 {
            terv += ist / 2.0;
        }
        let roe = -1.5 * (self.no - p.rlr);
        let re = 80.0 + 2.5 * (terv - 14.0);
        let mut idte = ((roe - re) / 2.0 + ((roe - re).powi(2) / 4.0 + 100.0).sqrt() - 1.0)
            * (1.0 - (-t).exp());
        if p.stmr > 20.0 {
            idte = (idte * idte + ist * ist).sqrt();
        }
        // Listener echo, Idle.
        let rle = 10.5 * (p.wepl + 7.0) * (d.tr.max(0.0) + 1.0).powf(-0.25);
        let idle = (self.ro - rle) / 2.0 + ((self.ro - rle).powi(2) / 4.0 + 169.0).sqrt();
        // Absolute delay, Idd.
        let idd = if d.ta <= p.mt {
            0.0
        } else {
            let x = lg(d.ta / p.mt) / lg(2.0);
            let e = 6.0 * p.st;
            25.0 * ((1.0 + x.powf(e)).powf(1.0 / e) - 3.0 * (1.0 + (x / 3.0).powf(e)).powf(1.0 / e)
                + 2.0)
        };
        (idte + idle + idd, idd)
    }

    /// Effective equipment impairment Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl)
    /// (§7.5, formula 7-29). `None` when loss is present but the codec's Bpl is unknown,
    /// and when the codec's value is not on the narrowband [`Scale`].
    pub fn ie_eff(codec: CodecImpairment, ppl_percent: f64, burst_ratio: f64) -> Option<f64> {
        if codec.scale != Scale::Narrowband {
            return None;
        }
        let ppl = ppl_percent.clamp(0.0, 100.0);
        if ppl == 0.0 {
            return Some(codec.ie);
        }
        let bpl = codec.bpl?;
        let burst = if burst_ratio > 0.0 {
            burst_ratio
        } else {
            return None;
        };
        Some(codec.ie + (95.0 - codec.ie) * ppl / (ppl / burst + bpl))
    }

    /// The full rating, or `None` when any input is unknown.
    pub fn rate(&self, inputs: &RatingInputs) -> Option<Rating> {
        let delays = inputs.delays?;
        let codec = inputs.codec?;
        let ppl = inputs.packet_loss_percent?;
        let burst = inputs.burst_ratio?;
        if !(delays.t.is_finite()
            && delays.tr.is_finite()
            && delays.ta.is_finite()
            && ppl.is_finite())
        {
            return None;
        }
        let ie_eff = Self::ie_eff(codec, ppl, burst)?;
        let ist = self.ist(delays.t.max(0.0));
        let is = self.iolr + ist + self.iq;
        let (id, idd) = self.delay_impairment(delays, ist);
        let a = self.params.advantage;
        Some(Rating {
            ro: self.ro,
            is,
            id,
            idd,
            ie_eff,
            advantage: a,
            r: self.ro - is - id - ie_eff + a,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Codec;

    fn inputs(delay_ms: f64, loss: f64, codec: Codec) -> RatingInputs {
        RatingInputs {
            delays: Some(Delays::one_way(delay_ms)),
            packet_loss_percent: Some(loss),
            burst_ratio: Some(1.0),
            codec: codec.impairment(),
        }
    }

    #[test]
    fn default_parameters_give_r_93_2_and_mos_4_41() {
        // G.107 §7.7: with every parameter at its default, R = 93.2.
        let r = EModel::default()
            .rate(&inputs(0.0, 0.0, Codec::G711))
            .unwrap();
        assert!((r.ro - 94.77).abs() < 0.01, "Ro = {}", r.ro);
        assert!((r.r - 93.2).abs() < 0.05, "R = {}", r.r);
        assert_eq!((r.mos() * 100.0).round() / 100.0, 4.41);
    }

    #[test]
    fn mos_annex_b_reference_points() {
        assert_eq!(mos_from_r(-5.0), 1.0);
        assert_eq!(mos_from_r(0.0), 1.0);
        assert_eq!(mos_from_r(120.0), 4.5);
        // R = 50: 1 + 1.75 + 50·(−10)·50·7e−6 = 2.75 − 0.175 = 2.575.
        assert!((mos_from_r(50.0) - 2.575).abs() < 1e-12);
        // R = 80: 1 + 2.8 + 80·20·20·7e−6 = 3.8 + 0.224 = 4.024.
        assert!((mos_from_r(80.0) - 4.024).abs() < 1e-12);
        // R = 100: 1 + 3.5 + 0 = 4.5.
        assert!((mos_from_r(100.0) - 4.5).abs() < 1e-12);
    }

    #[test]
    fn ie_eff_by_hand() {
        // G.711 with PLC (Ie 0, Bpl 25.1), 2 % random loss:
        //   Ie,eff = 0 + 95·2 / (2/1 + 25.1) = 190 / 27.1 = 7.01107…
        let v = EModel::ie_eff(Codec::G711Plc.impairment().unwrap(), 2.0, 1.0).unwrap();
        assert!((v - 190.0 / 27.1).abs() < 1e-12);
        // G.729A (Ie 11, Bpl 19), 5 % loss, BurstR 2:
        //   Ie,eff = 11 + 84·5 / (5/2 + 19) = 11 + 420/21.5 = 30.5348…
        let v = EModel::ie_eff(Codec::G729a.impairment().unwrap(), 5.0, 2.0).unwrap();
        assert!((v - (11.0 + 420.0 / 21.5)).abs() < 1e-12);
        // Unknown Bpl only matters when there is loss.
        let unknown = CodecImpairment::narrowband(3.0, None);
        assert_eq!(EModel::ie_eff(unknown, 0.0, 1.0), Some(3.0));
        assert_eq!(EModel::ie_eff(unknown, 1.0, 1.0), None);
    }

    #[test]
    fn loss_lowers_r_by_exactly_ie_eff() {
        let m = EModel::default();
        let clean = m.rate(&inputs(0.0, 0.0, Codec::G711Plc)).unwrap();
        let lossy = m.rate(&inputs(0.0, 2.0, Codec::G711Plc)).unwrap();
        // R(2 %) = R(0) − 190/27.1 ≈ 93.20 − 7.01 = 86.19;
        // MOS(86.19) = 1 + 0.035·86.19 + 86.19·26.19·13.81·7e−6 = 1 + 3.0167 + 0.2182 = 4.235.
        assert!((clean.r - lossy.r - 190.0 / 27.1).abs() < 1e-9);
        assert!((lossy.r - 86.19).abs() < 0.05, "R = {}", lossy.r);
        assert!((lossy.mos() - 4.235).abs() < 0.002, "MOS = {}", lossy.mos());
    }

    #[test]
    fn idd_at_200_and_400_ms() {
        // Ta = 200 ms, mT = 100, sT = 1: X = lg(2)/lg(2) = 1,
        //   Idd = 25·((1+1)^(1/6) − 3·(1+(1/3)^6)^(1/6) + 2)
        //       = 25·(1.122462 − 3.000686 + 2) = 25·0.121777 = 3.0444.
        let m = EModel::default();
        let r200 = m.rate(&inputs(200.0, 0.0, Codec::G711)).unwrap();
        assert!((r200.idd - 3.0444).abs() < 1e-3, "Idd = {}", r200.idd);
        // Ta = 400 ms: X = 2,
        //   Idd = 25·((1+64)^(1/6) − 3·(1+(2/3)^6)^(1/6) + 2)
        //       = 25·(2.005175 − 3.042371 + 2) = 25·0.962804 = 24.0701.
        let r400 = m.rate(&inputs(400.0, 0.0, Codec::G711)).unwrap();
        assert!((r400.idd - 24.0701).abs() < 1e-3, "Idd = {}", r400.idd);
        // The whole rating at T = Ta = 200 ms, Tr = 400 ms (default parameters):
        //   No = −61.18 dBm0p, Ro = 15 − 1.5·(8 − 61.18) = 94.77, Is = 1.41,
        //   TERV = 65 − 40·lg(21/2.333) = 26.83, Re = 80 + 2.5·12.83 = 112.08,
        //   Roe = −1.5·(−61.18 − 2) = 94.77 → Idte = −8.65 + √(74.8 + 100) − 1 = 3.57,
        //   Rle = 10.5·117·401^−0.25 = 274.5 → Idle = 0.94, Idd = 3.04
        //   R = 94.77 − 1.41 − (3.57 + 0.94 + 3.04) = 85.80, MOS = 4.22.
        assert!((r200.r - 85.80).abs() < 0.01, "R = {}", r200.r);
        assert!(
            (r200.id - (3.57 + 0.94 + 3.04)).abs() < 0.01,
            "Id = {}",
            r200.id
        );
        assert!((r200.mos() - 4.223).abs() < 0.001);
        // Below mT the absolute delay costs nothing.
        assert_eq!(m.rate(&inputs(100.0, 0.0, Codec::G711)).unwrap().idd, 0.0);
    }

    #[test]
    fn g722_rates_loss_free_and_is_unknown_with_loss() {
        let m = EModel::default();
        // Ie = −1 (vendor mapping, see Codec::G722) adds exactly 1 to the G.711 rating:
        //   R = 93.20 + 1 = 94.20,
        //   MOS = 1 + 0.035·94.20 + 94.20·34.20·5.80·7e−6 = 1 + 3.2970 + 0.1308 = 4.4278.
        let g711 = m.rate(&inputs(0.0, 0.0, Codec::G711)).unwrap();
        let g722 = m.rate(&inputs(0.0, 0.0, Codec::G722)).unwrap();
        assert_eq!(g722.ie_eff, -1.0);
        assert!((g722.r - g711.r - 1.0).abs() < 1e-12);
        assert!((g722.r - 94.20).abs() < 0.05, "R = {}", g722.r);
        assert!((g722.mos() - 4.4278).abs() < 0.002, "MOS = {}", g722.mos());
        // Its Bpl is unknown, so any loss makes the rating unknown.
        assert_eq!(m.rate(&inputs(0.0, 0.5, Codec::G722)), None);
    }

    #[test]
    fn g711_without_plc_by_hand() {
        // G.711 without PLC (Ie 0, Bpl 4.3), 1 % random loss:
        //   Ie,eff = 95·1 / (1/1 + 4.3) = 95 / 5.3 = 17.9245…
        //   R = 93.20 − 17.92 = 75.28,
        //   MOS = 1 + 0.035·75.28 + 75.28·15.28·24.72·7e−6 = 1 + 2.6348 + 0.1990 = 3.8338.
        let m = EModel::default();
        let r = m.rate(&inputs(0.0, 1.0, Codec::G711)).unwrap();
        assert!((r.ie_eff - 95.0 / 5.3).abs() < 1e-12);
        assert!((r.r - 75.28).abs() < 0.05, "R = {}", r.r);
        assert!((r.mos() - 3.834).abs() < 0.003, "MOS = {}", r.mos());
    }

    #[test]
    fn opus_narrowband_by_hand() {
        use crate::{OpusBandwidth, OpusConfig, OpusMode};
        let opus = |bandwidth, mode, kbps| {
            Codec::Opus(OpusConfig {
                bandwidth,
                mode,
                kbps,
            })
        };
        let m = EModel::default();
        // Opus narrowband VBR 8 kbit/s (Alahmadi et al. 2021: Ie 16.0244, random-loss
        // Bpl 20.2587), 2 % random loss:
        //   Ie,eff = 16.0244 + (95 − 16.0244)·2 / (2/1 + 20.2587)
        //          = 16.0244 + 157.9512/22.2587 = 16.0244 + 7.0962 = 23.1206,
        //   R = 93.20 − 23.12 = 70.08,
        //   MOS = 1 + 0.035·70.08 + 70.08·10.08·29.92·7e−6 = 1 + 2.4528 + 0.1479 = 3.6007.
        let nb8 = opus(OpusBandwidth::Narrowband, OpusMode::Vbr, 8);
        let r = m.rate(&inputs(0.0, 2.0, nb8)).unwrap();
        assert!((r.ie_eff - 23.1206).abs() < 1e-3, "Ie,eff = {}", r.ie_eff);
        assert!((r.r - 70.08).abs() < 0.05, "R = {}", r.r);
        assert!((r.mos() - 3.6007).abs() < 0.003, "MOS = {}", r.mos());
        // Loss-free it is R = 93.20 − 16.02 = 77.18.
        let clean = m.rate(&inputs(0.0, 0.0, nb8)).unwrap();
        assert!((clean.r - 77.18).abs() < 0.05, "R = {}", clean.r);
        // Wideband and super-wideband values are on other scales: unknown here, even
        // loss-free, and a configuration the study did not measure has no value.
        let wb = opus(OpusBandwidth::Wideband, OpusMode::Cbr, 15);
        assert!(wb.impairment().is_some());
        assert_eq!(m.rate(&inputs(0.0, 0.0, wb)), None);
        let swb = opus(OpusBandwidth::SuperWideband, OpusMode::Vbr, 40);
        assert_eq!(m.rate(&inputs(0.0, 0.0, swb)), None);
        let fb32 = opus(OpusBandwidth::SuperWideband, OpusMode::Vbr, 32);
        assert_eq!(m.rate(&inputs(0.0, 0.0, fb32)), None);
    }

    #[test]
    fn missing_inputs_are_unknown() {
        let m = EModel::default();
        let full = inputs(50.0, 1.0, Codec::G711Plc);
        assert!(m.rate(&full).is_some());
        assert_eq!(
            m.rate(&RatingInputs {
                delays: None,
                ..full
            }),
            None
        );
        assert_eq!(
            m.rate(&RatingInputs {
                packet_loss_percent: None,
                ..full
            }),
            None
        );
        assert_eq!(
            m.rate(&RatingInputs {
                codec: None,
                ..full
            }),
            None
        );
        assert_eq!(
            m.rate(&RatingInputs {
                burst_ratio: None,
                ..full
            }),
            None
        );
        assert_eq!(
            m.rate(&RatingInputs {
                packet_loss_percent: Some(f64::NAN),
                ..full
            }),
            None
        );
        assert_eq!(m.rate(&RatingInputs::default()), None);
    }
}
