//! A browser calls a Rust endpoint: open the printed URL, press **Call**, allow the
//! microphone, and hear yourself echoed back.
//!
//! The page makes a WebRTC offer and posts it here. For each offer this program binds one
//! UDP socket and starts an `rtp_session::Driver` configured from the offer
//! (`WebRtcOffer::session_config`): ICE-lite (it answers the browser's connectivity checks
//! and sends only to the address they nominate), DTLS-SRTP with the browser's
//! `a=fingerprint` required, rtcp-mux-only, Opus at the browser's dynamic payload type and
//! the `sdes:mid` header extension. It writes the SDP answer (`a=setup:passive` or
//! `a=setup:active`, chosen on the page) and then echoes every Opus frame its jitter buffer
//! plays out. Once a second it prints the call's quality: what it receives from the browser
//! (packets, loss, jitter, the browser's sender reports, MOS) and the round-trip time from
//! the browser's reports. `GET /call/<id>` gives the same as JSON; the page shows it next to
//! the browser's own `getStats`.
//!
//! With **also send the camera** ticked, the page sends its camera too and the answer
//! receives it (VP8, bundled on the same transport): the endpoint plays the frames out of
//! the video jitter buffer, takes each VP8 frame apart (RFC 7741 payload descriptors),
//! counts frames complete and with a gap and reads each key frame's size; the session
//! NACKs what is missing (the browser retransmits on RTX), asks for a keyframe (PLI) when a
//! frame cannot be completed, and sends transport-cc feedback about every packet, which
//! drives the browser's bandwidth estimate. `POST /call/<id>/keyframe` asks for a
//! keyframe from the application. `--drop-video-percent N` drops N % of the browser's VP8
//! packets on arrival (evenly spread, the same on every run), so that NACK and RTX have
//! something to recover on loopback. The video figures are printed and in the JSON.
//!
//! Run with `cargo run -p rtp-stack-examples --example browser_call` (options:
//! `--listen 127.0.0.1:8080`, `--media-ip 127.0.0.1`, `--call-seconds N`,
//! `--drop-video-percent N`, `--cryptex`). It serves until stopped with Ctrl-C. `cargo
//! xtask interop browser` runs it against headless Chromium.
//!
//! With `--cryptex` a browser's `a=cryptex` (RFC 9335) is answered, and both directions
//! then encrypt header extensions and CSRCs; the report says whether it was negotiated and
//! counts the cryptex packets each way. `cargo xtask interop cryptex` calls it so from
//! Chromium.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use rtp_packet::PacketKind;
use rtp_packet::payload::vp8::{Vp8Descriptor, Vp8PayloadHeader};
use rtp_session::{
    AnswerParams, Binding, Certificate, Driver, DtlsConfig, Event, Fingerprint, HashFunction,
    IceCredentials, MediaFrame, Output, PortRange, ReceiveFilter, Role, WebRtcOffer, os_rng,
};
use serde::{Deserialize, Serialize};

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "Serve a page from which a browser calls an echoing rtp-session endpoint")]
struct Args {
    /// Where the page is served.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The address media sockets bind to (and the ICE candidate the answer gives).
    #[arg(long, default_value = "127.0.0.1")]
    media_ip: IpAddr,
    /// End each call after this many seconds (default: when the browser hangs up and its
    /// ICE consent expires).
    #[arg(long)]
    call_seconds: Option<u64>,
    /// Drop this many percent of the browser's VP8 packets (not its retransmissions)
    /// before the session sees them, evenly spread and the same on every run, so that the
    /// session's NACKs, RTX and keyframe requests have something to recover.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=50))]
    drop_video_percent: u8,
    /// Offer cryptex (RFC 9335): answer a browser's `a=cryptex` with ours, and then encrypt
    /// the header extensions both ways.
    #[arg(long)]
    cryptex: bool,
    /// Cap DTLS at 1.2 (by default DTLS 1.3 is offered and accepted, as browsers do).
    #[arg(long)]
    dtls12_only: bool,
}

