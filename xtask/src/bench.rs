//! `cargo xtask bench [--quick]`: the criterion benchmarks of every crate, the
//! side-by-side comparison with the webrtc-rs crates, the DTLS handshake's CPU beside
//! OpenSSL's, then the session's speed and scale measurements (`tools/scale`).
//! `cargo xtask bench handshake [--quick]` runs only the handshake comparison.
//!
//! The comparison lives in `compare/`, a workspace of its own that only this command builds,
//! so `cargo test` never compiles the peer crates (and crates.io's `rtcp` never meets ours
//! in one lock file). It runs both stacks on the same workloads in one process and prints
//! times, ratios and allocation counts.

use crate::util::{Result, cargo, ensure_apt, output, root, sh};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(args: &[String]) -> Result {
    let (only_handshake, quick) = match args {
        [] => (false, false),
        [q] if q == "--quick" => (false, true),
        [h] if h == "handshake" => (true, false),
        [h, q] if h == "handshake" && q == "--quick" => (true, true),
        _ => return Err("usage: cargo xtask bench [handshake] [--quick]".into()),
    };
    if only_handshake {
        return handshake(quick);
    }
    let mut criterion = cargo();
    // `--bench *` selects the criterion targets only: the libraries' own test harnesses
    // would reject criterion's flags.
    criterion.args(["bench", "--workspace", "--bench", "*"]);
    if quick {
        criterion.args(["--", "--quick"]);
    }
    sh(&mut criterion)?;
    let mut compare = cargo();
    compare.args(["run", "--release", "--manifest-path", "compare/Cargo.toml"]);
    if quick {
        compare.args(["--", "--quick"]);
    }
    sh(&mut compare)?;
    handshake(quick)?;
    scale(quick)
}

/// The session's speed and scale (`tools/scale`): receive-path packet rate against bare
/// UDP, and concurrent two-way SRTP sessions per process with their memory, CPU and loss,
/// first with a port per session, then with the sessions sharing one socket per worker.
/// Release build, as every figure here is a rate.
fn scale(quick: bool) -> Result {
    for args in [&["all"][..], &["sessions", "--shared"][..]] {
        let mut scale = cargo();
        scale.args(["run", "--release", "-p", "scale", "--"]);
        scale.args(args);
        if quick {
            scale.arg("--quick");
        }
        sh(&mut scale)?;
    }
    Ok(())
}

/// One run of a handshake benchmark: CPU time per handshake and the client's share of it,
/// in nanoseconds.
struct Sample {
    cpu_ns: f64,
    client_share: f64,
}

/// Parses `handshakes N cpu_ns C client_ns X server_ns Y`, the line both programs print.
fn parse_sample(line: &str) -> Result<Sample> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let get = |name: &str| -> Result<f64> {
        fields
            .iter()
            .position(|f| *f == name)
            .and_then(|i| fields.get(i + 1))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no `{name}` in the benchmark's line `{line}`"))
    };
    let (n, cpu, client, server) = (
        get("handshakes")?,
        get("cpu_ns")?,
        get("client_ns")?,
        get("server_ns")?,
    );
    Ok(Sample {
        cpu_ns: cpu / n,
        client_share: client / (client + server),
    })
}

fn sample(cmd: &mut Command) -> Result<Sample> {
    let out = output(cmd)?;
    let line = out
        .lines()
        .find(|l| l.starts_with("handshakes "))
        .ok_or_else(|| format!("no result line in `{out}`"))?;
    parse_sample(line)
}

/// Builds the libssl driver with gcc against Debian's libssl-dev.
fn openssl_driver(dir: &Path) -> Result<PathBuf> {
    ensure_apt(&[("/usr/include/openssl/ssl.h", "libssl-dev"), ("gcc", "gcc")])?;
    let exe = dir.join("dtls_handshake_bench");
    let mut gcc = Command::new("gcc");
    gcc.args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(root().join("xtask/c/dtls_handshake_bench.c"))
        .args(["-lssl", "-lcrypto"]);
    output(&mut gcc)?;
    Ok(exe)
}

/// Builds our side (`crates/dtls/benches/handshake_cpu.rs`, the bench profile: release
/// with line tables) and returns the executable's path, from cargo's JSON messages.
fn our_driver() -> Result<PathBuf> {
    let mut build = cargo();
    build.args([
        "bench",
        "-p",
        "dtls",
        "--bench",
        "handshake_cpu",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    let out = output(&mut build)?;
    out.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["target"]["name"] == "handshake_cpu")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no handshake_cpu executable".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The DTLS handshake's CPU time, ours against OpenSSL's, both driven the same way: both
/// ends in one process, datagrams handed over in memory, CPU time of N full handshakes
/// (xtask/c/dtls_handshake_bench.c and crates/dtls/benches/handshake_cpu.rs say exactly
/// what is timed). The two programs run alternately, several rounds per group, and the
/// table gives the medians over rounds; the ratio is the median of each round's ratio, as
/// the machine's load moves both sides of a round alike.
// The table is this command's output.
#[allow(clippy::print_stdout)]
fn handshake(quick: bool) -> Result {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let theirs = openssl_driver(&dir)?;
    let ours = our_driver()?;
    let (rounds, n) = if quick { (3, 100) } else { (7, 300) };
    let version = output(Command::new("openssl").arg("version")).unwrap_or_default();
    println!(
        "\nDTLS 1.2 full handshake, CPU time of both ends in one process, datagrams in memory \
         (ECDHE-ECDSA-AES128-GCM-SHA256, ECDSA P-256 certificates, mutual authentication by \
         fingerprint, cookie, use_srtp, extended master secret); {rounds} rounds of {n} \
         handshakes per side, alternating; medians. OpenSSL: {}",
        version.trim()
    );
    println!(
        "{:<8} {:>10} {:>12} {:>13} {:>14} {:>14}  target",
        "group", "ours ms", "OpenSSL ms", "ours/OpenSSL", "ours cl/srv", "OpenSSL cl/srv"
    );
    for (group, limit) in [("P-256", 1.2), ("X25519", 1.0)] {
        let (mut o, mut t, mut r, mut os, mut ts) = (vec![], vec![], vec![], vec![], vec![]);
        for round in 0..rounds {
            let run_ours = || sample(Command::new(&ours).args([group, &n.to_string()]));
            let run_theirs = || sample(Command::new(&theirs).args([group, &n.to_string()]));
            // Alternate which side goes first, so neither always follows the other.
            let (a, b) = if round % 2 == 0 {
                let a = run_ours()?;
                (a, run_theirs()?)
            } else {
                let b = run_theirs()?;
                (run_ours()?, b)
            };
            r.push(a.cpu_ns / b.cpu_ns);
            o.push(a.cpu_ns);
            t.push(b.cpu_ns);
            os.push(a.client_share);
            ts.push(b.client_share);
        }
        let ratio = median(r);
        let (want, met) = if limit < 1.0 + f64::EPSILON {
            ("<1.0×".to_string(), ratio < limit)
        } else {
            (format!("≤{limit:.1}×"), ratio <= limit)
        };
        let split = |s: f64| format!("{:.0}/{:.0}%", s * 100.0, (1.0 - s) * 100.0);
        println!(
            "{:<8} {:>10.3} {:>12.3} {:>12.2}× {:>14} {:>14}  {want} {}",
            group,
            median(o) / 1e6,
            median(t) / 1e6,
            ratio,
            split(median(os)),
            split(median(ts)),
            if met { "met" } else { "MISSED" }
        );
    }
    Ok(())
}
