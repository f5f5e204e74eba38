//! Codec impairment values for the E-model (ITU-T G.107 §7.5, values from ITU-T G.113).
//!
//! Every number here is on the narrowband G.107 scale (R ≤ 93.2 with default parameters)
//! and says where it comes from. Where no published value on that scale was found, the
//! value is `None` and ratings that need it are unknown; callers with their own measured
//! values build a [`CodecImpairment`] directly.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 without packet-loss concealment.
    ///
    /// Ie = 0: ITU-T G.113 (11/2007) Appendix I, Table I.1 (G.711 is the reference codec).
    /// Bpl = 4.3: G.113 Appendix I, Table I.3, G.711 without PLC under random loss; the
    /// same value G.107 Table 2 gives as the default Bpl.
    G711,
    /// G.711 with the packet-loss concealment of G.711 Appendix I.
    ///
    /// Ie = 0: G.113 Appendix I, Table I.1. Bpl = 25.1: G.113 Appendix I, Table I.3
    /// (G.711 with PLC, random loss).
    G711Plc,
    /// G.722 at 64 kbit/s (wideband).
    ///
    /// Ie = −1: the narrowband-scale planning value of the Mitel MiVoice MX-ONE planning
    /// guide ("Speech compression impairment"), which derives it from the wideband factor
    /// Ie,wb = 14 of G.113 Appendix IV as Ie = Ie,wb − 15. G.113 defines G.722's factors
    /// only on the wideband scale of G.107.1, so this is a vendor's mapping, not an ITU-T
    /// value. Bpl: no published narrowband-scale value was found, so it is unknown and a
    /// rating with loss is unknown.
    G722,
    /// G.729 Annex A with VAD (the common VoIP configuration), two 10 ms frames per packet.
    ///
    /// Ie = 11: G.113 Appendix I, Table I.1 (G.729-A + VAD; plain G.729 is 10).
    /// Bpl = 19.0: G.113 Appendix I, Table I.3 (G.729-A + VAD, random loss).
    G729a,
    /// Opus (RFC 6716).
    ///
    /// ITU-T publishes no Ie or Bpl for Opus on the narrowband G.107 scale (G.113's
    /// wideband and fullband appendices cover other codecs, and the IETF listening tests of
    /// draft-ietf-codec-results report MOS, not impairment factors), so both are unknown and
    /// [`impairment`](Codec::impairment) returns `None`. Supply measured values as a
    /// [`CodecImpairment`].
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
        assert_eq!(Codec::G722.impairment().and_then(|c| c.bpl), None);
        assert_eq!(Codec::Opus.impairment(), None);
    }
}
