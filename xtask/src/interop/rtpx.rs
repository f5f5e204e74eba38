//! Interop suite `rtpx`: the capture analyser against tshark, on captures of real senders.
//!
//! `dumpcap` records loopback while four senders run at once for 3 s: ffmpeg sending plain
//! RTP (PCMU), ffmpeg sending SRTP/SRTCP with an SDES key (AES_CM_128_HMAC_SHA1_80, ffmpeg's
//! own SRTP code), the same ffmpeg command in clear as the SRTP sender's plaintext twin
//! (the sine input is deterministic, so its payloads are what the SRTP sender encrypted),
//! and GStreamer's `rtppcmupay` (live `audiotestsrc`). Then:
//!
//! - `rtpx analyze --json` (default settings, the key given as `--key
//!   port:P=inline:...`) must find every stream tshark's `-z rtp,streams` finds on the same
//!   capture, with the same packet and loss counts exactly and mean and max jitter within
//!   5 % (or 0.01 ms), and must authenticate every SRTP packet;
//! - `rtpx decrypt` must write a capture in which tshark finds no malformed packet, whose
//!   SRTP stream's RTP payloads, in order, equal the plaintext twin's, and in which the
//!   encrypted stream's payloads differ from the twin's in the input (so the comparison
//!   compares something);
//! - `rtpx listen` receiving ffmpeg live must show every packet of its 2 s, none lost;
//! - on a capture of the `secure_call` example (DTLS-SRTP through a lossy relay) with the
//!   key log it writes (`--keylog`, held to DTLS 1.2), rtpx must name the handshake and
//!   both fingerprints, decrypt every SRTP and SRTCP packet with keys derived from the log,
//!   and agree with tshark on packets, loss and jitter;
//! - on a capture of `secure_call --keylog FILE --keylog-dtls13` (the default DTLS 1.3,
//!   its five TLS 1.3 secrets logged), rtpx must name DTLS 1.3, its suite and profile and
//!   the two fingerprints the example prints (they are in the encrypted part of the
//!   handshake: the observer opens it with the logged handshake traffic secrets), decrypt
//!   every SRTP and SRTCP packet with keys exported from the logged `EXPORTER_SECRET`, count
//!   exactly the packets the example says it sent on each sender's own leg (on the relayed
//!   legs, between that and that less what the simulated network dropped), and `rtpx
//!   decrypt` must recover, packet by packet, the G.711 tone the example sent (recomputed
//!   here from the RTP timestamp), every frame once on each sender's leg. tshark
//!   cannot be the reference for this case: Debian 12's tshark 4.0 does not dissect DTLS
//!   1.3, so it can neither name the handshake nor decrypt the media; it only reads the
//!   RTP of rtpx's decrypted output.

use super::Context;
use super::capture::{Dumpcap, secure_call_ports};
use super::ffmpeg::base64;
use super::tshark;
use crate::util::{Result, cargo, describe, ensure_apt, output, root, sh};
use rtp_packet::payload::g711;
use serde_json::Value;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const SECONDS: u32 = 3;

/// A free even UDP port on loopback whose odd neighbour is free too (ffmpeg sends RTCP to
/// RTP + 1).
fn free_port() -> Result<u16> {
    for _ in 0..100 {
        let p = UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .map_err(|e| e.to_string())?
            .port()
            & !1;
        if p > 1024
            && UdpSocket::bind(("127.0.0.1", p)).is_ok()
            && UdpSocket::bind(("127.0.0.1", p + 1)).is_ok()
        {
            return Ok(p);
        }
    }
    Err("no free port pair".into())
}

fn ffmpeg(port: u16, ssrc: u32, srtp_key: Option<&str>, seconds: u32) -> Command {
    let mut c = Command::new("ffmpeg");
    c.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=440:sample_rate=8000:duration={seconds}"
        ))
        .args(["-af", "asetnsamples=n=160"])
        .args(["-c:a", "pcm_mulaw", "-ac", "1", "-payload_type", "0"])
        .args(["-packetsize", "172", "-ssrc", &ssrc.to_string()]);
    match srtp_key {
        Some(key) => {
            c.args([
                "-srtp_out_suite",
                "AES_CM_128_HMAC_SHA1_80",
                "-srtp_out_params",
                key,
            ]);
            c.args(["-f", "rtp"])
                .arg(format!("srtp://127.0.0.1:{port}"));
        }
        None => {
            c.args(["-f", "rtp"]).arg(format!("rtp://127.0.0.1:{port}"));
        }
    }
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

