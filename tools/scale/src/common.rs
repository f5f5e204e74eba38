//! What the measurement programs share: keys, packets, the sessions' configuration and
//! the resident memory of the process.

use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use rtp_session::{Config, Security, SeedableRng, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The SRTP profile of every measured stream (the common SDES profile, RFC 4568 §6.2.1).
pub const PROFILE: ProtectionProfile = ProtectionProfile::AesCm128HmacSha1_80;
/// G.711 at 8 kHz in 20 ms packets: 160 samples, 160 payload octets.
pub const SAMPLES: u32 = 160;
/// The packet interval of G.711 in 20 ms packets.
pub const PACKET_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);
/// One packet's payload (µ-law silence).
pub const PAYLOAD: [u8; SAMPLES as usize] = [0xff; SAMPLES as usize];

/// Which way a key protects: from the load generator to the server, or back.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// The load generator (or the receive-path sender) protects, the session unprotects.
    ToServer,
    /// The session protects, the load generator unprotects.
    ToLoad,
}

/// The master key and salt of `profile` for session `index` in `direction`, different
/// for every session and direction, as signalling would hand out.
pub fn master_key_for(
    profile: ProtectionProfile,
    index: u32,
    direction: Direction,
) -> Result<MasterKey, String> {
    let mut material = [0u8; 64];
    let seed = index
        .wrapping_mul(0x9e37_79b9)
        .wrapping_add(direction as u32 * 0x85eb_ca6b);
    for (i, b) in material.iter_mut().enumerate() {
        *b = (seed.rotate_left(i as u32 * 5) as u8) ^ (i as u8).wrapping_mul(29);
    }
    let (key, salt) = (profile.master_key_len(), profile.master_salt_len());
    MasterKey::new(profile, &material[..key], &material[key..key + salt]).map_err(|e| e.to_string())
}

/// An SRTP context for session `index` in `direction`.
pub fn srtp_context(index: u32, direction: Direction) -> Result<srtp::Context, String> {
    srtp_context_for(PROFILE, index, direction)
}

/// [`srtp_context`] with `profile`.
pub fn srtp_context_for(
    profile: ProtectionProfile,
    index: u32,
    direction: Direction,
) -> Result<srtp::Context, String> {
    srtp::Context::new(
        profile,
        master_key_for(profile, index, direction)?,
        srtp::Config::default(),
    )
    .map_err(|e| e.to_string())
}

/// The SSRC the measured session `index` sends with, by which the load generator tells
/// the sessions' streams apart.
pub fn server_ssrc(index: u32) -> u32 {
    0x5e00_0000 | (index & 0x00ff_ffff)
}

/// The configuration of the measured session `index`: G.711, rtcp-mux, SRTP with the
/// generator's keys, SSRC [`server_ssrc`], the remote latched from its first packets
/// (symmetric RTP).
pub fn session_config(index: u32) -> Result<Config, String> {
    session_config_for(PROFILE, index)
}

/// [`session_config`] with `profile`.
pub fn session_config_for(profile: ProtectionProfile, index: u32) -> Result<Config, String> {
    let mut config = Config::new();
    config.local_ssrc = Some(server_ssrc(index));
    config.transport.rtcp_mux = true;
    config.security = Security::Srtp(SrtpKeys::new(
        profile,
        master_key_for(profile, index, Direction::ToLoad)?,
        master_key_for(profile, index, Direction::ToServer)?,
    ));
    Ok(config)
}

/// Deterministic randomness for session `index`.
pub fn random(index: u32) -> Box<dyn rtp_session::CryptoRng + Send> {
    let mut seed = [0u8; 32];
    seed[..4].copy_from_slice(&index.to_be_bytes());
    seed[4] = 0x5c;
    Box::new(rtp_session::ChaCha20Rng::from_seed(seed))
}

/// Writes a G.711 RTP packet into `buf` and protects it; returns its length.
pub fn protected_packet(
    buf: &mut [u8],
    context: &mut srtp::Context,
    ssrc: u32,
    sequence_number: u16,
    timestamp: u32,
) -> Result<usize, String> {
    let header = RtpHeader::new(PayloadType::PCMU, sequence_number, timestamp, ssrc);
    let len = PacketWriter::new(buf, &header)
        .and_then(|w| w.finish(&PAYLOAD, 0))
        .map_err(|e| e.to_string())?;
    context.protect_rtp(buf, len).map_err(|e| e.to_string())
}

/// The resident set size of this process, in KiB (`VmRSS` in `/proc/self/status`).
pub fn vm_rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

/// The CPU time this process has used so far (user and system, every thread), in
/// milliseconds, from `/proc/self/stat` (clock ticks of 10 ms, Linux's USER_HZ).
pub fn cpu_ms() -> Result<u64, String> {
    let stat =
        std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    // The command name (field 2) may hold spaces: count fields after its closing bracket.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("bad /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15, the 12th and 13th after the name.
    let ticks = |i: usize| -> Result<u64, String> {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| "bad /proc/self/stat".to_string())
    };
    Ok((ticks(11)? + ticks(12)?) * 10)
}

/// What a stream, a group of streams or a whole process counted, RFC 3550 A.3 style:
/// expected = highest − first + 1 over each stream it received, lost = expected −
/// received; what it sent; streams that heard nothing; SRTP packets that failed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub expected: u64,
    pub lost: i64,
    pub sent: u64,
    pub silent: u64,
    pub failures: u64,
}

impl Tally {
    /// Adds `other` to this tally.
    pub fn add(&mut self, other: &Tally) {
        self.expected += other.expected;
        self.lost += other.lost;
        self.sent += other.sent;
        self.silent += other.silent;
        self.failures += other.failures;
    }

