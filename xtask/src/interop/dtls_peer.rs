//! What the suites that drive our [`dtls::Connection`] against a DTLS program (OpenSSL's
//! `s_server`/`s_client`, wolfSSL's example server and client) share: the peer process
//! whose output lines arrive on a channel, the loop that drives our connection over a
//! loopback socket while recording every datagram, and the certificates and fingerprints
//! made and read with the `openssl` command.

use crate::util::{Result, output};
use dtls::{Connection, Event};
use srtp::ProtectionProfile;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Every datagram of one run, in the order it crossed the socket.
#[derive(Default)]
pub(super) struct Wire {
    /// What we sent.
    pub(super) ours: Vec<Vec<u8>>,
    /// What the peer sent.
    pub(super) theirs: Vec<Vec<u8>>,
}

pub(super) fn make_certificate(dir: &Path, who: &str, curve: &str) -> Result {
    let key = dir.join(format!("{who}.key"));
    let crt = dir.join(format!("{who}.crt"));
    output(
        Command::new("openssl")
            .args(["ecparam", "-name", curve, "-genkey", "-noout", "-out"])
            .arg(&key),
    )?;
    output(
        Command::new("openssl")
            .args(["req", "-new", "-x509", "-days", "2", "-subj"])
            .arg(format!("/CN=openssl-{who}"))
            .arg("-key")
            .arg(&key)
            .arg("-out")
            .arg(&crt),
    )?;
    Ok(())
}

/// The SHA-256 fingerprint of a certificate file as OpenSSL computes it
/// (`openssl x509 -fingerprint -sha256`), in the RFC 8122 form our connection checks.
pub(super) fn openssl_fingerprint(crt: &Path) -> Result<dtls::Fingerprint> {
    let printed = output(
        Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(crt),
    )?;
    let hex = printed
        .trim()
        .split_once('=')
        .map(|(_, hex)| hex)
        .ok_or_else(|| format!("unexpected `openssl x509 -fingerprint` output: {printed}"))?;
    format!("sha-256 {hex}")
        .parse()
        .map_err(|e| format!("fingerprint `{hex}` from openssl: {e}"))
}

/// The SRTP profiles our DTLS and the peers (OpenSSL, wolfSSL) all speak, with the names
/// RFC 5764 and both programs give them.
pub(super) const SRTP_PROFILES: [(ProtectionProfile, &str); 4] = [
    (
        ProtectionProfile::AesCm128HmacSha1_80,
        "SRTP_AES128_CM_SHA1_80",
    ),
    (
        ProtectionProfile::AesCm128HmacSha1_32,
        "SRTP_AES128_CM_SHA1_32",
    ),
    (ProtectionProfile::AeadAes128Gcm, "SRTP_AEAD_AES_128_GCM"),
    (ProtectionProfile::AeadAes256Gcm, "SRTP_AEAD_AES_256_GCM"),
];

/// A peer process whose output lines (stdout and stderr) arrive on a channel.
pub(super) struct Peer {
    /// The program's name, for messages.
    pub(super) name: &'static str,
    child: Child,
    pub(super) stdin: ChildStdin,
    lines: Receiver<String>,
    /// Everything it printed so far (as of the last [`Peer::drain`]).
    pub(super) seen: String,
}

impl Peer {
    /// Starts `cmd` (named `name` in messages) with its three streams piped.
    pub(super) fn start(name: &'static str, cmd: &mut Command) -> Result<Self> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let (tx, rx) = channel();
        let out = child.stdout.take().ok_or("no stdout")?;
        let err = child.stderr.take().ok_or("no stderr")?;
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx2.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Peer {
            name,
            child,
            stdin,
            lines: rx,
            seen: String::new(),
        })
    }

    /// Moves the lines printed so far into [`Peer::seen`].
    pub(super) fn drain(&mut self) {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push_str(&l);
            self.seen.push('\n');
        }
    }

    /// Waits until the peer has printed `needle`.
    pub(super) fn wait_for(&mut self, needle: &str, deadline: Instant) -> Result {
        loop {
            self.drain();
            if self.seen.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} never printed `{needle}`; it printed:\n{}",
                    self.name, self.seen
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether the process has exited.
    pub(super) fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the process to exit (at most until `deadline`) and collects what it
    /// printed; its exit status.
    pub(super) fn wait_exit(&mut self, deadline: Instant) -> Result<std::process::ExitStatus> {
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Its last lines may still be on their way through the reader
                    // threads: read until both have seen the end of their pipe.
                    loop {
                        let left = deadline.saturating_duration_since(Instant::now());
                        match self
                            .lines
                            .recv_timeout(left.max(Duration::from_millis(100)))
                        {
                            Ok(line) => {
                                self.seen.push_str(&line);
                                self.seen.push('\n');
                            }
                            Err(_) => break,
                        }
                    }
                    return Ok(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => {
                    self.drain();
                    return Err(format!("{} did not exit:\n{}", self.name, self.seen));
                }
                Err(e) => return Err(format!("waiting for {}: {e}", self.name)),
            }
        }
    }

    /// The value after `key` on the line that holds it.
    pub(super) fn value_after(&self, key: &str) -> Option<String> {
        self.seen
            .lines()
            .find_map(|l| l.split_once(key).map(|(_, v)| v.trim().to_string()))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A UDP port on loopback that was free a moment ago (for a peer that needs one given).
pub(super) fn free_udp_port() -> Result<u16> {
    let s = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(s.local_addr().map_err(|e| e.to_string())?.port())
}

/// Drives `conn` over `sock` until `done` says so or the deadline passes.
pub(super) fn drive(
    conn: &mut Connection,
    sock: &UdpSocket,
    peer: &mut Peer,
    wire: &mut Wire,
    deadline: Instant,
    mut step: impl FnMut(&mut Connection, &mut Peer, Option<Event>) -> Result<bool>,
) -> Result {
    let mut buf = vec![0u8; 65536];
    loop {
        send_all(conn, sock, wire)?;
        let mut finished = step(conn, peer, None)?;
        while let Some(ev) = conn.poll_event() {
            finished |= step(conn, peer, Some(ev))?;
        }
        send_all(conn, sock, wire)?;
        if finished {
            return Ok(());
        }
        if Instant::now() > deadline {
            peer.drain();
            return Err(format!("timed out; {} printed:\n{}", peer.name, peer.seen));
        }
        match sock.recv(&mut buf) {
            Ok(n) => {
                wire.theirs.push(buf[..n].to_vec());
                conn.handle_datagram(Instant::now(), &buf[..n])
                    .map_err(|e| {
                        format!(
                            "our side failed: {e}; {} printed:\n{}",
                            peer.name, peer.seen
                        )
                    })?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                peer.drain();
                return Err(format!("recv: {e}; {} printed:\n{}", peer.name, peer.seen));
            }
        }
        conn.handle_timeout(Instant::now())
            .map_err(|e| e.to_string())?;
    }
}

/// Sends every datagram `conn` has queued, keeping a copy on the wire record.
pub(super) fn send_all(conn: &mut Connection, sock: &UdpSocket, wire: &mut Wire) -> Result {
    while let Some(d) = conn.poll_transmit() {
        sock.send(d).map_err(|e| format!("send: {e}"))?;
        wire.ours.push(d.to_vec());
    }
    Ok(())
}
