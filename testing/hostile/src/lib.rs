//! A corpus of malformed datagrams for the project's hostile-input suites.
//!
//! Every crate that takes bytes from the network promises to fail closed: a typed error or a
//! silent, counted drop, never a panic, never unbounded memory, never the end of a call. A
//! promise like that is only checked by feeding the code the datagrams an attacker (or a
//! broken peer) would send. [`corpus`] returns those datagrams, each a [`Case`] with a
//! stable name, the [`Kind`] of traffic it imitates and its bytes:
//!
//! - **RTP** (RFC 3550 §5.1): every truncated fixed header, CSRC counts and RFC 8285
//!   extension lengths that run past the datagram, padding counts of zero and past the end,
//!   versions 0, 1 and 3.
//! - **RTCP** (RFC 3550 §6.4–6.6, RFC 3611, RFC 4585): truncated headers, length fields past
//!   the end and zero, unknown packet types, report counts past the end, SDES items and BYE
//!   reasons past the end, compounds whose second packet is cut, broken feedback and XR.
//! - **SRTP/SRTCP** (RFC 3711): valid-looking headers with garbage or short authentication
//!   tags, a tag and nothing else, SRTCP trailers with the E flag and index but cut short,
//!   MKI-sized junk.
//! - **DTLS** (RFC 6347, first bytes 20–63 per RFC 7983): every content type at epochs 0, 1
//!   and 7, record lengths past the end, zero and over 2^14, ChangeCipherSpec bodies other
//!   than `01`, handshake fragments that are cut, overlap or overflow, unknown handshake
//!   types, a ClientHello cut at each of its fields and split into fragments, a Finished at
//!   epoch 0, HelloRequest, forged alerts in the clear and as junk ciphertext, and a full
//!   datagram packed with tiny records.
//! - **Other**: random bytes for every first-byte range of RFC 7983 §7.
//!
//! The corpus is deterministic — the random cases come from a fixed seed — so a failure
//! names a case that reproduces on every machine:
//!
//! ```
//! let corpus = hostile::corpus();
//! assert!(corpus.len() > 150);
//! let case = corpus.iter().find(|c| c.name == "dtls/ccs_seq99_body02").unwrap();
//! assert_eq!(case.kind, hostile::Kind::Dtls);
//! assert_eq!(case.bytes.len(), 14);
//! ```
//!
//! The bytes are written out by hand rather than built with the project's own writers. That
//! is deliberate: a writer refuses to produce most of these datagrams (that is its job), and
//! a corpus built by the code under test could share its bugs. It also keeps this crate free
//! of layer dependencies, like the other test-support crates, so every layer can use it as a
//! dev-dependency.

use std::collections::HashSet;

/// The traffic a [`Case`] imitates, so a suite can feed it to the right entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Plain RTP (first byte 128–191, second byte not an RTCP packet type), or a datagram
    /// too short to tell.
    Rtp,
    /// Plain RTCP (first byte 128–191, packet type 192–223).
    Rtcp,
    /// SRTP: an RTP header followed by ciphertext, an optional MKI and a tag.
    Srtp,
    /// SRTCP: an RTCP header followed by ciphertext, the E flag and index, an optional MKI
    /// and a tag.
    Srtcp,
    /// DTLS records (first byte 20–63).
    Dtls,
    /// Everything else that can reach a multiplexed port: STUN, ZRTP and TURN channel
    /// ranges and unassigned first bytes.
    Other,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 6] = [
        Kind::Rtp,
        Kind::Rtcp,
        Kind::Srtp,
        Kind::Srtcp,
        Kind::Dtls,
        Kind::Other,
    ];
}

/// One malformed (or deliberately borderline) datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// A unique, stable name: `<kind>/<what is wrong>`, e.g. `rtp/csrc_count_15_with_1`.
    pub name: String,
    /// The traffic the datagram imitates.
    pub kind: Kind,
    /// The datagram.
    pub bytes: Vec<u8>,
}

/// Returns the whole corpus, in a fixed order, with unique names.
///
/// Two calls return equal vectors. The largest datagram is 16,398 bytes (a DTLS record of
/// 2^14 + 1 bytes); the whole corpus is a few hundred kilobytes.
pub fn corpus() -> Vec<Case> {
    let mut out = Corpus::default();
    rtp(&mut out);
    rtcp(&mut out);
    srtp(&mut out);
    srtcp(&mut out);
    dtls(&mut out);
    random(&mut out);
    out.cases
}

/// Returns the cases of one kind, in corpus order.
pub fn of_kind(kind: Kind) -> Vec<Case> {
    corpus().into_iter().filter(|c| c.kind == kind).collect()
}

#[derive(Default)]
struct Corpus {
    cases: Vec<Case>,
    names: HashSet<String>,
}

impl Corpus {
    fn push(&mut self, kind: Kind, name: impl Into<String>, bytes: Vec<u8>) {
        let prefix = match kind {
            Kind::Rtp => "rtp",
            Kind::Rtcp => "rtcp",
            Kind::Srtp => "srtp",
            Kind::Srtcp => "srtcp",
            Kind::Dtls => "dtls",
            Kind::Other => "other",
        };
        let name = format!("{prefix}/{}", name.into());
        assert!(
            self.names.insert(name.clone()),
            "duplicate case name {name}"
        );
        self.cases.push(Case { name, kind, bytes });
    }
}

/// SplitMix64: small, fixed, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A deterministic filler that is obviously not zeros (so a parser that ignores a length
/// and reads on sees non-trivial bytes).
fn junk(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(salt))
        .collect()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ---------------------------------------------------------------------------------------
// RTP (RFC 3550 §5.1, RFC 8285)

const SSRC: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

/// A fixed RTP header: version 2, the given flags byte (P, X, CC) and marker/PT byte.
fn rtp_header(first: u8, second: u8) -> Vec<u8> {
    cat(&[&[first, second, 0x12, 0x34, 0x00, 0x01, 0xE2, 0x40], &SSRC])
}

