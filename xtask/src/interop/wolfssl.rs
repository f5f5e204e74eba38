//! `wolfssl`: our DTLS client and server against wolfSSL's example server and client over
//! loopback UDP, DTLS 1.3 first: a second real DTLS 1.3 peer besides Chromium (BoringSSL),
//! written independently of both, and one that picks differently (its key share, its
//! suite order, its ClientHello when a post-quantum hybrid is its preferred group).
//!
//! What runs, each case in both roles unless said otherwise, our side always with
//! [`Config::new`] as it comes (only the key-exchange group cases narrow our groups):
//!
//! - DTLS 1.3 with both sides' defaults;
//! - each DTLS 1.3 suite we implement, forced on wolfSSL's side with `-l`
//!   (TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256);
//! - X25519 and P-256 (wolfSSL's client: `-t` for an X25519 key share, `-Y` for a P-256
//!   one; our client: that group alone);
//! - every SRTP profile both sides speak (`--srtp`);
//! - wolfSSL's client with its library defaults (`-J` skips the example's own key-share
//!   choice): its preferred group is the hybrid X25519MLKEM768, whose 1,216-byte share does
//!   not fit its first ClientHello, so wolfSSL sends that hello with an empty key_share
//!   and the hybrid first in supported_groups, counting on a HelloRetryRequest. We do not
//!   implement ML-KEM: our server must name X25519 in its HelloRetryRequest and complete.
//!   The first hello's empty key_share and its supported_groups are checked on the wire.
//!   (wolfSSL fragments only a second ClientHello, `--enable-dtls-frag-ch`, and only when
//!   the server asked for the large share, which ours never does; so no fragmented hello
//!   reaches us from wolfSSL.) Restricted to the hybrid alone (`--pqc X25519MLKEM768`),
//!   wolfSSL must get no connection in either role: its client, sharing no 1.3 group
//!   with our server, is answered in DTLS 1.2 and aborts (a protocol_version alert, which
//!   our server receives); its server answers each of our client's hellos with a
//!   plaintext fatal handshake_failure alert, which our client drops and counts like any
//!   unauthenticated record (it would fail at its handshake timeout; the case stops after
//!   two such alerts);
//! - DTLS 1.2 with wolfSSL capped at `-v 3`: our default (1.3 preferred) must fall back.
//!
//! Every handshake authenticates both sides: wolfSSL trusts exactly our certificate (`-A`
//! with our self-signed certificate) and we require the SHA-256 fingerprint `openssl x509`
//! computes for wolfSSL's. The version, suite and group wolfSSL prints must be the ones we
//! negotiated, the DTLS-SRTP keying material wolfSSL exports must equal ours byte for
//! byte, a line of application data must cross each way, and wolfSSL must exit cleanly.
//!
//! Where wolfSSL comes from: no Debian package carries a DTLS 1.3 wolfSSL, so the suite
//! builds one. Its source is the `wolfssl-src/` directory of the crates.io package
//! `wolfssl-sys` 5.3.0 (wolfSSL 5.9.4), which `cargo fetch` brings into cargo's registry
//! cache through the fetch-only project `xtask/wolfssl-source/` (its Cargo.lock pins the
//! checksum); nothing of wolfSSL is copied into this repository. [`build`] copies the
//! source under `target/`, configures it with autotools ([`CONFIGURE_FLAGS`]) and builds
//! the two example programs, once: a stamp records the flags, and a build with the same
//! flags is reused. `--enable-opensslextra` is what makes the examples export keying
//! material: they keep the handshake secrets (`wolfSSL_KeepArrays`) only in builds with
//! OpenSSL compatibility, and without them wolfSSL derives no exporter secret ("DTLS SRTP:
//! Error getting keying material"). The package leaves out wolfSSL's `certs/`, where the
//! examples look for `certs/dh2048.pem` to find their root directory; `openssl dhparam`
//! makes one.

