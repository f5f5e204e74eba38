//! Speed and scale measurements of `rtp-session` (run by `cargo xtask bench`, release
//! builds only).
//!
//! - `scale receive-path`: packets per second through the whole receive path (UDP →
//!   SRTP unprotect → statistics → jitter buffer, [`rtp_session::Session`]) beside a bare
//!   UDP receiver on the same kind of socket, fed the same SRTP stream in the same run.
//! - `scale sessions`: how many concurrent two-way G.711 SRTP sessions (50 packets/s each
//!   way) one process sustains with under 0.1% loss, the load generator running in another
//!   process; with the memory each session costs (VmRSS deltas).
//! - `scale floor`: the same packet rates over bare loopback UDP, no RTP or SRTP on either
//!   side: how many sessions' packets this machine can move at all (see `floor.rs`).
//! - `scale all`: the receive path and the sessions. `--quick` shortens every run; `--shared` runs `scale sessions` with
//!   the server's sessions sharing one socket per worker ([`rtp_session::Server::add_shared`]).
//!
//! `scale serve` and `scale load` (and `scale echo`, the floor's server) are the two processes of `scale sessions`, driven over
//! their standard input and output; they are not meant to be run by hand.

mod batch;
mod common;
mod floor;
mod generator;
mod load;
mod receive_path;
mod serve;
mod sessions;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let result = match args.first().map(String::as_str) {
        Some("receive-path") => receive_path::run(quick),
        Some("sessions") => sessions::run(quick, &args[1..]),
        Some("all") => receive_path::run(quick).and_then(|()| sessions::run(quick, &args[1..])),
        Some("floor") => floor::run(quick, &args[1..]),
        Some("echo") => floor::echo(),
        Some("serve") => serve::run(&args[1..]),
        Some("load") => load::run(args.iter().any(|a| a == "--shared")),
        _ => Err("usage: scale receive-path|sessions|floor|all [--quick] [--shared|--tasks] [--levels N,N,...]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale: {e}");
            ExitCode::FAILURE
        }
    }
}
