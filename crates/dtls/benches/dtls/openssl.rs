//! The CPU cost of one DTLS 1.2 handshake, ours and OpenSSL's, measured in the same run.
//!
//! Both handshakes are the same: ECDHE over P-256, ECDSA P-256 certificates on both sides
//! (the server requires the client's), AES-128-GCM, use_srtp with AEAD_AES_128_GCM, and a
//! HelloVerifyRequest cookie exchange (OpenSSL's s_server always sends one).
//!
//! Ours: `n` in-memory handshakes (client and server in this process), CPU time from
//! `/proc/self/stat`, and the server's share timed inside its calls. OpenSSL's: one
//! `openssl s_server` on loopback with session caching and tickets off, so every handshake
//! is a full one. Its CPU comes from `/proc/<pid>/stat` across `n` sequential `s_client`
//! handshakes. A client's share is the difference between `n` `s_client -reconnect` runs
//! (six full handshakes each) and `n` plain runs (one each), from bash's `times` (user +
//! sys of its children), divided by the `5n` extra handshakes: process start, configuration
//! and certificate loading cancel out. Resolution is the kernel's clock tick (usually
//! 10 ms), so many handshakes are timed together.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CIPHER: &str = "ECDHE-ECDSA-AES128-GCM-SHA256";
const PROFILE: &str = "SRTP_AEAD_AES_128_GCM";

fn ticks_per_second() -> f64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf CLK_TCK");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK is a number")
}

/// User + system CPU of a process, from fields 14 and 15 of `/proc/<pid>/stat`.
fn process_cpu(pid: &str, tick: f64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // The command name (field 2) may hold spaces; count fields after its closing ')'.
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    Duration::from_secs_f64(ticks / tick)
}

fn openssl(args: &[&str], dir: &Path) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl must be installed (apt-get install openssl) for this comparison")
        .success();
    assert!(ok, "openssl {args:?} failed");
}

/// User + system CPU of `n` sequential s_client runs against `port`, from bash's `times`;
/// `reconnect` makes each run do six full handshakes instead of one.
fn clients_cpu(dir: &Path, port: u16, n: usize, reconnect: bool) -> Duration {
    let reconnect = if reconnect { "-reconnect" } else { "" };
    let script = format!(
        "for i in $(seq {n}); do openssl s_client -dtls1_2 {reconnect} \
         -connect 127.0.0.1:{port} -cert c.crt -key c.key -cipher {CIPHER} -groups P-256 \
         -use_srtp {PROFILE} </dev/null >/dev/null 2>&1; done; times"
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir)
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    // Second line: children's user and system time, as "0m1.234s 0m0.056s".
    let line = text.lines().nth(1).expect("times prints two lines");
    line.split_whitespace()
        .map(|t| {
            let (m, s) = t.trim_end_matches('s').split_once('m').expect("XmY.Zs");
            Duration::from_secs_f64(
                m.parse::<f64>().expect("minutes") * 60.0 + s.parse::<f64>().expect("seconds"),
            )
        })
        .sum()
}

fn self_cpu(tick: f64) -> Duration {
    process_cpu("self", tick)
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("bind")
        .port()
}

/// Prints our handshake's CPU time, OpenSSL's, and the ratio (a benchmark report is this
/// program's output, so it goes to stdout beside criterion's).
#[allow(clippy::print_stdout)]
pub(crate) fn compare(n: usize) {
    let tick = ticks_per_second();

    let (cc, sc) = super::configs();
    let start = self_cpu(tick);
    let mut ours_server = Duration::ZERO;
    for i in 0..n {
        let (c, s, t) = super::timed_handshake(&cc, &sc, i as u8);
        std::hint::black_box((c, s));
        ours_server += t;
    }
    let ours = (self_cpu(tick) - start) / n as u32;
    let ours_server = ours_server / n as u32;

    let dir = std::env::temp_dir().join(format!("dtls-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for who in ["s", "c"] {
        openssl(
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                &format!("{who}.key"),
            ],
            &dir,
        );
        openssl(
            &[
                "req",
                "-new",
                "-x509",
                "-days",
                "2",
                "-subj",
                &format!("/CN={who}"),
                "-key",
                &format!("{who}.key"),
                "-out",
                &format!("{who}.crt"),
            ],
            &dir,
        );
    }
    let port = free_port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-dtls1_2", "-no_cache", "-no_ticket"])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args(["-cert", "s.crt", "-key", "s.key", "-Verify", "1"])
        .args(["-cipher", CIPHER, "-groups", "P-256", "-use_srtp", PROFILE])
        .current_dir(&dir)
        // s_server stops at end of stdin: keep the pipe open while it serves.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let pid = server.id().to_string();
    let mut stdout = server.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"ACCEPT") {
        assert_eq!(
            stdout.read(&mut byte).expect("s_server output"),
            1,
            "s_server exited"
        );
        seen.push(byte[0]);
    }
    // Keep draining so s_server never blocks on a full pipe.
    let drain = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
        sink
    });
    let server_start = process_cpu(&pid, tick);
    let single = clients_cpu(&dir, port, n, false);
    let server_cpu = process_cpu(&pid, tick) - server_start;
    let six = clients_cpu(&dir, port, n, true);
    let _ = server.kill();
    let _ = server.wait();
    let log = String::from_utf8_lossy(&drain.join().unwrap_or_default()).into_owned();
    let completed = log.matches("CIPHER is").count();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        completed >= 7 * n * 9 / 10,
        "only {completed} of {} OpenSSL handshakes completed",
        7 * n
    );
    assert_eq!(
        log.matches("Reused").count(),
        0,
        "every OpenSSL handshake is a full one"
    );

    let theirs_server = server_cpu / n as u32;
    let theirs_client = six.saturating_sub(single) / (5 * n) as u32;
    let theirs = theirs_server + theirs_client;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let row = |what: &str, ours: Duration, theirs: Duration| {
        println!(
            "  {what:<16} {:>8.3} ms  {:>8.3} ms  {:>8.2}",
            ms(ours),
            ms(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    };
    println!(
        "\nDTLS 1.2 full handshake CPU time (ECDHE P-256, ECDSA P-256, mutual auth, cookie); \
         ours {n} in memory, OpenSSL {completed} on loopback:"
    );
    println!("                       ours        OpenSSL    ours/OpenSSL");
    row("server side", ours_server, theirs_server);
    row(
        "client side",
        ours.saturating_sub(ours_server),
        theirs_client,
    );
    row("client + server", ours, theirs);
}
