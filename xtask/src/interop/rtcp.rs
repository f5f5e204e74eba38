//! Interop suite `rtcp`: compound packets written by the `rtcp` crate dissected by tshark.
//!
//! Four compound datagrams hold every packet type the crate writes: SR with report blocks
//! and a profile-specific extension, RR, SDES with every item type, BYE with a reason, APP,
//! XR with every RFC 3611 block, generic NACK, TMMBR, TMMBN, transport-cc, PLI, SLI, RPSI,
//! FIR and REMB. tshark must report no malformed packet and no expert warning, and the
//! fields it reads must equal what was written. tshark does not check that the packets'
//! lengths add up to the datagram or that only the last packet is padded, so the suite
//! walks the headers itself too.

mod expect;

use super::Context;
use super::pcap::{self, Datagram};
use super::tshark;
use crate::util::Result;
use rtcp::feedback::{
    CcfbMetric, CcfbStreamReport, CongestionControlFeedback, Ecn, FirEntry, FullIntraRequest,
    GenericNack, PacketStatus, PictureLossIndication, ReceiverEstimatedMaximumBitrate,
    ReferencePictureSelectionIndication, SliEntry, SliceLossIndication, TmmbItem, Tmmbn, Tmmbr,
    TransportCc,
};
use rtcp::xr::{
    Dlrr, DlrrItem, PacketReceiptTimes, ReceiverReferenceTime, RleChunk, RleReport,
    StatisticsSummary, TtlOrHopLimit, VoipMetrics, XrBlock,
};
use rtcp::{
    AnyPacket, ApplicationDefined, ExtendedReport, Goodbye, Header, NtpTime, ReceiverReport,
    ReportBlock, Rules, SdesChunk, SdesItem, SdesItemType, SenderReport, SourceDescription,
};
use std::borrow::Cow;

const PORT: u16 = 5005;
const SSRC: u32 = 0x1a2b_3c4d;
const CNAME: &str = "rtcp-interop@example.org";
/// The first datagram, which ends with a BYE, is padded to a multiple of this size (the last
/// packet only), as SRTCP with a block cipher would ask. The others end with feedback
/// messages, whose dissectors in tshark 4.0 read RTCP padding as FCI, so they are not padded.
const PAD_TO: usize = 16;

fn sdes() -> AnyPacket<'static> {
    AnyPacket::SourceDescription(SourceDescription::cname(SSRC, CNAME))
}

fn rr() -> AnyPacket<'static> {
    AnyPacket::ReceiverReport(ReceiverReport {
        ssrc: SSRC,
        reports: vec![ReportBlock {
            ssrc: 0x0bad_cafe,
            fraction_lost: 3,
            cumulative_lost: 7,
            extended_highest_sequence_number: 0x0002_0010,
            jitter: 99,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 0x0001_8000,
        }]
        .into(),
        profile_extensions: Cow::Borrowed(&[]),
    })
}

fn sender_report() -> SenderReport<'static> {
    SenderReport {
        ssrc: SSRC,
        ntp_time: NtpTime(0xe9c5_a27f_4000_0000),
        rtp_time: 0x0102_0304,
        packet_count: 1500,
        octet_count: 240_000,
        reports: vec![
            ReportBlock {
                ssrc: 0x0bad_cafe,
                fraction_lost: 25,
                cumulative_lost: 1234,
                extended_highest_sequence_number: 0x0001_fff0,
                jitter: 42,
                last_sr: 0xa27f_4000,
                delay_since_last_sr: 0x0002_0000,
            },
            ReportBlock {
                ssrc: 0x0dec_0de5,
                fraction_lost: 0,
                cumulative_lost: 0,
                extended_highest_sequence_number: 77,
                jitter: 5,
                last_sr: 0,
                delay_since_last_sr: 0,
            },
        ]
        .into(),
        profile_extensions: Cow::Borrowed(&[]),
    }
}

fn all_items() -> SourceDescription<'static> {
    SourceDescription {
        chunks: vec![SdesChunk {
            source: SSRC,
            items: vec![
                SdesItem::cname(CNAME),
                SdesItem::new(SdesItemType::Name, "Interop Tester"),
                SdesItem::new(SdesItemType::Email, "tester@example.org"),
                SdesItem::new(SdesItemType::Phone, "+1 555 0100"),
                SdesItem::new(SdesItemType::Loc, "Lab 3"),
                SdesItem::new(SdesItemType::Tool, "rtp-stack"),
                SdesItem::new(SdesItemType::Note, "testing"),
                SdesItem::private("x-pfx", "private value"),
            ]
            .into(),
        }]
        .into(),
    }
}