/// What the endpoint says about one call (`GET /call/<id>`).
#[derive(Debug, Default, Clone, Serialize)]
struct CallReport {
    id: u64,
    our_dtls_role: String,
    /// Whether cryptex was negotiated (`--cryptex` and the offer's `a=cryptex`).
    cryptex: bool,
    nominated: Option<String>,
    dtls: Option<DtlsReport>,
    quality: Option<QualityReport>,
    counters: CountersReport,
    video: Option<VideoReport>,
    ended: Option<String>,
}

/// The browser's camera as we receive it (a call whose offer had a VP8 section).
#[derive(Debug, Default, Clone, Serialize)]
struct VideoReport {
    payload_type: u8,
    rtx_payload_type: Option<u8>,
    ssrc: Option<u32>,
    /// RTP packets of the video source (RFC 3550 A.3, retransmissions included).
    packets_received: u64,
    /// VP8 packets the `--drop-video-percent` filter dropped.
    packets_dropped: u64,
    /// Frames played out by the jitter buffer: all, complete, with a gap, and frames
    /// concealed (nothing of them arrived in time).
    frames: u64,
    frames_complete: u64,
    frames_incomplete: u64,
    frames_concealed: u64,
    key_frames: u64,
    /// The size of the latest key frame, from its VP8 frame header (RFC 6386 §9.1).
    width: u16,
    height: u16,
    bytes: u64,
    nack_messages_sent: u64,
    nack_sequence_numbers_sent: u64,
    rtx_received: u64,
    rtx_duplicates: u64,
    keyframe_requests_sent: u64,
    keyframe_requests_by_app: u64,
    transport_feedback_sent: u64,
    /// Our estimate of what we may send, from the browser's transport-cc feedback about
    /// the audio we echo.
    our_bandwidth_estimate_bps: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
struct DtlsReport {
    srtp_profile: String,
    cipher_suite: String,
    key_exchange_group: String,
    extended_master_secret: bool,
    peer_fingerprint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct QualityReport {
    ssrc: u32,
    packets_received: u64,
    cumulative_lost: i64,
    loss_percent: f64,
    jitter_ms: f64,
    rtt_ms: Option<f64>,
    playout_delay_ms: f64,
    sender_reports: u64,
    mos: Option<f64>,
}

#[derive(Debug, Default, Clone, Serialize)]
struct CountersReport {
    rtp_sent: u64,
    rtcp_sent: u64,
    rtp_received: u64,
    rtcp_received: u64,
    unprotect_failures: u64,
    cryptex_received: u64,
    cryptex_sent: u64,
    /// Transport-cc feedback from the browser about what we send: it read the transport-wide
    /// sequence numbers in our header extensions (encrypted, with cryptex).
    transport_feedback_received: u64,
    stun_rejected: u64,
    ice_unchecked: u64,
    frames_echoed: u64,
}

struct App {
    dtls: Arc<DtlsConfig>,
    fingerprint: Fingerprint,
    media_ip: IpAddr,
    call_seconds: Option<u64>,
    drop_video_percent: u8,
    /// `--cryptex`: offered cryptex is answered (`srtp_config.cryptex` is set in `dtls`).
    cryptex: bool,
    calls: Mutex<HashMap<u64, Arc<Mutex<CallReport>>>>,
    /// Keyframe requests for each running call (`POST /call/<id>/keyframe`).
    keyframe_requests: Mutex<HashMap<u64, tokio::sync::mpsc::UnboundedSender<()>>>,
    next_id: Mutex<u64>,
}

#[derive(Deserialize)]
struct CallQuery {
    setup: Option<String>,
}

#[derive(Serialize)]
struct Answer {
    id: u64,
    sdp: String,
}

type Refusal = (StatusCode, String);

fn refuse(status: StatusCode, e: impl std::fmt::Display) -> Refusal {
    (status, e.to_string())
}

/// `POST /call?setup=passive|active` with the browser's offer: the answer, and a call
/// running in the background.
async fn new_call(
    State(app): State<Arc<App>>,
    Query(query): Query<CallQuery>,
    offer: String,
) -> Result<Json<Answer>, Refusal> {
    let preferred = match query.setup.as_deref() {
        None | Some("passive") => Role::Server,
        Some("active") => Role::Client,
        Some(other) => return Err(refuse(StatusCode::BAD_REQUEST, format!("setup {other}?"))),
    };
    let offer = WebRtcOffer::parse(&offer).map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
    let mut rng = os_rng().map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let ice = IceCredentials::random(&mut rng);
    let role = offer.dtls_role_for_us(preferred);
    let config = offer
        .session_config(ice.clone(), app.dtls.clone(), role)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
    let binding = Binding {
        ip: app.media_ip,
        ports: PortRange {
            first: 40000,
            last: 49999,
        },
    };
    let opus = offer.opus_payload_type();
    let video = offer.vp8_payload_type().map(|pt| VideoReport {
        payload_type: pt,
        rtx_payload_type: offer.video_rtx_payload_type(),
        ..VideoReport::default()
    });
    let mut driver = Driver::bind(config, binding, Box::new(rng))
        .await
        .map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    if let (Some(video), percent @ 1..) = (&video, app.drop_video_percent) {
        driver.set_receive_filter(Some(drop_filter(video.payload_type, percent)));
    }
    let session = driver.session();
    let mut params = AnswerParams::new(
        ice.ufrag(),
        ice.pwd(),
        app.fingerprint.clone(),
        vec![driver.local_rtp()],
        session.local_ssrc(),
        session.cname(),
    );
    params.preferred_role = role;
    params.msid = Some(("echo".into(), "echo-audio".into()));
    params.cryptex = app.cryptex;
    let cryptex = app.cryptex && offer.cryptex();
    let sdp = offer
        .answer(&params)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
    let id = {
        let mut next = app.next_id.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        *next
    };
    let our_role = match role {
        Role::Server => "passive (DTLS server)",
        Role::Client => "active (DTLS client)",
    };
    let report = Arc::new(Mutex::new(CallReport {
        id,
        our_dtls_role: our_role.into(),
        cryptex,
        video,
        ..CallReport::default()
    }));
    let (keyframe_tx, keyframe_rx) = tokio::sync::mpsc::unbounded_channel();
    app.keyframe_requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, keyframe_tx);
    app.calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, report.clone());
    println!(
        "call {id}: media on {}, we are {our_role}, cryptex {}",
        driver.local_rtp(),
        if cryptex { "on" } else { "off" }
    );
    let limit = app.call_seconds.map(Duration::from_secs);
    let call = Call {
        id,
        opus,
        report,
        limit,
        keyframes: keyframe_rx,
    };
    tokio::spawn(run_call(call, driver));
    Ok(Json(Answer { id, sdp }))
}

