//! Interop suite `chromium-sdp`: headless Chromium takes the answers `rtp_session` writes.
//!
//! A page served on loopback creates an `RTCPeerConnection` per case, makes an offer,
//! posts it here; [`rtp_session::WebRtcOffer`] reads it and writes the answer, which the
//! page hands to `setRemoteDescription`. Every case must be accepted, the audio transceiver
//! must end in the expected direction, the browser's track must land in our msid stream
//! when we wrote one, and Chromium must then send an ICE connectivity check to our
//! candidate with the USERNAME `<our ufrag>:<its ufrag>` (RFC 8445 §7.2.2), which shows the
//! answer's ICE parameters were taken. The cases cover both DTLS roles (`a=setup:passive`
//! and `a=setup:active`), an offer gathered to completion and one sent at once, audio with
//! video and a data channel (rejected sections), a receive-only offer, and an IPv6
//! candidate. The offers and answers are kept in `target/interop/chromium-sdp/`: the
//! fixture `crates/rtp-session/tests/fixtures/chromium156_offer.sdp` is case 0's offer.

use super::Context;
use crate::util::{Result, ensure_apt, output};
use rtp_session::{AnswerParams, Certificate, HashFunction, Role, WebRtcOffer};
use serde_json::json;
use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tiny_http::{Header, Request, Response, Server};

/// One offer/answer exchange.
struct Case {
    name: &'static str,
    /// The page's part: what the peer connection offers.
    video_and_data: bool,
    recv_only: bool,
    wait_for_gathering: bool,
    /// Our part.
    role: Role,
    msid: bool,
    ipv6: bool,
    /// What must come out.
    setup: &'static str,
    audio_direction: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "audio, gathered offer, we are passive",
        video_and_data: false,
        recv_only: false,
        wait_for_gathering: true,
        role: Role::Server,
        msid: true,
        ipv6: false,
        setup: "passive",
        audio_direction: "sendrecv",
    },
    Case {
        name: "audio, we are active",
        video_and_data: false,
        recv_only: false,
        wait_for_gathering: false,
        role: Role::Client,
        msid: true,
        ipv6: false,
        setup: "active",
        audio_direction: "sendrecv",
    },
    Case {
        name: "audio + video + data channel, no msid",
        video_and_data: true,
        recv_only: false,
        wait_for_gathering: false,
        role: Role::Server,
        msid: false,
        ipv6: false,
        setup: "passive",
        audio_direction: "sendrecv",
    },
    Case {
        name: "receive-only offer, we are active",
        video_and_data: false,
        recv_only: true,
        wait_for_gathering: false,
        role: Role::Client,
        msid: true,
        ipv6: false,
        setup: "active",
        audio_direction: "recvonly",
    },
    Case {
        name: "audio, IPv6 candidate",
        video_and_data: false,
        recv_only: false,
        wait_for_gathering: false,
        role: Role::Server,
        msid: true,
        ipv6: true,
        setup: "passive",
        audio_direction: "sendrecv",
    },
];

const STREAM: &str = "rtp-session-stream";
const TIMEOUT: Duration = Duration::from_secs(120);
/// The most a request body may hold: an offer is a few KiB, at most a few tens.
const MAX_BODY: usize = 256 * 1024;
/// How long a request body may take to arrive once its headers have.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[("chromium", "chromium")])?;
    let version = output(Command::new("chromium").arg("--version"))?;
    eprintln!("  {}", version.trim());
    let server = Server::http("127.0.0.1:0").map_err(|e| e.to_string())?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or("the page server has no IP address")?;
    let url = format!("http://{address}/");
    let profile = ctx.dir.join("profile");
    let _ = std::fs::remove_dir_all(&profile);
    let log = std::fs::File::create(ctx.dir.join("chromium.log")).map_err(|e| e.to_string())?;
    let mut browser = Command::new("chromium");
    browser
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--allow-loopback-in-peer-connection",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(log)
        // Its own process group, so that the renderer and utility processes go with it.
        .process_group(0);
    let browser = browser
        .spawn()
        .map_err(|e| format!("cannot start chromium: {e}"))?;
    let mut browser = Browser(browser);
    let result = serve(ctx, &server);
    browser.stop();
    result
}

/// The browser, stopped with its process group.
struct Browser(Child);

impl Browser {
    fn stop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.stop();
        }
    }
}

/// What one case left behind: our socket and ICE credentials, its offer's ufrag.
struct Exchange {
    socket: UdpSocket,
    username: String,
    answer: String,
}