fn extended_report() -> ExtendedReport<'static> {
    ExtendedReport {
        ssrc: SSRC,
        blocks: vec![
            XrBlock::LossRle(RleReport {
                thinning: 1,
                ssrc: 0x0bad_cafe,
                begin_seq: 100,
                end_seq: 160,
                chunks: vec![
                    RleChunk::Run {
                        received: true,
                        length: 10,
                    },
                    RleChunk::BitVector(0x5555),
                    RleChunk::Run {
                        received: false,
                        length: 5,
                    },
                ]
                .into(),
            }),
            XrBlock::DuplicateRle(RleReport {
                thinning: 0,
                ssrc: 0x0bad_cafe,
                begin_seq: 200,
                end_seq: 230,
                chunks: vec![RleChunk::Run {
                    received: false,
                    length: 30,
                }]
                .into(),
            }),
            XrBlock::PacketReceiptTimes(PacketReceiptTimes {
                thinning: 0,
                ssrc: 0x0bad_cafe,
                begin_seq: 300,
                end_seq: 303,
                receipt_times: vec![1000, 1160, 1320].into(),
            }),
            XrBlock::ReceiverReferenceTime(ReceiverReferenceTime {
                ntp_time: NtpTime(0xe9c5_a280_8000_0000),
            }),
            XrBlock::Dlrr(Dlrr {
                items: vec![DlrrItem {
                    ssrc: 0x0bad_cafe,
                    last_rr: 0xa27f_4000,
                    delay_since_last_rr: 0x0000_8000,
                }]
                .into(),
            }),
            XrBlock::StatisticsSummary(StatisticsSummary {
                loss_report: true,
                duplicate_report: true,
                jitter: true,
                ttl_or_hop_limit: TtlOrHopLimit::Ipv4Ttl,
                ssrc: 0x0bad_cafe,
                begin_seq: 1,
                end_seq: 1001,
                lost_packets: 12,
                dup_packets: 2,
                min_jitter: 3,
                max_jitter: 40,
                mean_jitter: 11,
                dev_jitter: 6,
                min_ttl_or_hl: 60,
                max_ttl_or_hl: 64,
                mean_ttl_or_hl: 62,
                dev_ttl_or_hl: 1,
            }),
            XrBlock::VoipMetrics(VoipMetrics {
                ssrc: 0x0bad_cafe,
                loss_rate: 10,
                discard_rate: 5,
                burst_density: 64,
                gap_density: 2,
                burst_duration: 120,
                gap_duration: 1500,
                round_trip_delay: 150,
                end_system_delay: 40,
                signal_level: (-30i8) as u8,
                noise_level: (-80i8) as u8,
                rerl: VoipMetrics::UNAVAILABLE,
                gmin: 16,
                r_factor: 93,
                ext_r_factor: VoipMetrics::UNAVAILABLE,
                mos_lq: VoipMetrics::mos_field(Some(4.1)),
                mos_cq: VoipMetrics::mos_field(Some(3.9)),
                rx_config: 0x51,
                jb_nominal: 60,
                jb_maximum: 120,
                jb_abs_max: 200,
            }),
        ]
        .into(),
    }
}

