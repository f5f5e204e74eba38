//! `cargo xtask bench [--quick]`: the criterion benchmarks of every crate, the
//! side-by-side comparison with the webrtc-rs crates, then the session's speed and scale
//! measurements (`tools/scale`).
//!
//! The comparison lives in `compare/`, a workspace of its own that only this command builds,
//! so `cargo test` never compiles the peer crates (and crates.io's `rtcp` never meets ours
//! in one lock file). It runs both stacks on the same workloads in one process and prints
//! times, ratios and allocation counts.

use crate::util::{Result, cargo, sh};

pub fn run(args: &[String]) -> Result {
    let quick = match args {
        [] => false,
        [q] if q == "--quick" => true,
        _ => return Err("usage: cargo xtask bench [--quick]".into()),
    };
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
    scale(quick)
}

/// The session's speed and scale (`tools/scale`): receive-path packet rate against bare
/// UDP, and concurrent two-way SRTP sessions per process with their memory. Release build,
/// as every figure here is a rate.
fn scale(quick: bool) -> Result {
    let mut scale = cargo();
    scale.args(["run", "--release", "-p", "scale", "--", "all"]);
    if quick {
        scale.arg("--quick");
    }
    sh(&mut scale)
}