pub fn run(ctx: &Context) -> Result {
    tshark::ensure()?;
    ensure_apt(&[("dumpcap", "wireshark-common"), ("ffmpeg", "ffmpeg")])?;
    super::gstreamer::ensure_peers()?;
    // The debug build: these captures are small, and CI builds nothing in release for it.
    sh(cargo().args(["build", "-p", "rtpx"]))?;
    let rtpx = root().join("target/debug/rtpx");

    let key: Vec<u8> = (1..=30).collect();
    let key = base64(&key);
    let plain = free_port()?;
    let secure = free_port()?;
    let twin = free_port()?;
    let gst = free_port()?;
    let ports = [plain, secure, twin, gst];
    let filter = ports
        .iter()
        .map(|p| format!("udp port {p} or udp port {}", p + 1))
        .collect::<Vec<_>>()
        .join(" or ");
    let pcap = ctx.dir.join("senders.pcapng");
    let capture = Dumpcap::start(&filter, &pcap)?;
    let sdp = ctx.dir.join("srtp-sender.sdp");
    let sent = run_senders(&key, ports, &sdp);
    capture.stop()?;
    sent?;

    let decode_as: Vec<String> = ports
        .iter()
        .flat_map(|p| {
            [
                format!("udp.port=={p},rtp"),
                format!("udp.port=={},rtcp", p + 1),
            ]
        })
        .collect();
    let decode_as: Vec<&str> = decode_as.iter().map(String::as_str).collect();
    let key_arg = format!("port:{secure}=inline:{key}");

    // 1. Statistics against tshark.
    let json = output(
        Command::new(&rtpx)
            .args(["analyze", "--json", "--key", &key_arg])
            .arg(&pcap),
    )?;
    let report: Value =
        serde_json::from_str(&json).map_err(|e| format!("rtpx printed invalid JSON: {e}"))?;
    let theirs = tshark_streams(&pcap, &decode_as)?;
    let ours = report["streams"]
        .as_array()
        .ok_or("rtpx's JSON has no streams")?;
    compare(ours, &theirs, &ports)?;
    let srtp = ours
        .iter()
        .find(|s| s["dst"].as_str() == Some(&format!("127.0.0.1:{secure}")))
        .ok_or("rtpx found no stream to the SRTP port")?;
    if srtp["kind"] != "SRTP" || srtp["srtp_auth_failures"] != 0 || srtp["key"] != "--key 1" {
        return Err(format!("the SRTP stream was not decrypted cleanly: {srtp}"));
    }
    if srtp["srtcp_auth_failures"] != 0 {
        return Err(format!("SRTCP failed to authenticate: {srtp}"));
    }
    eprintln!(
        "  rtpx and tshark agree on {} streams (packets, loss exactly; jitter within 5 %)",
        theirs.len()
    );
    // The same key from the a=crypto line of the SDP ffmpeg wrote.
    let json = output(
        Command::new(&rtpx)
            .args(["analyze", "--json", "--sdp"])
            .arg(&sdp)
            .arg(&pcap),
    )?;
    let report: Value =
        serde_json::from_str(&json).map_err(|e| format!("rtpx printed invalid JSON: {e}"))?;
    let via_sdp = report["streams"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["dst"].as_str() == Some(&format!("127.0.0.1:{secure}")))
        })
        .ok_or("rtpx --sdp found no stream to the SRTP port")?;
    if !via_sdp["key"]
        .as_str()
        .is_some_and(|k| k.starts_with("srtp-sender.sdp line "))
        || via_sdp["srtp_auth_failures"] != 0
    {
        return Err(format!(
            "ffmpeg's SDP key did not decrypt the stream: {via_sdp}"
        ));
    }
    eprintln!(
        "  rtpx --sdp: ffmpeg's a=crypto line decrypts the SRTP stream ({})",
        via_sdp["key"]
    );

    // 2. Decryption.
    let decrypted = ctx.dir.join("decrypted.pcap");
    sh(Command::new(&rtpx)
        .args(["decrypt"])
        .arg(&pcap)
        .arg(&decrypted)
        .args(["--key", &key_arg]))?;
    let malformed = tshark::fields(&decrypted, &decode_as, &["frame.number", "_ws.malformed"])?
        .into_iter()
        .filter(|r| r.get(1).is_some_and(|m| !m.is_empty()))
        .count();
    if malformed != 0 {
        return Err(format!(
            "tshark finds {malformed} malformed packets in {}",
            decrypted.display()
        ));
    }
    let payloads = |file: &Path, port: u16| -> Result<Vec<String>> {
        Ok(
            tshark::fields(file, &decode_as, &["udp.dstport", "rtp.payload"])?
                .into_iter()
                .filter(|r| r.first().map(String::as_str) == Some(&port.to_string()))
                .filter_map(|r| r.get(1).cloned())
                .collect(),
        )
    };
    let clear = payloads(&decrypted, secure)?;
    let reference = payloads(&pcap, twin)?;
    let encrypted = payloads(&pcap, secure)?;
    if clear.len() < (SECONDS as usize * 50) * 9 / 10 {
        return Err(format!("only {} decrypted RTP packets", clear.len()));
    }
    if clear != reference {
        let first = clear.iter().zip(&reference).position(|(a, b)| a != b);
        return Err(format!(
            "decrypted payloads differ from the plaintext sender's: {} vs {} packets, first difference at {first:?}",
            clear.len(),
            reference.len()
        ));
    }
    if encrypted.iter().zip(&reference).any(|(a, b)| a == b) {
        return Err("the SRTP capture holds a plaintext payload: nothing was encrypted".into());
    }
    let rtcp_ok = tshark::fields(&decrypted, &decode_as, &["udp.dstport", "rtcp.pt"])?
        .into_iter()
        .filter(|r| r.first().map(String::as_str) == Some(&(secure + 1).to_string()))
        .filter(|r| r.get(1).is_some_and(|pt| pt.split(',').any(|p| p == "200")))
        .count();
    if rtcp_ok == 0 {
        return Err("no decrypted SRTCP sender report in the output".into());
    }
    eprintln!(
        "  rtpx decrypt: {} RTP payloads equal the plaintext twin's, {rtcp_ok} SRTCP SRs readable, no malformed packet",
        clear.len()
    );
    listen(&rtpx)?;
    secure_call(ctx, &rtpx)?;
    secure_call_dtls13(ctx, &rtpx)
}

