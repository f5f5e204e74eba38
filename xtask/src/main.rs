//! `cargo xtask`: the project's own commands.
//!
//! ```text
//! cargo xtask ci                          everything CI checks (the README's test command)
//! cargo xtask layers                      the layering rule of docs/architecture.md
//! cargo xtask fuzz [TARGET] [--seconds N] run one or every fuzz target
//! cargo xtask interop                     run against real third-party programs
//! cargo xtask bench [handshake|scale] [--quick] criterion benchmarks + comparison with webrtc-rs and
//!                                         OpenSSL's DTLS handshake
//! ```
//!
//! The commands shell out to cargo and to the interop peers; they install missing tools
//! (cargo-fuzz, Debian packages) themselves so that a fresh machine needs only Rust and apt.

mod bench;
mod ci;
mod fuzz;
mod interop;
mod layers;
mod util;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(&args[1..]),
        Some("layers") => layers::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("interop") => interop::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | layers | fuzz [TARGET] [--seconds N] [--runs N] [--sanitizer S] [--minimize] | interop [NAME...] | bench [handshake|scale] [--quick]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
