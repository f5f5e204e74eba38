//! `cargo xtask interop [SUITE...]`: the project against real third-party programs.
//!
//! Each suite builds traffic with the project's crates, hands it to a real peer (tshark,
//! libsrtp2, OpenSSL, GStreamer, ffmpeg, Chromium, wolfSSL) and compares what the peer read with
//! what was written. Missing peers are installed from Debian's packages, except wolfSSL, which
//! no Debian package carries with DTLS 1.3: the `wolfssl` suite builds it from the source the
//! crates.io package wolfssl-sys ships (see its module documentation), and the `dtls-cid`
//! suite reuses that build. A suite never skips,
//! and a disagreement fails the command. The one exception is the `cryptex` suite's libsrtp2
//! 2.8 half, whose peer no registry carries: without it that half prints a note and is
//! skipped, and the suite's Chromium half still runs.

mod browser;
mod capture;
mod chromium_sdp;
mod cryptex;
mod cryptex_browser;
mod dscp;
mod dtls_cid;
mod dtls_peer;
mod dtmf;
mod ffmpeg;
mod gstreamer;
mod h264;
mod libsrtp;
mod media_receiver;
mod openssl_dtls;
mod openssl_dtls_mtu;
mod pcap;
mod rtcp;
mod rtp;
mod rtpx;
mod rtx;
mod sdes;
mod session_capture;
mod tcp;
mod tshark;
pub mod wolfssl;

use crate::util::{Result, root};
use std::path::PathBuf;

/// A named interop suite.
struct Suite {
    name: &'static str,
    run: fn(&Context) -> Result,
}

/// What every suite gets: a scratch directory for its files.
pub struct Context {
    pub dir: PathBuf,
}

const SUITES: &[Suite] = &[
    Suite {
        name: "rtp",
        run: rtp::run,
    },
    Suite {
        name: "rtcp",
        run: rtcp::run,
    },
    Suite {
        name: "libsrtp",
        run: libsrtp::run,
    },
    Suite {
        name: "openssl-dtls",
        run: openssl_dtls::run,
    },
    Suite {
        name: "openssl-dtls-mtu",
        run: openssl_dtls_mtu::run,
    },
    Suite {
        name: "gstreamer",
        run: gstreamer::run,
    },
    Suite {
        name: "h264",
        run: h264::run,
    },
    Suite {
        name: "rtx",
        run: rtx::run,
    },
    Suite {
        name: "dtmf",
        run: dtmf::run,
    },
    Suite {
        name: "ffmpeg",
        run: ffmpeg::run,
    },
    Suite {
        name: "session-capture",
        run: session_capture::run,
    },
    Suite {
        name: "chromium-sdp",
        run: chromium_sdp::run,
    },
    Suite {
        name: "browser",
        run: browser::run,
    },
    Suite {
        name: "sdes",
        run: sdes::run,
    },
    Suite {
        name: "rtpx",
        run: rtpx::run,
    },
    Suite {
        name: "dscp",
        run: dscp::run,
    },
    Suite {
        name: "tcp",
        run: tcp::run,
    },
    Suite {
        name: "cryptex",
        run: cryptex::run,
    },
    Suite {
        name: "wolfssl",
        run: wolfssl::run,
    },
    Suite {
        name: "dtls-cid",
        run: dtls_cid,
    },
];

/// Suites run only when named: their peer is not installable from the package
/// registries CI reaches (the module documentation of each says why and what it needs).
const BY_NAME_ONLY: &[Suite] = &[];

/// Connection IDs against the wolfSSL the `wolfssl` suite builds (the same build, reused
/// when its flags match; `--enable-dtlscid` is among them).
fn dtls_cid(ctx: &Context) -> Result {
    let wolf = wolfssl::build(ctx)?;
    dtls_cid::run_cid_cases(ctx, &wolf.root)
}

pub fn run(args: &[String]) -> Result {
    let chosen: Vec<&Suite> = if args.is_empty() {
        SUITES.iter().collect()
    } else {
        let mut v = Vec::new();
        for a in args {
            let names: Vec<&str> = SUITES.iter().chain(BY_NAME_ONLY).map(|s| s.name).collect();
            let s = SUITES
                .iter()
                .chain(BY_NAME_ONLY)
                .find(|s| s.name == a)
                .ok_or_else(|| format!("no interop suite `{a}`; suites: {}", names.join(", ")))?;
            v.push(s);
        }
        v
    };
    if chosen.is_empty() {
        return Err("no interop suites are registered".into());
    }
    let mut failed = Vec::new();
    for suite in chosen {
        let dir = root().join("target/interop").join(suite.name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        eprintln!("\n--> interop: {}", suite.name);
        match (suite.run)(&Context { dir }) {
            Ok(()) => eprintln!("interop {}: PASS", suite.name),
            Err(e) => {
                eprintln!("interop {}: FAIL: {e}", suite.name);
                failed.push(suite.name);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("interop suites failed: {}", failed.join(", ")))
    }
}