/// `rtpx listen` with ffmpeg sending 2 s of PCMU to it.
fn listen(rtpx: &Path) -> Result {
    let port = free_port()?;
    let receiver = Command::new(rtpx)
        .args(["listen", "--bind", "127.0.0.1", "--seconds", "4", "--port"])
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start rtpx listen: {e}"))?;
    std::thread::sleep(Duration::from_millis(500));
    sh(&mut ffmpeg(port, 0x4444_4444, None, 2))?;
    let out = receiver.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text
        .rsplit("--- ")
        .next()
        .ok_or("rtpx listen printed no table")?;
    let row = last
        .lines()
        .find(|l| l.contains("0x44444444"))
        .ok_or_else(|| format!("rtpx listen's last table has no stream:\n{text}"))?;
    let cells: Vec<&str> = row.split_whitespace().collect();
    // src dst ssrc pt codec kind packets lost ...
    if cells.get(6) != Some(&"100") || cells.get(7) != Some(&"0") {
        return Err(format!(
            "rtpx listen saw `{row}`, expected 100 packets and 0 lost"
        ));
    }
    eprintln!("  rtpx listen: ffmpeg's 100 packets live, none lost");
    Ok(())
}

fn run_senders(key: &str, ports: [u16; 4], sdp: &Path) -> Result {
    let [plain, secure, twin, gst] = ports;
    let mut srtp_sender = ffmpeg(secure, 0x2222_2222, Some(key), SECONDS);
    srtp_sender.arg("-sdp_file").arg(sdp);
    let mut senders = vec![
        ffmpeg(plain, 0x1111_1111, None, SECONDS),
        srtp_sender,
        ffmpeg(twin, 0x3333_3333, None, SECONDS),
    ];
    let mut g = Command::new("gst-launch-1.0");
    g.arg("-q").args(
        format!(
            "audiotestsrc is-live=true num-buffers={} samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay ! udpsink host=127.0.0.1 port={gst}",
            SECONDS * 50
        )
        .split(' '),
    );
    g.stdout(Stdio::null()).stderr(Stdio::null());
    senders.push(g);
    let mut children = Vec::new();
    for mut s in senders {
        eprintln!("  sender: {}", describe(&s));
        children.push(
            s.spawn()
                .map_err(|e| format!("cannot start {}: {e}", describe(&s)))?,
        );
    }
    for mut c in children {
        let status = c.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("a sender failed with {status}"));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    Ok(())
}

