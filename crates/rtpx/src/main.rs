//! The `rtpx` command: see the library's documentation.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = rtpx::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match rtpx::cli::run(cli, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtpx: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
