//! Codec impairment values for the E-model (ITU-T G.107 §7.5, values from ITU-T G.113 and
//! from the literature).
//!
//! Every value carries the [`Scale`] it belongs to, and each variant's documentation says
//! where its numbers come from and what kind of source that is: an ITU-T Recommendation, a
//! peer-reviewed study, or a vendor's planning guide. Where no published value was found
//! the value is `None` and ratings that need it are unknown; callers with their own
//! measured values build a [`CodecImpairment`] directly.

mod opus;

pub use opus::{LossPattern, OpusBandwidth, OpusConfig, OpusMode};

/// The E-model rating scale an impairment value is expressed on.
///
/// The three ITU-T E-models share their structure but not their scale: the best
/// narrowband connection rates about 93.2 (G.107), the wideband model starts from
/// Ro,WB = 129 (G.107.1) and the fullband one from Ro,FB = 148 (G.107.2). An Ie from one
/// scale is not an Ie on another, so [`EModel`](crate::EModel), which implements G.107,
/// rates only [`Scale::Narrowband`] values and answers "unknown" for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// ITU-T G.107 (narrowband, 300–3400 Hz).
    Narrowband,
    /// ITU-T G.107.1 (wideband, 50–7000 Hz).
    Wideband,
    /// ITU-T G.107.2 (fullband; also the scale used for super-wideband speech).
    Fullband,
}

/// A codec's equipment impairment factor Ie and packet-loss robustness factor Bpl.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor Ie (loss-free).
    pub ie: f64,
    /// Packet-loss robustness factor Bpl; `None` when unknown (ratings with loss are then
    /// unknown).
    pub bpl: Option<f64>,
    /// The scale `ie` and `bpl` are expressed on.
    pub scale: Scale,
}

impl CodecImpairment {
    /// A value on the narrowband G.107 scale (the one [`EModel`](crate::EModel) rates).
    pub fn narrowband(ie: f64, bpl: Option<f64>) -> Self {
        Self {
            ie,
            bpl,
            scale: Scale::Narrowband,
        }
    }
}