/// `GET /call/<id>`: the endpoint's view of a call.
async fn call_report(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
) -> Result<Json<CallReport>, Refusal> {
    let calls = app.calls.lock().unwrap_or_else(|e| e.into_inner());
    let report = calls
        .get(&id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "no such call"))?;
    let report = report.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Json(report))
}

/// `POST /call/<id>/keyframe`: ask the browser for a video keyframe (PLI, or FIR).
async fn request_keyframe(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
) -> Result<&'static str, Refusal> {
    let requests = app
        .keyframe_requests
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let sender = requests
        .get(&id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "no such call"))?;
    sender
        .send(())
        .map_err(|_| refuse(StatusCode::GONE, "the call has ended"))?;
    Ok("requested")
}

/// A receive filter dropping `percent` % of the RTP packets of payload type `vp8`, evenly
/// spread (the n-th packet goes when n × percent crosses a multiple of 100). SRTP leaves
/// the RTP header in clear, so the filter reads the payload type of the encrypted packet;
/// retransmissions come with the RTX payload type and are never dropped.
fn drop_filter(vp8: u8, percent: u8) -> ReceiveFilter {
    let mut seen = 0u64;
    Box::new(move |datagram: &[u8]| {
        let is_vp8 = rtp_packet::classify(datagram) == PacketKind::Rtp
            && datagram.get(1).is_some_and(|b| b & 0x7f == vp8);
        if !is_vp8 {
            return true;
        }
        seen += 1;
        let percent = u64::from(percent);
        (seen * percent) / 100 == ((seen - 1) * percent) / 100
    })
}