/// One row of tshark's `-z rtp,streams`.
#[derive(Debug)]
struct TsharkStream {
    src_port: u16,
    dst_port: u16,
    ssrc: u32,
    packets: u64,
    lost: i64,
    /// How far the last packet's sequence number is behind the highest (tshark 4.0 counts
    /// expected packets up to the last packet's number, RFC 3550 A.3 and rtpx up to the
    /// highest: when the capture ends on a late packet the two differ by exactly this).
    last_behind: i64,
    mean_jitter: f64,
    max_jitter: f64,
}

fn tshark_streams(pcap: &Path, decode_as: &[&str]) -> Result<Vec<TsharkStream>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(pcap);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    cmd.args(["-q", "-z", "rtp,streams"]);
    let text = output(&mut cmd)?;
    let mut rows = Vec::new();
    for line in text.lines() {
        // start end src sport dst dport ssrc payload pkts lost (pct) min mean max-delta
        // min mean max-jitter [problem]
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 17 || !t[6].starts_with("0x") {
            continue;
        }
        let num = |i: usize| -> Result<f64> {
            t[i].parse()
                .map_err(|_| format!("tshark row `{line}`: field {i} is not a number"))
        };
        rows.push(TsharkStream {
            src_port: num(3)? as u16,
            dst_port: num(5)? as u16,
            ssrc: u32::from_str_radix(&t[6][2..], 16).map_err(|e| e.to_string())?,
            packets: num(8)? as u64,
            lost: num(9)? as i64,
            last_behind: 0,
            mean_jitter: num(15)?,
            max_jitter: num(16)?,
        });
    }
    if rows.is_empty() {
        return Err(format!("tshark found no RTP streams:\n{text}"));
    }
    // Each stream's sequence numbers in arrival order, extended across wraps.
    let packets = tshark::fields(
        pcap,
        decode_as,
        &["udp.srcport", "udp.dstport", "rtp.ssrc", "rtp.seq"],
    )?;
    for row in &mut rows {
        let ssrc = format!("0x{:08x}", row.ssrc);
        let (mut high, mut last): (Option<i64>, i64) = (None, 0);
        for p in &packets {
            if p.len() < 4
                || p[0] != row.src_port.to_string()
                || p[1] != row.dst_port.to_string()
                || p[2] != ssrc
            {
                continue;
            }
            let Ok(seq) = p[3].parse::<u16>() else {
                continue;
            };
            let ext = match high {
                None => i64::from(seq),
                Some(h) => h + i64::from(seq.wrapping_sub(h as u16) as i16),
            };
            high = Some(high.map_or(ext, |h| h.max(ext)));
            last = ext;
        }
        row.last_behind = high.map_or(0, |h| h - last);
    }
    Ok(rows)
}

fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= (theirs.abs() * 0.05).max(0.01)
}

