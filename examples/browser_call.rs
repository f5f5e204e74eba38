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
//! Run with `cargo run -p rtp-stack-examples --example browser_call` (options:
//! `--listen 127.0.0.1:8080`, `--media-ip 127.0.0.1`, `--call-seconds N`). It serves until
//! stopped with Ctrl-C. `cargo xtask interop browser` runs it against headless Chromium.

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
use rtp_session::{
    AnswerParams, Binding, Certificate, Driver, DtlsConfig, Event, Fingerprint, HashFunction,
    IceCredentials, Output, PortRange, Role, WebRtcOffer, os_rng,
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
}

/// What the endpoint says about one call (`GET /call/<id>`).
#[derive(Debug, Default, Clone, Serialize)]
struct CallReport {
    id: u64,
    our_dtls_role: String,
    nominated: Option<String>,
    dtls: Option<DtlsReport>,
    quality: Option<QualityReport>,
    counters: CountersReport,
    ended: Option<String>,
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
    stun_rejected: u64,
    ice_unchecked: u64,
    frames_echoed: u64,
}

struct App {
    dtls: Arc<DtlsConfig>,
    fingerprint: Fingerprint,
    media_ip: IpAddr,
    call_seconds: Option<u64>,
    calls: Mutex<HashMap<u64, Arc<Mutex<CallReport>>>>,
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
    let driver = Driver::bind(config, binding, Box::new(rng))
        .await
        .map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, e))?;
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
        ..CallReport::default()
    }));
    app.calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, report.clone());
    println!(
        "call {id}: media on {}, we are {our_role}",
        driver.local_rtp()
    );
    let limit = app.call_seconds.map(Duration::from_secs);
    tokio::spawn(run_call(id, driver, report, limit));
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

/// Echoes what the browser sends until the call ends, keeping `report` current and
/// printing a quality row every second.
async fn run_call(
    id: u64,
    mut driver: Driver,
    report: Arc<Mutex<CallReport>>,
    limit: Option<Duration>,
) {
    let started = Instant::now();
    let mut second = tokio::time::interval(Duration::from_secs(1));
    let mut echoed = 0u64;
    let ended = loop {
        tokio::select! {
            out = driver.next() => match out {
                None => break "the driver stopped".to_string(),
                Some(Output::Frame(frame)) => {
                    if driver.session().is_keyed()
                        && driver.send(&frame.payload, frame.timestamp, frame.marker).is_ok()
                    {
                        echoed += 1;
                    }
                }
                Some(Output::Event(event)) => {
                    if let Some(reason) = on_event(id, &report, event) {
                        break reason;
                    }
                }
                Some(_) => {}
            },
            _ = second.tick() => {
                let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
                update(&mut r, &driver, echoed);
                print_row(id, started, &r);
                if limit.is_some_and(|l| started.elapsed() >= l) {
                    break "time limit".to_string();
                }
            }
        }
    };
    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
    update(&mut r, &driver, echoed);
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
                "call {id}: DTLS 1.2 connected: {}, {}, {}, extended master secret {}",
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

fn update(r: &mut CallReport, driver: &Driver, echoed: u64) {
    let session = driver.session();
    let c = session.counters();
    r.counters = CountersReport {
        rtp_sent: c.rtp_sent,
        rtcp_sent: c.rtcp_sent,
        rtp_received: c.rtp_received,
        rtcp_received: c.rtcp_received,
        unprotect_failures: c.unprotect_failures,
        stun_rejected: c.stun_rejected,
        ice_unchecked: c.ice_unchecked,
        frames_echoed: echoed,
    };
    let browser = session.remote_sources().next();
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
    let app = Arc::new(App {
        dtls: Arc::new(DtlsConfig::new(certificate)),
        fingerprint,
        media_ip: args.media_ip,
        call_seconds: args.call_seconds,
        calls: Mutex::new(HashMap::new()),
        next_id: Mutex::new(0),
    });
    let router = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("browser_call.html")) }),
        )
        .route("/call", post(new_call))
        .route("/call/{id}", get(call_report))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "browser_call: open http://{}/ in a browser",
        listener.local_addr()?
    );
    axum::serve(listener, router).await?;
    Ok(())
}