/// One running call.
struct Call {
    id: u64,
    /// The Opus payload type: frames of it are echoed.
    opus: u8,
    report: Arc<Mutex<CallReport>>,
    limit: Option<Duration>,
    keyframes: tokio::sync::mpsc::UnboundedReceiver<()>,
}

/// What the call received from the browser's camera, as frames played out.
#[derive(Default)]
struct VideoTally {
    ssrc: Option<u32>,
    frames: u64,
    complete: u64,
    incomplete: u64,
    concealed: u64,
    key_frames: u64,
    width: u16,
    height: u16,
    bytes: u64,
    app_requests: u64,
}

impl VideoTally {
    /// Takes a VP8 frame apart (RFC 7741 §4.2: each packet starts with its payload
    /// descriptor) and counts it; a key frame's size comes from its frame header.
    fn on_frame(&mut self, frame: &MediaFrame) {
        self.ssrc = Some(frame.ssrc);
        self.frames += 1;
        if frame.complete {
            self.complete += 1;
        } else {
            self.incomplete += 1;
        }
        let mut data = Vec::with_capacity(frame.payload.len());
        let mut rest = frame.payload.as_slice();
        let mut starts = false;
        for (i, len) in frame.packet_lengths.iter().enumerate() {
            let Some((packet, after)) = rest.split_at_checked(*len) else {
                return;
            };
            rest = after;
            let Ok((descriptor, bytes)) = Vp8Descriptor::parse(packet) else {
                return;
            };
            if i == 0 {
                starts = descriptor.starts_frame();
            }
            data.extend_from_slice(bytes);
        }
        self.bytes += data.len() as u64;
        let key =
            starts && frame.complete && Vp8PayloadHeader::parse(&data).is_ok_and(|h| h.key_frame);
        // A key frame's header: 3 bytes of payload header, the start code 9d 01 2a, then
        // 14-bit width and height, little-endian (RFC 6386 §9.1).
        if key && let [_, _, _, 0x9d, 0x01, 0x2a, w0, w1, h0, h1, ..] = data[..] {
            self.key_frames += 1;
            self.width = u16::from_le_bytes([w0, w1]) & 0x3fff;
            self.height = u16::from_le_bytes([h0, h1]) & 0x3fff;
        }
    }
}

/// Echoes what the browser sends until the call ends, keeping `report` current and
/// printing a quality row every second.
async fn run_call(mut call: Call, mut driver: Driver) {
    let (id, report) = (call.id, call.report.clone());
    let started = Instant::now();
    let mut second = tokio::time::interval(Duration::from_secs(1));
    let mut echoed = 0u64;
    let mut audio_ssrc = None;
    let mut video = VideoTally::default();
    let ended = loop {
        tokio::select! {
            out = driver.next() => match out {
                None => break "the driver stopped".to_string(),
                Some(Output::Frame(frame)) if frame.payload_type == call.opus => {
                    audio_ssrc = Some(frame.ssrc);
                    if driver.session().is_keyed()
                        && driver.send(&frame.payload, frame.timestamp, frame.marker).is_ok()
                    {
                        echoed += 1;
                    }
                }
                Some(Output::Frame(frame)) => video.on_frame(&frame),
                Some(Output::Conceal { ssrc, .. }) if Some(ssrc) == video.ssrc => {
                    video.concealed += 1;
                }
                Some(Output::Event(event)) => {
                    if let Some(reason) = on_event(id, &report, event) {
                        break reason;
                    }
                }
                Some(_) => {}
            },
            Some(()) = call.keyframes.recv() => {
                if let Some(ssrc) = video.ssrc {
                    let asked = driver.session_mut().request_keyframe(Instant::now(), ssrc);
                    println!("call {id}: keyframe requested by the application: {asked:?}");
                    video.app_requests += 1;
                }
            }
            _ = second.tick() => {
                let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
                update(&mut r, &driver, echoed, audio_ssrc, &video);
                print_row(id, started, &r);
                if call.limit.is_some_and(|l| started.elapsed() >= l) {
                    break "time limit".to_string();
                }
            }
        }
    };
    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
    update(&mut r, &driver, echoed, audio_ssrc, &video);
    println!("call {id} ended: {ended}");
    print_row(id, started, &r);
    r.ended = Some(ended);
}