fn rtp(out: &mut Corpus) {
    let valid = rtp_header(0x80, 0x00);
    for len in 0..12 {
        out.push(
            Kind::Rtp,
            format!("truncated_header_{len}"),
            valid[..len].to_vec(),
        );
    }
    // CSRC count past the end.
    for present in [0usize, 1, 14] {
        let mut p = rtp_header(0x8F, 0x00);
        for i in 0..present {
            p.extend_from_slice(&[0xC0, 0, 0, i as u8]);
        }
        out.push(Kind::Rtp, format!("csrc_count_15_with_{present}"), p);
    }
    out.push(
        Kind::Rtp,
        "csrc_count_1_half_present",
        cat(&[&rtp_header(0x81, 0x00), &[0xC0, 0x00]]),
    );
    // Header extension (X bit) past the end.
    out.push(
        Kind::Rtp,
        "extension_header_missing",
        rtp_header(0x90, 0x00),
    );
    out.push(
        Kind::Rtp,
        "extension_header_cut",
        cat(&[&rtp_header(0x90, 0x00), &[0xBE, 0xDE]]),
    );
    out.push(
        Kind::Rtp,
        "extension_length_ffff",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0xBE, 0xDE, 0xFF, 0xFF],
            &[0x10, 0xAA, 0, 0],
        ]),
    );
    out.push(
        Kind::Rtp,
        "extension_length_1_empty",
        cat(&[&rtp_header(0x90, 0x00), &[0xBE, 0xDE, 0x00, 0x01]]),
    );
    out.push(
        Kind::Rtp,
        "extension_after_csrcs_cut",
        cat(&[
            &rtp_header(0x92, 0x00),
            &[0, 0, 0, 1, 0, 0, 0, 2],
            &[0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA],
        ]),
    );
    // One-byte element (RFC 8285 §4.2) whose length runs past its block: ID 1, L=15 (16 bytes).
    out.push(
        Kind::Rtp,
        "one_byte_element_past_block",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0xBE, 0xDE, 0x00, 0x01, 0x1F, 0x01, 0x02, 0x03],
            &[0xAA; 8],
        ]),
    );
    // ID 15 is reserved and stops parsing; ID 0 with a length is padding misuse.
    out.push(
        Kind::Rtp,
        "one_byte_element_id15",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0xBE, 0xDE, 0x00, 0x01, 0xF3, 0x01, 0x02, 0x03, 0x04],
        ]),
    );
    out.push(
        Kind::Rtp,
        "one_byte_element_id0_nonzero_len",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0xBE, 0xDE, 0x00, 0x01, 0x03, 0x01, 0x02, 0x03],
        ]),
    );
    // Two-byte element (RFC 8285 §4.3) with length 255 in a one-word block.
    out.push(
        Kind::Rtp,
        "two_byte_element_past_block",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0x10, 0x00, 0x00, 0x01, 0x01, 0xFF, 0xAA, 0xBB],
        ]),
    );
    out.push(
        Kind::Rtp,
        "two_byte_element_header_cut",
        cat(&[
            &rtp_header(0x90, 0x00),
            &[0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07],
        ]),
    );
    // Padding (P bit).
    out.push(
        Kind::Rtp,
        "padding_count_0",
        cat(&[&rtp_header(0xA0, 0x00), &[0xAA, 0xBB, 0xCC, 0x00]]),
    );
    out.push(
        Kind::Rtp,
        "padding_count_past_payload",
        cat(&[&rtp_header(0xA0, 0x00), &[0xAA, 0xBB, 0xCC, 0x05]]),
    );
    out.push(
        Kind::Rtp,
        "padding_count_255",
        cat(&[&rtp_header(0xA0, 0x00), &[0xAA, 0xBB, 0xCC, 0xFF]]),
    );
    out.push(Kind::Rtp, "padding_no_payload", rtp_header(0xA0, 0x00));
    out.push(
        Kind::Rtp,
        "padding_eats_extension",
        cat(&[
            &rtp_header(0xB0, 0x00),
            &[0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x06],
        ]),
    );
    // Versions other than 2 on an otherwise valid packet.
    for (version, first) in [(0u8, 0x00u8), (1, 0x40), (3, 0xC0)] {
        out.push(
            Kind::Rtp,
            format!("version_{version}"),
            cat(&[&rtp_header(first, 0x00), &[0xAA; 20]]),
        );
    }
    // Payload types that collide with RTCP when muxed (RFC 5761 §4): marker + PT 72..=76.
    for pt in [72u8, 76] {
        out.push(
            Kind::Rtp,
            format!("marker_pt_{pt}"),
            cat(&[&rtp_header(0x80, 0x80 | pt), &[0xAA; 4]]),
        );
    }
    out.push(Kind::Rtp, "header_only_all_ones", vec![0xBF; 12]);
}

// ---------------------------------------------------------------------------------------
// RTCP (RFC 3550 §6.4–6.6, RFC 3611, RFC 4585, RFC 5104, RFC 8888)

/// An RTCP common header: version 2, padding bit, count/FMT, packet type, length in words
/// minus one.
fn rtcp_header(padding: bool, count: u8, pt: u8, length: u16) -> Vec<u8> {
    let first = 0x80 | if padding { 0x20 } else { 0 } | (count & 0x1F);
    cat(&[&[first, pt], &length.to_be_bytes()])
}

fn report_block(ssrc_low: u8) -> Vec<u8> {
    cat(&[
        &[0xAB, 0xCD, 0xEF, ssrc_low],
        &[0x10, 0, 0, 5],
        &[0, 1, 0x23, 0x45],
        &[0, 0, 0, 20],
        &[0x11; 4],
        &[0, 0, 1, 0],
    ])
}

/// A valid SR with no report blocks (28 bytes).
fn sender_report() -> Vec<u8> {
    cat(&[
        &rtcp_header(false, 0, 200, 6),
        &SSRC,
        &[0xE8, 0x9C, 0x5A, 0x00, 0x80, 0, 0, 0],
        &[0, 1, 0xE2, 0x40],
        &[0, 0, 0, 10],
        &[0, 0, 6, 0x40],
    ])
}

/// A valid RR with one report block (32 bytes).
fn receiver_report() -> Vec<u8> {
    cat(&[&rtcp_header(false, 1, 201, 7), &SSRC, &report_block(1)])
}

/// A valid SDES with one chunk carrying a CNAME (16 bytes).
fn sdes_cname() -> Vec<u8> {
    cat(&[
        &rtcp_header(false, 1, 202, 3),
        &SSRC,
        &[1, 5],
        b"alice",
        &[0],
    ])
}

