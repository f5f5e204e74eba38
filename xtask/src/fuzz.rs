//! `cargo xtask fuzz [TARGET] [--seconds N]`: run one or every cargo-fuzz target.
//!
//! Installs cargo-fuzz when it is missing. Each target's corpus lives in
//! `fuzz/corpus/<target>/` (generated, not committed); committed seed inputs in
//! `fuzz/seeds/<target>/` are read too. Stable Rust is enough: `RUSTC_BOOTSTRAP=1` lets
//! cargo-fuzz pass the sanitizer flags it needs.

use crate::util::{Result, cargo, have, output, root, sh};

pub fn run(args: &[String]) -> Result {
    let mut target = None;
    let mut seconds = 30u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a whole number")?;
            }
            t if !t.starts_with('-') && target.is_none() => target = Some(t.to_string()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    fuzz(target.as_deref(), seconds)
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
    let all = targets()?;
    let chosen: Vec<String> = match target {
        Some(t) if all.iter().any(|x| x == t) => vec![t.to_string()],
        Some(t) => return Err(format!("no fuzz target `{t}`; targets: {}", all.join(", "))),
        None => all,
    };
    if chosen.is_empty() {
        return Err("fuzz/Cargo.toml declares no targets".into());
    }
    let mut build = cargo();
    build.args(["fuzz", "build"]).env("RUSTC_BOOTSTRAP", "1");
    if let [one] = chosen.as_slice() {
        build.arg(one);
    }
    sh(&mut build)?;
    for t in &chosen {
        let corpus = root().join("fuzz/corpus").join(t);
        let seeds = root().join("fuzz/seeds").join(t);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut cmd = cargo();
        cmd.args(["fuzz", "run", t.as_str()])
            .env("RUSTC_BOOTSTRAP", "1")
            .arg(&corpus);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.args([
            "--".to_string(),
            format!("-max_total_time={seconds}"),
            "-rss_limit_mb=2048".to_string(),
            "-print_final_stats=1".to_string(),
        ]);
        sh(&mut cmd).map_err(|e| format!("fuzz target `{t}` failed: {e}"))?;
    }
    eprintln!(
        "fuzz: {} target(s) ran {seconds} s each without a finding",
        chosen.len()
    );
    Ok(())
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