/// Records an event; returns why the call ended, when it did.
fn on_event(id: u64, report: &Mutex<CallReport>, event: Event) -> Option<String> {
    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
    match event {
        Event::IceNominated { address } => {
            println!("call {id}: ICE nominated {address}");
            r.nominated = Some(address.to_string());
        }
        Event::DtlsConnected {
            profile,
            peer_fingerprint,
            cipher_suite,
            key_exchange_group,
            extended_master_secret,
        } => {
            let dtls = DtlsReport {
                srtp_profile: profile.name().into(),
                cipher_suite: format!("{cipher_suite:?}"),
                key_exchange_group: format!("{key_exchange_group:?}"),
                extended_master_secret,
                peer_fingerprint: peer_fingerprint.map(|f| f.to_string()),
            };
            println!(
                "call {id}: DTLS connected: {}, {}, {}, extended master secret {}",
                dtls.cipher_suite,
                dtls.key_exchange_group,
                dtls.srtp_profile,
                dtls.extended_master_secret
            );
            r.dtls = Some(dtls);
        }
        Event::DtlsFailed { error } => {
            println!("call {id}: DTLS failed: {error}");
            return Some(format!("DTLS failed: {error}"));
        }
        Event::IceConsentExpired { .. } => return Some("ICE consent expired".into()),
        Event::Closed => return Some("closed".into()),
        Event::NewSource { ssrc, address } => {
            println!("call {id}: the browser sends SSRC {ssrc:08x} from {address}");
        }
        _ => {}
    }
    None
}

fn update(
    r: &mut CallReport,
    driver: &Driver,
    echoed: u64,
    audio_ssrc: Option<u32>,
    video: &VideoTally,
) {
    let session = driver.session();
    let c = session.counters();
    r.counters = CountersReport {
        rtp_sent: c.rtp_sent,
        rtcp_sent: c.rtcp_sent,
        rtp_received: c.rtp_received,
        rtcp_received: c.rtcp_received,
        unprotect_failures: c.unprotect_failures,
        cryptex_received: c.cryptex_received,
        cryptex_sent: c.cryptex_sent,
        transport_feedback_received: c.transport_feedback_received,
        stun_rejected: c.stun_rejected,
        ice_unchecked: c.ice_unchecked,
        frames_echoed: echoed,
    };
    if let Some(v) = r.video.as_mut() {
        v.ssrc = video.ssrc;
        v.packets_received = video
            .ssrc
            .and_then(|ssrc| session.quality(ssrc))
            .map_or(0, |q| q.packets_received);
        v.packets_dropped = driver.filtered();
        v.frames = video.frames;
        v.frames_complete = video.complete;
        v.frames_incomplete = video.incomplete;
        v.frames_concealed = video.concealed;
        v.key_frames = video.key_frames;
        v.width = video.width;
        v.height = video.height;
        v.bytes = video.bytes;
        v.nack_messages_sent = c.nack_messages_sent;
        v.nack_sequence_numbers_sent = c.nack_sequence_numbers_sent;
        v.rtx_received = c.rtx_received;
        v.rtx_duplicates = c.rtx_duplicates;
        v.keyframe_requests_sent = c.keyframe_requests_sent;
        v.keyframe_requests_by_app = video.app_requests;
        v.transport_feedback_sent = c.transport_feedback_sent;
        v.our_bandwidth_estimate_bps = session.bandwidth_estimate();
    }
    // The audio source: the one whose Opus we echo (the first source before any).
    let browser = audio_ssrc.or_else(|| session.remote_sources().next());
    r.quality = browser
        .and_then(|ssrc| session.quality(ssrc))
        .map(|q| QualityReport {
            ssrc: q.ssrc,
            packets_received: q.packets_received,
            cumulative_lost: q.cumulative_lost,
            loss_percent: q.loss_ratio * 100.0,
            jitter_ms: q.jitter.as_secs_f64() * 1000.0,
            rtt_ms: q.rtt.map(|d| d.as_secs_f64() * 1000.0),
            playout_delay_ms: q.playout_delay.as_secs_f64() * 1000.0,
            sender_reports: q.sender_reports,
            mos: q.mos,
        });
}

