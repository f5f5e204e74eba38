//! What tshark should read from each datagram of the `rtcp` suite, derived from the
//! packets written: for every compared field, its occurrences in order.

use rtcp::feedback::{PacketStatus, TmmbItem};
use rtcp::xr::{RleChunk, TtlOrHopLimit, XrBlock};
use rtcp::{AnyPacket, ExtendedReport, Header, NtpTime, ReportBlock, SdesItemType};
use std::collections::BTreeMap;

/// What tshark should read from one datagram: for each field, its occurrences in order.
#[derive(Default)]
pub struct Expected(pub BTreeMap<&'static str, Vec<String>>);

impl Expected {
    fn push(&mut self, field: &'static str, value: impl ToString) {
        self.0.entry(field).or_default().push(value.to_string());
    }

    fn hex32(&mut self, field: &'static str, value: u32) {
        self.push(field, format!("{value:#010x}"));
    }
}

/// Every field the suite compares. A field missing from a datagram's expectations must be
/// absent from tshark's reading too.
pub const FIELDS: &[&str] = &[
    "rtcp.pt",
    "rtcp.length",
    "rtcp.padding",
    "rtcp.padding.count",
    "rtcp.length_check",
    "rtcp.senderssrc",
    "rtcp.mediassrc",
    "rtcp.timestamp.ntp.msw",
    "rtcp.timestamp.ntp.lsw",
    "rtcp.timestamp.rtp",
    "rtcp.sender.packetcount",
    "rtcp.sender.octetcount",
    "rtcp.ssrc.identifier",
    "rtcp.ssrc.fraction",
    "rtcp.ssrc.cum_nr",
    "rtcp.ssrc.ext_high",
    "rtcp.ssrc.jitter",
    "rtcp.ssrc.lsr",
    "rtcp.ssrc.dlsr",
    "rtcp.sdes.type",
    "rtcp.sdes.text",
    "rtcp.sdes.prefix.string",
    "rtcp.app.name",
    "rtcp.app.subtype",
    "rtcp.app.data",
    "rtcp.xr.bt",
    "rtcp.xr.bl",
    "rtcp.xr.tf",
    "rtcp.xr.beginseq",
    "rtcp.xr.endseq",
    "rtcp.xr.chunk.bit_vector",
    "rtcp.xr.receipt_time_seq",
    "rtcp.xr.timestamp",
    "rtcp.xr.lrr",
    "rtcp.xr.dlrr",
    "rtcp.xr.stats.lrflag",
    "rtcp.xr.stats.dupflag",
    "rtcp.xr.stats.jitterflag",
    "rtcp.xr.stats.ttl",
    "rtcp.xr.stats.lost",
    "rtcp.xr.stats.dups",
    "rtcp.xr.stats.minjitter",
    "rtcp.xr.stats.maxjitter",
    "rtcp.xr.stats.meanjitter",
    "rtcp.xr.stats.devjitter",
    "rtcp.xr.stats.minttl",
    "rtcp.xr.stats.maxttl",
    "rtcp.xr.stats.meanttl",
    "rtcp.xr.stats.devttl",
    "rtcp.xr.voipmetrics.burstduration",
    "rtcp.xr.voipmetrics.gapduration",
    "rtcp.xr.voipmetrics.rtdelay",
    "rtcp.xr.voipmetrics.esdelay",
    "rtcp.xr.voipmetrics.gmin",
    "rtcp.xr.voipmetrics.rfactor",
    "rtcp.xr.voipmetrics.extrfactor",
    "rtcp.xr.voipmetrics.moslq",
    "rtcp.xr.voipmetrics.moscq",
    "rtcp.xr.voipmetrics.jbnominal",
    "rtcp.xr.voipmetrics.jbmax",
    "rtcp.xr.voipmetrics.jbabsmax",
    "rtcp.rtpfb.fmt",
    "rtcp.psfb.fmt",
    "rtcp.rtpfb.nack_pid",
    "rtcp.rtpfb.nack_blp",
    "rtcp.rtpfb.tmmbr.fci.ssrc",
    "rtcp.rtpfb.tmmbr.fci.exp",
    "rtcp.rtpfb.tmmbr.fci.mantissa",
    "rtcp.rtpfb.tmmbr.fci.measuredoverhead",
    "rtcp.rtpfb.transportcc.baseseq",
    "rtcp.rtpfb.transportcc.statuscount",
    "rtcp.rtpfb.transportcc.reftime",
    "rtcp.rtpfb.transportcc.pktcount",
    "rtcp.rtpfb.transportcc.pktchunk",
    "rtcp.rtpfb.transportcc.recv_delta",
    "rtcp.psfb.fir.sli.first",
    "rtcp.psfb.fir.sli.number",
    "rtcp.psfb.fir.sli.picture_id",
    "rtcp.fci",
    "rtcp.psfb.fir.fci.ssrc",
    "rtcp.psfb.fir.fci.csn",
    "rtcp.psfb.remb.fci.number_ssrcs",
    "rtcp.psfb.remb.fci.br_exp",
    "rtcp.psfb.remb.fci.br_mantissa",
    "rtcp.psfb.remb.fci.ssrc",
];

fn report_blocks(e: &mut Expected, blocks: &rtcp::List<'_, ReportBlock>) {
    for b in blocks.iter() {
        e.hex32("rtcp.ssrc.identifier", b.ssrc);
        e.push("rtcp.ssrc.fraction", b.fraction_lost);
        e.push("rtcp.ssrc.cum_nr", b.cumulative_lost);
        e.push("rtcp.ssrc.ext_high", b.extended_highest_sequence_number);
        e.push("rtcp.ssrc.jitter", b.jitter);
        e.push("rtcp.ssrc.lsr", b.last_sr);
        e.push("rtcp.ssrc.dlsr", b.delay_since_last_sr);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// tshark's rendering of an NTP timestamp: `Apr 14, 2024 00:32:00.500000000 UTC`.
fn ntp_date(ntp: NtpTime) -> String {
    let since = ntp
        .to_system_time()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {day:2}, {year} {:02}:{:02}:{:02}.{:09} UTC",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_nanos()
    )
}

fn xr_blocks(e: &mut Expected, xr: &ExtendedReport<'_>) {
    e.hex32("rtcp.senderssrc", xr.ssrc);
    for block in xr.blocks.iter() {
        e.push("rtcp.xr.bt", block.block_type());
        e.push("rtcp.xr.bl", (rtcp::Element::wire_size(&block) - 4) / 4);
        match &block {
            XrBlock::LossRle(b) | XrBlock::DuplicateRle(b) => {
                e.push("rtcp.xr.tf", b.thinning);
                e.hex32("rtcp.ssrc.identifier", b.ssrc);
                e.push("rtcp.xr.beginseq", b.begin_seq);
                e.push("rtcp.xr.endseq", b.end_seq);
                for chunk in b.chunks.iter() {
                    if let RleChunk::BitVector(bits) = chunk {
                        e.push("rtcp.xr.chunk.bit_vector", bits);
                    }
                }
            }
            XrBlock::PacketReceiptTimes(b) => {
                e.push("rtcp.xr.tf", b.thinning);
                e.hex32("rtcp.ssrc.identifier", b.ssrc);
                e.push("rtcp.xr.beginseq", b.begin_seq);
                e.push("rtcp.xr.endseq", b.end_seq);
                for t in b.receipt_times.iter() {
                    e.push("rtcp.xr.receipt_time_seq", t);
                }
            }
            XrBlock::ReceiverReferenceTime(b) => e.push("rtcp.xr.timestamp", ntp_date(b.ntp_time)),
            XrBlock::Dlrr(b) => {
                for item in b.items.iter() {
                    e.hex32("rtcp.ssrc.identifier", item.ssrc);
                    e.push("rtcp.xr.lrr", item.last_rr);
                    e.push("rtcp.xr.dlrr", item.delay_since_last_rr);
                }
            }
            XrBlock::StatisticsSummary(b) => {
                e.push("rtcp.xr.stats.lrflag", u8::from(b.loss_report));
                e.push("rtcp.xr.stats.dupflag", u8::from(b.duplicate_report));
                e.push("rtcp.xr.stats.jitterflag", u8::from(b.jitter));
                let toh = match b.ttl_or_hop_limit {
                    TtlOrHopLimit::None => 0,
                    TtlOrHopLimit::Ipv4Ttl => 1,
                    TtlOrHopLimit::Ipv6HopLimit => 2,
                    TtlOrHopLimit::Reserved => 3,
                };
                e.push("rtcp.xr.stats.ttl", toh);
                e.hex32("rtcp.ssrc.identifier", b.ssrc);
                e.push("rtcp.xr.beginseq", b.begin_seq);
                e.push("rtcp.xr.endseq", b.end_seq);
                e.push("rtcp.xr.stats.lost", b.lost_packets);
                e.push("rtcp.xr.stats.dups", b.dup_packets);
                e.push("rtcp.xr.stats.minjitter", b.min_jitter);
                e.push("rtcp.xr.stats.maxjitter", b.max_jitter);
                e.push("rtcp.xr.stats.meanjitter", b.mean_jitter);
                e.push("rtcp.xr.stats.devjitter", b.dev_jitter);
                e.push("rtcp.xr.stats.minttl", b.min_ttl_or_hl);
                e.push("rtcp.xr.stats.maxttl", b.max_ttl_or_hl);
                e.push("rtcp.xr.stats.meanttl", b.mean_ttl_or_hl);
                e.push("rtcp.xr.stats.devttl", b.dev_ttl_or_hl);
            }
            XrBlock::VoipMetrics(b) => {
                e.hex32("rtcp.ssrc.identifier", b.ssrc);
                e.push("rtcp.ssrc.fraction", b.loss_rate);
                e.push("rtcp.xr.voipmetrics.burstduration", b.burst_duration);
                e.push("rtcp.xr.voipmetrics.gapduration", b.gap_duration);
                e.push("rtcp.xr.voipmetrics.rtdelay", b.round_trip_delay);
                e.push("rtcp.xr.voipmetrics.esdelay", b.end_system_delay);
                e.push("rtcp.xr.voipmetrics.gmin", b.gmin);
                e.push("rtcp.xr.voipmetrics.rfactor", b.r_factor);
                e.push("rtcp.xr.voipmetrics.extrfactor", b.ext_r_factor);
                e.push("rtcp.xr.voipmetrics.moslq", f32::from(b.mos_lq) / 10.0);
                e.push("rtcp.xr.voipmetrics.moscq", f32::from(b.mos_cq) / 10.0);
                e.push("rtcp.xr.voipmetrics.jbnominal", b.jb_nominal);
                e.push("rtcp.xr.voipmetrics.jbmax", b.jb_maximum);
                e.push("rtcp.xr.voipmetrics.jbabsmax", b.jb_abs_max);
            }
            XrBlock::Unknown(_) => {}
            // A block type this suite does not know yet has no expectations.
            _ => {}
        }
    }
}

/// The fields tshark should read from `packets`, written as `bytes`.
pub fn expected(packets: &[AnyPacket<'_>], bytes: &[u8]) -> Expected {
    let mut e = Expected::default();
    let mut offset = 0;
    while let Ok(h) = Header::parse(&bytes[offset..]) {
        e.push("rtcp.pt", h.packet_type);
        e.push("rtcp.length", h.length);
        e.push("rtcp.padding", u8::from(h.padding));
        if h.padding {
            e.push("rtcp.padding.count", bytes[bytes.len() - 1]);
        }
        offset += h.packet_size();
        if offset >= bytes.len() {
            break;
        }
    }
    e.push("rtcp.length_check", 1);
    let feedback = |e: &mut Expected, fmt_field, fmt: u8, sender: u32, media: u32| {
        e.push(fmt_field, fmt);
        e.hex32("rtcp.senderssrc", sender);
        e.hex32("rtcp.mediassrc", media);
    };
    for packet in packets {
        match packet {
            AnyPacket::SenderReport(sr) => {
                e.hex32("rtcp.senderssrc", sr.ssrc);
                e.push("rtcp.timestamp.ntp.msw", sr.ntp_time.seconds());
                e.push("rtcp.timestamp.ntp.lsw", sr.ntp_time.fraction());
                e.push("rtcp.timestamp.rtp", sr.rtp_time);
                e.push("rtcp.sender.packetcount", sr.packet_count);
                e.push("rtcp.sender.octetcount", sr.octet_count);
                report_blocks(&mut e, &sr.reports);
            }
            AnyPacket::ReceiverReport(rr) => {
                e.hex32("rtcp.senderssrc", rr.ssrc);
                report_blocks(&mut e, &rr.reports);
            }
            AnyPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks.iter() {
                    e.hex32("rtcp.ssrc.identifier", chunk.source);
                    for item in chunk.items.iter() {
                        e.push("rtcp.sdes.type", item.item_type.code());
                        e.push("rtcp.sdes.text", text(&item.text));
                        if item.item_type == SdesItemType::Priv {
                            e.push("rtcp.sdes.prefix.string", text(&item.prefix));
                        }
                    }
                    e.push("rtcp.sdes.type", 0);
                }
            }
            AnyPacket::Goodbye(bye) => {
                for source in bye.sources.iter() {
                    e.hex32("rtcp.ssrc.identifier", source);
                }
                if let Some(reason) = &bye.reason {
                    e.push("rtcp.sdes.text", text(reason));
                }
            }
            AnyPacket::ApplicationDefined(app) => {
                e.push("rtcp.app.subtype", app.subtype);
                e.hex32("rtcp.ssrc.identifier", app.ssrc);
                e.push("rtcp.app.name", text(&app.name));
                e.push("rtcp.app.data", hex(&app.data));
            }
            AnyPacket::ExtendedReport(xr) => xr_blocks(&mut e, xr),
            AnyPacket::GenericNack(n) => {
                feedback(&mut e, "rtcp.rtpfb.fmt", 1, n.sender_ssrc, n.media_ssrc);
                for pair in n.pairs.iter() {
                    for seq in pair.lost() {
                        e.push("rtcp.rtpfb.nack_pid", seq);
                    }
                    e.push("rtcp.rtpfb.nack_blp", format!("{:#06x}", pair.blp));
                }
            }
            AnyPacket::Tmmbr(t) => {
                feedback(&mut e, "rtcp.rtpfb.fmt", 3, t.sender_ssrc, t.media_ssrc);
                tmmb_items(&mut e, &t.items);
            }
            AnyPacket::Tmmbn(t) => {
                feedback(&mut e, "rtcp.rtpfb.fmt", 4, t.sender_ssrc, t.media_ssrc);
                tmmb_items(&mut e, &t.items);
            }
            AnyPacket::TransportCc(t) => {
                feedback(&mut e, "rtcp.rtpfb.fmt", 15, t.sender_ssrc, t.media_ssrc);
                e.push("rtcp.rtpfb.transportcc.baseseq", t.base_sequence_number);
                e.push("rtcp.rtpfb.transportcc.statuscount", t.packet_status_count);
                e.push("rtcp.rtpfb.transportcc.reftime", t.reference_time);
                e.push("rtcp.rtpfb.transportcc.pktcount", t.fb_pkt_count);
                for chunk in t.chunks.iter() {
                    let mut raw = [0u8; 2];
                    if rtcp::Element::encode(&chunk, &mut raw).is_ok() {
                        e.push("rtcp.rtpfb.transportcc.pktchunk", u16::from_be_bytes(raw));
                    }
                }
                for (_, status) in t.packets() {
                    if let PacketStatus::Received { delta } = status {
                        if (0..=255).contains(&delta) {
                            e.push("rtcp.rtpfb.transportcc.recv_delta", format!("{delta:#04x}"));
                        } else {
                            e.push(
                                "rtcp.rtpfb.transportcc.recv_delta",
                                format!("{:#06x}", delta as u16),
                            );
                        }
                    }
                }
            }
            AnyPacket::PictureLossIndication(p) => {
                feedback(&mut e, "rtcp.psfb.fmt", 1, p.sender_ssrc, p.media_ssrc);
            }
            AnyPacket::SliceLossIndication(s) => {
                feedback(&mut e, "rtcp.psfb.fmt", 2, s.sender_ssrc, s.media_ssrc);
                for entry in s.entries.iter() {
                    e.push("rtcp.psfb.fir.sli.first", entry.first);
                    e.push("rtcp.psfb.fir.sli.number", entry.number);
                    e.push("rtcp.psfb.fir.sli.picture_id", entry.picture_id);
                }
            }
            AnyPacket::ReferencePictureSelectionIndication(r) => {
                feedback(&mut e, "rtcp.psfb.fmt", 3, r.sender_ssrc, r.media_ssrc);
                let fci = &bytes_of(packet)[12..];
                e.push("rtcp.fci", hex(fci));
            }
            AnyPacket::FullIntraRequest(f) => {
                feedback(&mut e, "rtcp.psfb.fmt", 4, f.sender_ssrc, f.media_ssrc);
                for entry in f.entries.iter() {
                    e.hex32("rtcp.psfb.fir.fci.ssrc", entry.ssrc);
                    e.push("rtcp.psfb.fir.fci.csn", entry.sequence_number);
                }
            }
            AnyPacket::ReceiverEstimatedMaximumBitrate(r) => {
                feedback(&mut e, "rtcp.psfb.fmt", 15, r.sender_ssrc, r.media_ssrc);
                e.push("rtcp.psfb.remb.fci.number_ssrcs", r.ssrcs.len());
                let mut exp = 0;
                while r.bitrate >> exp > 0x3_ffff {
                    exp += 1;
                }
                e.push("rtcp.psfb.remb.fci.br_exp", exp);
                e.push("rtcp.psfb.remb.fci.br_mantissa", r.bitrate >> exp);
                for ssrc in r.ssrcs.iter() {
                    e.hex32("rtcp.psfb.remb.fci.ssrc", ssrc);
                }
            }
            AnyPacket::CongestionControlFeedback(c) => {
                // tshark 4.0 has no RFC 8888 dissector: it reads the first stream's SSRC as
                // the media SSRC and shows the rest as opaque FCI, which must be our bytes.
                let bytes = bytes_of(packet);
                e.push("rtcp.rtpfb.fmt", 11);
                e.hex32("rtcp.senderssrc", c.sender_ssrc);
                e.push("rtcp.mediassrc", format!("0x{}", hex(&bytes[8..12])));
                e.push("rtcp.fci", hex(&bytes[12..]));
            }
            AnyPacket::Raw(_) => {}
            // A packet type this suite does not know yet has no expectations.
            _ => {}
        }
    }
    e
}

fn tmmb_items(e: &mut Expected, items: &rtcp::List<'_, TmmbItem>) {
    for item in items.iter() {
        e.hex32("rtcp.rtpfb.tmmbr.fci.ssrc", item.ssrc);
        e.push("rtcp.rtpfb.tmmbr.fci.exp", item.exponent);
        e.push("rtcp.rtpfb.tmmbr.fci.mantissa", item.mantissa);
        e.push("rtcp.rtpfb.tmmbr.fci.measuredoverhead", item.overhead);
    }
}

fn bytes_of(packet: &AnyPacket<'_>) -> Vec<u8> {
    rtcp::Packet::to_vec(packet).unwrap_or_default()
}
