//! The analysis: frames in, a flow table and per-stream statistics out.
//!
//! Every UDP datagram (and every RFC 4571 frame of a TCP connection) is classified by its
//! first bytes with `rtp-packet`'s RFC 7983 demultiplexer, then read by the project's
//! parsers: `rtp-packet` for RTP, `rtcp` for RTCP, `stun` for STUN, `dtls` for DTLS. RTP
//! and RTCP on the same port (rtcp-mux) and on separate ports are both handled, since
//! RTCP is matched to streams by SSRC, not by port.
//!
//! State is bounded by the number of flows and streams ([`MAX_FLOWS`], [`MAX_STREAMS`]);
//! packets that would create one more are counted and not analysed. Nothing is kept per
//! packet beyond the per-second plot series.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use rtp_packet::{PacketKind, PayloadType, RtpPacket};
use stats::rtt::RttStats;

use crate::capture::FrameInfo;
use crate::dtls_flow::DtlsFlow;
use crate::keys::KeyEntry;
use crate::net::{self, FlowKey, Packet, Skip, Transport};
use crate::stream::{CodecInfo, StreamStats};
use crate::tcp::Reassembler;

/// The most flows (directional five-tuples) analysed.
pub const MAX_FLOWS: usize = 65_536;
/// The most RTP streams analysed.
pub const MAX_STREAMS: usize = 16_384;
/// TCP directions reassembled at once (each holds at most one partial frame, < 64 KiB).
pub const MAX_TCP_FLOWS: usize = 1024;
/// Streams that keep a per-second plot series (each at most 2,048 buckets).
pub const MAX_PLOTTED: usize = 1024;
/// Packets of a new SRTP stream tried against the candidate keys before giving up.
pub const KEY_TRIALS: u32 = 16;
/// SR timestamps remembered per SSRC for RTT (LSR) matching.
const SR_HISTORY: usize = 16;

/// What the analysis was told before it started.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// SRTP keys.
    pub keys: Vec<KeyEntry>,
    /// Payload-type bindings from SDP (`a=rtpmap`), ahead of the RFC 3551 table.
    pub rtpmap: HashMap<u8, CodecInfo>,
    /// Keep per-second series for plots.
    pub plot: bool,
    /// A DTLS key log: DTLS-SRTP keys for the handshakes whose master secret it holds.
    pub keylog: Option<crate::dtls_flow::KeyLog>,
}

/// Per-flow counters.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FlowCounts {
    /// Datagrams (or RFC 4571 frames).
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// RTP packets.
    pub rtp: u64,
    /// RTCP packets (compound datagrams), SRTCP included.
    pub rtcp: u64,
    /// DTLS datagrams.
    pub dtls: u64,
    /// STUN messages.
    pub stun: u64,
    /// ZRTP, TURN channel data and anything else.
    pub other: u64,
    /// RTP, RTCP or STUN that did not parse.
    pub malformed: u64,
}

/// The SRTP state of a stream.
#[derive(Debug)]
enum Crypto {
    /// No key was tried (none matched yet).
    Clear,
    /// Trying candidate keys; `left` packets to go.
    Trying { left: u32 },
    /// Bound to key `index` of the options.
    Bound {
        index: usize,
        ctx: Box<srtp::Context>,
    },
    /// No key authenticated the first packets.
    NoKey,
}

/// One RTP stream's state.
#[derive(Debug)]
pub struct Stream {
    /// Its flow.
    pub flow: FlowKey,
    /// Its SSRC.
    pub ssrc: u32,
    /// Statistics.
    pub stats: StreamStats,
    crypto: Crypto,
    keys_seen: usize,
    dtls: bool,
    /// SRTP packets that failed authentication (with the bound key, or every key tried).
    pub srtp_auth_failures: u64,
    /// SRTP packets refused as replays (repeats of an authenticated packet).
    pub srtp_replays: u64,
    /// SRTP packets decrypted.
    pub srtp_decrypted: u64,
}

impl Stream {
    /// The index (in [`Options::keys`]) of the key bound to the stream.
    pub fn key_index(&self) -> Option<usize> {
        match self.crypto {
            Crypto::Bound { index, .. } => Some(index),
            _ => None,
        }
    }

    /// Whether the stream is SRTP: a key is bound, or keys were tried and none matched,
    /// or it shares its addresses with a DTLS handshake (DTLS-SRTP without a key log).
    pub fn is_srtp(&self) -> bool {
        !matches!(self.crypto, Crypto::Clear) || self.dtls
    }

