//! The report: one row per RTP stream and one per flow, printed as a table or as JSON with
//! the same field names.

use std::fmt::Write as _;

use serde::Serialize;

use crate::analyze::{Analyzer, FlowCounts, Summary};
use crate::dtls_flow::DtlsInfo;
use crate::net::Transport;
use crate::stream::mos;

/// One RTP stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamRow {
    /// Sender address.
    pub src: String,
    /// Receiver address.
    pub dst: String,
    /// `udp` or `tcp`.
    pub transport: Transport,
    /// SSRC, `0x` hex.
    pub ssrc: String,
    /// Payload type of the first packet.
    pub pt: u8,
    /// Codec name, when known.
    pub codec: Option<String>,
    /// Clock rate, Hz.
    pub clock_rate: Option<u32>,
    /// `RTP` or `SRTP`.
    pub kind: &'static str,
    /// Where the SRTP key came from; `none` when keys were tried and none authenticated.
    pub key: Option<String>,
    /// Packets received.
    pub packets: u64,
    /// Expected − received.
    pub lost: i64,
    /// Lost, percent of expected.
    pub loss_percent: f64,
    /// Duplicated packets.
    pub duplicated: u64,
    /// Late (reordered) packets.
    pub reordered: u64,
    /// Mean jitter, ms.
    pub jitter_mean_ms: Option<f64>,
    /// Largest jitter, ms.
    pub jitter_max_ms: Option<f64>,
    /// Largest inter-arrival gap, ms.
    pub max_gap_ms: f64,
    /// E-model MOS, listening quality.
    pub mos_lq: Option<f64>,
    /// E-model MOS, conversational quality (needs an RTT).
    pub mos_cq: Option<f64>,
    /// RTT from RTCP LSR/DLSR, mean of the samples' smoothed value, ms.
    pub rtt_ms: Option<f64>,
    /// SRTP packets that failed authentication.
    pub srtp_auth_failures: u64,
    /// SRTCP packets of this SSRC that failed authentication.
    pub srtcp_auth_failures: u64,
    /// RTCP compounds sent by this SSRC.
    pub rtcp_packets: u64,
    /// First packet, seconds since the epoch.
    pub start: f64,
    /// Duration, seconds.
    pub duration: f64,
    /// DTLS on this stream's flow pair.
    pub dtls: Option<DtlsInfo>,
}

/// One flow.
#[derive(Debug, Clone, Serialize)]
pub struct FlowRow {
    /// Sender.
    pub src: String,
    /// Receiver.
    pub dst: String,
    /// `udp` or `tcp`.
    pub transport: Transport,
    /// Counts by kind.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// DTLS on this flow pair.
    pub dtls: Option<DtlsInfo>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whole-capture counters.
    pub capture: Summary,
    /// A problem that ended the reading early (the streams cover what came before it).
    pub capture_error: Option<String>,
    /// RTP streams, by start time.
    pub streams: Vec<StreamRow>,
    /// Flows, by address.
    pub flows: Vec<FlowRow>,
}

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

/// Builds the report from an analyser.
pub fn report(a: &Analyzer, capture_error: Option<String>) -> Report {
    let mut streams: Vec<StreamRow> = a
        .streams()
        .map(|s| {
            let st = &s.stats;
            let codec = a.codec_of(st.payload_type);
            let rtt = a.rtt_of(s.ssrc).and_then(|r| r.smoothed());
            let (lq, cq) = mos(codec.as_ref(), st.loss_percent(), st.burst_ratio(), rtt);
            let rtcp = a.rtcp_of(s.ssrc);
            let key = match s.key_index() {
                Some(i) => a.key(i).map(|k| k.origin.clone()),
                None if s.key_missing() => Some("none".to_owned()),
                None => None,
            };
            StreamRow {
                src: s.flow.src.to_string(),
                dst: s.flow.dst.to_string(),
                transport: s.flow.transport,
                ssrc: format!("0x{:08x}", s.ssrc),
                pt: st.payload_type,
                codec: codec.as_ref().map(|c| c.name.clone()),
                clock_rate: codec.as_ref().map(|c| c.clock_rate),
                kind: if s.is_srtp() { "SRTP" } else { "RTP" },
                key,
                packets: st.packets,
                lost: st.lost(),
                loss_percent: round(st.loss_percent(), 2),
                duplicated: st.duplicates,
                reordered: st.reordered,
                jitter_mean_ms: st.jitter_mean().map(|j| round(j * 1000.0, 3)),
                jitter_max_ms: st.jitter_max().map(|j| round(j * 1000.0, 3)),
                max_gap_ms: round(st.max_gap.as_secs_f64() * 1000.0, 3),
                mos_lq: lq.map(|m| round(m, 2)),
                mos_cq: cq.map(|m| round(m, 2)),
                rtt_ms: rtt.map(|r| round(r.as_secs_f64() * 1000.0, 3)),
                srtp_auth_failures: s.srtp_auth_failures,
                srtcp_auth_failures: rtcp.map_or(0, |r| r.srtcp_auth_failures),
                rtcp_packets: rtcp.map_or(0, |r| r.packets),
                start: round(st.first.as_secs_f64(), 6),
                duration: round((st.last - st.first).as_secs_f64(), 6),
                dtls: a.dtls_of(s.flow).map(|d| d.info()),
            }
        })
        .collect();
    streams.sort_by(|x, y| {
        x.start
            .total_cmp(&y.start)
            .then_with(|| x.src.cmp(&y.src))
            .then_with(|| x.ssrc.cmp(&y.ssrc))
    });
    let mut flows: Vec<FlowRow> = a
        .flows()
        .map(|(k, c)| FlowRow {
            src: k.src.to_string(),
            dst: k.dst.to_string(),
            transport: k.transport,
            counts: c.clone(),
            dtls: a.dtls_of(*k).map(|d| d.info()),
        })
        .collect();
    flows.sort_by(|x, y| (x.transport, &x.src, &x.dst).cmp(&(y.transport, &y.src, &y.dst)));
    Report {
        capture: a.summary.clone(),
        capture_error,
        streams,
        flows,
    }
}