fn rtcp(out: &mut Corpus) {
    let sr = sender_report();
    for len in 0..8 {
        out.push(
            Kind::Rtcp,
            format!("truncated_header_{len}"),
            sr[..len].to_vec(),
        );
    }
    out.push(Kind::Rtcp, "sr_cut_in_sender_info", sr[..20].to_vec());
    // Length field past the end and zero.
    out.push(
        Kind::Rtcp,
        "rr_length_past_end",
        cat(&[&rtcp_header(false, 0, 201, 100), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "rr_length_ffff",
        cat(&[&rtcp_header(false, 0, 201, 0xFFFF), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "sr_length_0",
        cat(&[&rtcp_header(false, 0, 200, 0), &sr[8..]]),
    );
    out.push(
        Kind::Rtcp,
        "rr_length_0_with_block",
        cat(&[&rtcp_header(false, 1, 201, 0), &SSRC, &report_block(1)]),
    );
    out.push(
        Kind::Rtcp,
        "rr_length_short_of_datagram",
        cat(&[&rtcp_header(false, 0, 201, 1), &SSRC, &[0xAA; 6]]),
    );
    // Versions other than 2 (the demux would call these RTCP by their second byte).
    for (version, first) in [(0u8, 0x00u8), (1, 0x40), (3, 0xC0)] {
        let mut p = sr.clone();
        p[0] = first;
        out.push(Kind::Rtcp, format!("sr_version_{version}"), p);
    }
    // Unknown packet types, alone and leading a compound.
    for pt in [192u8, 193, 194, 195, 199, 208, 209, 223] {
        out.push(
            Kind::Rtcp,
            format!("unknown_pt_{pt}"),
            cat(&[&rtcp_header(false, 0, pt, 2), &SSRC, &[0xAA; 4]]),
        );
    }
    out.push(
        Kind::Rtcp,
        "compound_rr_then_unknown_pt_211",
        cat(&[
            &receiver_report(),
            &rtcp_header(false, 3, 211, 1),
            &[0xAA; 4],
        ]),
    );
    // Report counts past the end.
    out.push(
        Kind::Rtcp,
        "sr_count_31_with_0",
        cat(&[&rtcp_header(false, 31, 200, 6), &sr[4..]]),
    );
    out.push(
        Kind::Rtcp,
        "sr_count_2_with_1",
        cat(&[&rtcp_header(false, 2, 200, 12), &sr[4..], &report_block(1)]),
    );
    out.push(
        Kind::Rtcp,
        "rr_count_2_length_1_block",
        cat(&[&rtcp_header(false, 2, 201, 7), &SSRC, &report_block(1)]),
    );
    out.push(
        Kind::Rtcp,
        "rr_count_31_length_ffff",
        cat(&[
            &rtcp_header(false, 31, 201, 0xFFFF),
            &SSRC,
            &report_block(1),
        ]),
    );
    out.push(
        Kind::Rtcp,
        "rr_block_cut",
        cat(&[
            &rtcp_header(false, 1, 201, 7),
            &SSRC,
            &report_block(1)[..10],
        ]),
    );
    // Padding in RTCP.
    let mut padded = cat(&[&rtcp_header(true, 0, 201, 2), &SSRC, &[0, 0, 0, 0]]);
    out.push(Kind::Rtcp, "rr_padding_count_0", padded.clone());
    padded[11] = 9;
    out.push(Kind::Rtcp, "rr_padding_count_past_packet", padded.clone());
    padded[11] = 8;
    out.push(Kind::Rtcp, "rr_padding_eats_ssrc", padded);
    // SDES items past the end.
    out.push(
        Kind::Rtcp,
        "sdes_item_length_255",
        cat(&[&rtcp_header(false, 1, 202, 2), &SSRC, &[1, 255, b'a', b'b']]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_item_no_terminator",
        cat(&[&rtcp_header(false, 1, 202, 3), &SSRC, &[1, 6], b"alice!"]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_item_type_cut",
        cat(&[&rtcp_header(false, 1, 202, 2), &SSRC, &[1, 1, b'x', 2]]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_count_3_one_chunk",
        cat(&[
            &rtcp_header(false, 3, 202, 3),
            &SSRC,
            &[1, 5],
            b"alice",
            &[0],
        ]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_chunk_ssrc_cut",
        cat(&[&rtcp_header(false, 1, 202, 1), &[0x12, 0x34, 0x56, 0x78]]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_priv_prefix_past_item",
        cat(&[
            &rtcp_header(false, 1, 202, 3),
            &SSRC,
            &[8, 3, 9],
            b"ab",
            &[0, 0, 0],
        ]),
    );
    out.push(
        Kind::Rtcp,
        "sdes_unknown_item_type_99",
        cat(&[
            &rtcp_header(false, 1, 202, 3),
            &SSRC,
            &[99, 4],
            b"abcd",
            &[0, 0],
        ]),
    );
    // BYE with the reason past the end.
    out.push(
        Kind::Rtcp,
        "bye_reason_length_200",
        cat(&[
            &rtcp_header(false, 1, 203, 2),
            &SSRC,
            &[200, b'b', b'y', b'e'],
        ]),
    );
    out.push(
        Kind::Rtcp,
        "bye_reason_length_no_text",
        cat(&[&rtcp_header(false, 1, 203, 1), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "bye_count_31_one_ssrc",
        cat(&[&rtcp_header(false, 31, 203, 1), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "bye_reason_length_past_datagram",
        cat(&[&rtcp_header(false, 1, 203, 2), &SSRC, &[9, b'x']]),
    );
    // APP shorter than its name.
    out.push(
        Kind::Rtcp,
        "app_no_name",
        cat(&[&rtcp_header(false, 0, 204, 1), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "app_name_cut",
        cat(&[&rtcp_header(false, 0, 204, 2), &SSRC, b"ab"]),
    );
    // Compounds whose second packet is cut, or whose first is not a report.
    let rr = receiver_report();
    out.push(
        Kind::Rtcp,
        "compound_second_cut_in_header",
        cat(&[&rr, &sdes_cname()[..3]]),
    );
    out.push(
        Kind::Rtcp,
        "compound_second_cut_in_body",
        cat(&[&rr, &sdes_cname()[..11]]),
    );
    out.push(
        Kind::Rtcp,
        "compound_sr_then_bye_cut",
        cat(&[&sr, &rtcp_header(false, 2, 203, 2), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "compound_second_version_1",
        cat(&[&rr, &[0x41, 202, 0, 3], &sdes_cname()[4..]]),
    );
    out.push(
        Kind::Rtcp,
        "compound_trailing_3_bytes",
        cat(&[&rr, &sdes_cname(), &[0x81, 0xC8, 0x00]]),
    );
    // RTPFB/PSFB (RFC 4585 §6) with short or absurd FCI.
    let fb = |fmt: u8, pt: u8, len: u16, fci: &[u8]| {
        cat(&[
            &rtcp_header(false, fmt, pt, len),
            &SSRC,
            &[0xAB, 0xCD, 0xEF, 0x01],
            fci,
        ])
    };
    out.push(Kind::Rtcp, "nack_no_fci", fb(1, 205, 2, &[]));
    out.push(Kind::Rtcp, "nack_fci_cut", fb(1, 205, 3, &[0x00, 0x10]));
    out.push(
        Kind::Rtcp,
        "feedback_no_media_ssrc",
        cat(&[&rtcp_header(false, 1, 205, 1), &SSRC]),
    );
    out.push(
        Kind::Rtcp,
        "rtpfb_unknown_fmt_30",
        fb(30, 205, 3, &[1, 2, 3, 4]),
    );
    out.push(
        Kind::Rtcp,
        "psfb_unknown_fmt_9",
        fb(9, 206, 3, &[1, 2, 3, 4]),
    );
    out.push(
        Kind::Rtcp,
        "fir_fci_cut",
        fb(4, 206, 4, &[0xAB, 0xCD, 0xEF, 0x02]),
    );
    out.push(
        Kind::Rtcp,
        "tmmbr_fci_cut",
        fb(3, 205, 3, &[0xAB, 0xCD, 0xEF, 0x02]),
    );
    out.push(Kind::Rtcp, "sli_fci_cut", fb(2, 206, 3, &[0xFF, 0xFF]));
    out.push(
        Kind::Rtcp,
        "rpsi_padding_bits_past_end",
        fb(3, 206, 3, &[0xFF, 0x60, 0x01, 0x02]),
    );
    out.push(
        Kind::Rtcp,
        "remb_ssrc_count_255",
        fb(
            15,
            206,
            5,
            &[b'R', b'E', b'M', b'B', 0xFF, 0x0F, 0xFF, 0xFF],
        ),
    );
    out.push(Kind::Rtcp, "remb_no_bitrate", fb(15, 206, 3, b"REMB"));
    // transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): status count
    // 65535 with one chunk, and a run-length chunk whose deltas are missing.
    out.push(
        Kind::Rtcp,
        "transport_cc_status_count_65535",
        fb(
            15,
            205,
            5,
            &[
                0x00, 0x01, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x3F, 0xFF, 0x00, 0x00,
            ],
        ),
    );
    out.push(
        Kind::Rtcp,
        "transport_cc_deltas_missing",
        fb(
            15,
            205,
            5,
            &[
                0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x20, 0x08, 0x00, 0x00,
            ],
        ),
    );
    out.push(
        Kind::Rtcp,
        "transport_cc_header_cut",
        fb(15, 205, 3, &[0x00, 0x01, 0x00, 0x08]),
    );
    // RFC 8888 congestion-control feedback: a report block claiming 65535 metrics.
    out.push(
        Kind::Rtcp,
        "ccfb_num_reports_past_end",
        cat(&[
            &rtcp_header(false, 11, 205, 4),
            &SSRC,
            &[0xAB, 0xCD, 0xEF, 0x01],
            &[0x00, 0x01, 0xFF, 0xFF],
            &[0xC0, 0x00, 0x00, 0x00],
        ]),
    );
    // XR (RFC 3611 §3): block length past the packet, unknown block type, block header cut.
    let xr = |len: u16, blocks: &[u8]| cat(&[&rtcp_header(false, 0, 207, len), &SSRC, blocks]);
    out.push(
        Kind::Rtcp,
        "xr_block_length_past_end",
        xr(3, &[4, 0, 0x00, 0x10, 0, 0, 0, 1]),
    );
    out.push(
        Kind::Rtcp,
        "xr_unknown_block_type_77",
        xr(3, &[77, 0, 0x00, 0x01, 0, 0, 0, 1]),
    );
    out.push(
        Kind::Rtcp,
        "xr_block_header_cut",
        xr(2, &[4, 0, 0x00, 0x02]),
    );
    out.push(
        Kind::Rtcp,
        "xr_rle_chunks_cut",
        xr(4, &[1, 0, 0x00, 0x04, 0xAB, 0xCD, 0xEF, 0x01]),
    );
    out.push(
        Kind::Rtcp,
        "xr_dlrr_subblock_cut",
        xr(4, &[5, 0, 0x00, 0x03, 0xAB, 0xCD, 0xEF, 0x01]),
    );
    out.push(
        Kind::Rtcp,
        "xr_voip_metrics_cut",
        xr(4, &[7, 0, 0x00, 0x08, 0xAB, 0xCD, 0xEF, 0x01]),
    );
    out.push(
        Kind::Rtcp,
        "xr_block_length_0_loop",
        xr(5, &[4, 0, 0x00, 0x00, 4, 0, 0x00, 0x00, 4, 0, 0x00, 0x00]),
    );
}

// ---------------------------------------------------------------------------------------
// SRTP and SRTCP (RFC 3711 §3.1, §3.4)

fn srtp(out: &mut Corpus) {
    let header = rtp_header(0x80, 0x60);
    let payload = junk(40, 0x5A);
    out.push(
        Kind::Srtp,
        "garbage_tag_80",
        cat(&[&header, &payload, &junk(10, 1)]),
    );
    out.push(
        Kind::Srtp,
        "garbage_tag_32",
        cat(&[&header, &payload, &junk(4, 2)]),
    );
    out.push(
        Kind::Srtp,
        "garbage_tag_gcm_128",
        cat(&[&header, &payload, &junk(16, 3)]),
    );
    out.push(
        Kind::Srtp,
        "zero_tag_80",
        cat(&[&header, &payload, &[0; 10]]),
    );
    out.push(Kind::Srtp, "short_tag_3", cat(&[&header, &junk(3, 4)]));
    out.push(Kind::Srtp, "short_tag_9", cat(&[&header, &junk(9, 5)]));
    out.push(Kind::Srtp, "tag_only_10", cat(&[&header, &junk(10, 6)]));
    out.push(Kind::Srtp, "tag_only_16", cat(&[&header, &junk(16, 7)]));
    out.push(Kind::Srtp, "header_only", header.clone());
    out.push(
        Kind::Srtp,
        "mki_sized_junk_4_plus_tag",
        cat(&[&header, &payload, &[0, 0, 0, 1], &junk(10, 8)]),
    );
    out.push(
        Kind::Srtp,
        "mki_only_no_tag",
        cat(&[&header, &[0, 0, 0, 1]]),
    );
    out.push(
        Kind::Srtp,
        "mki_and_short_tag",
        cat(&[&header, &[0, 0, 0, 1], &junk(5, 9)]),
    );
    out.push(
        Kind::Srtp,
        "extension_and_garbage_tag",
        cat(&[
            &rtp_header(0x90, 0x60),
            &[0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0, 0],
            &payload,
            &junk(10, 10),
        ]),
    );
    out.push(
        Kind::Srtp,
        "extension_past_end_with_tag",
        cat(&[
            &rtp_header(0x90, 0x60),
            &[0xBE, 0xDE, 0x00, 0x20],
            &junk(10, 11),
        ]),
    );
    out.push(
        Kind::Srtp,
        "csrc_15_then_tag",
        cat(&[&rtp_header(0x8F, 0x60), &junk(10, 12)]),
    );
    out.push(
        Kind::Srtp,
        "padding_255_then_tag",
        cat(&[&rtp_header(0xA0, 0x60), &payload, &[0xFF], &junk(10, 13)]),
    );
    // Sequence numbers that pull the ROC estimate around (RFC 3711 §3.3.1).
    for seq in [0x0000u16, 0x8000, 0xFFFF] {
        let mut p = cat(&[&header, &payload, &junk(10, 14)]);
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        out.push(Kind::Srtp, format!("garbage_tag_seq_{seq:04x}"), p);
    }
}

fn srtcp(out: &mut Corpus) {
    let header = cat(&[&rtcp_header(false, 0, 200, 6), &SSRC]);
    let body = junk(20, 0x33);
    let e_index = |e: bool, index: u32| {
        ((if e { 0x8000_0000 } else { 0 }) | (index & 0x7FFF_FFFF)).to_be_bytes()
    };
    out.push(
        Kind::Srtcp,
        "garbage_tag_80",
        cat(&[&header, &body, &e_index(true, 1), &junk(10, 1)]),
    );
    out.push(
        Kind::Srtcp,
        "garbage_tag_32",
        cat(&[&header, &body, &e_index(true, 1), &junk(4, 2)]),
    );
    out.push(
        Kind::Srtcp,
        "garbage_tag_gcm_128",
        cat(&[&header, &body, &e_index(true, 1), &junk(16, 3)]),
    );
    out.push(
        Kind::Srtcp,
        "e_clear_garbage_tag",
        cat(&[&header, &body, &e_index(false, 1), &junk(10, 4)]),
    );
    out.push(
        Kind::Srtcp,
        "index_max_garbage_tag",
        cat(&[&header, &body, &e_index(true, 0x7FFF_FFFF), &junk(10, 5)]),
    );
    out.push(
        Kind::Srtcp,
        "e_and_index_no_tag",
        cat(&[&header, &e_index(true, 1)]),
    );
    out.push(
        Kind::Srtcp,
        "e_and_index_short_tag",
        cat(&[&header, &e_index(true, 1), &junk(3, 6)]),
    );
    out.push(
        Kind::Srtcp,
        "e_and_index_cut",
        cat(&[&header, &[0x80, 0x00]]),
    );
    out.push(Kind::Srtcp, "header_only", header.clone());
    out.push(Kind::Srtcp, "tag_only", cat(&[&header[..4], &junk(10, 7)]));
    out.push(
        Kind::Srtcp,
        "header_and_tag_no_index",
        cat(&[&header, &junk(10, 8)]),
    );
    out.push(
        Kind::Srtcp,
        "mki_sized_junk",
        cat(&[
            &header,
            &body,
            &e_index(true, 2),
            &[0, 0, 0, 1],
            &junk(10, 9),
        ]),
    );
    out.push(
        Kind::Srtcp,
        "mki_no_tag",
        cat(&[&header, &e_index(true, 2), &[0, 0, 0, 1]]),
    );
    out.push(
        Kind::Srtcp,
        "length_field_past_end_with_trailer",
        cat(&[
            &rtcp_header(false, 0, 200, 0x0FFF),
            &SSRC,
            &e_index(true, 3),
            &junk(10, 10),
        ]),
    );
    out.push(
        Kind::Srtcp,
        "rr_e_flag_zero_index",
        cat(&[
            &rtcp_header(false, 0, 201, 1),
            &SSRC,
            &e_index(true, 0),
            &junk(10, 11),
        ]),
    );
}

// ---------------------------------------------------------------------------------------
// DTLS 1.2 (RFC 6347 §4.1, §4.2; RFC 5246 §7)

const DTLS12: [u8; 2] = [0xFE, 0xFD];

/// A DTLS record: content type, DTLS 1.2, epoch, 48-bit sequence number, the given length
/// field and body (the length is not checked against the body, on purpose).
fn record_with_length(content_type: u8, epoch: u16, seq: u64, length: u16, body: &[u8]) -> Vec<u8> {
    cat(&[
        &[content_type],
        &DTLS12,
        &epoch.to_be_bytes(),
        &seq.to_be_bytes()[2..],
        &length.to_be_bytes(),
        body,
    ])
}

fn record(content_type: u8, epoch: u16, seq: u64, body: &[u8]) -> Vec<u8> {
    let length = u16::try_from(body.len()).expect("test record fits u16");
    record_with_length(content_type, epoch, seq, length, body)
}

fn u24(v: u32) -> [u8; 3] {
    let b = v.to_be_bytes();
    [b[1], b[2], b[3]]
}

/// A handshake message header and fragment (RFC 6347 §4.2.2).
fn handshake_fragment(
    msg_type: u8,
    length: u32,
    message_seq: u16,
    offset: u32,
    fragment: &[u8],
) -> Vec<u8> {
    let fragment_length = u32::try_from(fragment.len()).expect("small fragment");
    cat(&[
        &[msg_type],
        &u24(length),
        &message_seq.to_be_bytes(),
        &u24(offset),
        &u24(fragment_length),
        fragment,
    ])
}

fn handshake(msg_type: u8, message_seq: u16, body: &[u8]) -> Vec<u8> {
    let length = u32::try_from(body.len()).expect("small message");
    handshake_fragment(msg_type, length, message_seq, 0, body)
}

/// A plausible DTLS 1.2 ClientHello body for a DTLS-SRTP client, and the offsets at which
/// each of its fields ends (for cutting).
fn client_hello_body() -> (Vec<u8>, Vec<(&'static str, usize)>) {
    let mut body = Vec::new();
    let mut cuts = Vec::new();
    body.extend_from_slice(&DTLS12);
    cuts.push(("version_half", 1));
    cuts.push(("after_version", body.len()));
    body.extend_from_slice(&junk(32, 0x77));
    cuts.push(("random_half", 18));
    cuts.push(("after_random", body.len()));
    body.push(0); // session_id
    cuts.push(("after_session_id", body.len()));
    body.push(0); // cookie
    cuts.push(("after_cookie", body.len()));
    body.extend_from_slice(&[0x00, 0x04, 0xC0, 0x2B, 0xC0, 0x2C]);
    cuts.push(("cipher_suites_length_only", body.len() - 4));
    cuts.push(("cipher_suites_half", body.len() - 2));
    cuts.push(("after_cipher_suites", body.len()));
    body.extend_from_slice(&[0x01, 0x00]);
    cuts.push(("compression_length_only", body.len() - 1));
    cuts.push(("after_compression", body.len()));
    let extensions: Vec<u8> = cat(&[
        // supported_groups: secp256r1
        &[0x00, 0x0A, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17],
        // ec_point_formats: uncompressed
        &[0x00, 0x0B, 0x00, 0x02, 0x01, 0x00],
        // signature_algorithms: ecdsa_secp256r1_sha256
        &[0x00, 0x0D, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03],
        // use_srtp: SRTP_AES128_CM_HMAC_SHA1_80, no MKI
        &[0x00, 0x0E, 0x00, 0x05, 0x00, 0x02, 0x00, 0x01, 0x00],
        // extended_master_secret
        &[0x00, 0x17, 0x00, 0x00],
    ]);
    let ext_len = u16::try_from(extensions.len()).expect("small");
    body.extend_from_slice(&ext_len.to_be_bytes());
    cuts.push(("extensions_length_only", body.len()));
    let ext_start = body.len();
    body.extend_from_slice(&extensions);
    cuts.push(("extension_type_only", ext_start + 2));
    cuts.push(("inside_supported_groups", ext_start + 6));
    cuts.push(("inside_use_srtp", ext_start + 8 + 6 + 8 + 6));
    cuts.push(("before_extended_master_secret", body.len() - 4));
    (body, cuts)
}

fn dtls(out: &mut Corpus) {
    // Every content type of the DTLS range at epochs 0, 1 and 7, with a small body that is
    // not a valid message of any type.
    for content_type in 20u8..=63 {
        for epoch in [0u16, 1, 7] {
            let body = junk(24, content_type);
            out.push(
                Kind::Dtls,
                format!("content_type_{content_type}_epoch_{epoch}"),
                record(content_type, epoch, 1, &body),
            );
        }
    }
    // Record lengths: past the end, zero, over 2^14 (RFC 6347 §4.1, RFC 5246 §6.2.1).
    for (content_type, name) in [
        (20u8, "ccs"),
        (21, "alert"),
        (22, "handshake"),
        (23, "application_data"),
    ] {
        out.push(
            Kind::Dtls,
            format!("{name}_length_past_end"),
            record_with_length(content_type, 0, 1, 100, &[1, 2, 3, 4, 5]),
        );
        out.push(
            Kind::Dtls,
            format!("{name}_length_0"),
            record(content_type, 0, 1, &[]),
        );
        out.push(
            Kind::Dtls,
            format!("{name}_length_ffff_epoch_1"),
            record_with_length(content_type, 1, 1, 0xFFFF, &junk(40, 9)),
        );
    }
    out.push(
        Kind::Dtls,
        "record_header_cut_12",
        record(22, 0, 1, &[])[..12].to_vec(),
    );
    out.push(Kind::Dtls, "record_header_cut_1", vec![22]);
    out.push(Kind::Dtls, "version_fefe_dtls10", {
        let mut r = record(22, 0, 1, &handshake(1, 0, &[]));
        r[2] = 0xFF;
        r
    });
    out.push(Kind::Dtls, "version_0303_tls12", {
        let mut r = record(22, 0, 1, &handshake(1, 0, &[]));
        r[1..3].copy_from_slice(&[0x03, 0x03]);
        r
    });
    out.push(
        Kind::Dtls,
        "sequence_number_max",
        record(22, 0, 0xFFFF_FFFF_FFFF, &handshake(0, 0, &[])),
    );
    let over = 16_385usize; // 2^14 + 1
    out.push(
        Kind::Dtls,
        "handshake_plaintext_2e14_plus_1",
        record(22, 0, 1, &junk(over, 0x10)),
    );
    out.push(
        Kind::Dtls,
        "application_data_ciphertext_2e14_plus_1",
        record(23, 1, 1, &junk(over, 0x11)),
    );
    out.push(
        Kind::Dtls,
        "application_data_ciphertext_over_2e14_plus_2048",
        record(23, 1, 2, &junk(16_384 + 2048 + 1, 0x12)),
    );
    // ChangeCipherSpec bodies other than the single byte 01 (RFC 5246 §7.1).
    out.push(Kind::Dtls, "ccs_body_00", record(20, 0, 1, &[0x00]));
    out.push(Kind::Dtls, "ccs_body_02", record(20, 0, 1, &[0x02]));
    out.push(
        Kind::Dtls,
        "ccs_body_01_01",
        record(20, 0, 1, &[0x01, 0x01]),
    );
    out.push(Kind::Dtls, "ccs_body_empty", record(20, 0, 1, &[]));
    out.push(Kind::Dtls, "ccs_body_01_epoch_1", record(20, 1, 1, &[0x01]));
    out.push(
        Kind::Dtls,
        "ccs_seq99_body02",
        vec![
            0x14, 0xFE, 0xFD, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0x01, 0x02,
        ],
    );
    // Handshake headers cut short (RFC 6347 §4.2.2: 12 bytes).
    let hello_request = handshake(0, 0, &[]);
    for len in [1usize, 4, 6, 9, 11] {
        out.push(
            Kind::Dtls,
            format!("handshake_header_cut_{len}"),
            record(22, 0, 1, &hello_request[..len]),
        );
    }
    // Fragment bounds.
    out.push(
        Kind::Dtls,
        "fragment_offset_plus_length_past_length",
        record(22, 0, 1, &handshake_fragment(1, 10, 0, 8, &[0xAA; 6])),
    );
    out.push(
        Kind::Dtls,
        "fragment_length_past_length",
        record(22, 0, 1, &handshake_fragment(1, 4, 0, 0, &[0xAA; 8])),
    );
    out.push(
        Kind::Dtls,
        "fragment_offset_past_length",
        record(22, 0, 1, &handshake_fragment(1, 4, 0, 100, &[0xAA; 2])),
    );
    out.push(
        Kind::Dtls,
        "fragment_offset_max",
        record(
            22,
            0,
            1,
            &handshake_fragment(1, 0x00FF_FFFF, 0, 0x00FF_FFFF, &[0xAA]),
        ),
    );
    out.push(
        Kind::Dtls,
        "fragment_length_field_past_record",
        record(22, 0, 1, &{
            let mut h = handshake_fragment(1, 200, 0, 0, &[0xAA; 4]);
            h[9..12].copy_from_slice(&u24(200));
            h
        }),
    );
    out.push(
        Kind::Dtls,
        "message_length_ffffff",
        record(
            22,
            0,
            1,
            &handshake_fragment(1, 0x00FF_FFFF, 0, 0, &[0xAA; 16]),
        ),
    );
    out.push(
        Kind::Dtls,
        "message_length_1mib",
        record(
            22,
            0,
            1,
            &handshake_fragment(11, 1 << 20, 1, 0, &[0xAA; 16]),
        ),
    );
    out.push(
        Kind::Dtls,
        "message_seq_ffff",
        record(22, 0, 1, &handshake_fragment(1, 4, 0xFFFF, 0, &[0xAA; 4])),
    );
    out.push(
        Kind::Dtls,
        "fragment_zero_length_nonzero_message",
        record(22, 0, 1, &handshake_fragment(1, 100, 0, 0, &[])),
    );
    // Unknown and out-of-place handshake types.
    for msg_type in [0x63u8, 0x05, 0x09, 0xFF] {
        out.push(
            Kind::Dtls,
            format!("handshake_type_{msg_type:02x}"),
            record(22, 0, 1, &handshake(msg_type, 0, &[0xAA; 8])),
        );
    }
    out.push(
        Kind::Dtls,
        "hello_request",
        record(22, 0, 1, &hello_request),
    );
    out.push(
        Kind::Dtls,
        "hello_request_with_body",
        record(22, 0, 1, &handshake(0, 0, &[0xAA; 4])),
    );
    out.push(
        Kind::Dtls,
        "finished_epoch_0",
        record(22, 0, 5, &handshake(20, 5, &junk(12, 0x20))),
    );
    out.push(
        Kind::Dtls,
        "finished_epoch_0_seq_0",
        record(22, 0, 0, &handshake(20, 0, &junk(12, 0x21))),
    );
    out.push(
        Kind::Dtls,
        "server_hello_unsolicited",
        record(
            22,
            0,
            1,
            &handshake(
                2,
                1,
                &cat(&[&DTLS12, &junk(32, 0x22), &[0, 0xC0, 0x2B, 0x00, 0x00, 0x00]]),
            ),
        ),
    );
    out.push(
        Kind::Dtls,
        "hello_verify_request_cookie_255",
        record(22, 0, 1, &handshake(3, 0, &[0xFE, 0xFD, 0xFF, 0xAA, 0xBB])),
    );
    out.push(
        Kind::Dtls,
        "certificate_list_length_past_end",
        record(
            22,
            0,
            1,
            &handshake(11, 1, &[0x00, 0x10, 0x00, 0x00, 0x0C, 0x30, 0x82]),
        ),
    );
    out.push(
        Kind::Dtls,
        "certificate_not_der",
        record(
            22,
            0,
            1,
            &handshake(
                11,
                1,
                &[0x00, 0x00, 0x07, 0x00, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF],
            ),
        ),
    );
    out.push(
        Kind::Dtls,
        "handshake_epoch_1_plaintext",
        record(22, 1, 1, &handshake(1, 0, &[0xAA; 8])),
    );
    // A ClientHello cut at each of its fields; the handshake header agrees with the cut, so
    // the message is complete and its body is what is short.
    let (ch, cuts) = client_hello_body();
    out.push(
        Kind::Dtls,
        "client_hello_empty_body",
        record(22, 0, 1, &handshake(1, 0, &[])),
    );
    for (name, at) in &cuts {
        out.push(
            Kind::Dtls,
            format!("client_hello_cut_{name}"),
            record(22, 0, 1, &handshake(1, 0, &ch[..*at])),
        );
    }
    // Inner lengths that lie.
    let with = |at: usize, value: &[u8]| {
        let mut body = ch.clone();
        body[at..at + value.len()].copy_from_slice(value);
        record(22, 0, 1, &handshake(1, 0, &body))
    };
    out.push(
        Kind::Dtls,
        "client_hello_session_id_length_33",
        with(34, &[33]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_session_id_length_255",
        with(34, &[255]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_cookie_length_255",
        with(35, &[255]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_cipher_suites_odd_length",
        with(36, &[0x00, 0x03]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_cipher_suites_length_ffff",
        with(36, &[0xFF, 0xFF]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_cipher_suites_length_0",
        with(36, &[0x00, 0x00]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_compression_length_0",
        with(42, &[0x00]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_compression_deflate_only",
        with(43, &[0x01]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_extensions_length_ffff",
        with(44, &[0xFF, 0xFF]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_extension_length_ffff",
        with(48, &[0xFF, 0xFF]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_version_0100",
        with(0, &[0x01, 0x00]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_trailing_bytes",
        record(
            22,
            0,
            1,
            &handshake(1, 0, &cat(&[&ch, &[0xAA, 0xBB, 0xCC]])),
        ),
    );
    // A ClientHello split in two fragments.
    let total = u32::try_from(ch.len()).expect("small");
    let half = ch.len() / 2;
    let first = handshake_fragment(1, total, 0, 0, &ch[..half]);
    let second = handshake_fragment(
        1,
        total,
        0,
        u32::try_from(half).expect("small"),
        &ch[half..],
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragment_1_of_2",
        record(22, 0, 1, &first),
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragment_2_of_2",
        record(22, 0, 2, &second),
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragments_one_record",
        record(22, 0, 1, &cat(&[&first, &second])),
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragments_two_records",
        cat(&[&record(22, 0, 1, &first), &record(22, 0, 2, &second)]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragments_reversed",
        cat(&[&record(22, 0, 2, &second), &record(22, 0, 1, &first)]),
    );
    let conflicting = handshake_fragment(
        1,
        total,
        0,
        u32::try_from(half - 4).expect("small"),
        &junk(ch.len() - half + 4, 0x30),
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragments_overlap_conflicting",
        cat(&[&record(22, 0, 1, &first), &record(22, 0, 2, &conflicting)]),
    );
    let other_total = handshake_fragment(
        1,
        total + 10,
        0,
        u32::try_from(half).expect("small"),
        &ch[half..],
    );
    out.push(
        Kind::Dtls,
        "client_hello_fragments_disagree_on_length",
        cat(&[&record(22, 0, 1, &first), &record(22, 0, 2, &other_total)]),
    );
    out.push(
        Kind::Dtls,
        "client_hello_whole",
        record(22, 0, 1, &handshake(1, 0, &ch)),
    );
    out.push(
        Kind::Dtls,
        "client_hello_epoch_7",
        record(22, 7, 1, &handshake(1, 0, &ch)),
    );
    // Forged alerts (RFC 5246 §7.2): in the clear at epoch 0, and as junk ciphertext at epoch 1.
    for (level, level_name) in [(1u8, "warning"), (2, "fatal")] {
        for (description, name) in [
            (0u8, "close_notify"),
            (10, "unexpected_message"),
            (20, "bad_record_mac"),
            (40, "handshake_failure"),
            (42, "bad_certificate"),
            (47, "illegal_parameter"),
            (51, "decrypt_error"),
            (80, "internal_error"),
            (90, "user_canceled"),
        ] {
            out.push(
                Kind::Dtls,
                format!("alert_epoch_0_{level_name}_{name}"),
                record(21, 0, 1, &[level, description]),
            );
        }
        out.push(
            Kind::Dtls,
            format!("alert_epoch_1_{level_name}_junk_ciphertext"),
            record(
                21,
                1,
                1,
                &cat(&[&[0, 1, 0, 0, 0, 0, 0, 1], &[level, 0], &junk(16, level)]),
            ),
        );
    }
    out.push(Kind::Dtls, "alert_level_3", record(21, 0, 1, &[3, 0]));
    out.push(
        Kind::Dtls,
        "alert_unknown_description_255",
        record(21, 0, 1, &[2, 255]),
    );
    out.push(Kind::Dtls, "alert_body_1_byte", record(21, 0, 1, &[2]));
    out.push(
        Kind::Dtls,
        "alert_body_3_bytes",
        record(21, 0, 1, &[2, 40, 0]),
    );
    out.push(
        Kind::Dtls,
        "alert_epoch_1_short_ciphertext",
        record(21, 1, 1, &[2, 40]),
    );
    out.push(
        Kind::Dtls,
        "application_data_epoch_0",
        record(23, 0, 1, b"hello"),
    );
    out.push(
        Kind::Dtls,
        "application_data_epoch_1_short",
        record(23, 1, 1, &junk(7, 0x40)),
    );
    // Full datagrams packed with tiny epoch-0 records.
    let mut packed = Vec::new();
    for seq in 0..115u64 {
        packed.extend_from_slice(&record(22, 0, seq, &[]));
    }
    out.push(Kind::Dtls, "packed_115_empty_handshake_records", packed);
    let mut packed = Vec::new();
    for seq in 0..56u64 {
        packed.extend_from_slice(&record(
            22,
            0,
            seq,
            &handshake(0, u16::try_from(seq).expect("small"), &[]),
        ));
    }
    out.push(Kind::Dtls, "packed_56_hello_requests", packed);
    let mut packed = Vec::new();
    for seq in 0..107u64 {
        packed.extend_from_slice(&record(22, 0, seq, &[]));
    }
    packed.extend_from_slice(&[22, 0xFE]);
    out.push(Kind::Dtls, "packed_107_records_then_cut_header", packed);
}

// ---------------------------------------------------------------------------------------
// Random bytes for every first-byte range of RFC 7983 §7.

fn random(out: &mut Corpus) {
    let mut rng = Rng(0x686F_7374_696C_6521); // "hostile!"
    let ranges: [(&str, Kind, u8, u8); 9] = [
        ("stun", Kind::Other, 0, 3),
        ("unassigned_4_15", Kind::Other, 4, 15),
        ("zrtp", Kind::Other, 16, 19),
        ("dtls", Kind::Dtls, 20, 63),
        ("turn_channel", Kind::Other, 64, 79),
        ("unassigned_80_127", Kind::Other, 80, 127),
        ("rtp", Kind::Rtp, 128, 191),
        ("rtcp", Kind::Rtcp, 128, 191),
        ("unassigned_192_255", Kind::Other, 192, 255),
    ];
    for (name, kind, lo, hi) in ranges {
        for i in 0..4 {
            let len = 1 + rng.below(if i == 3 { 1400 } else { 200 }) as usize;
            let mut bytes = rng.bytes(len);
            bytes[0] = lo + (rng.below(u64::from(hi - lo) + 1) as u8);
            if name == "rtcp" && len > 1 {
                bytes[1] = 192 + rng.below(32) as u8;
            } else if name == "rtp" && len > 1 {
                bytes[1] &= 0x3F; // payload types 0..=63, never an RTCP type
            }
            out.push(kind, format!("random_{name}_{i}"), bytes);
        }
    }
    out.push(Kind::Other, "empty", Vec::new());
    out.push(Kind::Other, "max_udp_payload_ff", vec![0xFF; 65_507]);
    out.push(Kind::Other, "max_udp_payload_zero", vec![0x00; 65_507]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_large_deterministic_and_covers_every_kind() {
        let a = corpus();
        let b = corpus();
        assert!(a.len() >= 150, "only {} cases", a.len());
        assert_eq!(a, b);
        for kind in Kind::ALL {
            assert!(a.iter().any(|c| c.kind == kind), "no case of kind {kind:?}");
            assert_eq!(
                of_kind(kind).len(),
                a.iter().filter(|c| c.kind == kind).count()
            );
        }
    }

    #[test]
    fn names_are_unique_and_prefixed_by_kind() {
        let cases = corpus();
        let names: HashSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), cases.len());
        for c in &cases {
            let prefix = format!("{:?}/", c.kind).to_lowercase();
            assert!(
                c.name.starts_with(&prefix),
                "{} is not under {prefix}",
                c.name
            );
        }
    }

    #[test]
    fn first_bytes_match_their_kind() {
        for c in corpus() {
            let Some(&first) = c.bytes.first() else {
                continue;
            };
            match c.kind {
                Kind::Dtls => assert!((20..=63).contains(&first), "{}", c.name),
                Kind::Srtp | Kind::Srtcp => assert_eq!(first >> 6, 2, "{}", c.name),
                Kind::Rtcp if c.bytes.len() > 1 && !c.name.contains("version") => {
                    assert!((192..=223).contains(&c.bytes[1]), "{}", c.name)
                }
                _ => {}
            }
        }
    }

    #[test]
    fn named_datagrams_are_exact() {
        let cases = corpus();
        let get = |name: &str| {
            cases
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .bytes
                .clone()
        };
        assert_eq!(
            get("dtls/ccs_seq99_body02"),
            [0x14, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0x63, 0, 1, 2]
        );
        let big = get("dtls/handshake_plaintext_2e14_plus_1");
        assert_eq!(big.len(), 13 + 16_385);
        assert_eq!(u16::from_be_bytes([big[11], big[12]]), 16_385);
        let packed = get("dtls/packed_115_empty_handshake_records");
        assert_eq!(packed.len(), 115 * 13);
        assert!(
            packed
                .chunks(13)
                .all(|r| r[0] == 22 && r[3..5] == [0, 0] && r[11..13] == [0, 0])
        );
        for len in 0..12 {
            assert_eq!(get(&format!("rtp/truncated_header_{len}")).len(), len);
        }
        // The ClientHello cut points are strictly inside the whole body.
        let (ch, cuts) = client_hello_body();
        assert!(cuts.iter().all(|(_, at)| *at < ch.len()));
        assert_eq!(
            &ch[36..38],
            &[0x00, 0x04],
            "cipher_suites length at offset 36"
        );
        assert_eq!(&ch[44..46], &[0x00, 0x23], "extensions length at offset 44");
    }
}
