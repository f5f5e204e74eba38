//! DTLS connection IDs against wolfSSL (RFC 9146 in DTLS 1.2, RFC 9147 §9 in DTLS 1.3):
//! our client against wolfSSL's example server and our server against its example client,
//! over loopback UDP, in both versions, with CIDs both ways and one way (wolfSSL asks for
//! one, we ask for none: a zero-length CID). In each case both sides must report the CID
//! extension negotiated and the CIDs each asked for, application data must cross both
//! ways, and the datagrams on the wire must carry the CIDs: every protected record wolfSSL
//! sends us must be a DTLS 1.2 `tls12_cid` record (content type 25) or a DTLS 1.3 unified
//! header with the C bit, holding our CID, when we asked for one, and none of them when
//! we asked for none; ours must carry wolfSSL's. One more case has our client offer DTLS
//! 1.3 and 1.2 together (its default) to wolfSSL's 1.2 server: the CID negotiated in the
//! 1.3-shaped ClientHello must carry over to the 1.2 handshake it falls back to.
//!
//! The peer: wolfSSL's `examples/server/server` and `examples/client/client` built with
//! at least `--enable-dtls --enable-dtls13 --enable-dtlscid --enable-srtp` (the `wolfssl`
//! suite's build, `super::wolfssl::build`, which `cargo xtask interop dtls-cid` reuses),
//! run from the wolfSSL tree (`wolfssl_root`). `--cid <string>` makes them ask for that CID (its ASCII bytes);
//! they print "CID extension was negotiated" and "Sending CID is `<hex>`". wolfSSL prefers
//! TLS_AES_256_GCM_SHA384 in DTLS 1.3, which we do not speak, so the 1.3 cases pass `-l
//! TLS13-AES128-GCM-SHA256`; the 1.2 cases leave its suites alone. Both sides run with our
//! library's default settings otherwise (use_srtp with SRTP_AES128_CM_SHA1_80, wolfSSL's
//! `--srtp` default); certificates are P-256 ones we generate, each side given the other's.

use super::Context;
use super::dtls_peer::{Peer, Wire, drive};
use crate::util::Result;
use dtls::{Certificate, Config, Connection, ConnectionId, Event, HashFunction, ProtocolVersion};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The CID wolfSSL asks for in every case (`--cid abcd`).
const THEIR_CID: &[u8] = b"abcd";
/// How long one case may take.
const CASE_LIMIT: Duration = Duration::from_secs(15);

/// Which side we play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Server,
}

struct Case {
    role: Role,
    version: ProtocolVersion,
    /// The CID we ask for (empty: "we send CIDs but want none").
    ours: &'static [u8],
    /// Our client offers DTLS 1.3 and 1.2 (the default) to a 1.2 server, which answers in
    /// 1.2: the CID extension carries over to the 1.2 handshake.
    offers_13: bool,
}

/// Runs every case against the wolfSSL example programs in `wolfssl_root`.
pub fn run_cid_cases(ctx: &Context, wolfssl_root: &Path) -> Result<()> {
    let server = wolfssl_root.join("examples/server/server");
    let client = wolfssl_root.join("examples/client/client");
    for p in [&server, &client] {
        if !p.is_file() {
            return Err(format!(
                "{} is missing: build wolfSSL with --enable-dtls --enable-dtls13 \
                 --enable-dtlscid --enable-srtp first",
                p.display()
            ));
        }
    }
    let mut cases = Vec::new();
    for version in [ProtocolVersion::Dtls12, ProtocolVersion::Dtls13] {
        for role in [Role::Client, Role::Server] {
            for ours in [&[0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8][..], &[]] {
                cases.push(Case {
                    role,
                    version,
                    ours,
                    offers_13: false,
                });
            }
        }
    }
    cases.push(Case {
        role: Role::Client,
        version: ProtocolVersion::Dtls12,
        // Bytes of two hex digits: the example prints each byte with `%x`.
        ours: &[0xA0, 0xB0],
        offers_13: true,
    });
    let mut failed = Vec::new();
    for case in &cases {
        let name = format!(
            "our {:?}{} vs wolfSSL, {:?}, our CID {}, theirs {}",
            case.role,
            if case.offers_13 {
                " offering 1.3 and 1.2"
            } else {
                ""
            },
            case.version,
            hex(case.ours),
            hex(THEIR_CID)
        );
        match run_case(ctx, wolfssl_root, case) {
            Ok(summary) => eprintln!("  ok   {name}: {summary}"),
            Err(e) => {
                eprintln!("  FAIL {name}: {e}");
                failed.push(name);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} case(s) failed: {}",
            failed.len(),
            failed.join("; ")
        ))
    }
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "(empty)".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes a certificate and its key as PEM files named after `who`.
fn write_pem(dir: &Path, who: &str, cert: &Certificate) -> Result<(PathBuf, PathBuf)> {
    let (c, k) = cert.to_pem().map_err(|e| e.to_string())?;
    let (cp, kp) = (
        dir.join(format!("{who}.pem")),
        dir.join(format!("{who}.key")),
    );
    std::fs::write(&cp, c).map_err(|e| e.to_string())?;
    std::fs::write(&kp, k.as_bytes()).map_err(|e| e.to_string())?;
    Ok((cp, kp))
}