use super::Context;
use super::dtls_peer::{
    Peer, Wire, drive, free_udp_port, make_certificate, openssl_fingerprint, send_all,
};
use crate::util::{Result, cargo, ensure_apt, output, root, sh};
use chacha20::ChaCha20Rng;
use dtls::internal::dtls13::ClientHello13;
use dtls::internal::{ContentType, HandshakeType, parse_fragments, records};
use dtls::{
    AlertDescription, CipherSuite, Config, Connected, Connection, Event, NamedGroup,
    ProtocolVersion, SRTP_EXPORTER_LABEL, State,
};
use rand_core::SeedableRng;
use serde_json::Value;
use srtp::ProtectionProfile;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The crates.io package whose `wolfssl-src/` is the source we build.
const PACKAGE: &str = "wolfssl-sys";
/// Its version, pinned in `xtask/wolfssl-source/Cargo.toml`.
const PACKAGE_VERSION: &str = "5.3.0";
/// The wolfSSL release that package ships.
const WOLFSSL_VERSION: &str = "5.9.4";

/// wolfSSL's `./configure` options: DTLS 1.3 with connection IDs, DTLS-SRTP, ClientHello
/// fragmentation, X25519 and ML-KEM, OpenSSL compatibility (the examples keep the
/// handshake secrets, hence export keying material, only with it), static libraries.
pub const CONFIGURE_FLAGS: &[&str] = &[
    "--enable-dtls",
    "--enable-dtls13",
    "--enable-dtlscid",
    "--enable-srtp",
    "--enable-dtls-frag-ch",
    "--enable-curve25519",
    "--enable-mlkem",
    "--enable-opensslextra",
    "--disable-shared",
    "--enable-static",
];

/// A built wolfSSL: the source root, holding `examples/server/server` and
/// `examples/client/client`; run them with this as their working directory.
pub struct WolfSsl {
    /// The root of the built tree.
    pub root: PathBuf,
}

impl WolfSsl {
    /// wolfSSL's example server.
    pub fn server(&self) -> PathBuf {
        self.root.join("examples/server/server")
    }

    /// wolfSSL's example client.
    pub fn client(&self) -> PathBuf {
        self.root.join("examples/client/client")
    }
}

/// Builds wolfSSL's example programs under `target/wolfssl-<version>/` (or reuses the
/// build there when it was made with the same flags) and returns where they are. Build
/// logs go to `ctx.dir`.
pub fn build(ctx: &Context) -> Result<WolfSsl> {
    let dir = root().join(format!("target/wolfssl-{WOLFSSL_VERSION}"));
    let wolf = WolfSsl { root: dir.clone() };
    let stamp_path = dir.join(".xtask-build-stamp");
    let stamp = format!(
        "{PACKAGE} {PACKAGE_VERSION}\n{}\n",
        CONFIGURE_FLAGS.join(" ")
    );
    ensure_apt(&[("openssl", "openssl")])?;
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp)
        && wolf.server().is_file()
        && wolf.client().is_file()
    {
        eprintln!(
            "wolfSSL {WOLFSSL_VERSION}: reusing the build in {}",
            dir.display()
        );
        return Ok(wolf);
    }
    ensure_apt(&[
        ("autoreconf", "autoconf"),
        ("automake", "automake"),
        ("libtoolize", "libtool"),
        ("make", "make"),
        ("gcc", "gcc"),
    ])?;
    let source = source()?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    sh(Command::new("cp").arg("-R").arg(source.join(".")).arg(&dir))?;
    let started = Instant::now();
    let log = ctx.dir.join("wolfssl-build.log");
    logged(Command::new("./autogen.sh").current_dir(&dir), &log)?;
    logged(
        Command::new("./configure")
            .args(CONFIGURE_FLAGS)
            .current_dir(&dir),
        &log,
    )?;
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    logged(
        Command::new("make")
            .arg(format!("-j{jobs}"))
            .args(["examples/client/client", "examples/server/server"])
            .current_dir(&dir),
        &log,
    )?;
    // The examples find their root by this file, which the package leaves out.
    output(
        Command::new("openssl")
            .args(["dhparam", "-dsaparam", "-out", "certs/dh2048.pem", "2048"])
            .current_dir(&dir),
    )?;
    if !wolf.server().is_file() || !wolf.client().is_file() {
        return Err(format!(
            "make built no example programs in {}",
            dir.display()
        ));
    }
    std::fs::write(&stamp_path, stamp).map_err(|e| format!("{}: {e}", stamp_path.display()))?;
    eprintln!(
        "wolfSSL {WOLFSSL_VERSION} built in {} s (log: {})",
        started.elapsed().as_secs(),
        log.display()
    );
    Ok(wolf)
}

