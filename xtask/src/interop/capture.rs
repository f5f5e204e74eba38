//! A loopback capture by `dumpcap`, shared by the suites that read our packets back with
//! tshark (`dscp`, `rtpx`, `session-capture`), and the line `secure_call` prints to name
//! its two endpoints.
//!
//! [`Dumpcap::start`] returns once dumpcap has created its file (and a moment more, since
//! the file appears a little before the capture is live), so that nothing the suite sends
//! afterwards is missed; [`Dumpcap::stop`] sends SIGINT so dumpcap completes the file.

use crate::util::{Result, ensure_apt, sh};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long dumpcap gets to create its file, and to exit after SIGINT.
const DUMPCAP_WAIT: Duration = Duration::from_secs(10);

/// A running `dumpcap -i lo`.
pub(super) struct Dumpcap(Child);

impl Dumpcap {
    /// Captures loopback traffic matching the BPF `filter` into `pcap` (replaced if it
    /// exists).
    pub(super) fn start(filter: &str, pcap: &Path) -> Result<Dumpcap> {
        ensure_apt(&[("dumpcap", "wireshark-common")])?;
        let _ = std::fs::remove_file(pcap);
        let child = Command::new("dumpcap")
            .args(["-q", "-i", "lo", "-f", filter, "-w"])
            .arg(pcap)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start dumpcap: {e}"))?;
        let mut capture = Dumpcap(child);
        let start = Instant::now();
        while !pcap.exists() {
            if let Some(status) = capture.0.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("dumpcap exited with {status} before capturing"));
            }
            if start.elapsed() > DUMPCAP_WAIT {
                let _ = capture.stop();
                return Err("dumpcap did not start capturing within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        Ok(capture)
    }

    /// Lets the last datagrams reach the file, then stops dumpcap with SIGINT (by its
    /// process id) so it completes the file.
    pub(super) fn stop(mut self) -> Result {
        std::thread::sleep(Duration::from_millis(500));
        sh(Command::new("kill").args(["-INT", &self.0.id().to_string()]))?;
        let start = Instant::now();
        while self.0.try_wait().map_err(|e| e.to_string())?.is_none() {
            if start.elapsed() > DUMPCAP_WAIT {
                let _ = self.0.kill();
                return Err("dumpcap did not stop within 10 s of SIGINT".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// The ports of `secure_call`'s two endpoints, from the line it prints
/// (`alice A <-> relay R1 | R2 <-> bob B`).
pub(super) fn secure_call_ports(printed: &str) -> Result<(u16, u16)> {
    let line = printed
        .lines()
        .find(|l| l.starts_with("alice ") && l.contains("<-> bob"))
        .ok_or("secure_call printed no `alice ... <-> bob ...` line")?;
    let port = |word: Option<&str>| -> Result<u16> {
        word.and_then(|w| w.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("no address in `{line}`"))
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    Ok((port(words.get(1).copied())?, port(words.last().copied())?))
}
