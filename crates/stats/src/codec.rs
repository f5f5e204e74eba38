//! Codec impairment values for the E-model (ITU-T G.107 §7.5, values from ITU-T G.113).
//!
//! Every number here is on the narrowband G.107 scale (R ≤ 93.2 with default parameters)
//! and each variant's documentation says where its numbers come from and what kind of
//! source that is: an ITU-T Recommendation, or a vendor's planning guide. Where no
//! published value on that scale was found, the value is `None` and ratings that need it
//! are unknown; callers with their own measured values build a [`CodecImpairment`]
//! directly.

/// A codec's equipment impairment factor Ie and packet-loss robustness factor Bpl.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor Ie (loss-free).
    pub ie: f64,
    /// Packet-loss robustness factor Bpl; `None` when unknown (ratings with loss are then
    /// unknown).
    pub bpl: Option<f64>,
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
/// The wideband E-model of ITU-T G.107.1 rates on a scale that runs to Ro,WB = 129 and
/// takes the wideband factors Ie,WB and Bpl,WB of G.113 Appendix IV. This crate
/// implements only the narrowband model of G.107, so a wideband codec needs a value on
/// the narrowband scale. ITU-T publishes none; the single mapping used here (G.722, see
/// [`Codec::G722`]) is a vendor's and is labelled as such. An Ie,WB must never be put
/// into the narrowband model unchanged: the two scales have different anchors
/// (129 against 93.2).
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
    /// Opus (RFC 6716).
    ///
    /// No source found. No ITU-T Ie or Bpl for Opus was found on any scale (narrowband
    /// G.107, wideband G.107.1 or fullband G.107.2), nor a peer-reviewed measurement
    /// that states one: the one study found that derives an Opus factor, the conference
    /// paper "Derivation of Equipment Impairment Factors from ITU-T P.863 for Fullband
    /// Speech Codecs" (instrumental predictions, fullband scale), does not give the value
    /// in its published abstract, and the IETF listening tests of the codec report MOS, not impairment
    /// factors. Both are therefore unknown and [`impairment`](Codec::impairment) returns
    /// `None`. Supply measured values as a [`CodecImpairment`].
    Opus,
}

impl Codec {
    /// The codec's Ie/Bpl, or `None` when not even Ie is known.
    pub fn impairment(self) -> Option<CodecImpairment> {
        match self {
            Codec::G711 => Some(CodecImpairment {
                ie: 0.0,
                bpl: Some(4.3),
            }),
            Codec::G711Plc => Some(CodecImpairment {
                ie: 0.0,
                bpl: Some(25.1),
            }),
            Codec::G722 => Some(CodecImpairment {
                ie: -1.0,
                bpl: None,
            }),
            Codec::G729a => Some(CodecImpairment {
                ie: 11.0,
                bpl: Some(19.0),
            }),
            Codec::Opus => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values() {
        assert_eq!(
            Codec::G711.impairment(),
            Some(CodecImpairment {
                ie: 0.0,
                bpl: Some(4.3)
            })
        );
        assert_eq!(
            Codec::G711Plc.impairment(),
            Some(CodecImpairment {
                ie: 0.0,
                bpl: Some(25.1)
            })
        );
        assert_eq!(
            Codec::G729a.impairment(),
            Some(CodecImpairment {
                ie: 11.0,
                bpl: Some(19.0)
            })
        );
        // G.722: the vendor mapping Ie = Ie,WB − 15 = 14 − 15 = −1, Bpl unknown.
        assert_eq!(
            Codec::G722.impairment(),
            Some(CodecImpairment {
                ie: -1.0,
                bpl: None
            })
        );
        assert_eq!(Codec::Opus.impairment(), None);
    }
}
