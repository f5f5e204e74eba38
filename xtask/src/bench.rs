//! `cargo xtask bench [--quick]`: the criterion benchmarks of every crate, the
//! side-by-side comparison with the webrtc-rs crates, the DTLS handshake's CPU beside
//! OpenSSL's, then the session's speed and scale measurements (`tools/scale`).
//! `cargo xtask bench handshake [--quick]` runs only the handshake comparison, `cargo
//! xtask bench scale [--quick]` only the scale figures.
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
    let (only, quick) = match args {
        [] => (None, false),
        [q] if q == "--quick" => (None, true),
        [part] => (Some(part.as_str()), false),
        [part, q] if q == "--quick" => (Some(part.as_str()), true),
        _ => return Err("usage: cargo xtask bench [handshake|scale] [--quick]".into()),
    };
    match only {
        None => {}
        Some("handshake") => return handshake(quick),
        Some("scale") => return scale(quick),
        Some(_) => return Err("usage: cargo xtask bench [handshake|scale] [--quick]".into()),
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
/// Release build, as every figure here is a rate. The programs' progress goes to the
/// terminal as it comes; their `RESULT` lines are gathered into one table at the end, set
/// beside the side-by-side figures printed before it.
// The table is this command's output.
#[allow(clippy::print_stdout)]
fn scale(quick: bool) -> Result {
    let mut results = std::collections::HashMap::new();
    for args in [&["all"][..], &["sessions", "--shared"][..], &["floor"][..]] {
        let mut scale = cargo();
        scale.args(["run", "--release", "-p", "scale", "--"]);
        scale.args(args);
        if quick {
            scale.arg("--quick");
        }
        for line in results_of(&mut scale)?.lines() {
            let mut words = line.split_whitespace();
            if words.next() == Some("RESULT")
                && let Some(key) = words.next()
            {
                results.insert(key.to_string(), words.collect::<Vec<_>>().join(" "));
            }
        }
    }
    // The heap per session without the process's noise (the RSS deltas above carry it).
    let mut memory = cargo();
    memory.args([
        "test",
        "-p",
        "rtp-session",
        "--test",
        "memory",
        "--",
        "--nocapture",
    ]);
    eprintln!("$ {}", crate::util::describe(&memory));
    let out = memory
        .output()
        .map_err(|e| format!("cannot run the memory test: {e}"))?;
    let heap = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("heap per session: ")
                .map(str::to_string)
        })
        .ok_or("the memory test printed no `heap per session` line")?;
    let get = |key: &str| results.get(key).map_or("-", String::as_str);
    println!(
        "\nrtp-session at scale (tools/scale, {}): two-way G.711 SRTP sessions, the load \
         generator in another process; sustained = under 0.1% loss both ways with both sides \
         at >= 95% of their packet rate",
        if quick { "--quick" } else { "full ramp" }
    );
    println!(
        "{:<18} {:>10} {:>12} {:>17} {:>12}   first level not sustained (generator/server rate, CPU)",
        "shape", "sustained", "KiB/session", "CPU %/1,000 sess.", "generator %"
    );
    let mut best = 0u64;
    for (shape, name) in [("port", "port per session"), ("shared", "shared sockets")] {
        let key = |what: &str| format!("sessions_{shape}_{what}");
        let sustained = get(&key("sustained"));
        best = best.max(sustained.parse().unwrap_or(0));
        let last = get(&key("last_level"));
        let after = if last == sustained {
            "none (the ramp ended)".to_string()
        } else {
            format!(
                "{last} ({}, {}%/1,000)",
                get(&key("last_level_rates")),
                get(&key("last_level_cpu_per_1000"))
            )
        };
        println!(
            "{:<18} {:>10} {:>12} {:>17} {:>12}   {after}",
            name,
            sustained,
            get(&key("kib_per_session")),
            get(&key("cpu_per_1000")),
            get(&key("generator_cpu_per_1000")),
        );
    }
    println!(
        "heap per session (cargo test -p rtp-session --test memory): {heap} (target <= 16 KiB)"
    );
    println!(
        "floor (scale floor: the same packet rates over bare loopback UDP, no RTP or SRTP, \
         batches of 32 both sides): {} sessions' packets carried at {}% of a core per 1,000 \
         (both processes); first level not carried: {}",
        get("floor_sustained"),
        get("floor_cpu_per_1000"),
        get("floor_last_level")
    );
    let ratio: f64 = get("receive_path_ratio").parse().unwrap_or(0.0);
    let percent = |key: &str| {
        get(key)
            .parse::<f64>()
            .map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0))
    };
    println!(
        "sessions sustained: {best} (target >= 10,000: {}); receive path: {:.1}% of bare UDP per \
         receiving CPU-second (bare {} pkt/s, session {} pkt/s; target >= 90%: {})",
        if best >= 10_000 { "met" } else { "MISSED" },
        ratio * 100.0,
        get("receive_path_bare_pps"),
        get("receive_path_session_pps"),
        if ratio >= 0.9 { "met" } else { "MISSED" }
    );
    println!(
        "receive path, same run: session on AEAD_AES_128_GCM {}; SRTP unprotect alone (no \
         session) {} AES-CM, {} GCM",
        percent("receive_path_gcm_ratio"),
        percent("receive_path_unprotect_ratio"),
        percent("receive_path_gcm_unprotect_ratio")
    );
    Ok(())
}

/// Runs `cmd` with its standard error on the terminal and returns its standard output.
fn results_of(cmd: &mut Command) -> Result<String> {
    eprintln!("$ {}", crate::util::describe(cmd));
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", crate::util::describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed with {}",
            crate::util::describe(cmd),
            out.status
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("non-UTF-8 output: {e}"))
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
