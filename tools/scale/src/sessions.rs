//! `scale sessions`: raises the number of concurrent two-way G.711 SRTP sessions until
//! one process no longer carries them with under 0.1% loss either way.
//!
//! For each level it starts `scale serve N` and `scale load` (this same program) as two
//! processes, wires the generator to the server's ports, lets both send for a while,
//! stops them, and reads their counts: loss towards the server (from the sessions' RFC
//! 3550 A.3 statistics) and back (from the generator's sequence numbers), sessions that
//! never heard anything, SRTP failures, and the server's resident memory before binding,
//! after binding and while running.

use crate::common::Peer;
use std::io::BufRead;
use std::time::Duration;

/// The most loss a sustained level may show in either direction.
const MAX_LOSS: f64 = 0.001;
/// The share of its nominal packet rate each side, the generator and the server's
/// sessions, must reach for a level to count.
const MIN_RATE: f64 = 0.95;
/// The time between the generator's READY and the start of the CPU measurement.
const SETTLE: Duration = Duration::from_secs(1);
/// The target.
const TARGET_SESSIONS: u64 = 10_000;

/// What one level measured.
#[derive(Debug, Clone, Copy)]
struct Level {
    sessions: u64,
    to_server_loss: f64,
    to_load_loss: f64,
    silent_at_server: i64,
    silent_at_load: i64,
    failures: i64,
    /// The generator's packets sent against its nominal 50 per second per session: below
    /// [`MIN_RATE`] the generator, not the server, is what the level measured.
    generator_rate: f64,
    /// The server's sessions' packets sent against the same nominal rate: below
    /// [`MIN_RATE`] the server fell behind on its media clocks (late sends lose nothing,
    /// so the loss figures alone would not show it).
    server_rate: f64,
    bind_kib_per_session: f64,
    running_kib_per_session: f64,
    /// The server's CPU while sending, in % of one core per 1,000 sessions at their full
    /// rate: scaled by the mean of the two achieved rates (what the server received and
    /// what it sent), as a side that fell behind handled fewer packets.
    cpu_per_1000: f64,
    /// The load generator's CPU over the same stretch, in % of one core per 1,000
    /// sessions (not scaled: the instrument's cost on the machine the server shares).
    generator_cpu_per_1000: f64,
}

impl Level {
    fn sustained(&self) -> bool {
        self.to_server_loss < MAX_LOSS
            && self.to_load_loss < MAX_LOSS
            && self.silent_at_server == 0
            && self.silent_at_load == 0
            && self.failures == 0
            && self.generator_rate >= MIN_RATE
            && self.server_rate >= MIN_RATE
    }
}

pub fn run(quick: bool, args: &[String]) -> Result<(), String> {
    let levels = crate::common::levels(
        args,
        if quick {
            &[250, 500, 1000, 2000, 4000]
        } else {
            &[
                250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10_000,
            ]
        },
    )?;
    let seconds = if quick { 6 } else { 10 };
    let tasks = args.iter().any(|a| a == "--tasks");
    let shared = args.iter().any(|a| a == "--shared");
    eprintln!(
        "sessions: two-way G.711 SRTP at 50 packets/s each way, {seconds} s per level, \
         server and load generator in separate processes"
    );
    let mut best: Option<Level> = None;
    // The last level run (the first not sustained, or the last of the list).
    let mut tried: Option<Level> = None;
    for &n in &levels {
        let level = match measure(n, Duration::from_secs(seconds), tasks, shared) {
            Ok(level) => level,
            // A level the machine cannot even set up (ports, descriptors) ends the ramp.
            Err(e) if best.is_some() => {
                eprintln!("  {n:>5} sessions: could not run: {e}");
                break;
            }
            Err(e) => return Err(format!("{n} sessions: {e}")),
        };
        eprintln!(
            "  {:>5} sessions: loss to server {:.4}%, back {:.4}%, silent sessions {}/{}, SRTP failures {}, \
             memory {:.1} KiB/session bound, {:.1} KiB/session running, \
             CPU {:.1}% of a core per 1,000 sessions (the generator's {:.1}%), generator at {:.1}% and server at {:.1}% of their rates: {}",
            n,
            level.to_server_loss * 100.0,
            level.to_load_loss * 100.0,
            level.silent_at_server,
            level.silent_at_load,
            level.failures,
            level.bind_kib_per_session,
            level.running_kib_per_session,
            level.cpu_per_1000,
            level.generator_cpu_per_1000,
            level.generator_rate * 100.0,
            level.server_rate * 100.0,
            if level.sustained() {
                "sustained"
            } else {
                "NOT sustained"
            }
        );
        tried = Some(level);
        if !level.sustained() {
            break;
        }
        best = Some(level);
    }
    let shape = if tasks {
        "tasks"
    } else if shared {
        "shared"
    } else {
        "port"
    };
    let key = |what: &str| format!("sessions_{shape}_{what}");
    crate::common::result(
        &key("sustained"),
        &best.map_or(0, |l| l.sessions).to_string(),
    )?;
    if let Some(level) = tried {
        crate::common::result(&key("last_level"), &level.sessions.to_string())?;
        crate::common::result(
            &key("last_level_rates"),
            &format!("{:.3} {:.3}", level.generator_rate, level.server_rate),
        )?;
        crate::common::result(
            &key("last_level_cpu_per_1000"),
            &format!("{:.1}", level.cpu_per_1000),
        )?;
    }
    if let Some(level) = best {
        crate::common::result(
            &key("kib_per_session"),
            &format!("{:.1}", level.running_kib_per_session),
        )?;
        crate::common::result(&key("cpu_per_1000"), &format!("{:.1}", level.cpu_per_1000))?;
        crate::common::result(
            &key("generator_cpu_per_1000"),
            &format!("{:.1}", level.generator_cpu_per_1000),
        )?;
    }
    match best {
        Some(level) => eprintln!(
            "sessions: {} concurrent sessions sustained (target ≥ {TARGET_SESSIONS}: {}), \
             {:.1} KiB resident per running session, {:.1}% of a core per 1,000 sessions",
            level.sessions,
            if level.sessions >= TARGET_SESSIONS {
                "MET"
            } else {
                "NOT MET"
            },
            level.running_kib_per_session,
            level.cpu_per_1000
        ),
        None => eprintln!("sessions: not even the first level was sustained"),
    }
    Ok(())
}