fn compare(ours: &[Value], theirs: &[TsharkStream], ports: &[u16]) -> Result {
    for port in ports {
        if !theirs.iter().any(|t| t.dst_port == *port) {
            return Err(format!("tshark found no stream to port {port}"));
        }
    }
    if ours.len() != theirs.len() {
        return Err(format!(
            "rtpx found {} streams, tshark {}",
            ours.len(),
            theirs.len()
        ));
    }
    for t in theirs {
        let o = ours
            .iter()
            .find(|o| {
                o["ssrc"].as_str() == Some(&format!("0x{:08x}", t.ssrc))
                    && o["src"]
                        .as_str()
                        .is_some_and(|s| s.ends_with(&format!(":{}", t.src_port)))
                    && o["dst"]
                        .as_str()
                        .is_some_and(|s| s.ends_with(&format!(":{}", t.dst_port)))
            })
            .ok_or_else(|| format!("rtpx has no stream for tshark's {t:?}"))?;
        let f = |k: &str| o[k].as_f64().unwrap_or(f64::NAN);
        let agree = o["packets"].as_u64() == Some(t.packets)
            && o["lost"].as_i64() == Some(t.lost + t.last_behind)
            && close(f("jitter_mean_ms"), t.mean_jitter)
            && (close(f("jitter_max_ms"), t.max_jitter)
                // rtpx leaves the J after a reordered packet out (docs/rtpx.md), tshark
                // keeps it: on a reordered stream tshark's maximum may be the larger.
                || (o["reordered"].as_u64().is_some_and(|r| r > 0)
                    && f("jitter_max_ms") < t.max_jitter));
        eprintln!(
            "  port {}: rtpx {} packets, {} lost, jitter {}/{} ms; tshark {} packets, {} lost{}, jitter {}/{} ms",
            t.dst_port,
            o["packets"],
            o["lost"],
            o["jitter_mean_ms"],
            o["jitter_max_ms"],
            t.packets,
            t.lost,
            if t.last_behind != 0 {
                format!(
                    " (+{} the capture's last packet was behind the highest)",
                    t.last_behind
                )
            } else {
                String::new()
            },
            t.mean_jitter,
            t.max_jitter
        );
        if !agree {
            return Err(format!("rtpx and tshark disagree on {t:?}: {o}"));
        }
    }
    Ok(())
}

/// The `secure_call` example (a DTLS-SRTP call through a lossy relay) with its key log:
/// rtpx must name the handshake (DTLS 1.2, the SRTP profile, the two fingerprints the
/// example prints), decrypt every stream with keys derived from the log (no authentication
/// failure, SRTCP too, so RTT is known), and agree with tshark on packets, loss and jitter.
fn secure_call(ctx: &Context, rtpx: &Path) -> Result {
    let call = record_secure_call(ctx, "secure_call", &[])?;
    let (pcap, keylog, fingerprints) = (&call.pcap, &call.keylog, &call.fingerprints);
    let (alice, bob) = (call.alice, call.bob);
    let json = output(
        Command::new(rtpx)
            .args(["analyze", "--json", "--keylog"])
            .arg(keylog)
            .arg(pcap),
    )?;
    let report: Value =
        serde_json::from_str(&json).map_err(|e| format!("rtpx printed invalid JSON: {e}"))?;
    let ours = report["streams"]
        .as_array()
        .ok_or("rtpx's JSON has no streams")?;
    let decode_as = [
        format!("udp.port=={alice},rtp"),
        format!("udp.port=={bob},rtp"),
    ];
    let decode_as: Vec<&str> = decode_as.iter().map(String::as_str).collect();
    let theirs = tshark_streams(pcap, &decode_as)?;
    compare(ours, &theirs, &[])?;
    let mut with_rtt = 0;
    for s in ours {
        let dtls = &s["dtls"];
        let key = s["key"].as_str().unwrap_or("");
        if s["kind"] != "SRTP"
            || !key.starts_with("key log")
            || s["srtp_auth_failures"] != 0
            || s["srtcp_auth_failures"] != 0
            || dtls["version"] != "DTLS 1.2"
            || dtls["srtp_profile"].is_null()
            || dtls["keyed"] != true
        {
            return Err(format!("stream not decrypted from the key log: {s}"));
        }
        let mut seen: Vec<String> = [&dtls["client_fingerprint"], &dtls["server_fingerprint"]]
            .iter()
            .map(|f| f.as_str().unwrap_or("").to_uppercase())
            .collect();
        seen.sort();
        let mut want = fingerprints.to_vec();
        want.sort();
        if seen != want {
            return Err(format!(
                "DTLS fingerprints {seen:?}, the example printed {want:?}"
            ));
        }
        if !s["rtt_ms"].is_null() {
            with_rtt += 1;
        }
    }
    if with_rtt == 0 {
        return Err("no stream has an RTT: SRTCP was not decrypted".into());
    }
    // Decrypted, the call dissects cleanly (tshark misreads AEAD SRTCP as malformed RTCP
    // in the original, see session_capture.rs; in clear there is nothing to misread).
    let clear = ctx.dir.join("secure_call-decrypted.pcap");
    sh(Command::new(rtpx)
        .arg("decrypt")
        .arg(pcap)
        .arg(&clear)
        .arg("--keylog")
        .arg(keylog))?;
    let malformed = tshark::fields(&clear, &decode_as, &["frame.number", "_ws.malformed"])?
        .into_iter()
        .filter(|r| r.get(1).is_some_and(|m| !m.is_empty()))
        .count();
    if malformed != 0 {
        return Err(format!(
            "tshark finds {malformed} malformed packets in the decrypted secure_call capture"
        ));
    }
    eprintln!(
        "  secure_call with --keylog: {} SRTP streams decrypted from the key log, DTLS 1.2 and both fingerprints named, {with_rtt} with RTT from SRTCP; tshark agrees, and finds nothing malformed once decrypted",
        ours.len()
    );
    Ok(())
}