/// wolfSSL's source: `cargo fetch` of the fetch-only project, then `cargo metadata` to
/// learn where cargo unpacked the package.
fn source() -> Result<PathBuf> {
    let manifest = root().join("xtask/wolfssl-source/Cargo.toml");
    sh(cargo()
        .args(["fetch", "--locked", "--manifest-path"])
        .arg(&manifest))?;
    let meta: Value = serde_json::from_str(&output(
        cargo()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--locked",
                "--offline",
                "--manifest-path",
            ])
            .arg(&manifest),
    )?)
    .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    let package_manifest = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == PACKAGE && p["version"] == PACKAGE_VERSION)
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| format!("cargo metadata lists no {PACKAGE} {PACKAGE_VERSION}"))?;
    let src = Path::new(package_manifest)
        .parent()
        .ok_or("a manifest path without a parent")?
        .join("wolfssl-src");
    let version_h = std::fs::read_to_string(src.join("wolfssl/version.h"))
        .map_err(|e| format!("{}: {e}", src.display()))?;
    if !version_h.contains(&format!("\"{WOLFSSL_VERSION}\"")) {
        return Err(format!(
            "{} is not wolfSSL {WOLFSSL_VERSION}",
            src.display()
        ));
    }
    Ok(src)
}

/// Runs `cmd` with its output appended to `log`; on failure, the error holds the log's end.
fn logged(cmd: &mut Command, log: &Path) -> Result {
    eprintln!(
        "$ {} (output to {})",
        crate::util::describe(cmd),
        log.display()
    );
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let status = cmd
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", crate::util::describe(cmd)))?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(30).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "`{}` failed with {status}; the end of {}:\n{}",
        crate::util::describe(cmd),
        log.display(),
        tail.join("\n")
    ))
}

use super::dtls_peer::SRTP_PROFILES as PROFILES;

/// Our DTLS 1.3 suites with wolfSSL's names for `-l`.
const SUITES13: [(CipherSuite, &str); 2] = [
    (CipherSuite::Tls13Aes128GcmSha256, "TLS13-AES128-GCM-SHA256"),
    (
        CipherSuite::Tls13Chacha20Poly1305Sha256,
        "TLS13-CHACHA20-POLY1305-SHA256",
    ),
];

/// X25519MLKEM768's code point (draft-ietf-tls-ecdhe-mlkem).
const X25519MLKEM768: u16 = 0x11EC;

/// How long one handshake plus data exchange may take.
const RUN_LIMIT: Duration = Duration::from_secs(10);

/// What our side is in a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ours {
    Client,
    Server,
}

/// One handshake against wolfSSL.
#[derive(Clone, Copy)]
struct Case {
    what: &'static str,
    ours: Ours,
    /// wolfSSL's `-v`: 4 for DTLS 1.3, 3 for DTLS 1.2.
    wolf_version: u8,
    /// wolfSSL's `-l`, when the case forces a suite.
    wolf_suites: Option<&'static str>,
    /// wolfSSL client's key-share options (`-t`, `-Y`, `-J`, `--pqc X`).
    wolf_share: &'static [&'static str],
    /// Our only group, when the case forces one.
    our_group: Option<NamedGroup>,
    profile: (ProtectionProfile, &'static str),
    expect_version: ProtocolVersion,
    expect_suite: Option<CipherSuite>,
    expect_group: Option<NamedGroup>,
    /// wolfSSL's first ClientHello must have an empty key_share and X25519MLKEM768 first
    /// in supported_groups.
    hybrid_first_hello: bool,
    /// No connection may come of it.
    refused: bool,
}

