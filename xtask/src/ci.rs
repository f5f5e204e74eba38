//! `cargo xtask ci`: everything CI checks, in the order that fails fastest.
//!
//! Formatting, clippy with warnings denied on every target, every test, rustdoc with
//! warnings denied, the layering rule, a fuzz smoke run of every target, one run of every
//! example, and the interop suite against real third-party programs.

use crate::util::{Result, cargo, output, sh};
use serde_json::Value;

/// Seconds each fuzz target runs in the smoke run.
const FUZZ_SMOKE_SECONDS: u64 = 4;

pub fn run(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask ci` takes no arguments (got `{a}`)"));
    }
    let started = std::time::Instant::now();
    let step = |name: &str| {
        eprintln!(
            "\n==> ci: {name} ({} s so far)",
            started.elapsed().as_secs()
        )
    };

    step("rustfmt");
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args(["fmt", "--manifest-path", "compare/Cargo.toml", "--check"]))?;

    step("clippy");
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("tests");
    sh(cargo().args(["test", "--workspace"]))?;

    step("rustdoc");
    sh(cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;

    step("layers");
    crate::layers::run()?;

    step("fuzz smoke run");
    crate::fuzz::fuzz(None, FUZZ_SMOKE_SECONDS)?;

    step("examples");
    for example in examples()? {
        sh(cargo().args(["run", "--quiet", "--example", example.as_str()]))?;
    }

    step("interop");
    crate::interop::run(&[])?;

    eprintln!(
        "\nci: all checks passed in {} s",
        started.elapsed().as_secs()
    );
    Ok(())
}

/// The example targets of the workspace, from `cargo metadata`.
fn examples() -> Result<Vec<String>> {
    let meta: Value = serde_json::from_str(&output(cargo().args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
    ]))?)
    .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    let mut names = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        for target in pkg["targets"].as_array().into_iter().flatten() {
            let is_example = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "example"));
            // browser_call serves a page until stopped: the browser interop suite runs it.
            if is_example && target["name"] != "browser_call" {
                names.extend(target["name"].as_str().map(String::from));
            }
        }
    }
    names.sort();
    Ok(names)
}