fn serve(ctx: &Context, server: &Server) -> Result {
    let deadline = Instant::now() + TIMEOUT;
    let certificate = Certificate::generate("rtp-session").map_err(|e| e.to_string())?;
    let mut exchanges: Vec<Option<Exchange>> = (0..CASES.len()).map(|_| None).collect();
    let mut failures = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let request = if left.is_zero() {
            None
        } else {
            server.recv_timeout(left).map_err(|e| e.to_string())?
        };
        let Some(request) = request else {
            return Err(format!(
                "Chromium did not finish the cases within {} s (see {})",
                TIMEOUT.as_secs(),
                ctx.dir.join("chromium.log").display()
            ));
        };
        let path = request.url().to_string();
        let Some((body, request)) = read_body(request, &path)? else {
            continue;
        };
        let case_index = |prefix: &str| {
            path.strip_prefix(prefix)
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < CASES.len())
        };
        if path == "/" {
            respond(request, 200, "text/html", &page())?;
        } else if let Some(i) = case_index("/offer/") {
            let case = &CASES[i];
            eprintln!("  case {i}: {}", case.name);
            std::fs::write(ctx.dir.join(format!("offer-{i}.sdp")), &body)
                .map_err(|e| e.to_string())?;
            match answer(case, i, &body, &certificate) {
                Ok(exchange) => {
                    std::fs::write(ctx.dir.join(format!("answer-{i}.sdp")), &exchange.answer)
                        .map_err(|e| e.to_string())?;
                    respond(request, 200, "application/sdp", &exchange.answer)?;
                    exchanges[i] = Some(exchange);
                }
                Err(e) => {
                    failures.push(format!("case {i} ({}): {e}", case.name));
                    respond(request, 200, "text/plain", &format!("ERROR {e}"))?;
                }
            }
        } else if let Some(i) = case_index("/result/") {
            if let Err(e) = check(&CASES[i], &body, exchanges[i].as_ref()) {
                failures.push(format!("case {i} ({}): {e}", CASES[i].name));
            } else {
                eprintln!("    accepted: {body}");
            }
            respond(request, 200, "text/plain", "ok")?;
        } else if path == "/done" {
            respond(request, 200, "text/plain", "ok")?;
            if !body.is_empty() {
                failures.push(format!("the page failed: {body}"));
            }
            if let Some(i) = exchanges.iter().position(Option::is_none) {
                failures.push(format!("case {i} ({}) never ran", CASES[i].name));
            }
            return if failures.is_empty() {
                Ok(())
            } else {
                Err(failures.join("; "))
            };
        } else {
            respond(request, 404, "text/plain", "")?;
        }
    }
}

/// Reads the browser's offer and writes our answer for `case`.
fn answer(case: &Case, index: usize, offer: &str, certificate: &Certificate) -> Result<Exchange> {
    let offer = WebRtcOffer::parse(offer).map_err(|e| format!("offer refused: {e}"))?;
    eprintln!(
        "    offer: mid {}, opus {}, telephone-event {:?}/{:?}, sdes:mid id {:?}, setup {}, \
         {} fingerprint(s)",
        offer.mid(),
        offer.opus_payload_type(),
        offer.telephone_event_payload_type(48_000),
        offer.telephone_event_payload_type(8_000),
        offer.mid_extension_id(),
        offer.setup(),
        offer.fingerprints().len()
    );
    let bind: SocketAddr = if case.ipv6 {
        "[::1]:0".parse()
    } else {
        "127.0.0.1:0".parse()
    }
    .map_err(|e| format!("{e}"))?;
    let socket = UdpSocket::bind(bind).map_err(|e| format!("bind {bind}: {e}"))?;
    let local = socket.local_addr().map_err(|e| e.to_string())?;
    let ufrag = format!("xtask{index}");
    let mut params = AnswerParams::new(
        ufrag.clone(),
        format!("rtpSessionInteropPassword{index}"),
        certificate.fingerprint(HashFunction::Sha256),
        vec![local],
        0x5eed_0000 + index as u32,
        "rtp-session@xtask",
    );
    params.preferred_role = case.role;
    if case.msid {
        params.msid = Some((STREAM.into(), format!("audio-track-{index}")));
    }
    let answer = offer.answer(&params).map_err(|e| e.to_string())?;
    let setup = format!("a=setup:{}\r\n", case.setup);
    if !answer.contains(&setup) {
        return Err(format!("the answer lacks {setup:?}:\n{answer}"));
    }
    Ok(Exchange {
        socket,
        username: format!("{ufrag}:{}", offer.ice_ufrag()),
        answer,
    })
}