fn measure(sessions: u64, duration: Duration, tasks: bool, shared: bool) -> Result<Level, String> {
    let count = sessions.to_string();
    let mut args = vec!["serve", count.as_str()];
    if tasks {
        args.push("--tasks");
    } else if shared {
        args.push("--shared");
    }
    let mut server = Peer::start(&args)?;
    let mut line = String::new();
    server
        .stdout
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let mut words = line.split_whitespace();
    if words.next() != Some("READY") {
        return Err(format!("server: expected READY, got `{}`", line.trim()));
    }
    let mut number = || -> Result<f64, String> {
        words
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("server: bad READY line `{}`", line.trim()))
    };
    let before = number()?;
    let bound = number()?;
    let ports: Vec<&str> = line.split_whitespace().skip(3).collect();
    if ports.len() as u64 != sessions {
        return Err(format!(
            "server bound {} of {sessions} sessions",
            ports.len()
        ));
    }
    let mut load = Peer::start(if shared {
        &["load", "--shared"]
    } else {
        &["load"]
    })?;
    load.tell(&format!("PORTS {}", ports.join(" ")))?;
    if shared {
        // The generator's stream addresses, for the sessions' remotes.
        let mut line = String::new();
        load.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let remotes = line
            .trim()
            .strip_prefix("READY")
            .ok_or_else(|| format!("load: expected READY, got `{}`", line.trim()))?;
        server.tell(&format!("REMOTES{remotes}"))?;
        server.expect("SET")?;
    } else {
        load.expect("READY")?;
    }
    // Every stream runs by now; the server's CPU is measured from here to STOP.
    std::thread::sleep(SETTLE);
    server.tell("MARK")?;
    load.tell("MARK")?;
    std::thread::sleep(duration);
    load.tell("STOP")?;
    server.tell("STOP")?;
    // Let the last packets land before counting.
    std::thread::sleep(Duration::from_millis(500));
    load.tell("REPORT")?;
    server.tell("REPORT")?;
    let s = server.expect("DONE")?;
    let l = load.expect("DONE")?;
    let [
        running,
        s_expected,
        s_lost,
        s_sent,
        s_silent,
        s_failures,
        cpu_ms,
        wall_ms,
    ] = s[..]
    else {
        return Err(format!("server: bad DONE line {s:?}"));
    };
    let [
        l_expected,
        l_lost,
        l_sent,
        l_silent,
        l_failures,
        l_cpu_ms,
        l_wall_ms,
    ] = l[..]
    else {
        return Err(format!("load: bad DONE line {l:?}"));
    };
    let nominal = (sessions as f64 * 50.0 * (duration + SETTLE).as_secs_f64()).max(1.0);
    let generator_rate = l_sent as f64 / nominal;
    let server_rate = s_sent as f64 / nominal;
    let ratio = |lost: i64, expected: i64| {
        if expected <= 0 {
            1.0
        } else {
            lost.max(0) as f64 / expected as f64
        }
    };
    Ok(Level {
        sessions,
        to_server_loss: ratio(s_lost, s_expected),
        to_load_loss: ratio(l_lost, l_expected),
        silent_at_server: s_silent,
        silent_at_load: l_silent,
        failures: s_failures + l_failures,
        generator_rate,
        server_rate,
        bind_kib_per_session: (bound - before) / sessions as f64,
        running_kib_per_session: (running as f64 - before) / sessions as f64,
        // Per 1,000 sessions at their full rate: a side that fell behind handled fewer.
        cpu_per_1000: cpu_ms as f64 / wall_ms.max(1) as f64 * 100.0 * 1000.0
            / (sessions as f64 * (generator_rate.min(1.0) + server_rate.min(1.0)) / 2.0).max(1.0),
        generator_cpu_per_1000: l_cpu_ms as f64 / l_wall_ms.max(1) as f64 * 100.0 * 1000.0
            / sessions.max(1) as f64,
    })
}
