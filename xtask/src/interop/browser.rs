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
/// How long ChromeDriver may take to start, and a page to answer.
const START_LIMIT: Duration = Duration::from_secs(30);
const SCRIPT_LIMIT: Duration = Duration::from_secs(CALL_SECONDS + 45);

/// A child process killed when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(ctx: &Context) -> Result {
    ensure_apt(&[
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ])?;
    let version = output(Command::new("chromium").arg("--version"))?;
    eprintln!("peer: {}", version.trim());

    sh(cargo().args([
        "build",
        "--quiet",
        "-p",
        "rtp-stack-examples",
        "--example",
        "browser_call",
    ]))?;
    let (endpoint, url, endpoint_log) = start_endpoint()?;
    let driver_port = free_port()?;
    let driver = Reaped(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .arg(format!(
                "--log-path={}",
                ctx.dir.join("chromedriver.log").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?,
    );
    let webdriver = WebDriver::new(driver_port);
    webdriver.wait_ready()?;

    let mut failures = Vec::new();
    let mut negotiated = Vec::new();
    for setup in ["passive", "active"] {
        let profile = ctx.dir.join(format!("profile-{setup}"));
        let _ = std::fs::remove_dir_all(&profile);
        match call(&webdriver, &url, setup, &profile) {
            Ok(result) => match check(setup, &result, &profile) {
                Ok(line) => negotiated.push(line),
                Err(e) => failures.push((setup, e, Some(result))),
            },
            Err(e) => failures.push((setup, e, None)),
        }
    }
    drop(driver);
    drop(endpoint);
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
    eprintln!(
        "--- the endpoint's output:\n{}",
        endpoint_log
            .lock()
            .map(|l| l.join("\n"))
            .unwrap_or_default()
    );
    Err(format!(
        "{} of 2 browser calls failed (ChromeDriver's log: {})",
        failures.len(),
        ctx.dir.join("chromedriver.log").display()
    ))
}

/// The endpoint's output lines, collected as they come.
type OutputLog = Arc<Mutex<Vec<String>>>;

/// Starts `browser_call` on a free port: the process, the page's URL, and its output.
fn start_endpoint() -> Result<(Reaped, String, OutputLog)> {
    let binary = root().join("target/debug/examples/browser_call");
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--call-seconds", "60"])
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

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// One call from a fresh headless Chromium: the page's result object.
fn call(webdriver: &WebDriver, url: &str, setup: &str, profile: &std::path::Path) -> Result<Value> {
    let session = webdriver.new_session(profile)?;
    let result = (|| {
        webdriver.post(
            &format!("session/{session}/timeouts"),
            &json!({ "script": SCRIPT_LIMIT.as_millis() as u64 }),
        )?;
        webdriver.post(&format!("session/{session}/url"), &json!({ "url": url }))?;
        let script = "const done = arguments[arguments.length - 1]; \
                      window.runCheck(arguments[0], arguments[1]).then(done, (e) => done({ error: String(e) }));";
        let mut result = webdriver.post(
            &format!("session/{session}/execute/async"),
            &json!({ "script": script, "args": [setup, CALL_SECONDS] }),
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
fn check(setup: &str, r: &Value, profile: &std::path::Path) -> Result<String> {
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

/// A W3C WebDriver client for ChromeDriver on localhost, over `ureq`.
struct WebDriver {
    base: String,
    agent: ureq::Agent,
}

impl WebDriver {
    fn new(port: u16) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(SCRIPT_LIMIT + Duration::from_secs(15)))
            .build()
            .into();
        Self {
            base: format!("http://127.0.0.1:{port}/"),
            agent,
        }
    }

    fn wait_ready(&self) -> Result {
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
        let args = [
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
