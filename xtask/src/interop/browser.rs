//! `browser`: Debian's Chromium calls the `browser_call` example, headless, through
//! ChromeDriver, once with our endpoint as the DTLS server (`a=setup:passive`) and once as
//! the DTLS client (`a=setup:active`), with the endpoint's default settings.
//!
//! The browser gets its microphone from Chromium's fake audio device (a beep), makes the
//! offer on the example's page, and after a call of [`CALL_SECONDS`] the page returns both
//! sides' figures: its own `getStats` and the endpoint's report (`GET /call/<id>`). The
//! suite requires, in each role: ICE `connected`, DTLS `connected`, at least 90 % of the
//! packets we echoed received by the browser, a `remote-inbound-rtp` round-trip time (our
//! RTCP read by the browser), no SRTP failure on either side (our counter, and Chromium's
//! log), and on our side the browser's packets, its sender reports and a MOS. It prints what
//! Chromium negotiated. A failure prints the page's log, the browser's console and the
//! endpoint's output. Only localhost is used; each step is bounded in time.
//!
//! Then the same two calls again with the browser's fake camera as well (VP8 preferred on
//! the page, [`VIDEO_CALL_SECONDS`]), the endpoint dropping [`DROP_VIDEO_PERCENT`] % of the
//! VP8 packets on arrival and the page asking it for a keyframe halfway through: the audio
//! checks above, and [`check_video`]'s: the browser's `getStats` shows `nackCount` and
//! `pliCount` above zero and an `availableOutgoingBitrate` that ends above its first value,
//! and our side assembled VP8 frames and sent NACKs, keyframe requests and transport-cc
//! feedback and received retransmissions.
//!
//! The DTLS version: the endpoint offers and accepts DTLS 1.3 by default, as Chromium does,
//! so the four calls above must negotiate DTLS 1.3 (the browser's `getStats` says
//! `tlsVersion` FEFC and our side a TLS 1.3 suite); a fifth call, to an endpoint started
//! with `--dtls12-only` (our server capped at 1.2), must negotiate DTLS 1.2 (FEFD) with the
//! same browser.

use super::Context;
use crate::util::{Result, cargo, ensure_apt, output, root, sh};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long each call lasts before the page collects the figures.
const CALL_SECONDS: u64 = 12;
/// How long a call with the camera lasts: long enough for Chromium's bandwidth estimate
/// to ramp up from its start value.
const VIDEO_CALL_SECONDS: u64 = 16;
/// The share of the browser's VP8 packets the endpoint drops on receipt (`browser_call
/// --drop-video-percent`), so that NACK and RTX have work: small enough for Chromium's
/// loss-based estimate to keep raising its rate (it holds between 2 and 10 % loss).
const DROP_VIDEO_PERCENT: u8 = 1;
/// How long ChromeDriver may take to start, and a page to answer.
const START_LIMIT: Duration = Duration::from_secs(30);
const SCRIPT_LIMIT: Duration = Duration::from_secs(VIDEO_CALL_SECONDS + 45);

