//! Interop suite `rtp`: packets written by `rtp-packet` dissected by tshark.
//!
//! Every header field set, both RFC 8285 extension forms and a non-RFC 8285 profile, CSRC
//! lists up to 15, padding up to 255 bytes, several payload types. tshark must report no
//! malformed packet and no expert warning, and every field it reads (the header, the CSRCs,
//! the extension profile and length, each RFC 8285 element's ID, length and data, the
//! padding count) must equal what was written. tshark does not check where the extension
//! and the padding end, so the suite checks those bytes itself.

use super::Context;
use super::pcap::{self, Datagram};
use super::tshark;
use crate::util::Result;
use rtp_packet::extension::{
    AbsSendTime, AudioLevel, PlayoutDelay, Rotation, TransportSequenceNumber, VideoOrientation,
};
use rtp_packet::{CsrcList, ExtensionForm, PacketWriter, PayloadType, RtpHeader, RtpPacket};

const PORT: u16 = 5004;

/// One written packet and the elements it carries.
struct Case {
    bytes: Vec<u8>,
    header: RtpHeader,
    /// (profile, length field in words) of the header extension.
    extension: Option<(u16, u16)>,
    /// The RFC 8285 elements written, as (ID, data).
    elements: Vec<(u8, Vec<u8>)>,
    payload: Vec<u8>,
    padding: u8,
}

fn header(pt: u8, seq: u16, ts: u32, ssrc: u32, marker: bool, csrcs: &[u32]) -> Result<RtpHeader> {
    let mut h = RtpHeader::new(
        PayloadType::new(pt).map_err(|e| e.to_string())?,
        seq,
        ts,
        ssrc,
    );
    h.marker = marker;
    h.csrcs = CsrcList::from_slice(csrcs).map_err(|e| e.to_string())?;
    Ok(h)
}

fn build(
    header: RtpHeader,
    form: Option<ExtensionForm>,
    elements: Vec<(u8, Vec<u8>)>,
    raw: Option<(u16, Vec<u8>)>,
    payload: Vec<u8>,
    padding: u8,
) -> Result<Case> {
    let mut buf = vec![0u8; 4096];
    let mut w = PacketWriter::new(&mut buf, &header).map_err(|e| e.to_string())?;
    if let Some(form) = form {
        let mut ext = w.extension(form).map_err(|e| e.to_string())?;
        for (id, data) in &elements {
            ext.push(*id, data)
                .map_err(|e| format!("element {id}: {e}"))?;
        }
    }
    if let Some((profile, data)) = &raw {
        w.raw_extension(*profile, data).map_err(|e| e.to_string())?;
    }
    let header_len = w.header_len();
    let len = w.finish(&payload, padding).map_err(|e| e.to_string())?;
    buf.truncate(len);
    let extension = match (form, &raw) {
        (Some(form), _) => Some((
            form.profile(),
            ((header_len - header.encoded_len() - 4) / 4) as u16,
        )),
        (None, Some((profile, data))) => Some((*profile, (data.len() / 4) as u16)),
        (None, None) => None,
    };
    Ok(Case {
        bytes: buf,
        header,
        extension,
        elements,
        payload,
        padding,
    })
}

fn cases() -> Result<Vec<Case>> {
    let e = |x: rtp_packet::Error| x.to_string();
    let level = AudioLevel::new(true, 42).map_err(e)?.to_bytes_vec();
    let sent = AbsSendTime::new(0x12_3456).map_err(e)?.to_bytes_vec();
    let twcc = TransportSequenceNumber(0xbeef).to_bytes_vec();
    let delay = PlayoutDelay::new(10, 4095).map_err(e)?.to_bytes_vec();
    let cvo = VideoOrientation {
        back_camera: true,
        horizontal_flip: true,
        rotation: Rotation::Deg270,
    }
    .to_bytes_vec();
    let all15: Vec<u32> = (1..=15).map(|i| 0x0101_0101 * i).collect();
    Ok(vec![
        // Plain PCMU, everything zero or minimal.
        build(
            header(0, 0, 0, 1, false, &[])?,
            None,
            vec![],
            None,
            vec![0xff; 160],
            0,
        )?,
        // Marker, dynamic PT, two CSRCs, one-byte extension with every typed value, padding.
        build(
            header(
                96,
                0x1234,
                0xdead_beef,
                2,
                true,
                &[0x1111_1111, 0x2222_2222],
            )?,
            Some(ExtensionForm::OneByte),
            vec![
                (1, level),
                (3, sent),
                (5, twcc),
                (6, delay),
                (14, cvo),
                (2, vec![0x5a; 16]),
            ],
            None,
            vec![0x01, 0x02, 0x03],
            3,
        )?,
        // Two-byte extension: an empty element, ID 15, ID 255 with 255 bytes; 15 CSRCs.
        build(
            header(111, 65535, u32::MAX, 3, false, &all15)?,
            Some(ExtensionForm::TwoByte),
            vec![(200, vec![]), (15, vec![0xa5; 7]), (255, vec![0x3c; 255])],
            None,
            vec![0x42; 20],
            255,
        )?,
        // PCMA with a non-RFC 8285 extension profile, maximal fields.
        build(
            header(8, 0xfffe, 0x8000_0000, 0xffff_ffff, true, &[0xffff_ffff])?,
            None,
            vec![],
            Some((0x1234, vec![9; 8])),
            vec![0xd5; 80],
            0,
        )?,
        // Padding only, no payload.
        build(
            header(127, 1, 160, 5, false, &[])?,
            None,
            vec![],
            None,
            vec![],
            1,
        )?,
        // G722 with an empty one-byte extension block.
        build(
            header(9, 7, 8000, 6, true, &[])?,
            Some(ExtensionForm::OneByte),
            vec![],
            None,
            vec![0x11; 160],
            8,
        )?,
    ])
}