/// Whether a datagram holds a record carrying a CID: a DTLS 1.2 `tls12_cid` record (type
/// 25) or a DTLS 1.3 unified header with the C bit. Records before it are walked by their
/// plaintext headers (a unified header ends the walk: its CID length is the receiver's).
fn carries_cid(mut d: &[u8]) -> bool {
    while let Some(&first) = d.first() {
        if dtls::internal::dtls13::is_unified(first) {
            return first & dtls::internal::dtls13::CID_BIT != 0;
        }
        if first == dtls::internal::TLS12_CID {
            return true;
        }
        let Some(len) = d.get(11..13) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        d = d.get(13 + len..).unwrap_or_default();
    }
    false
}

/// Whether a datagram holds a protected record (epoch 1 and up in DTLS 1.2, a unified
/// header in 1.3).
fn protected(mut d: &[u8]) -> bool {
    while let Some(&first) = d.first() {
        if dtls::internal::dtls13::is_unified(first) || first == dtls::internal::TLS12_CID {
            return true;
        }
        let Some(h) = d.get(..13) else {
            return false;
        };
        if h[3] != 0 || h[4] != 0 {
            return true;
        }
        let len = usize::from(u16::from_be_bytes([h[11], h[12]]));
        d = d.get(13 + len..).unwrap_or_default();
    }
    false
}