/// Codecs with built-in impairment values.
///
/// # How the ITU-T values were checked
///
/// The ITU-T values are those of G.113 Appendix I ("provisional planning values"; the
/// appendix is not an integral part of the Recommendation). The Recommendation's own
/// tables could not be retrieved while this module was written, so they were checked
/// against several independent open-source E-model implementations that cite G.113
/// Appendix I and agree on every value used here: Ie = 0 for G.711, Bpl = 4.3 for
/// G.711 without concealment, Bpl = 25.1 for G.711 with the concealment of G.711
/// Appendix I, and Ie = 11, Bpl = 19 for G.729 Annex A with VAD. Table numbers differ
/// between editions: the Bpl table is Table I.3 in G.113 (11/2007), and one of those
/// implementations cites the G.711 without-PLC row as Table I.4 of G.113 (09/2024).
///
/// # Wideband codecs
///
/// The wideband E-model of ITU-T G.107.1 takes the wideband factors Ie,WB and Bpl,WB of
/// G.113 Appendix IV, on its own scale (see [`Scale`]). This crate implements only the
/// narrowband model of G.107, so a wideband codec is rated here only through a value on
/// the narrowband scale: for G.722 that is a vendor's mapping, labelled as such; for Opus
/// the study behind [`Codec::Opus`] measured narrowband operation directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 without packet-loss concealment.
    ///
    /// ITU-T source. Ie = 0: G.113 Appendix I, Table I.1 (G.711 is the reference codec).
    /// Bpl = 4.3: G.113 Appendix I, Bpl table (Table I.3 of the 11/2007 edition), G.711
    /// without PLC under random loss; the same value G.107 lists as the default Bpl.
    /// Checked as described in the [`Codec`] documentation.
    G711,
    /// G.711 with the packet-loss concealment of G.711 Appendix I.
    ///
    /// ITU-T source. Ie = 0: G.113 Appendix I, Table I.1. Bpl = 25.1: G.113 Appendix I,
    /// Bpl table (Table I.3 of the 11/2007 edition), G.711 with PLC, random loss.
    /// Checked as described in the [`Codec`] documentation.
    G711Plc,
    /// G.722 at 64 kbit/s (wideband).
    ///
    /// Vendor source, not ITU-T. Ie = −1 is the narrowband-scale planning value of the
    /// Mitel MiVoice MX-ONE 7.8 SP1 planning guide, section "Speech Compression
    /// Impairment"
    /// (<https://www.mitel.com/sites/default/files/s3_imports/Business%20Phone%20Systems/MiVoice%20MX-ONE/7.8%20SP1/en/mivoice_mx-one_cpi_library-78sp1-html/DITA_Maps/3_Pl/22_1551-ASP11301/Topics/Speech_compression_impairment.html>).
    /// The guide states the wideband factor Ie,WB = 14 for G.722 at 64 kbit/s (18 at
    /// 56 kbit/s, 24 at 48 kbit/s) and maps it to the narrowband scale with
    /// Ie,WB = Ie + 15, giving Ie = 14 − 15 = −1. The mapping is the vendor's; ITU-T
    /// defines G.722's factors only on the wideband scale of G.107.1 (G.113
    /// Appendix IV), whose tables could not be retrieved to confirm the 14.
    ///
    /// Bpl: no value on either scale was found, so it is unknown and a rating with any
    /// loss is unknown (a loss-free rating is still given).
    G722,
    /// G.729 Annex A with VAD (the common VoIP configuration), two 10 ms frames per packet.
    ///
    /// ITU-T source. Ie = 11: G.113 Appendix I, Table I.1 (G.729-A + VAD; plain G.729 is
    /// 10, which the Mitel guide cited for [`Codec::G722`] also states). Bpl = 19: G.113
    /// Appendix I, Bpl table (Table I.3 of the 11/2007 edition), G.729-A + VAD, random
    /// loss. Checked as described in the [`Codec`] documentation.
    G729a,
    /// Opus (RFC 6716) in one measured configuration.
    ///
    /// Peer-reviewed source, not ITU-T (no ITU-T value for Opus was found): Alahmadi, Počta
    /// and Melvin, ACM TOMM 17(4) art. 133, 2021, <https://doi.org/10.1145/3458751>, with
    /// Ie and Bpl per bandwidth, rate-control mode and bit rate; see [`OpusConfig`] for the
    /// table and its provenance. [`Codec::impairment`] gives the random-loss Bpl (G.107
    /// applies burstiness through BurstR); [`OpusConfig::impairment`] also gives the
    /// study's bursty-loss Bpl. Only narrowband configurations (6–11 kbit/s) are on the
    /// scale [`EModel`](crate::EModel) rates; wideband and super-wideband ones are
    /// returned with their [`Scale`] and rate as unknown, and configurations the study did
    /// not measure (for example fullband at 32 kbit/s) have no value at all.
    Opus(OpusConfig),
}

impl Codec {
    /// The codec's Ie/Bpl (random-loss Bpl), or `None` when not even Ie is known.
    pub fn impairment(self) -> Option<CodecImpairment> {
        match self {
            Codec::G711 => Some(CodecImpairment::narrowband(0.0, Some(4.3))),
            Codec::G711Plc => Some(CodecImpairment::narrowband(0.0, Some(25.1))),
            Codec::G722 => Some(CodecImpairment::narrowband(-1.0, None)),
            Codec::G729a => Some(CodecImpairment::narrowband(11.0, Some(19.0))),
            Codec::Opus(config) => config.impairment(LossPattern::Random),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values() {
        let nb = CodecImpairment::narrowband;
        assert_eq!(Codec::G711.impairment(), Some(nb(0.0, Some(4.3))));
        assert_eq!(Codec::G711Plc.impairment(), Some(nb(0.0, Some(25.1))));
        assert_eq!(Codec::G729a.impairment(), Some(nb(11.0, Some(19.0))));
        // G.722: the vendor mapping Ie = Ie,WB − 15 = 14 − 15 = −1, Bpl unknown.
        assert_eq!(Codec::G722.impairment(), Some(nb(-1.0, None)));
        // Opus: the study's narrowband CBR 11 kbit/s row, random-loss Bpl.
        let opus = |bandwidth, kbps| {
            Codec::Opus(OpusConfig {
                bandwidth,
                mode: OpusMode::Cbr,
                kbps,
            })
            .impairment()
        };
        assert_eq!(
            opus(OpusBandwidth::Narrowband, 11),
            Some(nb(2.030115291, Some(15.95164784)))
        );
        assert_eq!(
            opus(OpusBandwidth::SuperWideband, 16).map(|c| c.scale),
            Some(Scale::Fullband)
        );
        assert_eq!(opus(OpusBandwidth::SuperWideband, 32), None);
    }
}