const BASE: Case = Case {
    what: "defaults",
    ours: Ours::Client,
    wolf_version: 4,
    wolf_suites: None,
    wolf_share: &[],
    our_group: None,
    profile: PROFILES[0],
    expect_version: ProtocolVersion::Dtls13,
    expect_suite: None,
    expect_group: None,
    hybrid_first_hello: false,
    refused: false,
};

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for ours in [Ours::Client, Ours::Server] {
        let base = Case { ours, ..BASE };
        cases.push(base);
        for (suite, name) in SUITES13 {
            cases.push(Case {
                what: "suite",
                wolf_suites: Some(name),
                expect_suite: Some(suite),
                ..base
            });
        }
        let groups: [(NamedGroup, &'static str, &'static [&'static str]); 2] = [
            (NamedGroup::X25519, "group X25519", &["-t"]),
            (NamedGroup::Secp256r1, "group P-256", &["-Y"]),
        ];
        for (group, what, flag) in groups {
            cases.push(Case {
                what,
                wolf_share: if ours == Ours::Server { flag } else { &[] },
                our_group: (ours == Ours::Client).then_some(group),
                expect_group: Some(group),
                ..base
            });
        }
        for profile in PROFILES {
            cases.push(Case {
                what: "SRTP profile",
                profile,
                ..base
            });
        }
        cases.push(Case {
            what: "DTLS 1.2 peer",
            wolf_version: 3,
            expect_version: ProtocolVersion::Dtls12,
            ..base
        });
    }
    let server = Case {
        ours: Ours::Server,
        ..BASE
    };
    cases.push(Case {
        what: "hybrid preferred",
        wolf_share: &["-J"],
        expect_group: Some(NamedGroup::X25519),
        hybrid_first_hello: true,
        ..server
    });
    for ours in [Ours::Server, Ours::Client] {
        cases.push(Case {
            what: "hybrid only",
            wolf_share: &["--pqc", "X25519MLKEM768"],
            refused: true,
            ours,
            ..BASE
        });
    }
    cases
}

pub fn run(ctx: &Context) -> Result {
    let wolf = build(ctx)?;
    let version = output(
        Command::new(wolf.client())
            .arg("-?")
            .current_dir(&wolf.root),
    )
    .unwrap_or_default();
    eprintln!(
        "peer: {}",
        version
            .lines()
            .next()
            .unwrap_or("wolfSSL (no version printed)")
    );
    make_certificate(&ctx.dir, "wolfssl-server", "prime256v1")?;
    make_certificate(&ctx.dir, "wolfssl-client", "prime256v1")?;
    let mut rows = Vec::new();
    let mut failures = 0;
    for (i, case) in cases().iter().enumerate() {
        let result = if case.refused {
            refused(ctx, &wolf, case, i as u8)
        } else {
            one(ctx, &wolf, case, i as u8)
        };
        let verdict = match result {
            Ok(line) => line,
            Err(e) => {
                failures += 1;
                format!("FAIL: {e}")
            }
        };
        rows.push(format!(
            "{:<7} {:<17} {:<4} {:<33} {:<23} {}",
            format!("{:?}", case.ours).to_lowercase(),
            case.what,
            format!("-v {}", case.wolf_version),
            [case.wolf_suites.unwrap_or(""), &case.wolf_share.join(" ")]
                .join(" ")
                .trim(),
            case.profile.1,
            verdict
        ));
    }
    eprintln!(
        "\nours    case              wolf wolfSSL options                   SRTP profile            result (what both sides negotiated)"
    );
    for r in &rows {
        eprintln!("{r}");
    }
    eprintln!("{} passed, {} failed", rows.len() - failures, failures);
    if failures == 0 {
        Ok(())
    } else {
        Err(format!("{failures} of {} wolfSSL cases failed", rows.len()))
    }
}

/// The files of wolfSSL's side: its certificate and key for its role.
fn wolf_cert(ctx: &Context, ours: Ours) -> (PathBuf, PathBuf) {
    let who = match ours {
        Ours::Client => "wolfssl-server",
        Ours::Server => "wolfssl-client",
    };
    (
        ctx.dir.join(format!("{who}.crt")),
        ctx.dir.join(format!("{who}.key")),
    )
}

/// wolfSSL's command for `case`: the example program of its role with its certificate,
/// our certificate (at `ours_pem`) as the only one it trusts, the SRTP profile, and the
/// case's options.
fn wolf_command(ctx: &Context, wolf: &WolfSsl, case: &Case, ours_pem: &Path, port: u16) -> Command {
    let (crt, key) = wolf_cert(ctx, case.ours);
    let mut cmd = Command::new(match case.ours {
        Ours::Client => wolf.server(),
        Ours::Server => wolf.client(),
    });
    cmd.current_dir(&wolf.root)
        .args(["-u", "-v", &case.wolf_version.to_string()])
        .args(["-p", &port.to_string()])
        .arg("-c")
        .arg(crt)
        .arg("-k")
        .arg(key)
        .arg("-A")
        .arg(ours_pem)
        .args(["--srtp", case.profile.1]);
    if let Some(suites) = case.wolf_suites {
        cmd.args(["-l", suites]);
    }
    cmd.args(case.wolf_share);
    cmd
}

/// Our side of `case` ready to go: the connection, its socket (connected to wolfSSL) and
/// wolfSSL running, with the datagrams already exchanged on the wire record.
struct Running {
    conn: Connection,
    sock: UdpSocket,
    peer: Peer,
    wire: Wire,
    deadline: Instant,
}

fn start(ctx: &Context, wolf: &WolfSsl, case: &Case, seed: u8) -> Result<Running> {
    let cert = dtls::Certificate::generate("rtp-stack").map_err(|e| e.to_string())?;
    let (pem, _) = cert.to_pem().map_err(|e| e.to_string())?;
    let ours_pem = ctx.dir.join(format!("ours-{seed}.crt"));
    std::fs::write(&ours_pem, pem).map_err(|e| format!("{}: {e}", ours_pem.display()))?;
    let mut cfg = Config::new(cert);
    if let Some(g) = case.our_group {
        cfg.groups = vec![g];
    }
    let cfg = Arc::new(cfg);
    let (wolf_crt, _) = wolf_cert(ctx, case.ours);
    let wolf_fp = openssl_fingerprint(&wolf_crt)?;
    let rng = ChaCha20Rng::from_seed([seed; 32]);
    let deadline = Instant::now() + RUN_LIMIT;
    let mut wire = Wire::default();
    match case.ours {
        Ours::Client => {
            let port = free_udp_port()?;
            let ready = ctx.dir.join(format!("ready-{seed}"));
            let _ = std::fs::remove_file(&ready);
            let mut cmd = wolf_command(ctx, wolf, case, &ours_pem, port);
            cmd.arg("-R").arg(&ready);
            let mut peer = Peer::start("wolfSSL", &mut cmd)?;
            while !ready.exists() {
                if Instant::now() > deadline {
                    peer.drain();
                    return Err(format!("wolfSSL's server never got ready:\n{}", peer.seen));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            sock.connect(("127.0.0.1", port))
                .map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(Duration::from_millis(5)))
                .map_err(|e| e.to_string())?;
            let mut conn = Connection::client_with_rng(cfg, rng, Instant::now());
            conn.require_peer_fingerprints(vec![wolf_fp])
                .map_err(|e| e.to_string())?;
            Ok(Running {
                conn,
                sock,
                peer,
                wire,
                deadline,
            })
        }
        Ours::Server => {
            let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let port = sock.local_addr().map_err(|e| e.to_string())?.port();
            sock.set_read_timeout(Some(Duration::from_millis(5)))
                .map_err(|e| e.to_string())?;
            let mut peer = Peer::start(
                "wolfSSL",
                &mut wolf_command(ctx, wolf, case, &ours_pem, port),
            )?;
            let mut buf = vec![0u8; 65536];
            let (n, from) = loop {
                match sock.recv_from(&mut buf) {
                    Ok(x) => break x,
                    Err(_) if Instant::now() < deadline => continue,
                    Err(e) => {
                        peer.drain();
                        return Err(format!("no ClientHello from wolfSSL ({e}):\n{}", peer.seen));
                    }
                }
            };
            sock.connect(from).map_err(|e| e.to_string())?;
            let mut conn = Connection::server_with_rng(cfg, rng, from, Instant::now());
            conn.require_peer_fingerprints(vec![wolf_fp])
                .map_err(|e| e.to_string())?;
            wire.theirs.push(buf[..n].to_vec());
            conn.handle_datagram(Instant::now(), &buf[..n])
                .map_err(|e| e.to_string())?;
            Ok(Running {
                conn,
                sock,
                peer,
                wire,
                deadline,
            })
        }
    }
}

/// The line our side sends; wolfSSL prints what it reads.
const OURS_LINE: &str = "from-rust!";
/// What wolfSSL's server answers a client's message with.
pub(super) const WOLF_SERVER_LINE: &str = "I hear you fa shizzle!";
/// What wolfSSL's client sends first.
pub(super) const WOLF_CLIENT_LINE: &str = "hello wolfssl!";

/// One handshake with data both ways; returns what was negotiated, for the table.
fn one(ctx: &Context, wolf: &WolfSsl, case: &Case, seed: u8) -> Result<String> {
    let Running {
        mut conn,
        sock,
        mut peer,
        mut wire,
        deadline,
    } = start(ctx, wolf, case, seed)?;
    let mut connected: Option<Connected> = None;
    let mut exported = Vec::new();
    let mut sent = false;
    let mut got = false;
    let theirs_line = match case.ours {
        Ours::Client => WOLF_SERVER_LINE,
        Ours::Server => WOLF_CLIENT_LINE,
    };
    drive(
        &mut conn,
        &sock,
        &mut peer,
        &mut wire,
        deadline,
        |conn, _, ev| {
            match ev {
                Some(Event::Connected(info)) => {
                    // Exported now: wolfSSL closes right after its line, and a closed
                    // connection keeps no keys.
                    exported = conn
                        .export_keying_material(
                            SRTP_EXPORTER_LABEL,
                            case.profile.0.keying_material_len(),
                        )
                        .map_err(|e| e.to_string())?
                        .to_vec();
                    conn.srtp_contexts()
                        .map_err(|e| e.to_string())?
                        .ok_or("no SRTP contexts")?;
                    connected = Some(*info);
                }
                Some(Event::ApplicationData(d))
                    if String::from_utf8_lossy(&d).contains(theirs_line) =>
                {
                    got = true
                }
                Some(Event::AlertReceived(a)) if a.description != AlertDescription::CloseNotify => {
                    return Err(format!("wolfSSL sent {a:?}"));
                }
                _ => {}
            }
            if connected.is_none() {
                return Ok(false);
            }
            // Our client speaks first; our server answers the client's line.
            if !sent && (case.ours == Ours::Client || got) {
                conn.send_application_data(format!("{OURS_LINE}\n").as_bytes())
                    .map_err(|e| e.to_string())?;
                sent = true;
            }
            // wolfSSL exits once it has printed our line, but its output reaches us only
            // then (block-buffered): checked after it exits.
            Ok(got && sent)
        },
    )
    .map_err(|e| with_exit(&mut peer, e))?;
    conn.close();
    send_all(&mut conn, &sock, &mut wire)?;
    let status = peer.wait_exit(deadline)?;
    if !status.success() {
        return Err(format!("wolfSSL exited with {status}:\n{}", peer.seen));
    }
    if !peer.seen.contains(OURS_LINE) {
        return Err(format!("wolfSSL did not print our line:\n{}", peer.seen));
    }
    let info = connected.ok_or("no Connected event")?;
    let summary = check(case, &exported, &info, &peer)
        .map_err(|e| format!("{e}; wolfSSL printed:\n{}", peer.seen))?;
    if case.hybrid_first_hello {
        check_hybrid_hellos(&wire)?;
    }
    Ok(format!("PASS ({summary})"))
}

/// `error` with how wolfSSL ended (its output is block-buffered into our pipe, so most of
/// it arrives only when it exits).
fn with_exit(peer: &mut Peer, error: String) -> String {
    match peer.wait_exit(Instant::now() + Duration::from_secs(2)) {
        Ok(status) => format!("{error}\nwolfSSL exited with {status}:\n{}", peer.seen),
        Err(e) => format!("{error}\n{e}"),
    }
}

/// A case that must not connect: wolfSSL must fail and our side must never report a
/// connection.
fn refused(ctx: &Context, wolf: &WolfSsl, case: &Case, seed: u8) -> Result<String> {
    let Running {
        mut conn,
        sock,
        mut peer,
        mut wire,
        deadline,
    } = start(ctx, wolf, case, seed)?;
    let outcome = drive(
        &mut conn,
        &sock,
        &mut peer,
        &mut wire,
        deadline,
        |conn, peer, ev| {
            if let Some(Event::Connected(info)) = ev {
                return Err(format!("connected anyway: {info:?}"));
            }
            peer.drain();
            // wolfSSL's server answers each of our hellos with a plaintext alert, which we
            // drop unauthenticated, and waits on: two of them (one answering our
            // retransmission) are enough.
            Ok(peer.has_exited() || conn.dropped_records() >= 2)
        },
    );
    let ours_why = match outcome {
        Err(e) if e.starts_with("connected anyway") => return Err(e),
        // Our side failing (an alert received, a refused hello) is the expected end too.
        Err(e) => e
            .lines()
            .next()
            .unwrap_or("")
            .split("; wolfSSL printed")
            .next()
            .unwrap_or("")
            .to_string(),
        Ok(()) => "no error".to_string(),
    };
    if case.ours == Ours::Client {
        // A fatal handshake_failure in a plaintext record, nothing else.
        let alert = [0x15, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40];
        let answers = wire.theirs.len();
        if answers < 2
            || wire
                .theirs
                .iter()
                .any(|d| d[..3] != alert[..3] || d[11..] != alert[11..])
        {
            return Err(format!("wolfSSL answered {:02x?}", wire.theirs));
        }
        if conn.dropped_records() < answers as u64 || conn.state() == State::Connected {
            return Err(format!(
                "we dropped {} of wolfSSL's {answers} alerts, state {:?}",
                conn.dropped_records(),
                conn.state()
            ));
        }
        return Ok(format!(
            "PASS (refused: wolfSSL sent {answers} plaintext fatal handshake_failure \
             alerts, all dropped unauthenticated; ours {:?}, failing at its handshake timeout)",
            conn.state()
        ));
    }
    let status = peer.wait_exit(deadline)?;
    if status.success() {
        return Err(format!("wolfSSL exited successfully:\n{}", peer.seen));
    }
    {
        let first = wire.theirs.first().ok_or("wolfSSL sent nothing")?;
        let groups = hello_groups(first)?;
        if groups.0 != [X25519MLKEM768] {
            return Err(format!(
                "wolfSSL's hello supports {:04x?}, the case expects X25519MLKEM768 alone",
                groups.0
            ));
        }
    }
    let why = peer
        .seen
        .lines()
        .find(|l| l.contains("error") || l.contains("err"))
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(format!(
        "PASS (refused; ours: {:?}, {ours_why}; wolfSSL: {why})",
        conn.state()
    ))
}

/// What wolfSSL printed against what we negotiated and exported; returns a summary.
fn check(case: &Case, ours: &[u8], info: &Connected, peer: &Peer) -> Result<String> {
    if info.version != case.expect_version {
        return Err(format!("we negotiated {:?}", info.version));
    }
    if case.expect_suite.is_some_and(|s| s != info.cipher_suite) {
        return Err(format!("we negotiated {:?}", info.cipher_suite));
    }
    if case
        .expect_group
        .is_some_and(|g| g != info.key_exchange_group)
    {
        return Err(format!("we negotiated {:?}", info.key_exchange_group));
    }
    if info.srtp_profile != Some(case.profile.0) {
        return Err(format!("we negotiated SRTP {:?}", info.srtp_profile));
    }
    let version = match info.version {
        ProtocolVersion::Dtls12 => "DTLSv1.2",
        ProtocolVersion::Dtls13 => "DTLSv1.3",
    };
    let group = match info.key_exchange_group {
        NamedGroup::X25519 => "X25519",
        NamedGroup::Secp256r1 => "SECP256R1",
        NamedGroup::Secp384r1 => "SECP384R1",
    };
    for (key, ours) in [
        ("SSL version is ", version),
        ("SSL cipher suite is ", info.cipher_suite.name()),
        ("SSL curve name is ", group),
    ] {
        let theirs = peer.value_after(key);
        if theirs.as_deref() != Some(ours) {
            return Err(format!("wolfSSL printed `{key}{theirs:?}`, we have {ours}"));
        }
    }
    let theirs = peer
        .value_after("DTLS SRTP: Exported key material:")
        .ok_or("wolfSSL printed no keying material")?;
    let ours_hex: String = ours.iter().map(|b| format!("{b:02X}")).collect();
    if !theirs.eq_ignore_ascii_case(&ours_hex) {
        return Err(format!(
            "keying material differs:\n wolfSSL {theirs}\n ours    {ours_hex}"
        ));
    }
    if info.peer_fingerprint.is_none() {
        return Err("we saw no certificate from wolfSSL".into());
    }
    Ok(format!(
        "{version} {} {group}, {} key bytes equal",
        info.cipher_suite.name(),
        ours.len()
    ))
}

/// The first ClientHello wolfSSL sent: (supported_groups, key_share groups).
fn hello_groups(datagram: &[u8]) -> Result<(Vec<u16>, Vec<u16>)> {
    let record = records(datagram)
        .next()
        .ok_or("an empty datagram")?
        .map_err(|e| e.to_string())?;
    if record.header.content_type != ContentType::Handshake {
        return Err(format!("a {:?} record", record.header.content_type));
    }
    let fragments = parse_fragments(record.fragment).map_err(|e| e.to_string())?;
    let f = fragments.first().ok_or("no handshake fragment")?;
    if f.header.msg_type != HandshakeType::ClientHello
        || f.header.fragment_offset != 0
        || f.header.fragment_length != f.header.length
    {
        return Err(format!("not a whole ClientHello: {:?}", f.header));
    }
    let ch = ClientHello13::parse(f.body).map_err(|e| e.to_string())?;
    let shares = ch
        .key_shares()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(g, _)| g)
        .collect();
    let groups = ch
        .extensions
        .get(10)
        .ok_or("no supported_groups")?
        .get(2..)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    Ok((groups, shares))
}

/// wolfSSL's first hello: an empty key_share with X25519MLKEM768 first among its groups
/// (it had no room for that share); its second: an X25519 share, the group our
/// HelloRetryRequest named.
fn check_hybrid_hellos(wire: &Wire) -> Result {
    let first = wire.theirs.first().ok_or("wolfSSL sent nothing")?;
    let (groups, shares) = hello_groups(first)?;
    if groups.first() != Some(&X25519MLKEM768)
        || !groups.contains(&NamedGroup::X25519.to_u16())
        || !shares.is_empty()
    {
        return Err(format!(
            "wolfSSL's first hello: supported_groups {groups:04x?}, key_share {shares:04x?}"
        ));
    }
    let second = wire.theirs.get(1).ok_or("no second ClientHello")?;
    let (_, shares) = hello_groups(second)?;
    if shares != [NamedGroup::X25519.to_u16()] {
        return Err(format!("wolfSSL's second hello shares {shares:04x?}"));
    }
    Ok(())
}