fn print_row(id: u64, started: Instant, r: &CallReport) {
    let t = started.elapsed().as_secs_f64();
    let Some(q) = &r.quality else {
        println!("call {id} {t:5.1} s | waiting for media");
        return;
    };
    let rtt = q.rtt_ms.map_or("   -".into(), |v| format!("{v:4.1}"));
    let mos = q.mos.map_or("   -".into(), |v| format!("{v:4.2}"));
    if let Some(v) = r.video.as_ref().filter(|v| v.ssrc.is_some()) {
        println!(
            "call {id} {t:5.1} s | video: {:5} pkts ({} dropped), {:4} frames ({} complete, {} \
             with a gap, {} concealed, {} key, {}x{}) | NACKs {} ({} seqs), RTX {}, \
             keyframe requests {}, transport-cc {}",
            v.packets_received,
            v.packets_dropped,
            v.frames,
            v.frames_complete,
            v.frames_incomplete,
            v.frames_concealed,
            v.key_frames,
            v.width,
            v.height,
            v.nack_messages_sent,
            v.nack_sequence_numbers_sent,
            v.rtx_received,
            v.keyframe_requests_sent,
            v.transport_feedback_sent
        );
    }
    println!(
        "call {id} {t:5.1} s | from browser: {:5} pkts, lost {:3} ({:4.1} %), jitter {:5.1} ms, \
         {:2} SRs, MOS {mos} | RTT {rtt} ms | echoed {:5} pkts",
        q.packets_received,
        q.cumulative_lost,
        q.loss_percent,
        q.jitter_ms,
        q.sender_reports,
        r.counters.rtp_sent
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let certificate = Certificate::generate("browser_call")?;
    let fingerprint = certificate.fingerprint(HashFunction::Sha256);
    let mut dtls = DtlsConfig::new(certificate);
    // `session_config` turns cryptex off again for an offer without `a=cryptex`.
    dtls.srtp_config.cryptex = args.cryptex;
    if args.dtls12_only {
        dtls.max_version = rtp_session::DtlsVersion::Dtls12;
    }
    let app = Arc::new(App {
        dtls: Arc::new(dtls),
        fingerprint,
        media_ip: args.media_ip,
        call_seconds: args.call_seconds,
        drop_video_percent: args.drop_video_percent,
        cryptex: args.cryptex,
        calls: Mutex::new(HashMap::new()),
        keyframe_requests: Mutex::new(HashMap::new()),
        next_id: Mutex::new(0),
    });
    let router = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("browser_call.html")) }),
        )
        .route("/call", post(new_call))
        .route("/call/{id}", get(call_report))
        .route("/call/{id}/keyframe", post(request_keyframe))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "browser_call: open http://{}/ in a browser",
        listener.local_addr()?
    );
    axum::serve(listener, router).await?;
    Ok(())
}