trait ToBytesVec {
    fn to_bytes_vec(&self) -> Vec<u8>;
}

impl<T: rtp_packet::extension::ExtensionValue> ToBytesVec for T {
    fn to_bytes_vec(&self) -> Vec<u8> {
        self.to_bytes().as_ref().to_vec()
    }
}

/// Checks the bytes tshark does not: the extension ends where its length says and its
/// element padding is zero, the padding is zeros ending in the count, and re-parsing with
/// `rtp-packet` gives back what was written.
fn check_bounds(i: usize, c: &Case) -> Result {
    let fail = |what: String| Err(format!("packet {}: {what}", i + 1));
    let h = c.header.encoded_len();
    let mut end = h;
    if let Some((profile, words)) = c.extension {
        let at = |k: usize| c.bytes.get(k).copied().unwrap_or(0);
        if u16::from_be_bytes([at(h), at(h + 1)]) != profile
            || u16::from_be_bytes([at(h + 2), at(h + 3)]) != words
        {
            return fail("extension header bytes differ from what was written".into());
        }
        end = h + 4 + 4 * usize::from(words);
        let used: usize = c
            .elements
            .iter()
            .map(|(_, d)| d.len() + if profile == 0xbede { 1 } else { 2 })
            .sum();
        let block = c
            .bytes
            .get(h + 4..end)
            .ok_or("extension runs past the packet")?;
        let rfc8285 = ExtensionForm::from_profile(profile).is_some();
        if rfc8285 && (used > block.len() || block.len() - used >= 4) {
            return fail(format!(
                "extension block of {} bytes for {used} bytes of elements",
                block.len()
            ));
        }
        if rfc8285
            && block
                .get(used..)
                .is_some_and(|pad| pad.iter().any(|&b| b != 0))
        {
            return fail("extension padding is not zero".into());
        }
    }
    let payload_end = end + c.payload.len();
    if c.bytes.get(end..payload_end) != Some(&c.payload[..]) {
        return fail("payload is not where the header says it starts".into());
    }
    let padding = &c.bytes[payload_end..];
    if padding.len() != usize::from(c.padding) {
        return fail(format!(
            "{} bytes after the payload, {} padding written",
            padding.len(),
            c.padding
        ));
    }
    if let Some((last, zeros)) = padding.split_last()
        && (*last != c.padding || zeros.iter().any(|&b| b != 0))
    {
        return fail(format!("padding bytes {padding:02x?}"));
    }
    let p = RtpPacket::parse(&c.bytes).map_err(|e| format!("packet {}: re-parse: {e}", i + 1))?;
    if p.payload() != c.payload
        || p.padding_len() != usize::from(c.padding)
        || p.header_len() != end
    {
        return fail("re-parse disagrees with what was written".into());
    }
    if let Some(ext) = p.header_extension().filter(|x| x.form().is_some()) {
        let read: Vec<(u8, Vec<u8>)> = ext
            .elements()
            .map(|e| e.map(|e| (e.id, e.data.to_vec())))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if read != c.elements {
            return fail("re-parsed extension elements differ".into());
        }
    }
    Ok(())
}

const FIELDS: &[&str] = &[
    "rtp.version",
    "rtp.padding",
    "rtp.ext",
    "rtp.cc",
    "rtp.marker",
    "rtp.p_type",
    "rtp.seq",
    "rtp.timestamp",
    "rtp.ssrc",
    "rtp.csrc.item",
    "rtp.ext.profile",
    "rtp.ext.len",
    "rtp.padding.count",
    "rtp.ext.rfc5285.id",
    "rtp.ext.rfc5285.len",
    "rtp.ext.rfc5285.data",
    "rtp.ext.rfc5285.appbits",
];

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// tshark prints integers in decimal or `0x` hex depending on the field; compare as numbers.
fn number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn boolean(s: &str) -> String {
    match s {
        "True" | "true" | "1" => "1".into(),
        "False" | "false" | "0" => "0".into(),
        other => other.into(),
    }
}