    /// Whether keys were tried and none authenticated.
    pub fn key_missing(&self) -> bool {
        matches!(self.crypto, Crypto::NoKey | Crypto::Trying { .. })
    }
}

/// RTCP seen from one SSRC (the first SSRC of its compounds).
#[derive(Debug, Default)]
pub struct RtcpState {
    /// Compounds.
    pub packets: u64,
    /// Sender reports.
    pub sender_reports: u64,
    /// SRTCP compounds decrypted.
    pub srtcp_decrypted: u64,
    /// SRTCP compounds that failed authentication.
    pub srtcp_auth_failures: u64,
    srs: Vec<(u32, Duration)>,
}

/// The SRTCP context of one flow and SSRC.
#[derive(Debug, Default)]
struct SrtcpState {
    ctx: Option<Box<srtp::Context>>,
    trials: u32,
}

/// Whole-capture counters.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    /// Frames read.
    pub frames: u64,
    /// Bytes of frames read.
    pub bytes: u64,
    /// First and last frame time (seconds since the epoch).
    pub first: Option<f64>,
    /// Last frame time.
    pub last: Option<f64>,
    /// Frames skipped, by reason.
    pub skipped: BTreeMap<Skip, u64>,
    /// Packets not analysed because the flow table was full.
    pub flows_over_limit: u64,
    /// RTP packets not analysed because the stream table was full.
    pub streams_over_limit: u64,
    /// Holes in TCP byte streams.
    pub tcp_gaps: u64,
}

/// The decrypted form of the last datagram, when it was SRTP or SRTCP with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decrypted {
    /// Plaintext length (in [`Analyzer::plaintext`]).
    pub len: usize,
}

/// The analyser.
pub struct Analyzer {
    options: Options,
    flows: HashMap<FlowKey, FlowCounts>,
    streams: HashMap<(FlowKey, u32), Stream>,
    rtcp: HashMap<u32, RtcpState>,
    srtcp: HashMap<(FlowKey, u32), SrtcpState>,
    rtt: HashMap<u32, RttStats>,
    /// The key bound to each SSRC's RTP stream, for its SRTCP (at most [`MAX_STREAMS`]).
    bound: HashMap<u32, usize>,
    tcp: HashMap<FlowKey, Reassembler>,
    dtls: HashMap<(SocketAddr, SocketAddr), DtlsFlow>,
    /// Whole-capture counters.
    pub summary: Summary,
    scratch: Vec<u8>,
}

impl Analyzer {
    /// An analyser with `options`.
    pub fn new(options: Options) -> Self {
        Self {
            options,
            flows: HashMap::new(),
            streams: HashMap::new(),
            rtcp: HashMap::new(),
            srtcp: HashMap::new(),
            rtt: HashMap::new(),
            bound: HashMap::new(),
            tcp: HashMap::new(),
            dtls: HashMap::new(),
            summary: Summary::default(),
            scratch: Vec::with_capacity(2048),
        }
    }

    /// The options (keys are appended when a key log yields some).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The plaintext of the last [`Decrypted`] datagram.
    pub fn plaintext(&self) -> &[u8] {
        &self.scratch
    }

    /// One captured frame. Returns the decoded packet, and for a UDP datagram that was
    /// decrypted, its plaintext length (the bytes are in [`Self::plaintext`]).
    pub fn on_frame(
        &mut self,
        info: &FrameInfo,
        frame: &[u8],
    ) -> Option<(Packet, Option<Decrypted>)> {
        let s = &mut self.summary;
        s.frames += 1;
        s.bytes += frame.len() as u64;
        let t = info.timestamp.as_secs_f64();
        s.first.get_or_insert(t);
        s.last = Some(t);
        let link = match info.link {
            Ok(l) => l,
            Err(_) => {
                *s.skipped.entry(Skip::UnknownLinkType).or_default() += 1;
                return None;
            }
        };
        let packet = match net::decode(link, frame) {
            Ok(p) => p,
            Err(skip) => {
                *s.skipped.entry(skip).or_default() += 1;
                return None;
            }
        };
        let payload = &frame[packet.payload_offset..packet.payload_offset + packet.payload_len];
        match (packet.flow.transport, packet.tcp) {
            (Transport::Udp, _) => {
                let d = self.on_datagram(info.timestamp, packet.flow, payload);
                Some((packet, d))
            }
            (Transport::Tcp, Some(tcp)) => {
                if payload.is_empty() && !tcp.syn {
                    return Some((packet, None));
                }
                if !self.tcp.contains_key(&packet.flow) && self.tcp.len() >= MAX_TCP_FLOWS {
                    self.summary.flows_over_limit += 1;
                    return Some((packet, None));
                }
                let r = self.tcp.entry(packet.flow).or_default();
                let before = r.gaps;
                let frames = r.segment(tcp, payload);
                self.summary.tcp_gaps += r.gaps - before;
                for f in frames {
                    self.on_datagram(info.timestamp, packet.flow, &f);
                }
                Some((packet, None))
            }
            (Transport::Tcp, None) => Some((packet, None)),
        }
    }