/// Checks what the page reported for `case`, then waits for Chromium's first
/// connectivity check on our candidate.
fn check(case: &Case, report: &str, exchange: Option<&Exchange>) -> Result {
    let exchange = exchange.ok_or("no answer was written")?;
    if !report.starts_with("OK ") {
        return Err(format!("Chromium refused the answer: {report}"));
    }
    let audio = format!("0:{}", case.audio_direction);
    if !report.split_whitespace().any(|w| w == audio) {
        return Err(format!("the audio transceiver is not {audio}: {report}"));
    }
    let stream = format!("streams={STREAM}");
    if case.msid && !report.contains(&stream) {
        return Err(format!("our track is not in stream {STREAM}: {report}"));
    }
    let socket = &exchange.socket;
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 1500];
    while Instant::now() < deadline {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let packet = &buf[..n];
        // A STUN Binding request (RFC 8489 §5: type 0x0001, magic cookie) naming us.
        let binding = n >= 20 && packet[..2] == [0, 1] && packet[4..8] == [0x21, 0x12, 0xa4, 0x42];
        let names_us = packet
            .windows(exchange.username.len())
            .any(|w| w == exchange.username.as_bytes());
        if binding && names_us {
            eprintln!(
                "    Chromium's connectivity check from {from} carries USERNAME {}",
                exchange.username
            );
            return Ok(());
        }
    }
    Err(format!(
        "no STUN Binding request with USERNAME {} reached {:?}",
        exchange.username,
        socket.local_addr()
    ))
}

/// The page: one peer connection per case, in order.
fn page() -> String {
    let cases: Vec<_> = CASES
        .iter()
        .map(|c| {
            json!({
                "videoAndData": c.video_and_data,
                "recvOnly": c.recv_only,
                "gather": c.wait_for_gathering,
            })
        })
        .collect();
    PAGE.replace("CASES", &serde_json::Value::from(cases).to_string())
}

const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>rtp-session SDP</title><script>
const post = async (path, body) => (await fetch(path, {method: 'POST', body})).text();
async function runCase(i, c) {
  const pc = new RTCPeerConnection();
  const streams = [];
  pc.ontrack = e => streams.push(e.streams.map(s => s.id).join(',') || '-');
  if (c.recvOnly) {
    pc.addTransceiver('audio', {direction: 'recvonly'});
  } else {
    const s = await navigator.mediaDevices.getUserMedia({audio: true, video: c.videoAndData});
    s.getTracks().forEach(t => pc.addTrack(t, s));
  }
  if (c.videoAndData) pc.createDataChannel('data');
  const gathered = new Promise(r => {
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); };
    setTimeout(r, 5000);
  });
  await pc.setLocalDescription(await pc.createOffer());
  if (c.gather) await gathered;
  const answer = await post('/offer/' + i, pc.localDescription.sdp);
  let report;
  if (answer.startsWith('ERROR')) {
    report = answer;
  } else {
    try {
      await pc.setRemoteDescription({type: 'answer', sdp: answer});
      const t = pc.getTransceivers().map(t => t.mid + ':' + t.currentDirection).join(' ');
      report = 'OK ' + pc.signalingState + ' ' + t + ' streams=' + streams.join(';');
    } catch (e) {
      report = 'ERROR setRemoteDescription: ' + e;
    }
  }
  await post('/result/' + i, report);
  pc.close();
}
(async () => {
  const cases = CASES;
  try {
    for (let i = 0; i < cases.length; i++) await runCase(i, cases[i]);
    await post('/done', '');
  } catch (e) {
    await post('/done', 'ERROR ' + e);
  }
})();
</script>"#;

/// Reads the body of `request` (to `path`) as text. Refuses a body over [`MAX_BODY`] or
/// one slower than [`BODY_TIMEOUT`]; `None` for a connection that closed before the whole
/// body arrived.
fn read_body(mut request: Request, path: &str) -> Result<Option<(String, Request)>> {
    // tiny_http reads a body through a blocking reader without a timeout, and a request
    // dropped before its body was read reads the rest first: both happen on this thread,
    // which a stalled browser leaves behind (it ends when the browser is stopped).
    let (sender, receiver) = mpsc::channel();
    let too_large = format!("the body posted to {path} is over {MAX_BODY} bytes");
    std::thread::spawn(move || {
        let mut body = Vec::new();
        if request.body_length().is_none_or(|n| n <= MAX_BODY) {
            let limit = MAX_BODY as u64 + 1;
            if request
                .as_reader()
                .take(limit)
                .read_to_end(&mut body)
                .is_err()
            {
                let _ = sender.send(Ok(None));
                return;
            }
            if body.len() <= MAX_BODY {
                let body = String::from_utf8_lossy(&body).into_owned();
                let _ = sender.send(Ok(Some((body, request))));
                return;
            }
        }
        let _ = sender.send(Err(too_large));
        let _ = respond(request, 413, "text/plain", "");
    });
    receiver.recv_timeout(BODY_TIMEOUT).unwrap_or_else(|_| {
        Err(format!(
            "the body posted to {path} did not arrive within {} s",
            BODY_TIMEOUT.as_secs()
        ))
    })
}

fn respond(request: Request, status: u16, content_type: &str, body: &str) -> Result {
    let header = |name: &str, value: &str| {
        Header::from_bytes(name, value).map_err(|()| format!("bad header {name}: {value}"))
    };
    let response = Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type)?)
        .with_header(header("Cache-Control", "no-store")?);
    request.respond(response).map_err(|e| e.to_string())
}
