//! `cargo xtask fuzz [TARGET] [--seconds N] [--runs N] [--sanitizer S] [--minimize]`: run one
//! or every cargo-fuzz target and report how much fuzzing was done.
//!
//! Installs cargo-fuzz when it is missing. Each target starts from its committed, minimised
//! corpus in `fuzz/corpus/<target>/` plus the hand-written seeds in `fuzz/seeds/<target>/`.
//! What the fuzzer finds goes to a scratch directory, `fuzz/work/<target>/` (ignored by
//! git), so a run never dirties the committed corpus; `--minimize` folds the scratch
//! directory into `fuzz/corpus/<target>/` with libFuzzer's `-merge=1` (what `cargo fuzz
//! cmin` does), keeping only inputs that add coverage.
//!
//! Every target runs with `-print_final_stats=1`; the executions and executions per second
//! it reports are printed per target and as a table at the end, so a campaign can show what
//! it did. `--runs N` asks libFuzzer for N executions per target (`-runs=N`); `--seconds N`
//! caps the time (`-max_total_time=N`, 30 s by default unless `--runs` is given).
//!
//! cargo-fuzz builds with optimisations and debug assertions, so integer overflow in length arithmetic is a
//! finding, not a silent wrap. Stable Rust is enough: `RUSTC_BOOTSTRAP=1` lets cargo-fuzz
//! pass the sanitizer flags it needs. The default sanitizer is AddressSanitizer;
//! `--sanitizer none` trades it for speed, which costs little here: the protocol crates
//! forbid `unsafe`, so out-of-bounds access is already a panic the fuzzer sees.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{Result, cargo, describe, have, output, root, sh};

/// What to run and how long.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One target, or every target when `None`.
    pub target: Option<String>,
    /// `-max_total_time` per target.
    pub seconds: Option<u64>,
    /// `-runs` per target.
    pub runs: Option<u64>,
    /// cargo-fuzz's `--sanitizer` (`address` when `None`).
    pub sanitizer: Option<String>,
    /// Fold the new inputs into the committed corpus afterwards.
    pub minimize: bool,
}

pub fn run(args: &[String]) -> Result {
    let mut options = Options::default();
    let mut it = args.iter();
    let number = |v: Option<&String>, flag: &str| {
        v.and_then(|s| s.parse().ok())
            .ok_or(format!("{flag} needs a whole number"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => options.seconds = Some(number(it.next(), "--seconds")?),
            "--runs" => options.runs = Some(number(it.next(), "--runs")?),
            "--sanitizer" => {
                options.sanitizer = Some(it.next().ok_or("--sanitizer needs a name")?.clone())
            }
            "--minimize" => options.minimize = true,
            t if !t.starts_with('-') && options.target.is_none() => {
                options.target = Some(t.to_string())
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    if options.seconds.is_none() && options.runs.is_none() {
        options.seconds = Some(30);
    }
    campaign(&options)
}

/// Lists the targets declared in `fuzz/Cargo.toml`.
pub fn targets() -> Result<Vec<String>> {
    ensure_cargo_fuzz()?;
    let mut cmd = cargo();
    cmd.args(["fuzz", "list"]).env("RUSTC_BOOTSTRAP", "1");
    Ok(output(&mut cmd)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// Runs `target` (or every target) for `seconds` each. A crash fails the command.
pub fn fuzz(target: Option<&str>, seconds: u64) -> Result {
    campaign(&Options {
        target: target.map(String::from),
        seconds: Some(seconds),
        ..Options::default()
    })
}

/// What one target did, from libFuzzer's final statistics.
#[derive(Debug, Clone, Default)]
struct Outcome {
    target: String,
    executions: Option<u64>,
    exec_per_sec: Option<u64>,
    wall_seconds: f64,
    corpus_files: usize,
    error: Option<String>,
}

/// Runs the chosen targets one after the other and prints the table. Every target runs even
/// when an earlier one finds a crash; the command fails if any did.
pub fn campaign(options: &Options) -> Result {
    let all = targets()?;
    let chosen: Vec<String> = match &options.target {
        Some(t) if all.iter().any(|x| x == t) => vec![t.clone()],
        Some(t) => return Err(format!("no fuzz target `{t}`; targets: {}", all.join(", "))),
        None => all,
    };
    if chosen.is_empty() {
        return Err("fuzz/Cargo.toml declares no targets".into());
    }
    let mut build = cargo();
    build.args(["fuzz", "build"]).env("RUSTC_BOOTSTRAP", "1");
    if let Some(s) = &options.sanitizer {
        build.args(["--sanitizer", s]);
    }
    if let [one] = chosen.as_slice() {
        build.arg(one);
    }
    sh(&mut build)?;
    let mut outcomes = Vec::new();
    for t in &chosen {
        let outcome = run_target(t, options);
        print_outcome(&outcome);
        outcomes.push(outcome);
    }
    print_table(&outcomes);
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.error.is_some())
        .map(|o| o.target.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz target(s) failed: {}", failed.join(", ")))
    }
}

fn run_target(target: &str, options: &Options) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        target: target.to_string(),
        ..Outcome::default()
    };
    if let Err(e) = run_libfuzzer(target, options, &mut outcome) {
        outcome.error = Some(e);
    }
    if outcome.error.is_none()
        && options.minimize
        && let Err(e) = minimize(target, options)
    {
        outcome.error = Some(e);
    }
    outcome.wall_seconds = started.elapsed().as_secs_f64();
    outcome.corpus_files = count_files(&root().join("fuzz/corpus").join(target));
    outcome
}

fn fuzz_run(target: &str, options: &Options) -> Command {
    let mut cmd = cargo();
    cmd.args(["fuzz", "run"]).env("RUSTC_BOOTSTRAP", "1");
    if let Some(s) = &options.sanitizer {
        cmd.args(["--sanitizer", s]);
    }
    cmd.arg(target);
    cmd
}

fn run_libfuzzer(target: &str, options: &Options, outcome: &mut Outcome) -> Result {
    let corpus = root().join("fuzz/corpus").join(target);
    let seeds = root().join("fuzz/seeds").join(target);
    let work = root().join("fuzz/work").join(target);
    for dir in [&corpus, &work] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut cmd = fuzz_run(target, options);
    // libFuzzer writes what it finds to the first directory only.
    cmd.arg(&work).arg(&corpus);
    if seeds.is_dir() {
        cmd.arg(&seeds);
    }
    cmd.args(["--", "-rss_limit_mb=2048", "-print_final_stats=1"]);
    cmd.arg(format!(
        "-artifact_prefix={}/",
        root().join("fuzz/artifacts").join(target).display()
    ));
    std::fs::create_dir_all(root().join("fuzz/artifacts").join(target))
        .map_err(|e| format!("fuzz/artifacts/{target}: {e}"))?;
    if let Some(seconds) = options.seconds {
        cmd.arg(format!("-max_total_time={seconds}"));
    }
    if let Some(runs) = options.runs {
        cmd.arg(format!("-runs={runs}"));
    }
    eprintln!("$ {}", describe(&cmd));
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(&cmd)))?;
    // Echo libFuzzer's output as it comes and pick out the final statistics.
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            if let Some(v) = stat(&line, "stat::number_of_executed_units:") {
                outcome.executions = Some(v);
            } else if let Some(v) = stat(&line, "stat::average_exec_per_sec:") {
                outcome.exec_per_sec = Some(v);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for `{}`: {e}", describe(&cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed with {status}", describe(&cmd)))
    }
}