    /// One datagram (or RFC 4571 frame) of `flow`, captured at `at`.
    pub fn on_datagram(&mut self, at: Duration, flow: FlowKey, data: &[u8]) -> Option<Decrypted> {
        if !self.flows.contains_key(&flow) && self.flows.len() >= MAX_FLOWS {
            self.summary.flows_over_limit += 1;
            return None;
        }
        let counts = self.flows.entry(flow).or_default();
        counts.packets += 1;
        counts.bytes += data.len() as u64;
        match rtp_packet::classify(data) {
            PacketKind::Rtp => {
                counts.rtp += 1;
                self.on_rtp(at, flow, data)
            }
            PacketKind::Rtcp => {
                counts.rtcp += 1;
                self.on_rtcp(at, flow, data)
            }
            PacketKind::Stun => {
                counts.stun += 1;
                if stun::Message::parse(data).is_err() {
                    counts.malformed += 1;
                }
                None
            }
            PacketKind::Dtls => {
                counts.dtls += 1;
                let pair = pair_key(flow);
                if !self.dtls.contains_key(&pair) && self.dtls.len() >= MAX_FLOWS {
                    return None;
                }
                let keylog = self.options.keylog.as_ref();
                let d = self
                    .dtls
                    .entry(pair)
                    .or_insert_with(|| DtlsFlow::new(keylog));
                d.observe(flow.src, flow.dst, data);
                if let Some(keys) = d.take_keys(self.options.keylog.as_ref()) {
                    self.options.keys.extend(keys);
                }
                None
            }
            _ => {
                counts.other += 1;
                None
            }
        }
    }

    fn codec(&self, pt: u8) -> Option<CodecInfo> {
        if let Some(c) = self.options.rtpmap.get(&pt) {
            return Some(c.clone());
        }
        let row = PayloadType::new(pt).ok()?.static_payload()?;
        Some(CodecInfo {
            name: row.encoding.to_owned(),
            clock_rate: row.clock_rate,
        })
    }

    fn has_dtls(&self, flow: FlowKey) -> bool {
        self.dtls.contains_key(&pair_key(flow))
    }

    /// Key indices whose selector matches, most specific first.
    fn candidates(&self, ssrc: u32, flow: FlowKey) -> Vec<usize> {
        candidates_of(&self.options.keys, ssrc, flow, false)
    }

