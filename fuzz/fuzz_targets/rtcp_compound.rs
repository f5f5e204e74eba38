//! Walks any datagram as a compound RTCP packet: the lenient walk, the strict check, and
//! every lazily decoded list must neither panic nor read out of bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtcp::{AnyPacket, Compound, Packet, Rules};

fuzz_target!(|data: &[u8]| {
    let _ = rtcp::validate(data, Rules::default());
    let _ = rtcp::validate(data, Rules { reduced_size: true });
    for packet in Compound::new(data).flatten() {
        let _ = packet.size();
        match &packet {
            AnyPacket::SenderReport(sr) => sr.reports.iter().for_each(drop),
            AnyPacket::ReceiverReport(rr) => rr.reports.iter().for_each(drop),
            AnyPacket::SourceDescription(sdes) => sdes
                .chunks
                .iter()
                .for_each(|c| c.items.iter().for_each(drop)),
            AnyPacket::Goodbye(bye) => bye.sources.iter().for_each(drop),
            AnyPacket::ExtendedReport(xr) => {
                for block in xr.blocks.iter() {
                    match block {
                        rtcp::xr::XrBlock::LossRle(b) | rtcp::xr::XrBlock::DuplicateRle(b) => {
                            b.packets().for_each(drop)
                        }
                        rtcp::xr::XrBlock::Dlrr(d) => d.items.iter().for_each(drop),
                        rtcp::xr::XrBlock::PacketReceiptTimes(p) => {
                            p.receipt_times.iter().for_each(drop)
                        }
                        _ => {}
                    }
                }
            }
            AnyPacket::GenericNack(nack) => nack.lost().for_each(drop),
            AnyPacket::TransportCc(tcc) => tcc.packets().for_each(drop),
            AnyPacket::CongestionControlFeedback(ccfb) => ccfb
                .reports
                .iter()
                .for_each(|r| r.metrics.iter().for_each(drop)),
            _ => {}
        }
    }
});