/// The datagrams, each a list of packets.
fn datagrams() -> Result<Vec<Vec<AnyPacket<'static>>>> {
    let transport_cc = TransportCc::build(
        SSRC,
        0x0bad_cafe,
        4000,
        1234,
        7,
        &[
            PacketStatus::Received { delta: 4 },
            PacketStatus::Received { delta: 20 },
            PacketStatus::NotReceived,
            PacketStatus::Received { delta: 300 },
            PacketStatus::Received { delta: -8 },
            PacketStatus::Received { delta: 0 },
        ],
    )
    .map_err(|e| format!("transport-cc: {e}"))?;
    Ok(vec![
        vec![
            AnyPacket::SenderReport(sender_report()),
            AnyPacket::SourceDescription(all_items()),
            AnyPacket::ApplicationDefined(ApplicationDefined {
                subtype: 5,
                ssrc: SSRC,
                name: *b"TEST",
                data: Cow::Borrowed(&[0xca, 0xfe, 0xba, 0xbe]),
            }),
            AnyPacket::Goodbye(Goodbye {
                sources: vec![SSRC].into(),
                reason: Some(Cow::Borrowed(b"call ended")),
            }),
        ],
        vec![rr(), sdes(), AnyPacket::ExtendedReport(extended_report())],
        vec![
            rr(),
            sdes(),
            AnyPacket::CongestionControlFeedback(CongestionControlFeedback {
                sender_ssrc: SSRC,
                reports: vec![CcfbStreamReport {
                    ssrc: 0x0bad_cafe,
                    begin_seq: 500,
                    metrics: vec![
                        CcfbMetric {
                            received: true,
                            ecn: Ecn::Ect0,
                            arrival_time_offset: 40,
                        },
                        CcfbMetric {
                            received: false,
                            ecn: Ecn::NotEct,
                            arrival_time_offset: 0,
                        },
                        CcfbMetric {
                            received: true,
                            ecn: Ecn::Ce,
                            arrival_time_offset: 8,
                        },
                    ]
                    .into(),
                }]
                .into(),
                report_timestamp: 0xa280_8000,
            }),
            AnyPacket::TransportCc(transport_cc),
            AnyPacket::Tmmbr(Tmmbr {
                sender_ssrc: SSRC,
                media_ssrc: 0,
                items: vec![TmmbItem::new(0x0bad_cafe, 1_500_000, 40)].into(),
            }),
            AnyPacket::Tmmbn(Tmmbn {
                sender_ssrc: SSRC,
                media_ssrc: 0,
                items: vec![TmmbItem::new(0x0bad_cafe, 1_000_000, 40)].into(),
            }),
            AnyPacket::GenericNack(GenericNack {
                sender_ssrc: SSRC,
                media_ssrc: 0x0bad_cafe,
                pairs: GenericNack::pairs_from_lost(&[1000, 1002, 1016, 1100]).into(),
            }),
        ],
        vec![
            rr(),
            sdes(),
            AnyPacket::PictureLossIndication(PictureLossIndication {
                sender_ssrc: SSRC,
                media_ssrc: 0x0bad_cafe,
            }),
            AnyPacket::SliceLossIndication(SliceLossIndication {
                sender_ssrc: SSRC,
                media_ssrc: 0x0bad_cafe,
                entries: vec![SliEntry {
                    first: 17,
                    number: 99,
                    picture_id: 42,
                }]
                .into(),
            }),
            AnyPacket::ReferencePictureSelectionIndication(ReferencePictureSelectionIndication {
                sender_ssrc: SSRC,
                media_ssrc: 0x0bad_cafe,
                payload_type: 96,
                bit_string: Cow::Borrowed(&[0xab, 0xcd]),
                unused_bits: 0,
            }),
            AnyPacket::FullIntraRequest(FullIntraRequest {
                sender_ssrc: SSRC,
                media_ssrc: 0,
                entries: vec![FirEntry {
                    ssrc: 0x0bad_cafe,
                    sequence_number: 9,
                }]
                .into(),
            }),
            AnyPacket::ReceiverEstimatedMaximumBitrate(ReceiverEstimatedMaximumBitrate {
                sender_ssrc: SSRC,
                media_ssrc: 0,
                bitrate: 2_500_000,
                ssrcs: vec![0x0bad_cafe, 0x0dec_0de5].into(),
            }),
        ],
    ])
}

