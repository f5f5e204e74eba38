//! The command line (`clap`): `analyze`, `decrypt`, `listen`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analyze::Options;
use crate::keys::{self, KeyEntry};
use crate::stream::CodecInfo;
use crate::{decrypt, listen, output, plot};

/// rtpx: analyse, decrypt and plot the RTP calls of a capture.
#[derive(Debug, Parser)]
#[command(name = "rtpx", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One row per RTP stream: loss, jitter, MOS, RTT, SRTP authentication, DTLS.
    Analyze {
        /// A pcap or pcapng file.
        capture: PathBuf,
        /// Keys.
        #[command(flatten)]
        keys: KeyArgs,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Write one SVG per stream into this directory.
        #[arg(long, value_name = "DIR")]
        plot: Option<PathBuf>,
    },
    /// Write the capture with SRTP/SRTCP replaced by their plaintext.
    Decrypt {
        /// A pcap or pcapng file.
        capture: PathBuf,
        /// The pcap file to write.
        out: PathBuf,
        /// Keys.
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Receive on a UDP port and print the quality table each second.
    Listen {
        /// UDP port.
        #[arg(long)]
        port: u16,
        /// Address to bind.
        #[arg(long, default_value = "0.0.0.0")]
        bind: std::net::IpAddr,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long)]
        seconds: Option<u64>,
        /// Keys.
        #[command(flatten)]
        keys: KeyArgs,
    },
}

/// Where SRTP keys come from.
#[derive(Debug, Args, Default)]
pub struct KeyArgs {
    /// `<ssrc|port>=inline:<base64>[,<profile>]`: 0xSSRC, ssrc:N, port:N, a number up to
    /// 65535 (port) or above (SSRC), or `any`. Repeatable.
    #[arg(long = "key", value_name = "SPEC")]
    pub key: Vec<String>,
    /// An SDP file: every a=crypto line is a key, every a=rtpmap a codec. Repeatable.
    #[arg(long = "sdp", value_name = "FILE")]
    pub sdp: Vec<PathBuf>,
    /// An NSS key log (SSLKEYLOGFILE format) for DTLS-SRTP: CLIENT_RANDOM lines for DTLS
    /// 1.2, the TLS 1.3 lines (handshake traffic and exporter secrets) for DTLS 1.3.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

/// A command-line failure: printed, exit status 2 for usage, 1 otherwise.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError(format!("{}: {e}", path.display())))
}

impl KeyArgs {
    /// The analysis options these arguments give.
    pub fn options(&self, plot: bool) -> Result<Options, CliError> {
        let mut keys: Vec<KeyEntry> = Vec::new();
        for (i, spec) in self.key.iter().enumerate() {
            keys.push(
                keys::parse_key_spec(spec, format!("--key {}", i + 1))
                    .map_err(|e| CliError(e.to_string()))?,
            );
        }
        let mut rtpmap = HashMap::new();
        for path in &self.sdp {
            let body = read_text(path)?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let info = keys::read_sdp(&name, &body);
            for r in &info.refused {
                eprintln!("rtpx: warning: {r}");
            }
            keys.extend(info.keys);
            for (pt, name, rate) in info.rtpmap {
                rtpmap.entry(pt).or_insert(CodecInfo {
                    name,
                    clock_rate: rate,
                });
            }
        }
        let mut options = Options {
            keys,
            rtpmap,
            plot,
            keylog: None,
        };
        if let Some(path) = &self.keylog {
            let text = read_text(path)?;
            crate::dtls_flow::load_keylog(&mut options, &text)
                .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        }
        Ok(options)
    }
}

/// A progress bar over `total` bytes, drawn only once the work has taken a second.
fn progress(total: u64) -> impl FnMut(u64) + use<> {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let mut shown = false;
    let mut calls = 0u32;
    move |done| {
        calls = calls.wrapping_add(1);
        if calls % 4096 != 0 {
            return;
        }
        if !shown && start.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_position(done.min(total));
    }
}

/// Runs a parsed command line, writing results to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError(e.to_string());
    match cli.command {
        Command::Analyze {
            capture,
            keys,
            json,
            plot: plot_dir,
        } => {
            let options = keys.options(plot_dir.is_some())?;
            let size = std::fs::metadata(&capture).map(|m| m.len()).unwrap_or(0);
            let reader = crate::capture::open(&capture)
                .map_err(|e| CliError(format!("{}: {e}", capture.display())))?;
            let (analyzer, error) = crate::analyze_frames(reader, options, progress(size));
            let report = output::report(&analyzer, error.map(|e| e.to_string()));
            if json {
                serde_json::to_writer_pretty(&mut *out, &report)
                    .map_err(|e| CliError(e.to_string()))?;
                writeln!(out).map_err(io)?;
            } else {
                out.write_all(output::table(&report).as_bytes())
                    .map_err(io)?;
            }
            if let Some(dir) = plot_dir {
                let files = plot::plot_all(&analyzer, &dir).map_err(|e| CliError(e.to_string()))?;
                eprintln!("rtpx: {} plot(s) written to {}", files.len(), dir.display());
            }
            Ok(())
        }
        Command::Decrypt {
            capture,
            out: out_path,
            keys,
        } => {
            let options = keys.options(false)?;
            let size = std::fs::metadata(&capture).map(|m| m.len()).unwrap_or(0);
            let reader = crate::capture::open(&capture)
                .map_err(|e| CliError(format!("{}: {e}", capture.display())))?;
            let file = std::fs::File::create(&out_path)
                .map_err(|e| CliError(format!("{}: {e}", out_path.display())))?;
            let (analyzer, stats, error) = decrypt::decrypt(
                reader,
                std::io::BufWriter::new(file),
                options,
                progress(size),
            )
            .map_err(|e| CliError(e.to_string()))?;
            let failures: u64 = analyzer.streams().map(|s| s.srtp_auth_failures).sum();
            writeln!(
                out,
                "rtpx: wrote {} frames to {}, {} decrypted; {} SRTP authentication failures{}",
                stats.written,
                out_path.display(),
                stats.decrypted,
                failures,
                if stats.other_link_type > 0 {
                    format!(
                        "; {} frames of another link type left out",
                        stats.other_link_type
                    )
                } else {
                    String::new()
                }
            )
            .map_err(io)?;
            if let Some(e) = error {
                eprintln!("rtpx: warning: {e}");
            }
            Ok(())
        }
        Command::Listen {
            port,
            bind,
            seconds,
            keys,
        } => {
            let options = keys.options(false)?;
            listen::listen(
                std::net::SocketAddr::new(bind, port),
                options,
                seconds.map(Duration::from_secs),
                Duration::from_secs(1),
                out,
            )
            .map_err(io)?;
            Ok(())
        }
    }
}
