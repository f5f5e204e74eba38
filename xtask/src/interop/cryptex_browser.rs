//! The Chromium half of `cargo xtask interop cryptex`: RFC 9335 negotiated with Debian's
//! Chromium and used both ways in real calls.
//!
//! **How Chromium turns cryptex on.** Chromium 156 has cryptex behind the Blink runtime
//! feature `RtcRtpHeaderEncryptionPolicy` (off by default). With
//! `--enable-blink-features=RtcRtpHeaderEncryptionPolicy`, `RTCConfiguration` gains
//! `rtpHeaderEncryptionPolicy` (`"negotiate"` by default, or `"require"`) and every offer
//! carries a session-level `a=cryptex`; without it no offer does, whatever the page asks.
//! `--enable-features=WebRtcEncryptedRtpHeaderExtensions` alone adds nothing. So the page
//! is left as it is (the browser suite's, default `"negotiate"`); only that flag is
//! added to the browser, and `browser_call --cryptex` answers the offer's `a=cryptex`.
//!
//! **The calls.** As the `browser` suite's (headless Chromium through ChromeDriver, fake
//! microphone and camera, the `browser_call` example echoing): a=setup:passive and
//! a=setup:active with audio, and a=setup:active with the camera too. Each must pass the
//! browser suite's checks (ICE and DTLS connected, at least 90 % of our echoed packets
//! received by the browser, its round-trip time from our reports, no SRTP failure on
//! either side, the browser's packets, sender reports and MOS on ours; the video checks
//! for the camera call) and these: the endpoint says cryptex was negotiated; some of the
//! browser's RTP arrived marked 0xC0DE/0xC2DE (Chromium marks every packet that carries
//! a header extension, which early audio packets and all video packets do) and
//! unprotected; every RTP packet we sent was cryptex (each carries the MID extension);
//! frames were played and echoed; and Chromium's log has no cryptex error. In the camera
//! call our echoed audio also carries the transport-wide sequence number, inside the
//! encrypted extension block: transport-cc feedback from Chromium about those packets
//! shows that it decrypted our extensions, not just our payloads; and ours about its
//! packets, that we decrypted its.

use super::Context;
use super::browser::{
    WebDriver, call, check, check_video, start_chromedriver, start_endpoint_with,
};
use crate::util::Result;
use serde_json::Value;

/// The Chromium flag that makes it offer `a=cryptex`.
const CHROMIUM_CRYPTEX: &str = "--enable-blink-features=RtcRtpHeaderEncryptionPolicy";

/// The calls: our DTLS role (`a=setup` of our answer), and whether the camera is sent.
const CASES: [(&str, bool); 3] = [("passive", false), ("active", false), ("active", true)];

pub fn run(ctx: &Context) -> Result {
    let version = super::browser::prepare()?;
    eprintln!("cryptex peer: {version} with {CHROMIUM_CRYPTEX}");
    let (endpoint, url, endpoint_log) = start_endpoint_with(false, &["--cryptex"])?;
    let (driver, driver_port) = start_chromedriver(ctx)?;
    let webdriver = WebDriver::new(driver_port).with_browser_args(&[CHROMIUM_CRYPTEX]);
    webdriver.wait_ready()?;

    let mut failures = Vec::new();
    for (setup, video) in CASES {
        let name = format!("{setup}{}", if video { "+video" } else { "" });
        let profile = ctx.dir.join(format!("profile-{name}"));
        let _ = std::fs::remove_dir_all(&profile);
        match call(&webdriver, &url, setup, video, &profile) {
            Ok(result) => {
                let verdict = check(setup, false, &result, &profile).and_then(|line| {
                    let video_line = if video {
                        format!("\n  video: {}", check_video(&result)?)
                    } else {
                        String::new()
                    };
                    let cryptex = check_cryptex(&result, &profile)?;
                    Ok(format!("{line}{video_line}\n  cryptex: {cryptex}"))
                });
                match verdict {
                    Ok(line) => eprintln!("cryptex with Chromium, {line}"),
                    Err(e) => failures.push((name, e, Some(result))),
                }
            }
            Err(e) => failures.push((name, e, None)),
        }
    }
    drop(driver);
    drop(endpoint);
    if failures.is_empty() {
        return Ok(());
    }
    for (name, error, result) in &failures {
        eprintln!("--- cryptex call {name} failed: {error}");
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
        "{} of {} cryptex calls with Chromium failed (ChromeDriver's log: {})",
        failures.len(),
        CASES.len(),
        ctx.dir.join("chromedriver.log").display()
    ))
}

/// The cryptex checks of one call that passed the browser suite's; returns what they saw.
fn check_cryptex(r: &Value, profile: &std::path::Path) -> Result<String> {
    let ours = &r["endpoint"];
    if ours["cryptex"] != true {
        return Err("cryptex was not negotiated: Chromium's offer had no a=cryptex".into());
    }
    let c = &ours["counters"];
    let count = |field: &str| c[field].as_u64().unwrap_or(0);
    let (received, rtp_received) = (count("cryptex_received"), count("rtp_received"));
    if received == 0 {
        return Err(format!(
            "none of the browser's {rtp_received} RTP packets came marked 0xC0DE/0xC2DE"
        ));
    }
    let (sent, rtp_sent) = (count("cryptex_sent"), count("rtp_sent"));
    if sent == 0 || sent != rtp_sent {
        return Err(format!(
            "{sent} of our {rtp_sent} RTP packets were cryptex; all carry the MID extension"
        ));
    }
    // With the camera, transport-wide congestion control covers our echoed audio: its
    // sequence number rides in a header extension that cryptex encrypts, so the
    // browser's feedback about our packets shows that it decrypted our extensions.
    let feedback = count("transport_feedback_received");
    let video = !ours["video"].is_null();
    if video && feedback == 0 {
        return Err("no transport-cc feedback from the browser about our cryptex packets".into());
    }
    // And the other way: the browser's packets carry theirs in their (encrypted) blocks,
    // and our feedback about them needs the decrypted numbers.
    let our_feedback = ours["video"]["transport_feedback_sent"]
        .as_u64()
        .unwrap_or(0);
    if video && our_feedback == 0 {
        return Err("we sent no transport-cc feedback about the browser's cryptex packets".into());
    }
    let echoed = count("frames_echoed");
    if echoed == 0 {
        return Err("no frame of the browser's was played and echoed".into());
    }
    let log = std::fs::read_to_string(profile.join("chrome_debug.log")).unwrap_or_default();
    if let Some(line) = log.lines().find(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("cryptex") && (l.contains("fail") || l.contains("not negotiated"))
    }) {
        return Err(format!("Chromium's log has a cryptex error: {line}"));
    }
    let read = if video {
        format!(
            ", {feedback} transport-cc feedback packets from it about them and {our_feedback} \
             from us about its (each read the other's encrypted transport-wide sequence \
             numbers)"
        )
    } else {
        String::new()
    };
    Ok(format!(
        "negotiated; from the browser {received} cryptex RTP packets unprotected \
         ({rtp_received} RTP packets delivered, {echoed} frames played and echoed), to it \
         {sent} of our {rtp_sent} RTP packets cryptex{read}; no cryptex error in Chromium's \
         log"
    ))
}