fn opt(v: Option<f64>, places: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.places$}"))
}

/// The report as text: the stream table, DTLS handshakes, the flows that carry no RTP and
/// the capture's counters.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    let header = [
        "src",
        "dst",
        "ssrc",
        "pt",
        "codec",
        "kind",
        "packets",
        "lost",
        "duplicated",
        "reordered",
        "jitter_mean_ms",
        "jitter_max_ms",
        "max_gap_ms",
        "mos_lq",
        "mos_cq",
        "rtt_ms",
        "srtp_auth_failures",
        "srtcp_auth_failures",
        "key",
    ];
    let rows: Vec<Vec<String>> = r
        .streams
        .iter()
        .map(|s| {
            vec![
                s.src.clone(),
                s.dst.clone(),
                s.ssrc.clone(),
                s.pt.to_string(),
                s.codec.clone().unwrap_or_else(|| "?".into()),
                if s.transport == Transport::Tcp {
                    format!("{}/TCP", s.kind)
                } else {
                    s.kind.to_owned()
                },
                s.packets.to_string(),
                s.lost.to_string(),
                s.duplicated.to_string(),
                s.reordered.to_string(),
                opt(s.jitter_mean_ms, 3),
                opt(s.jitter_max_ms, 3),
                format!("{:.1}", s.max_gap_ms),
                opt(s.mos_lq, 2),
                opt(s.mos_cq, 2),
                opt(s.rtt_ms, 1),
                s.srtp_auth_failures.to_string(),
                s.srtcp_auth_failures.to_string(),
                s.key.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: &[String], out: &mut String| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            // Numbers right-aligned, text left-aligned.
            if (6..=17).contains(&i) {
                let _ = write!(l, "{c:>w$}  ");
            } else {
                let _ = write!(l, "{c:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from), &mut out);
    for row in &rows {
        line(row, &mut out);
    }
    if rows.is_empty() {
        out.push_str("(no RTP streams)\n");
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &r.flows {
        if let Some(d) = &f.dtls {
            let pair = if f.src < f.dst {
                (f.src.clone(), f.dst.clone())
            } else {
                (f.dst.clone(), f.src.clone())
            };
            if !seen.insert(pair.clone()) {
                continue;
            }
            let _ = writeln!(
                out,
                "\nDTLS {} <-> {}: {} datagrams, version {}, suite {}, SRTP profile {}, keys from key log: {}\n  client {} fingerprint {}\n  server fingerprint {}",
                pair.0,
                pair.1,
                d.datagrams,
                d.version.as_deref().unwrap_or("?"),
                d.suite.as_deref().unwrap_or("?"),
                d.srtp_profile.as_deref().unwrap_or("?"),
                if d.keyed { "yes" } else { "no" },
                d.client.map_or("?".to_owned(), |c| c.to_string()),
                d.client_fingerprint.as_deref().unwrap_or("?"),
                d.server_fingerprint.as_deref().unwrap_or("?"),
            );
        }
    }
    let other: Vec<&FlowRow> = r.flows.iter().filter(|f| f.counts.rtp == 0).collect();
    if !other.is_empty() {
        out.push_str("\nflows without RTP:\n");
        for f in other {
            let c = &f.counts;
            let _ = writeln!(
                out,
                "  {} {} -> {}: {} packets ({} RTCP, {} DTLS, {} STUN, {} other, {} malformed)",
                match f.transport {
                    Transport::Udp => "udp",
                    Transport::Tcp => "tcp",
                },
                f.src,
                f.dst,
                c.packets,
                c.rtcp,
                c.dtls,
                c.stun,
                c.other,
                c.malformed
            );
        }
    }
    let s = &r.capture;
    let _ = write!(out, "\n{} frames, {} bytes", s.frames, s.bytes);
    for (reason, n) in &s.skipped {
        let _ = write!(out, "; {n} skipped ({reason:?})");
    }
    if s.flows_over_limit + s.streams_over_limit > 0 {
        let _ = write!(
            out,
            "; {} packets over the flow limit, {} over the stream limit",
            s.flows_over_limit, s.streams_over_limit
        );
    }
    if s.tcp_gaps > 0 {
        let _ = write!(out, "; {} holes in TCP streams", s.tcp_gaps);
    }
    out.push('\n');
    if let Some(e) = &r.capture_error {
        let _ = writeln!(out, "warning: {e}");
    }
    out
}