fn expected(c: &Case) -> Vec<(&'static str, String)> {
    let h = &c.header;
    let join = |v: Vec<String>| v.join(",");
    let mut out = vec![
        ("rtp.version", "2".to_string()),
        ("rtp.padding", flag(c.padding > 0)),
        ("rtp.ext", flag(c.extension.is_some())),
        ("rtp.cc", h.csrcs.len().to_string()),
        ("rtp.marker", flag(h.marker)),
        ("rtp.p_type", h.payload_type.value().to_string()),
        ("rtp.seq", h.sequence_number.to_string()),
        ("rtp.timestamp", h.timestamp.to_string()),
        ("rtp.ssrc", h.ssrc.to_string()),
        (
            "rtp.csrc.item",
            join(h.csrcs.as_slice().iter().map(u32::to_string).collect()),
        ),
        (
            "rtp.ext.profile",
            c.extension.map(|(p, _)| p.to_string()).unwrap_or_default(),
        ),
        (
            "rtp.ext.len",
            c.extension.map(|(_, w)| w.to_string()).unwrap_or_default(),
        ),
        (
            "rtp.padding.count",
            if c.padding > 0 {
                c.padding.to_string()
            } else {
                String::new()
            },
        ),
    ];
    out.push((
        "rtp.ext.rfc5285.id",
        join(c.elements.iter().map(|(id, _)| id.to_string()).collect()),
    ));
    out.push((
        "rtp.ext.rfc5285.len",
        join(
            c.elements
                .iter()
                .map(|(_, d)| d.len().to_string())
                .collect(),
        ),
    ));
    out.push((
        "rtp.ext.rfc5285.data",
        join(
            c.elements
                .iter()
                .filter(|(_, d)| !d.is_empty())
                .map(|(_, d)| hex(d))
                .collect(),
        ),
    ));
    // The two-byte form carries application bits (written as 0); tshark shows them per element.
    let two_byte = c
        .extension
        .is_some_and(|(p, _)| ExtensionForm::from_profile(p) == Some(ExtensionForm::TwoByte));
    out.push((
        "rtp.ext.rfc5285.appbits",
        join(
            c.elements
                .iter()
                .filter(|_| two_byte)
                .map(|_| "0".to_string())
                .collect(),
        ),
    ));
    out
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// tshark's rendering of one field, normalised: numbers to decimal, booleans to 0/1, byte
/// strings to bare hex.
fn normalise(field: &str, value: &str) -> String {
    value
        .split(',')
        .filter(|v| !v.is_empty())
        .map(|v| match field {
            "rtp.padding" | "rtp.ext" | "rtp.marker" => boolean(v),
            "rtp.ext.rfc5285.data" => v.replace(':', ""),
            _ => number(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn run(ctx: &Context) -> Result {
    tshark::ensure()?;
    let cases = cases()?;
    for (i, c) in cases.iter().enumerate() {
        check_bounds(i, c)?;
    }
    let datagrams: Vec<Datagram> = cases
        .iter()
        .map(|c| Datagram::new(40_000, PORT, c.bytes.clone()))
        .collect();
    let path = ctx.dir.join("rtp.pcap");
    std::fs::write(&path, pcap::pcap(&datagrams))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let decode = format!("udp.port=={PORT},rtp");
    let decode_as = [decode.as_str()];

    let problems = tshark::problems(&path, &decode_as)?;
    if !problems.is_empty() {
        return Err(format!(
            "tshark found problems in {}:\n  {}",
            path.display(),
            problems.join("\n  ")
        ));
    }
    let rows = tshark::fields(&path, &decode_as, FIELDS)?;
    if rows.len() != cases.len() {
        return Err(format!(
            "tshark dissected {} packets, {} written",
            rows.len(),
            cases.len()
        ));
    }
    let mut mismatches = Vec::new();
    for (i, (c, row)) in cases.iter().zip(&rows).enumerate() {
        for (k, (field, want)) in expected(c).into_iter().enumerate() {
            let got = normalise(field, row.get(k).map(String::as_str).unwrap_or(""));
            if got != want {
                mismatches.push(format!(
                    "packet {}: {field}: tshark read `{got}`, we wrote `{want}`",
                    i + 1
                ));
            }
        }
    }
    if !mismatches.is_empty() {
        return Err(format!("tshark disagrees:\n  {}", mismatches.join("\n  ")));
    }
    eprintln!(
        "rtp: tshark read {} packets ({} header extension elements) exactly as written",
        cases.len(),
        cases.iter().map(|c| c.elements.len()).sum::<usize>()
    );
    Ok(())
}