fn write(packets: &[AnyPacket<'_>], pad_to: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 1500];
    let n = rtcp::write_compound(packets, pad_to, &mut buf).map_err(|e| format!("writing: {e}"))?;
    buf.truncate(n);
    Ok(buf)
}

/// The checks tshark cannot make: the length fields add up to the datagram exactly, only the
/// last packet has P set, its padding count and zeros are right, and the strict check
/// agrees. Returns how many packets are padded (0 or 1).
fn check_structure(index: usize, bytes: &[u8], packets: &[AnyPacket<'_>]) -> Result<usize> {
    let mut offset = 0;
    let mut seen = 0;
    let mut padded = 0;
    while offset < bytes.len() {
        let h = Header::parse(&bytes[offset..]).map_err(|e| format!("datagram {index}: {e}"))?;
        let size = h.packet_size();
        let last = offset + size == bytes.len();
        if offset + size > bytes.len() {
            return Err(format!("datagram {index}: packet {seen} runs past the end"));
        }
        if h.padding && !last {
            return Err(format!(
                "datagram {index}: packet {seen} is padded but is not the last"
            ));
        }
        if h.padding {
            padded += 1;
            let count = usize::from(bytes[bytes.len() - 1]);
            let unpadded = packets.last().map_or(0, rtcp::Packet::size);
            if count != size - unpadded
                || bytes[offset + unpadded..bytes.len() - 1]
                    .iter()
                    .any(|&b| b != 0)
            {
                return Err(format!(
                    "datagram {index}: padding count {count} or its zeros are wrong"
                ));
            }
        }
        offset += size;
        seen += 1;
    }
    if seen != packets.len() || (padded == 1 && !bytes.len().is_multiple_of(PAD_TO)) {
        return Err(format!(
            "datagram {index}: {seen} packets in {} bytes",
            bytes.len()
        ));
    }
    rtcp::validate(bytes, Rules::default())
        .map_err(|e| format!("datagram {index}: strict check: {e}"))?;
    Ok(padded)
}

pub fn run(ctx: &Context) -> Result {
    tshark::ensure()?;
    let datagrams = datagrams()?;
    let mut written = Vec::new();
    let mut expectations = Vec::new();
    let mut padded = 0;
    for (i, packets) in datagrams.iter().enumerate() {
        let bytes = write(packets, if i == 0 { PAD_TO } else { 0 })?;
        padded += check_structure(i, &bytes, packets)?;
        expectations.push(expect::expected(packets, &bytes));
        written.push(Datagram::new(PORT + 1, PORT, bytes));
    }
    if padded == 0 {
        return Err("no datagram needed padding; the padding rules went untested".into());
    }
    let path = ctx.dir.join("rtcp.pcap");
    std::fs::write(&path, pcap::pcap(&written)).map_err(|e| format!("{}: {e}", path.display()))?;
    let decode = format!("udp.port=={PORT},rtcp");
    let problems = tshark::problems(&path, &[&decode])?;
    if !problems.is_empty() {
        return Err(format!(
            "tshark found problems:\n  {}",
            problems.join("\n  ")
        ));
    }
    let rows = tshark::fields(&path, &[&decode], expect::FIELDS)?;
    if rows.len() != expectations.len() {
        return Err(format!(
            "tshark read {} frames, {} were written",
            rows.len(),
            expectations.len()
        ));
    }
    let mut mismatches = Vec::new();
    for (frame, (row, want)) in rows.iter().zip(&expectations).enumerate() {
        for (i, field) in expect::FIELDS.iter().enumerate() {
            let got = row.get(i).map(String::as_str).unwrap_or("");
            let want = want.0.get(field).map(|v| v.join(",")).unwrap_or_default();
            if got != want {
                mismatches.push(format!(
                    "frame {}: {field}: tshark read `{got}`, we wrote `{want}`",
                    frame + 1
                ));
            }
        }
    }
    if !mismatches.is_empty() {
        return Err(format!("tshark disagrees:\n  {}", mismatches.join("\n  ")));
    }
    let types: Vec<String> = datagrams.iter().flatten().map(describe).collect();
    eprintln!(
        "tshark dissected, without complaint and with equal fields: {}",
        types.join(", ")
    );
    Ok(())
}

/// A packet's name for the suite's summary line.
fn describe(packet: &AnyPacket<'_>) -> String {
    match packet {
        AnyPacket::SenderReport(_) => "SR".into(),
        AnyPacket::ReceiverReport(_) => "RR".into(),
        AnyPacket::SourceDescription(_) => "SDES".into(),
        AnyPacket::Goodbye(_) => "BYE".into(),
        AnyPacket::ApplicationDefined(_) => "APP".into(),
        AnyPacket::ExtendedReport(xr) => {
            let blocks: Vec<String> = xr
                .blocks
                .iter()
                .map(|b| b.block_type().to_string())
                .collect();
            format!("XR (blocks {})", blocks.join("/"))
        }
        AnyPacket::GenericNack(_) => "NACK".into(),
        AnyPacket::Tmmbr(_) => "TMMBR".into(),
        AnyPacket::Tmmbn(_) => "TMMBN".into(),
        AnyPacket::TransportCc(_) => "transport-cc".into(),
        AnyPacket::CongestionControlFeedback(_) => "CCFB".into(),
        AnyPacket::PictureLossIndication(_) => "PLI".into(),
        AnyPacket::SliceLossIndication(_) => "SLI".into(),
        AnyPacket::ReferencePictureSelectionIndication(_) => "RPSI".into(),
        AnyPacket::FullIntraRequest(_) => "FIR".into(),
        AnyPacket::ReceiverEstimatedMaximumBitrate(_) => "REMB".into(),
        AnyPacket::Raw(_) => "raw".into(),
        _ => "other".into(),
    }
}