/// The number after `key` on a libFuzzer statistics line.
fn stat(line: &str, key: &str) -> Option<u64> {
    line.trim().strip_prefix(key)?.trim().parse().ok()
}

/// Merges the committed corpus and the scratch directory into a fresh committed corpus
/// that keeps only inputs adding coverage, then empties the scratch directory. The seeds
/// stay where they are, committed by name, and are not copied in.
fn minimize(target: &str, options: &Options) -> Result {
    let corpus = root().join("fuzz/corpus").join(target);
    let work = root().join("fuzz/work").join(target);
    let old = root().join("fuzz/work").join(format!("{target}.previous"));
    let _ = std::fs::remove_dir_all(&old);
    std::fs::rename(&corpus, &old).map_err(|e| format!("{}: {e}", corpus.display()))?;
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut cmd = fuzz_run(target, options);
    cmd.arg(&corpus)
        .arg(&old)
        .arg(&work)
        .args(["--", "-merge=1", "-rss_limit_mb=2048"]);
    if let Err(e) = sh(&mut cmd) {
        // Leave the committed corpus as it was.
        let _ = std::fs::remove_dir_all(&corpus);
        let _ = std::fs::rename(&old, &corpus);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .count()
        })
        .unwrap_or(0)
}

fn print_outcome(o: &Outcome) {
    eprintln!(
        "fuzz: {}: {} executions, {} exec/s, {:.0} s, corpus {} files{}",
        o.target,
        o.executions.map_or("?".into(), |v| v.to_string()),
        o.exec_per_sec.map_or("?".into(), |v| v.to_string()),
        o.wall_seconds,
        o.corpus_files,
        o.error
            .as_ref()
            .map_or(String::new(), |e| format!(" — FAILED: {e}")),
    );
}

fn print_table(outcomes: &[Outcome]) {
    let width = outcomes
        .iter()
        .map(|o| o.target.len())
        .max()
        .unwrap_or(6)
        .max(6);
    eprintln!();
    eprintln!(
        "| {:width$} | {:>12} | {:>8} | {:>7} | {:>6} | result |",
        "target", "executions", "exec/s", "seconds", "corpus"
    );
    eprintln!(
        "|{:-<w$}|{:->14}|{:->10}|{:->9}|{:->8}|--------|",
        "",
        "",
        "",
        "",
        "",
        w = width + 2
    );
    let mut total = 0u64;
    for o in outcomes {
        total += o.executions.unwrap_or(0);
        eprintln!(
            "| {:width$} | {:>12} | {:>8} | {:>7.0} | {:>6} | {} |",
            o.target,
            o.executions.map_or("?".into(), |v| v.to_string()),
            o.exec_per_sec.map_or("?".into(), |v| v.to_string()),
            o.wall_seconds,
            o.corpus_files,
            if o.error.is_some() {
                "FAILED"
            } else {
                "ok    "
            },
        );
    }
    eprintln!(
        "fuzz: {} target(s), {total} executions in all",
        outcomes.len()
    );
}

fn ensure_cargo_fuzz() -> Result {
    let cargo_home_bin = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .map(|p| p.join("bin/cargo-fuzz"));
    if have("cargo-fuzz") || cargo_home_bin.is_some_and(|p| p.is_file()) {
        return Ok(());
    }
    eprintln!("cargo-fuzz is missing: installing it");
    let mut cmd = cargo();
    cmd.args(["install", "cargo-fuzz", "--locked"]);
    sh(&mut cmd)
}