/// A child process killed when dropped.
pub(super) struct Reaped(pub(super) Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Installs Chromium and ChromeDriver when missing, builds the `browser_call` example, and
/// returns Chromium's version line.
pub(super) fn prepare() -> Result<String> {
    ensure_apt(&[
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ])?;
    let version = output(Command::new("chromium").arg("--version"))?;
    sh(cargo().args([
        "build",
        "--quiet",
        "-p",
        "rtp-stack-examples",
        "--example",
        "browser_call",
    ]))?;
    Ok(version.trim().to_string())
}

pub fn run(ctx: &Context) -> Result {
    let version = prepare()?;
    eprintln!("peer: {version}");
    let (endpoint, url, endpoint_log) = start_endpoint(false)?;
    let (endpoint12, url12, endpoint12_log) = start_endpoint(true)?;
    let (driver, driver_port) = start_chromedriver(ctx)?;
    let webdriver = WebDriver::new(driver_port);
    webdriver.wait_ready()?;

    let mut failures = Vec::new();
    let mut negotiated = Vec::new();
    // (a=setup, camera, our endpoint capped at DTLS 1.2)
    let cases = [
        ("passive", false, false),
        ("active", false, false),
        ("passive", true, false),
        ("active", true, false),
        ("passive", false, true),
    ];
    for &(setup, video, dtls12) in &cases {
        let name = match (video, dtls12) {
            (true, _) => format!("{setup}+video"),
            (false, true) => format!("{setup}+dtls12"),
            (false, false) => setup.to_string(),
        };
        let profile = ctx.dir.join(format!("profile-{name}"));
        let _ = std::fs::remove_dir_all(&profile);
        let url = if dtls12 { &url12 } else { &url };
        let checked = call(&webdriver, url, setup, video, &profile).map(|result| {
            let verdict = check(setup, dtls12, &result, &profile).and_then(|line| {
                if video {
                    check_video(&result).map(|v| format!("{line}\n  video: {v}"))
                } else {
                    Ok(line)
                }
            });
            (verdict, result)
        });
        match checked {
            Ok((Ok(line), _)) => negotiated.push(line),
            Ok((Err(e), result)) => failures.push((name, e, Some(result))),
            Err(e) => failures.push((name, e, None)),
        }
    }
    drop(driver);
    drop(endpoint);
    drop(endpoint12);
    for line in &negotiated {
        eprintln!("{line}");
    }
    if failures.is_empty() {
        return Ok(());
    }
    for (setup, error, result) in &failures {
        eprintln!("--- browser call with a=setup:{setup} failed: {error}");
        if let Some(result) = result {
            eprintln!(
                "what the page gathered:\n{}",
                serde_json::to_string_pretty(result).unwrap_or_default()
            );
        }
    }
    for (name, log) in [
        ("endpoint", &endpoint_log),
        ("DTLS 1.2 endpoint", &endpoint12_log),
    ] {
        eprintln!(
            "--- the {name}'s output:\n{}",
            log.lock().map(|l| l.join("\n")).unwrap_or_default()
        );
    }
    Err(format!(
        "{} of {} browser calls failed (ChromeDriver's log: {})",
        failures.len(),
        cases.len(),
        ctx.dir.join("chromedriver.log").display()
    ))
}

/// The endpoint's output lines, collected as they come.
pub(super) type OutputLog = Arc<Mutex<Vec<String>>>;

/// Starts `browser_call` on a free port: the process, the page's URL, and its output.
fn start_endpoint(dtls12_only: bool) -> Result<(Reaped, String, OutputLog)> {
    start_endpoint_with(dtls12_only, &[])
}

/// [`start_endpoint`] with `extra` arguments for `browser_call`.
pub(super) fn start_endpoint_with(
    dtls12_only: bool,
    extra: &[&str],
) -> Result<(Reaped, String, OutputLog)> {
    let binary = root().join("target/debug/examples/browser_call");
    let mut command = Command::new(&binary);
    command
        .args(["--listen", "127.0.0.1:0", "--call-seconds", "60"])
        .args(["--drop-video-percent", &DROP_VIDEO_PERCENT.to_string()])
        .args(extra);
    if dtls12_only {
        command.arg("--dtls12-only");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("browser_call has no stdout")?;
    let child = Reaped(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .ok_or("browser_call printed nothing")?
        .map_err(|e| format!("browser_call's output: {e}"))?;
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in browser_call's first line: {first}"))?
        .to_string();
    let log = Arc::new(Mutex::new(vec![first.clone()]));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(std::result::Result::ok) {
            if let Ok(mut l) = sink.lock() {
                l.push(line);
            }
        }
    });
    Ok((child, url, log))
}

/// Starts `chromedriver` on a free port, logging to `chromedriver.log` in the suite's
/// directory; the process and its port.
pub(super) fn start_chromedriver(ctx: &Context) -> Result<(Reaped, u16)> {
    let port = free_port()?;
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg(format!(
            "--log-path={}",
            ctx.dir.join("chromedriver.log").display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("chromedriver: {e}"))?;
    Ok((Reaped(child), port))
}

pub(super) fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// One call from a fresh headless Chromium: the page's result object.
pub(super) fn call(
    webdriver: &WebDriver,
    url: &str,
    setup: &str,
    video: bool,
    profile: &std::path::Path,
) -> Result<Value> {
    let seconds = if video {
        VIDEO_CALL_SECONDS
    } else {
        CALL_SECONDS
    };
    let session = webdriver.new_session(profile)?;
    let result = (|| {
        webdriver.post(
            &format!("session/{session}/timeouts"),
            &json!({ "script": SCRIPT_LIMIT.as_millis() as u64 }),
        )?;
        webdriver.post(&format!("session/{session}/url"), &json!({ "url": url }))?;
        let script = "const done = arguments[arguments.length - 1]; \
                      window.runCheck(arguments[0], arguments[1], arguments[2]).then(done, (e) => done({ error: String(e) }));";
        let mut result = webdriver.post(
            &format!("session/{session}/execute/async"),
            &json!({ "script": script, "args": [setup, seconds, { "video": video }] }),
        )?;
        if let Ok(console) = webdriver.post(
            &format!("session/{session}/se/log"),
            &json!({ "type": "browser" }),
        ) {
            result["browser_console"] = console;
        }
        Ok(result)
    })();
    webdriver.delete(&format!("session/{session}"));
    result
}

/// The checks of one call; returns the line saying what was negotiated.
pub(super) fn check(
    setup: &str,
    dtls12: bool,
    r: &Value,
    profile: &std::path::Path,
) -> Result<String> {
    if let Some(e) = r.get("error") {
        return Err(format!("the page failed: {e}"));
    }
    let states = r["ice_states"].as_array().cloned().unwrap_or_default();
    if !states.iter().any(|s| s == "connected" || s == "completed") {
        return Err(format!("ICE never connected: {states:?}"));
    }
    let transport = &r["transport"];
    if transport["dtlsState"] != "connected" {
        return Err(format!(
            "the browser's DTLS state is {}",
            transport["dtlsState"]
        ));
    }
    let ours = &r["endpoint"];
    if ours["dtls"].is_null() || ours["nominated"].is_null() {
        return Err("our side never nominated an address or connected DTLS".into());
    }
    // The version: what the browser reports, and the suite on our side (only DTLS 1.3
    // has the TLS_AES_*/TLS_CHACHA20_* suites).
    let (want, want13) = if dtls12 {
        ("FEFD", false)
    } else {
        ("FEFC", true)
    };
    let browser_version = transport["tlsVersion"].as_str().unwrap_or("?");
    let our_suite = ours["dtls"]["cipher_suite"].as_str().unwrap_or("?");
    if !browser_version.eq_ignore_ascii_case(want) || our_suite.starts_with("Tls13") != want13 {
        return Err(format!(
            "expected DTLS version {want}: the browser says {browser_version}, our suite is {our_suite}"
        ));
    }
    let echoed = ours["counters"]["rtp_sent"].as_u64().unwrap_or(0);
    let received = r["inbound"]["packetsReceived"].as_u64().unwrap_or(0);
    if echoed < 100 || (received as f64) < 0.9 * echoed as f64 {
        return Err(format!(
            "the browser received {received} of the {echoed} packets we echoed"
        ));
    }
    let rtt = r["remote_inbound"]["roundTripTime"].as_f64();
    if rtt.is_none_or(|t| t <= 0.0) {
        return Err(
            "no remote-inbound-rtp round-trip time: the browser read no report of ours".into(),
        );
    }
    let failures = ours["counters"]["unprotect_failures"].as_u64();
    if failures != Some(0) {
        return Err(format!("{failures:?} SRTP/SRTCP failures on our side"));
    }
    let log = std::fs::read_to_string(profile.join("chrome_debug.log")).unwrap_or_default();
    if let Some(line) = log
        .lines()
        .find(|l| l.to_ascii_lowercase().contains("failed to unprotect"))
    {
        return Err(format!("Chromium could not decrypt our packets: {line}"));
    }
    let browser_sent = r["outbound"]["packetsSent"].as_u64().unwrap_or(0);
    let q = &ours["quality"];
    let heard = q["packets_received"].as_u64().unwrap_or(0);
    if browser_sent < 100 || (heard as f64) < 0.9 * browser_sent as f64 {
        return Err(format!(
            "we received {heard} of the browser's {browser_sent} packets"
        ));
    }
    let srs = q["sender_reports"].as_u64().unwrap_or(0);
    if srs == 0 {
        return Err("we received no sender report from the browser".into());
    }
    let mos = q["mos"]
        .as_f64()
        .ok_or("our side has no MOS for the browser's stream")?;
    let dtls = &ours["dtls"];
    Ok(format!(
        "a=setup:{setup} ({}): DTLS {} {} group {}, SRTP {} (browser says {}, {}), EMS {}; \
         the browser received {received}/{echoed} echoed packets, RTT {:.1} ms; \
         we received {heard}/{browser_sent}, {srs} SRs, jitter {:.1} ms, MOS {mos:.2}",
        ours["our_dtls_role"].as_str().unwrap_or("?"),
        transport["tlsVersion"].as_str().unwrap_or("?"),
        dtls["cipher_suite"].as_str().unwrap_or("?"),
        dtls["key_exchange_group"].as_str().unwrap_or("?"),
        dtls["srtp_profile"].as_str().unwrap_or("?"),
        transport["dtlsCipher"].as_str().unwrap_or("?"),
        transport["srtpCipher"].as_str().unwrap_or("?"),
        dtls["extended_master_secret"],
        rtt.unwrap_or(0.0) * 1000.0,
        q["jitter_ms"].as_f64().unwrap_or(f64::NAN),
    ))
}

/// The checks of a call with the camera; returns what it showed. The browser's own
/// `getStats`: VP8 sent, `nackCount` and `pliCount` above zero (our NACKs and keyframe
/// requests reached its sender), and the nominated pair's `availableOutgoingBitrate`
/// ending above its first value (our transport-cc feedback drives its estimate). Our
/// side: VP8 frames received and assembled, key frames among them with a size, NACKs
/// sent, retransmissions received, transport-cc feedback sent.
pub(super) fn check_video(r: &Value) -> Result<String> {
    let out = &r["outbound_video"];
    let v = &r["endpoint"]["video"];
    if out.is_null() || v.is_null() {
        return Err("no video was negotiated (no outbound-rtp video, or no video report)".into());
    }
    let count = |x: &Value| x.as_u64().unwrap_or(0);
    let codec = out["codec"].as_str().unwrap_or("?");
    if !codec.starts_with("video/VP8") {
        return Err(format!("the browser sends {codec}, not VP8"));
    }
    let (nacks, plis) = (count(&out["nackCount"]), count(&out["pliCount"]));
    if nacks == 0 {
        return Err("the browser's nackCount is 0: no NACK of ours reached it".into());
    }
    if plis == 0 {
        return Err("the browser's pliCount is 0: no PLI of ours reached it".into());
    }
    let bitrates: Vec<(f64, f64)> = r["bitrates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    let (Some(first), Some(last)) = (bitrates.first(), bitrates.last()) else {
        return Err("the browser gave no availableOutgoingBitrate".into());
    };
    let peak = bitrates.iter().map(|p| p.1).fold(0.0, f64::max);
    if last.1 <= first.1 {
        return Err(format!(
            "availableOutgoingBitrate did not rise: {:.0} bit/s at {} s, {:.0} at {} s",
            first.1, first.0, last.1, last.0
        ));
    }
    let frames = count(&v["frames"]);
    let complete = count(&v["frames_complete"]);
    let sent_frames = count(&out["framesEncoded"]);
    if frames < 100 || (complete as f64) < 0.9 * frames as f64 {
        return Err(format!(
            "we played {frames} video frames, {complete} complete (the browser encoded {sent_frames})"
        ));
    }
    if count(&v["key_frames"]) == 0 || count(&v["width"]) == 0 {
        return Err("we saw no VP8 key frame with a size".into());
    }
    for (field, what) in [
        ("nack_messages_sent", "NACKs sent"),
        ("rtx_received", "retransmissions received"),
        ("keyframe_requests_sent", "keyframe requests sent"),
        ("transport_feedback_sent", "transport-cc feedback sent"),
    ] {
        if count(&v[field]) == 0 {
            return Err(format!("our side has no {what}"));
        }
    }
    Ok(format!(
        "{codec} {}x{} ({}), browser: {} packets sent, {} retransmitted, nackCount {nacks}, \
         pliCount {plis}, firCount {}, {} frames encoded ({} key); availableOutgoingBitrate \
         {:.0} bit/s at {} s -> {:.0} bit/s at {} s (peak {:.0}); we: {} packets \
         ({} dropped on purpose), {frames} frames played ({complete} complete, {} with a gap, \
         {} concealed, {} key, {}x{}), {} NACKs for {} packets, {} RTX received \
         ({} duplicates), {} keyframe requests ({} by the application), {} transport-cc \
         feedback packets",
        count(&out["frameWidth"]),
        count(&out["frameHeight"]),
        out["encoderImplementation"].as_str().unwrap_or("?"),
        count(&out["packetsSent"]),
        count(&out["retransmittedPacketsSent"]),
        count(&out["firCount"]),
        sent_frames,
        count(&out["keyFramesEncoded"]),
        first.1,
        first.0,
        last.1,
        last.0,
        peak,
        count(&v["packets_received"]),
        count(&v["packets_dropped"]),
        count(&v["frames_incomplete"]),
        count(&v["frames_concealed"]),
        count(&v["key_frames"]),
        count(&v["width"]),
        count(&v["height"]),
        count(&v["nack_messages_sent"]),
        count(&v["nack_sequence_numbers_sent"]),
        count(&v["rtx_received"]),
        count(&v["rtx_duplicates"]),
        count(&v["keyframe_requests_sent"]),
        count(&v["keyframe_requests_by_app"]),
        count(&v["transport_feedback_sent"]),
    ))
}

/// A W3C WebDriver client for ChromeDriver on localhost, over `ureq`.
pub(super) struct WebDriver {
    base: String,
    agent: ureq::Agent,
    /// Chromium flags added to every session's (`with_browser_args`).
    browser_args: Vec<String>,
}

impl WebDriver {
    pub(super) fn new(port: u16) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(SCRIPT_LIMIT + Duration::from_secs(15)))
            .build()
            .into();
        Self {
            base: format!("http://127.0.0.1:{port}/"),
            agent,
            browser_args: Vec::new(),
        }
    }

    /// Starts every browser with `args` as well.
    pub(super) fn with_browser_args(mut self, args: &[&str]) -> Self {
        self.browser_args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    pub(super) fn wait_ready(&self) -> Result {
        let started = Instant::now();
        loop {
            let ready = self
                .agent
                .get(format!("{}status", self.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return Ok(());
            }
            if started.elapsed() > START_LIMIT {
                return Err("ChromeDriver did not become ready".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A session with a fresh headless Chromium whose profile is `profile`.
    fn new_session(&self, profile: &std::path::Path) -> Result<String> {
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--use-fake-ui-for-media-stream".into(),
            "--use-fake-device-for-media-stream".into(),
            "--autoplay-policy=no-user-gesture-required".into(),
            // Our candidate is on 127.0.0.1; Chromium gathers loopback only when told.
            "--allow-loopback-in-peer-connection".into(),
            "--enable-logging".into(),
            "--v=0".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.extend(self.browser_args.iter().cloned());
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
                "goog:loggingPrefs": { "browser": "ALL" },
            }}
        });
        let v = self.post("session", &caps)?;
        v["sessionId"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("ChromeDriver gave no session: {v}"))
    }

    /// POSTs `body` to `path` and returns the response's `value`, or its error.
    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(body)
            .map_err(|e| format!("WebDriver {path}: {e}"))?;
        let status = response.status();
        let v: Value = response
            .body_mut()
            .read_json()
            .map_err(|e| format!("WebDriver {path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("WebDriver {path}: {status}: {}", v["value"]));
        }
        Ok(v["value"].clone())
    }

    fn delete(&self, path: &str) {
        let _ = self.agent.delete(format!("{}{path}", self.base)).call();
    }
}