    fn on_rtp(&mut self, at: Duration, flow: FlowKey, data: &[u8]) -> Option<Decrypted> {
        let Ok(rtp) = RtpPacket::parse(data) else {
            if let Some(c) = self.flows.get_mut(&flow) {
                c.malformed += 1;
            }
            return None;
        };
        let ssrc = rtp.ssrc();
        let pt = rtp.payload_type().value();
        let codec = self.codec(pt);
        let key = (flow, ssrc);
        if !self.streams.contains_key(&key) {
            if self.streams.len() >= MAX_STREAMS {
                self.summary.streams_over_limit += 1;
                return None;
            }
            self.streams.insert(
                key,
                Stream {
                    flow,
                    ssrc,
                    stats: StreamStats::new(
                        at,
                        pt,
                        self.options.plot && self.streams.len() < MAX_PLOTTED,
                    ),
                    crypto: Crypto::Clear,
                    keys_seen: 0,
                    dtls: false,
                    srtp_auth_failures: 0,
                    srtp_replays: 0,
                    srtp_decrypted: 0,
                },
            );
        }
        // A clear stream is looked at again whenever keys were added (a DTLS handshake
        // with a key log adds two): it becomes SRTP when a key's selector matches it.
        let keys = self.options.keys.len();
        let recheck = matches!(self.streams[&key].crypto, Crypto::Clear)
            && self.streams[&key].keys_seen < keys;
        if recheck {
            let matching = !self.candidates(ssrc, flow).is_empty();
            if let Some(s) = self.streams.get_mut(&key) {
                s.keys_seen = keys;
                if matching {
                    s.crypto = Crypto::Trying { left: KEY_TRIALS };
                }
            }
        }
        if !self.streams[&key].dtls && self.has_dtls(flow) {
            if let Some(s) = self.streams.get_mut(&key) {
                s.dtls = true;
            }
        }
        let mut decrypted = None;
        let trying = matches!(self.streams[&key].crypto, Crypto::Trying { .. });
        if trying {
            let candidates = self.candidates(ssrc, flow);
            let mut bound = None;
            for &i in &candidates {
                let Ok(mut ctx) = self.options.keys[i].context() else {
                    continue;
                };
                self.scratch.clear();
                self.scratch.extend_from_slice(data);
                if let Ok(n) = ctx.unprotect_rtp(&mut self.scratch) {
                    self.scratch.truncate(n);
                    bound = Some((i, ctx));
                    break;
                }
            }
            let stream = self.streams.get_mut(&key)?;
            match bound {
                Some((index, ctx)) => {
                    self.bound.insert(ssrc, index);
                    tracing::debug!(ssrc, key = %self.options.keys[index].origin, "SRTP key bound");
                    stream.crypto = Crypto::Bound {
                        index,
                        ctx: Box::new(ctx),
                    };
                    stream.srtp_decrypted += 1;
                    decrypted = Some(Decrypted {
                        len: self.scratch.len(),
                    });
                }
                None if candidates.is_empty() => stream.crypto = Crypto::Clear,
                None => {
                    stream.srtp_auth_failures += 1;
                    if let Crypto::Trying { left } = &mut stream.crypto {
                        *left -= 1;
                        if *left == 0 {
                            stream.crypto = Crypto::NoKey;
                        }
                    }
                }
            }
        } else if let Some(Stream {
            crypto: Crypto::Bound { ctx, .. },
            srtp_auth_failures,
            srtp_replays,
            srtp_decrypted,
            ..
        }) = self.streams.get_mut(&key)
        {
            self.scratch.clear();
            self.scratch.extend_from_slice(data);
            match ctx.unprotect_rtp(&mut self.scratch) {
                Ok(n) => {
                    self.scratch.truncate(n);
                    *srtp_decrypted += 1;
                    decrypted = Some(Decrypted { len: n });
                }
                Err(srtp::Error::Replayed { .. }) => *srtp_replays += 1,
                Err(_) => *srtp_auth_failures += 1,
            }
        }
        let stream = self.streams.get_mut(&key)?;
        let payload_len = match decrypted {
            Some(d) => d.len.saturating_sub(rtp.header_len() + rtp.padding_len()),
            None => rtp.payload().len(),
        };
        stream.stats.on_packet(
            at,
            rtp.sequence_number(),
            rtp.timestamp(),
            pt,
            payload_len,
            codec.map(|c| c.clock_rate),
        );
        decrypted
    }