/// A `secure_call` run recorded by dumpcap with its key log.
struct RecordedCall {
    pcap: std::path::PathBuf,
    keylog: std::path::PathBuf,
    /// What the example printed.
    printed: String,
    /// Alice's and Bob's ports.
    alice: u16,
    bob: u16,
    /// The two `a=fingerprint` values it printed, upper case, without the hash name.
    fingerprints: Vec<String>,
}

/// Builds and runs `secure_call --keylog <name>.keylog <extra>` while dumpcap records its
/// ports into `<name>.pcapng`.
fn record_secure_call(ctx: &Context, name: &str, extra: &[&str]) -> Result<RecordedCall> {
    sh(cargo().args([
        "build",
        "-p",
        "rtp-stack-examples",
        "--example",
        "secure_call",
    ]))?;
    let pcap = ctx.dir.join(format!("{name}.pcapng"));
    let keylog = ctx.dir.join(format!("{name}.keylog"));
    let _ = std::fs::remove_file(&keylog);
    let capture = Dumpcap::start("udp portrange 30000-31000", &pcap)?;
    let ran = output(
        Command::new(root().join("target/debug/examples/secure_call"))
            .arg("--keylog")
            .arg(&keylog)
            .args(extra),
    );
    capture.stop()?;
    let printed = ran?;
    let (alice, bob) = secure_call_ports(&printed)?;
    let fingerprints: Vec<String> = printed
        .lines()
        .filter_map(|l| l.split_once("a=fingerprint:sha-256 "))
        .map(|(_, fp)| fp.trim().to_uppercase())
        .collect();
    if fingerprints.len() != 2 {
        return Err(format!(
            "secure_call printed {} fingerprints",
            fingerprints.len()
        ));
    }
    Ok(RecordedCall {
        pcap,
        keylog,
        printed,
        alice,
        bob,
        fingerprints,
    })
}