fn run_case(ctx: &Context, root: &Path, case: &Case) -> Result<String> {
    let ours_cert = Certificate::generate("rtp-stack").map_err(|e| e.to_string())?;
    let theirs_cert = Certificate::generate("wolfssl").map_err(|e| e.to_string())?;
    let tag = format!(
        "{:?}-{:?}-{}",
        case.role,
        case.version,
        if case.ours.is_empty() {
            "oneway"
        } else {
            "both"
        }
    );
    let (our_pem, _) = write_pem(&ctx.dir, &format!("ours-{tag}"), &ours_cert)?;
    let (their_pem, their_key) = write_pem(&ctx.dir, &format!("wolfssl-{tag}"), &theirs_cert)?;
    let mut cfg = Config::new(ours_cert);
    cfg.max_version = if case.offers_13 {
        ProtocolVersion::Dtls13
    } else {
        case.version
    };
    cfg.connection_id = Some(ConnectionId::new(case.ours.to_vec()).map_err(|e| e.to_string())?);
    let cfg = Arc::new(cfg);
    let their_fp = theirs_cert.fingerprint(HashFunction::Sha256);

    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_millis(10)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + CASE_LIMIT;
    let program = match case.role {
        Role::Client => root.join("examples/server/server"),
        Role::Server => root.join("examples/client/client"),
    };
    let port = match case.role {
        // wolfSSL listens on a port we pick: one just freed.
        Role::Client => {
            let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            probe.local_addr().map_err(|e| e.to_string())?.port()
        }
        Role::Server => sock.local_addr().map_err(|e| e.to_string())?.port(),
    };
    let mut cmd = Command::new(&program);
    cmd.current_dir(root)
        .args(["-u", "-v"])
        .arg(if case.version == ProtocolVersion::Dtls13 {
            "4"
        } else {
            "3"
        })
        .args(["-p", &port.to_string()])
        .arg("-c")
        .arg(&their_pem)
        .arg("-k")
        .arg(&their_key)
        .arg("-A")
        .arg(&our_pem)
        .arg("--srtp")
        .args(["--cid", std::str::from_utf8(THEIR_CID).unwrap_or("abcd")]);
    if case.version == ProtocolVersion::Dtls13 {
        cmd.args(["-l", "TLS13-AES128-GCM-SHA256"]);
    }
    let mut peer = Peer::start("wolfSSL", &mut cmd)?;

    let mut conn = match case.role {
        Role::Client => {
            // Give the server a moment to bind; our retransmissions cover the rest.
            std::thread::sleep(Duration::from_millis(200));
            sock.connect(("127.0.0.1", port))
                .map_err(|e| e.to_string())?;
            Connection::client(cfg, Instant::now()).map_err(|e| e.to_string())?
        }
        Role::Server => {
            let mut buf = [0u8; 2048];
            let (n, from) = loop {
                match sock.recv_from(&mut buf) {
                    Ok(r) => break r,
                    Err(_) if Instant::now() < deadline => continue,
                    Err(e) => {
                        peer.drain();
                        return Err(format!(
                            "no ClientHello ({e}); wolfSSL printed:\n{}",
                            peer.seen
                        ));
                    }
                }
            };
            sock.connect(from).map_err(|e| e.to_string())?;
            let mut c = Connection::server(cfg, from, Instant::now()).map_err(|e| e.to_string())?;
            c.require_peer_fingerprints(vec![their_fp.clone()])
                .map_err(|e| e.to_string())?;
            c.handle_datagram(Instant::now(), &buf[..n])
                .map_err(|e| e.to_string())?;
            c
        }
    };
    if case.role == Role::Client {
        conn.require_peer_fingerprints(vec![their_fp])
            .map_err(|e| e.to_string())?;
    }

    // What each side says it got from the other.
    let (our_text, their_text): (&[u8], &str) = match case.role {
        Role::Client => (b"hello from rust\n", super::wolfssl::WOLF_SERVER_LINE),
        Role::Server => (
            b"hello from rust server\n",
            super::wolfssl::WOLF_CLIENT_LINE,
        ),
    };
    let mut wire = Wire::default();
    let (mut connected, mut got_theirs, mut sent_ours) = (false, false, false);
    let outcome = drive(
        &mut conn,
        &sock,
        &mut peer,
        &mut wire,
        deadline,
        |conn, peer, ev| {
            match ev {
                Some(Event::Connected(_)) => connected = true,
                Some(Event::ApplicationData(d))
                    if d.windows(their_text.len())
                        .any(|w| w == their_text.as_bytes()) =>
                {
                    got_theirs = true
                }
                Some(Event::AlertReceived(_)) if connected && got_theirs => {}
                Some(Event::AlertReceived(a)) => {
                    peer.drain();
                    return Err(format!("wolfSSL sent {a:?}; it printed:\n{}", peer.seen));
                }
                _ => {}
            }
            // Our client speaks first (the example server answers what it reads); our server
            // answers the example client's message.
            let our_turn = match case.role {
                Role::Client => connected,
                Role::Server => got_theirs,
            };
            if our_turn && !sent_ours {
                conn.send_application_data(our_text)
                    .map_err(|e| e.to_string())?;
                sent_ours = true;
            }
            Ok(sent_ours && got_theirs)
        },
    );
    outcome.map_err(|e| format!("{e} (connected {connected}, got theirs {got_theirs})"))?;
    let our_line = std::str::from_utf8(our_text)
        .unwrap_or_default()
        .trim_end()
        .to_string();
    peer.wait_for(&our_line, deadline)?;
    peer.wait_for("CID extension was negotiated", deadline)?;
    if !case.ours.is_empty() {
        peer.wait_for(&format!("Sending CID is {}", hex(case.ours)), deadline)?;
    }
    conn.close();
    while let Some(d) = conn.poll_transmit() {
        let _ = sock.send(d);
    }

    // Our view of the negotiation.
    let local = conn.local_connection_id().map(|c| c.as_bytes().to_vec());
    let peer_cid = conn.peer_connection_id().map(|c| c.as_bytes().to_vec());
    if local.as_deref() != Some(case.ours) || peer_cid.as_deref() != Some(THEIR_CID) {
        return Err(format!(
            "we negotiated local {local:02x?} and peer {peer_cid:02x?}"
        ));
    }
    if conn.protocol_version() != Some(case.version) {
        return Err(format!("version {:?}", conn.protocol_version()));
    }
    // The wire: every protected datagram wolfSSL sent carries a CID exactly when we asked
    // for one, and it is ours; every one of ours carries wolfSSL's.
    let theirs_protected: Vec<&Vec<u8>> = wire.theirs.iter().filter(|d| protected(d)).collect();
    let ours_protected: Vec<&Vec<u8>> = wire.ours.iter().filter(|d| protected(d)).collect();
    if theirs_protected.is_empty() || ours_protected.is_empty() {
        return Err("no protected datagrams on the wire".into());
    }
    for d in &theirs_protected {
        let has = carries_cid(d);
        let want = !case.ours.is_empty();
        if has != want {
            return Err(format!(
                "wolfSSL sent a protected datagram with CID {has}: {:02x?}",
                &d[..d.len().min(24)]
            ));
        }
        if has && dtls::connection_id(d, case.ours.len()) != Some(case.ours) {
            return Err(format!(
                "wolfSSL's datagram does not carry our CID: {:02x?}",
                &d[..d.len().min(24)]
            ));
        }
    }
    for d in &ours_protected {
        if dtls::connection_id(d, THEIR_CID.len()) != Some(THEIR_CID) {
            return Err(format!(
                "our datagram does not carry wolfSSL's CID: {:02x?}",
                &d[..d.len().min(24)]
            ));
        }
    }
    let type25 = |v: &[&Vec<u8>]| v.iter().filter(|d| d.first() == Some(&25)).count();
    let cbit = |v: &[&Vec<u8>]| {
        v.iter()
            .filter(|d| {
                d.first()
                    .is_some_and(|b| dtls::internal::dtls13::is_unified(*b) && b & 0x10 != 0)
            })
            .count()
    };
    Ok(format!(
        "{} protected datagrams from wolfSSL ({} tls12_cid, {} with the C bit), {} of ours ({} tls12_cid, {} with the C bit)",
        theirs_protected.len(),
        type25(&theirs_protected),
        cbit(&theirs_protected),
        ours_protected.len(),
        type25(&ours_protected),
        cbit(&ours_protected),
    ))
}