    /// `<expected> <lost> <sent> <silent> <failures>`, as the `DONE` lines carry them.
    pub fn counts(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.expected, self.lost, self.sent, self.silent, self.failures
        )
    }
}

/// This process's CPU time (every thread) and the wall time from `MARK` to `STOP`.
pub struct Clock {
    cpu: u64,
    wall: std::time::Instant,
    taken: Option<(u64, u128)>,
}

impl Clock {
    /// Starts both clocks.
    pub fn start() -> Result<Self, String> {
        Ok(Self {
            cpu: cpu_ms()?,
            wall: std::time::Instant::now(),
            taken: None,
        })
    }

    /// Stops both clocks (a second stop keeps the first reading).
    pub fn stop(&mut self) -> Result<(), String> {
        if self.taken.is_none() {
            self.taken = Some((cpu_ms()? - self.cpu, self.wall.elapsed().as_millis()));
        }
        Ok(())
    }

    /// `<CPU ms> <wall ms>` (zeros before a stop).
    pub fn report(&self) -> String {
        let (cpu, wall) = self.taken.unwrap_or((0, 0));
        format!("{cpu} {wall}")
    }
}

/// One process of a level, with its pipes.
pub struct Peer {
    child: Child,
    stdin: ChildStdin,
    /// Its standard output, for lines the caller reads itself.
    pub stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts this program with `args`.
    pub fn start(args: &[&str]) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start scale {}: {e}", args.join(" ")))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout pipe")?);
        Ok(Self {
            child,
            stdin,
            stdout,
        })
    }

    /// Writes `line` to its standard input.
    pub fn tell(&mut self, line: &str) -> Result<(), String> {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("writing `{line}`: {e}"))
    }

    /// The next line, which must start with `word`; the numbers after it.
    pub fn expect(&mut self, word: &str) -> Result<Vec<i64>, String> {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let rest = line
            .trim()
            .strip_prefix(word)
            .ok_or_else(|| format!("expected `{word}`, got `{}`", line.trim()))?;
        rest.split_whitespace()
            .map(|v| v.parse().map_err(|e| format!("`{v}` in `{line}`: {e}")))
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The levels of a ramp: the list after `--levels` (`N,N,...`) in `args`, else `default`.
pub fn levels(args: &[String], default: &[u64]) -> Result<Vec<u64>, String> {
    match args.iter().position(|a| a == "--levels") {
        Some(i) => args
            .get(i + 1)
            .ok_or("--levels needs a list")?
            .split(',')
            .map(|v| v.parse().map_err(|e| format!("level `{v}`: {e}")))
            .collect(),
        None => Ok(default.to_vec()),
    }
}

/// Writes `RESULT <key> <value>` on standard output, the line `cargo xtask bench` reads
/// (everything else the measurements say goes to standard error).
pub fn result(key: &str, value: &str) -> Result<(), String> {
    crate::serve::say(&format!("RESULT {key} {value}"))
}

/// Extends 16-bit sequence numbers to a counter that does not wrap (RFC 3550 A.1 style,
/// for in-order streams with gaps well under 2^15).
#[derive(Debug, Default, Clone, Copy)]
pub struct SequenceExtender {
    last: Option<u64>,
}

impl SequenceExtender {
    /// The extended value of `seq`.
    pub fn extend(&mut self, seq: u16) -> u64 {
        let ext = match self.last {
            // One cycle of headroom, so a packet reordered across the start stays positive.
            None => (1 << 16) | u64::from(seq),
            Some(last) => {
                let delta = seq.wrapping_sub(last as u16) as i16;
                last.wrapping_add_signed(i64::from(delta))
            }
        };
        self.last = Some(self.last.map_or(ext, |l| l.max(ext)));
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_extender_counts_wraps_and_reordering() {
        let mut s = SequenceExtender::default();
        let base = s.extend(65534);
        assert_eq!(s.extend(65535), base + 1);
        assert_eq!(s.extend(0), base + 2);
        assert_eq!(
            s.extend(65535),
            base + 1,
            "late packet from before the wrap"
        );
        assert_eq!(s.extend(2), base + 4);
    }

    #[test]
    fn protected_packet_unprotects_with_the_peer_context() {
        let mut protect = srtp_context(7, Direction::ToServer).unwrap();
        let mut unprotect = srtp_context(7, Direction::ToServer).unwrap();
        let mut buf = [0u8; 256];
        let len = protected_packet(&mut buf, &mut protect, 0x1234, 9, 1440).unwrap();
        assert_eq!(len, 12 + PAYLOAD.len() + PROFILE.rtp_tag_len());
        let plain = unprotect.unprotect_rtp(&mut buf[..len]).unwrap();
        let packet = rtp_packet::RtpPacket::parse(&buf[..plain]).unwrap();
        assert_eq!(
            (packet.ssrc(), packet.sequence_number(), packet.timestamp()),
            (0x1234, 9, 1440)
        );
        assert_eq!(packet.payload(), &PAYLOAD[..]);
    }

    #[test]
    fn keys_differ_by_session_and_direction() {
        let mut a = srtp_context(1, Direction::ToServer).unwrap();
        let mut b = srtp_context(1, Direction::ToLoad).unwrap();
        let mut buf = [0u8; 256];
        let len = protected_packet(&mut buf, &mut a, 5, 1, 0).unwrap();
        assert!(b.unprotect_rtp(&mut buf[..len]).is_err());
    }

    #[test]
    fn resident_memory_is_read() {
        assert!(vm_rss_kib().unwrap() > 0);
    }
}