/// The G.711 µ-law tone `secure_call` sends as frame `frame` (its `tone`: 160 samples of a
/// `hz` sine at amplitude 8000, 8 kHz), recomputed here as the reference.
fn secure_call_tone(hz: f64, frame: u64) -> Vec<u8> {
    (0..160)
        .map(|i| {
            let t = (frame as f64 * 160.0 + f64::from(i)) / 8000.0;
            g711::ulaw_encode((8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16)
        })
        .collect()
}

/// `(sent, dropped)` from `secure_call`'s summary line for `direction` (`alice → bob`):
/// the RTP packets the sender sent and those the simulated network dropped.
fn secure_call_sent(printed: &str, direction: &str) -> Result<(u64, u64)> {
    let line = printed
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{direction}: sent ")))
        .ok_or_else(|| format!("secure_call printed no `{direction}: sent` line"))?;
    let number_after = |word: &str| -> Result<u64> {
        line.split(word)
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.trim_end_matches(',').parse().ok())
            .ok_or_else(|| format!("no number after `{word}` in `{line}`"))
    };
    Ok((number_after("sent ")?, number_after("network dropped ")?))
}

/// `secure_call --keylog FILE --keylog-dtls13`: the default DTLS 1.3 handshake, read by
/// rtpx with the logged TLS 1.3 secrets (see the module docs for why tshark is no
/// reference here).
fn secure_call_dtls13(ctx: &Context, rtpx: &Path) -> Result {
    let call = record_secure_call(ctx, "secure_call13", &["--keylog-dtls13"])?;
    if !call.printed.contains("over Tls13") {
        return Err(format!(
            "secure_call --keylog-dtls13 did not negotiate DTLS 1.3:\n{}",
            call.printed
        ));
    }
    let logged = std::fs::read_to_string(&call.keylog).map_err(|e| e.to_string())?;
    if !logged.lines().any(|l| l.starts_with("EXPORTER_SECRET "))
        || logged.lines().any(|l| l.starts_with("CLIENT_RANDOM "))
    {
        return Err(format!("not a DTLS 1.3 key log:\n{logged}"));
    }
    let json = output(
        Command::new(rtpx)
            .args(["analyze", "--json", "--keylog"])
            .arg(&call.keylog)
            .arg(&call.pcap),
    )?;
    let report: Value =
        serde_json::from_str(&json).map_err(|e| format!("rtpx printed invalid JSON: {e}"))?;
    let ours = report["streams"]
        .as_array()
        .ok_or("rtpx's JSON has no streams")?;
    if ours.len() != 4 {
        return Err(format!(
            "rtpx found {} streams, expected 4 (each way, both legs of the relay)",
            ours.len()
        ));
    }
    let (alice_sent, alice_dropped) = secure_call_sent(&call.printed, "alice → bob")?;
    let (bob_sent, bob_dropped) = secure_call_sent(&call.printed, "bob → alice")?;
    let port = |s: &Value, k: &str| -> u16 {
        s[k].as_str()
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    };
    let mut want_fps = call.fingerprints.clone();
    want_fps.sort();
    // SSRC -> (tone frequency, first timestamp), from the streams leaving each endpoint.
    let mut senders: Vec<(String, f64)> = Vec::new();
    let mut total = 0;
    for s in ours {
        let dtls = &s["dtls"];
        let key = s["key"].as_str().unwrap_or("");
        let suite = dtls["suite"].as_str().unwrap_or("");
        if s["kind"] != "SRTP"
            || !key.starts_with("key log")
            || s["srtp_auth_failures"] != 0
            || s["srtcp_auth_failures"] != 0
            || s["rtt_ms"].is_null()
            || dtls["version"] != "DTLS 1.3"
            || !matches!(
                suite,
                "TLS_AES_128_GCM_SHA256" | "TLS_CHACHA20_POLY1305_SHA256"
            )
            || dtls["srtp_profile"].is_null()
            || dtls["keyed"] != true
        {
            return Err(format!(
                "stream not decrypted from the DTLS 1.3 key log: {s}"
            ));
        }
        let mut seen: Vec<String> = [&dtls["client_fingerprint"], &dtls["server_fingerprint"]]
            .iter()
            .map(|f| f.as_str().unwrap_or("").to_uppercase())
            .collect();
        seen.sort();
        if seen != want_fps {
            return Err(format!(
                "DTLS 1.3 fingerprints {seen:?}, the example printed {want_fps:?}"
            ));
        }
        // The sender's own leg holds every packet it sent; the relayed leg those the
        // simulated network did not drop (its drop count covers RTCP and DTLS too, so it
        // bounds the RTP lost from below).
        let (src, dst) = (port(s, "src"), port(s, "dst"));
        let (least, most) = if src == call.alice {
            (alice_sent, alice_sent)
        } else if src == call.bob {
            (bob_sent, bob_sent)
        } else if dst == call.bob {
            (alice_sent - alice_dropped, alice_sent)
        } else if dst == call.alice {
            (bob_sent - bob_dropped, bob_sent)
        } else {
            return Err(format!("a stream of neither endpoint: {s}"));
        };
        let packets = s["packets"].as_u64().unwrap_or(0);
        if packets < least || packets > most || s["duplicated"] != 0 {
            return Err(format!(
                "{packets} packets from port {src} to {dst}, secure_call's summary says {least}..={most}: {s}"
            ));
        }
        total += packets;
        if src == call.alice || src == call.bob {
            let hz = if src == call.alice { 440.0 } else { 660.0 };
            senders.push((s["ssrc"].as_str().unwrap_or("").to_owned(), hz));
        }
    }
    if senders.len() != 2 {
        return Err(format!(
            "{} streams leave the endpoints, not 2",
            senders.len()
        ));
    }

    // The payloads rtpx decrypts are the tone secure_call sent, frame by frame.
    let clear = ctx.dir.join("secure_call13-decrypted.pcap");
    sh(Command::new(rtpx)
        .arg("decrypt")
        .arg(&call.pcap)
        .arg(&clear)
        .arg("--keylog")
        .arg(&call.keylog))?;
    let decode_as = [
        format!("udp.port=={},rtp", call.alice),
        format!("udp.port=={},rtp", call.bob),
    ];
    let decode_as: Vec<&str> = decode_as.iter().map(String::as_str).collect();
    let rows = tshark::fields(
        &clear,
        &decode_as,
        &[
            "udp.srcport",
            "rtp.ssrc",
            "rtp.p_type",
            "rtp.marker",
            "rtp.timestamp",
            "rtp.payload",
        ],
    )?;
    let rtp: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.len() == 6 && r[2] == "0" && !r[5].is_empty())
        .collect();
    let (mut checked, mut frames) = (0u64, Vec::new());
    for (ssrc, hz) in &senders {
        // Frame 0 went out with the marker bit, on the sender's own leg (never dropped).
        let origin_port = if *hz == 440.0 { call.alice } else { call.bob };
        let first = rtp
            .iter()
            .find(|r| r[1] == *ssrc && r[3] == "1" && r[0] == origin_port.to_string())
            .and_then(|r| r[4].parse::<u32>().ok())
            .ok_or_else(|| format!("no marked first packet of {ssrc} in the decrypted capture"))?;
        let mut distinct = std::collections::BTreeSet::new();
        for r in rtp.iter().filter(|r| r[1] == *ssrc) {
            let ts: u32 = r[4].parse().map_err(|_| format!("timestamp `{}`", r[4]))?;
            let frame = u64::from(ts.wrapping_sub(first) / 160);
            let want: String = secure_call_tone(*hz, frame)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if r[5].replace(':', "") != want {
                return Err(format!(
                    "stream {ssrc} frame {frame}: rtpx decrypted {}, secure_call sent {want}",
                    r[5]
                ));
            }
            distinct.insert(frame);
            checked += 1;
        }
        frames.push(distinct.len());
    }
    // Every packet rtpx counted is in its decrypted output, and the sender's leg has each
    // frame once.
    if checked != total || frames != [alice_sent as usize, bob_sent as usize] {
        return Err(format!(
            "{checked} decrypted RTP packets ({frames:?} distinct frames), rtpx counted {total} ({alice_sent} and {bob_sent} sent)"
        ));
    }
    eprintln!(
        "  secure_call with --keylog --keylog-dtls13: rtpx names DTLS 1.3, its suite, profile and both fingerprints, decrypts all 4 SRTP streams from the TLS 1.3 key log ({alice_sent} + {bob_sent} sent, {} relayed), and its {checked} decrypted payloads are the tone secure_call sent, frame by frame",
        total - alice_sent - bob_sent
    );
    Ok(())
}