    fn on_rtcp(&mut self, at: Duration, flow: FlowKey, data: &[u8]) -> Option<Decrypted> {
        let Some(ssrc) = data
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        else {
            if let Some(c) = self.flows.get_mut(&flow) {
                c.malformed += 1;
            }
            return None;
        };
        if !self.rtcp.contains_key(&ssrc) && self.rtcp.len() >= MAX_STREAMS {
            self.summary.streams_over_limit += 1;
            return None;
        }
        let plain = rtcp::validate(data, rtcp::Rules { reduced_size: true }).is_ok();
        let mut decrypted = None;
        let mut failed = false;
        if !plain {
            // SRTCP: the trailer breaks the plain compound's lengths. The key is the one
            // bound to the sender's RTP stream, else a trial of the candidates. Contexts are
            // per flow and SSRC: a relay's copy of a compound repeats its SRTCP index, which
            // one shared replay window would refuse.
            let key = (flow, ssrc);
            if !self.srtcp.contains_key(&key) && self.srtcp.len() >= MAX_STREAMS {
                self.summary.streams_over_limit += 1;
                return None;
            }
            let bound_key = self.bound.get(&ssrc).copied();
            let state = self.srtcp.entry(key).or_default();
            if state.ctx.is_none() && state.trials < KEY_TRIALS {
                state.trials += 1;
                let order = match bound_key {
                    Some(i) => vec![i],
                    None => candidates_of(&self.options.keys, ssrc, flow, true),
                };
                let tried = !order.is_empty();
                for i in order {
                    let Ok(mut ctx) = self.options.keys[i].context() else {
                        continue;
                    };
                    self.scratch.clear();
                    self.scratch.extend_from_slice(data);
                    if let Ok(n) = ctx.unprotect_rtcp(&mut self.scratch) {
                        self.scratch.truncate(n);
                        state.ctx = Some(Box::new(ctx));
                        decrypted = Some(Decrypted { len: n });
                        break;
                    }
                }
                failed = decrypted.is_none() && tried;
            } else if let Some(ctx) = &mut state.ctx {
                self.scratch.clear();
                self.scratch.extend_from_slice(data);
                match ctx.unprotect_rtcp(&mut self.scratch) {
                    Ok(n) => {
                        self.scratch.truncate(n);
                        decrypted = Some(Decrypted { len: n });
                    }
                    Err(srtp::Error::Replayed { .. }) => {}
                    Err(_) => failed = true,
                }
            }
        }
        let state = self.rtcp.entry(ssrc).or_default();
        state.packets += 1;
        state.srtcp_auth_failures += u64::from(failed);
        state.srtcp_decrypted += u64::from(decrypted.is_some());
        let body: &[u8] = match decrypted {
            Some(_) => &self.scratch,
            None if plain => data,
            None => return None,
        };
        let mut reports = Vec::new();
        for packet in rtcp::Compound::new(body) {
            match packet {
                Ok(rtcp::AnyPacket::SenderReport(sr)) => {
                    let st = self.rtcp.entry(sr.ssrc).or_default();
                    st.sender_reports += 1;
                    if st.srs.len() == SR_HISTORY {
                        st.srs.remove(0);
                    }
                    st.srs.push((sr.ntp_time.compact(), at));
                    reports.extend(sr.reports.iter());
                }
                Ok(rtcp::AnyPacket::ReceiverReport(rr)) => {
                    reports.extend(rr.reports.iter());
                }
                Ok(_) => {}
                Err(_) => {
                    if let Some(c) = self.flows.get_mut(&flow) {
                        c.malformed += 1;
                    }
                    break;
                }
            }
        }
        // RTT (RFC 3550 §6.4.1) from the capture's own clock: the report's arrival minus
        // the capture time of the SR it names (by LSR) minus DLSR. Both times are taken at
        // the capture point, so no endpoint's wallclock is needed.
        for block in reports {
            if block.last_sr == 0 {
                continue;
            }
            let Some(sent) = self.rtcp.get(&block.ssrc).and_then(|st| {
                st.srs
                    .iter()
                    .rev()
                    .find(|(lsr, _)| *lsr == block.last_sr)
                    .map(|(_, t)| *t)
            }) else {
                continue;
            };
            let dlsr = rtcp::NtpTime::compact_to_duration(block.delay_since_last_sr);
            if let Some(rtt) = at.checked_sub(sent).and_then(|d| d.checked_sub(dlsr)) {
                if self.rtt.len() < MAX_STREAMS || self.rtt.contains_key(&block.ssrc) {
                    self.rtt.entry(block.ssrc).or_default().add(rtt);
                }
            }
        }
        decrypted
    }

    /// Every stream, in no particular order.
    pub fn streams(&self) -> impl Iterator<Item = &Stream> {
        self.streams.values()
    }

    /// Every flow with its counters.
    pub fn flows(&self) -> impl Iterator<Item = (&FlowKey, &FlowCounts)> {
        self.flows.iter()
    }

    /// RTCP state of `ssrc`.
    pub fn rtcp_of(&self, ssrc: u32) -> Option<&RtcpState> {
        self.rtcp.get(&ssrc)
    }

    /// RTT figures of the stream sent by `ssrc`.
    pub fn rtt_of(&self, ssrc: u32) -> Option<&RttStats> {
        self.rtt.get(&ssrc)
    }

    /// The DTLS state of the flow pair `flow` belongs to.
    pub fn dtls_of(&self, flow: FlowKey) -> Option<&DtlsFlow> {
        self.dtls.get(&pair_key(flow))
    }

    /// The codec of payload type `pt` (SDP first, then RFC 3551).
    pub fn codec_of(&self, pt: u8) -> Option<CodecInfo> {
        self.codec(pt)
    }

    /// Key `index` of the options.
    pub fn key(&self, index: usize) -> Option<&KeyEntry> {
        self.options.keys.get(index)
    }
}

fn candidates_of(keys: &[KeyEntry], ssrc: u32, flow: FlowKey, rtcp: bool) -> Vec<usize> {
    let mut c: Vec<(u8, usize)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| Some((k.selector.rank(ssrc, flow.src, flow.dst, rtcp)?, i)))
        .collect();
    c.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    c.into_iter().map(|(_, i)| i).collect()
}

/// The undirected key of a flow: its two addresses in order.
fn pair_key(flow: FlowKey) -> (SocketAddr, SocketAddr) {
    if flow.src <= flow.dst {
        (flow.src, flow.dst)
    } else {
        (flow.dst, flow.src)
    }
}
