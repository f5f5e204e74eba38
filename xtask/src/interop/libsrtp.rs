//! Interop suite `libsrtp`: random SRTP and SRTCP traffic protected by the `srtp` crate is
//! unprotected by libsrtp2, and the reverse, byte for byte, for every profile libsrtp
//! implements. Random payload sizes, CSRC lists, header extensions and padding; sequence
//! numbers cross the 65535 → 0 wrap on two interleaved SSRCs. For RTP the two stacks'
//! ciphertexts must also be identical (the transforms are deterministic); SRTCP
//! ciphertexts differ only in the index (libsrtp starts at 1, RFC 3711 and we at 0), so
//! SRTCP is checked by round trip. What libsrtp protects is also unprotected by a context
//! with cryptex (RFC 9335) on, which must take plain SRTP as it is (§5.2; the `cryptex`
//! suite checks cryptex itself against a libsrtp that has it).
//!
//! Replay windows: for window sizes 64, 65, 100, 128, 192, 320 and 1500 one SRTP packet
//! sequence (late packets, replays, packets at the window's edge, jumps of about a
//! window) is unprotected by libsrtp2 (`srtp_policy_t.window_size`) and by us, and every
//! packet's verdict must agree. The one difference allowed is libsrtp's rounding: its
//! window is a bit vector of whole 32-bit words, so for a size that is not a multiple of
//! 32 (65, 100, 1500) it also accepts packets up to `size.next_multiple_of(32) - 1`
//! behind the highest, which we, honouring the configured size exactly, refuse as too
//! old. The checker asserts exactly that and nothing else.

use super::Context;
use crate::util::{Result, ensure_apt, output, root};
use srtp::{Config, Error, MAX_REPLAY_WINDOW, MasterKey, ProtectionProfile};
use std::path::Path;
use std::process::Command;

const RTP_PACKETS: usize = 1500;
const RTCP_PACKETS: usize = 200;

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(super) fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
    pub(super) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

#[derive(Clone)]
struct Record {
    rtcp: bool,
    bytes: Vec<u8>,
}

fn random_rtp(rng: &mut Rng, seq: u16, ssrc: u32) -> Vec<u8> {
    let csrcs = rng.below(16) as usize;
    let ext = rng.below(3) == 0;
    let padding = if rng.below(4) == 0 {
        1 + rng.below(16) as usize
    } else {
        0
    };
    let mut p = vec![0x80 | (csrcs as u8), rng.below(128) as u8];
    if ext {
        p[0] |= 0x10;
    }
    if padding > 0 {
        p[0] |= 0x20;
    }
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(rng.next() as u32).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for _ in 0..csrcs {
        p.extend_from_slice(&(rng.next() as u32).to_be_bytes());
    }
    if ext {
        let words = rng.below(8) as usize;
        p.extend_from_slice(&[0xbe, 0xde, 0, words as u8]);
        let mut e = vec![0; words * 4];
        rng.fill(&mut e);
        p.extend_from_slice(&e);
    }
    let mut payload = vec![0; rng.below(1200) as usize];
    rng.fill(&mut payload);
    p.extend_from_slice(&payload);
    if padding > 0 {
        p.resize(p.len() + padding - 1, 0);
        p.push(padding as u8);
    }
    p
}

fn random_rtcp(rng: &mut Rng, ssrc: u32) -> Vec<u8> {
    // A receiver report with 0-3 report blocks, sometimes followed by an SDES-sized blob.
    let blocks = rng.below(4) as usize;
    let words = 1 + 6 * blocks;
    let mut p = vec![0x80 | blocks as u8, 201, 0, words as u8];
    p.extend_from_slice(&ssrc.to_be_bytes());
    let mut body = vec![0; 24 * blocks];
    rng.fill(&mut body);
    p.extend_from_slice(&body);
    if rng.below(2) == 0 {
        let extra = 1 + rng.below(40) as usize;
        p.extend_from_slice(&[0x81, 202, 0, extra as u8]);
        let mut e = vec![0; extra * 4];
        rng.fill(&mut e);
        p.extend_from_slice(&e);
    }
    p
}

/// The plaintext traffic: two SSRCs whose sequence numbers cross the wrap, with gaps,
/// and RTCP interleaved.
fn traffic(rng: &mut Rng) -> Vec<Record> {
    let ssrcs = [rng.next() as u32, rng.next() as u32];
    let mut seqs = [
        65535 - RTP_PACKETS as u16 / 4,
        65535 - RTP_PACKETS as u16 / 2,
    ];
    let mut out = Vec::new();
    for i in 0..RTP_PACKETS {
        let s = i % 2;
        out.push(Record {
            rtcp: false,
            bytes: random_rtp(rng, seqs[s], ssrcs[s]),
        });
        seqs[s] = seqs[s].wrapping_add(1 + u16::from(rng.below(8) == 0) * rng.below(5) as u16);
        if i % (RTP_PACKETS / RTCP_PACKETS) == 0 {
            out.push(Record {
                rtcp: true,
                bytes: random_rtcp(rng, ssrcs[i % 2]),
            });
        }
    }
    out
}

fn write_records(path: &Path, records: &[Record]) -> Result {
    let mut data = Vec::new();
    for r in records {
        data.push(u8::from(r.rtcp));
        data.extend_from_slice(&(r.bytes.len() as u32).to_be_bytes());
        data.extend_from_slice(&r.bytes);
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_records(path: &Path) -> Result<Vec<Record>> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut rest = &data[..];
    while let [kind, a, b, c, d, tail @ ..] = rest {
        let len = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
        let bytes = tail
            .get(..len)
            .ok_or("libsrtp driver wrote a truncated record")?;
        out.push(Record {
            rtcp: *kind == 1,
            bytes: bytes.to_vec(),
        });
        rest = &tail[len..];
    }
    Ok(out)
}

fn driver(dir: &Path) -> Result<std::path::PathBuf> {
    ensure_apt(&[
        ("/usr/include/srtp2/srtp.h", "libsrtp2-dev"),
        ("pkg-config", "pkg-config"),
        ("gcc", "gcc"),
    ])?;
    let flags = output(Command::new("pkg-config").args(["--cflags", "--libs", "libsrtp2"]))?;
    let exe = dir.join("libsrtp_driver");
    let src = root().join("xtask/interop-c/libsrtp_driver.c");
    let mut gcc = Command::new("gcc");
    gcc.args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .args(flags.split_whitespace());
    output(&mut gcc)?;
    Ok(exe)
}

/// Master keys for one run: one key, or two with MKIs that alternate packet by packet.
struct Keys {
    first: Vec<u8>,
    second: Option<(Vec<u8>, [u8; 4], [u8; 4])>,
}

impl Keys {
    fn master(profile: ProtectionProfile, bytes: &[u8], mki: Option<&[u8]>) -> Result<MasterKey> {
        let (k, s) = bytes.split_at(profile.master_key_len());
        let key = MasterKey::new(profile, k, s).map_err(|e| e.to_string())?;
        match mki {
            Some(m) => key.with_mki(m).map_err(|e| e.to_string()),
            None => Ok(key),
        }
    }

    fn context(
        &self,
        profile: ProtectionProfile,
        encrypt_rtcp: bool,
        cryptex: bool,
    ) -> Result<srtp::Context> {
        let config = Config {
            encrypt_rtcp,
            cryptex,
            ..Config::default()
        };
        let keys = match &self.second {
            None => vec![Self::master(profile, &self.first, None)?],
            Some((second, m1, m2)) => vec![
                Self::master(profile, &self.first, Some(m1))?,
                Self::master(profile, second, Some(m2))?,
            ],
        };
        srtp::Context::with_keys(profile, keys, config).map_err(|e| e.to_string())
    }

    /// Makes the key libsrtp uses for record `i` the active one.
    fn select(&self, ctx: &mut srtp::Context, i: usize) -> Result {
        match &self.second {
            None => Ok(()),
            Some((_, m1, m2)) => ctx
                .set_active_key(if i.is_multiple_of(2) { m1 } else { m2 })
                .map_err(|e| e.to_string()),
        }
    }

    fn driver_args(&self) -> Vec<String> {
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let mut args = vec![hex(&self.first)];
        if let Some((second, m1, m2)) = &self.second {
            args.extend([hex(second), hex(m1), hex(m2)]);
        }
        args
    }
}

/// One libsrtp run's parameters.
struct Run<'a> {
    exe: &'a Path,
    dir: &'a Path,
    label: &'a str,
    profile: ProtectionProfile,
    encrypt_rtcp: bool,
    keys: &'a Keys,
}

fn run_driver(run: &Run, mode: &str, input: &[Record]) -> Result<Vec<Record>> {
    let Run {
        exe,
        dir,
        label,
        profile,
        encrypt_rtcp,
        keys,
    } = *run;
    let (inp, out) = (
        dir.join(format!("{profile}-{mode}.in")),
        dir.join(format!("{profile}-{mode}.out")),
    );
    write_records(&inp, input)?;
    let mut cmd = Command::new(exe);
    cmd.arg(profile.name())
        .arg(mode)
        .arg(if encrypt_rtcp { "1" } else { "0" });
    let mut args = keys.driver_args().into_iter();
    cmd.args(args.next()).arg(&inp).arg(&out).args(args);
    output(&mut cmd).map_err(|e| format!("{label} {mode}: {e}"))?;
    let records = read_records(&out)?;
    if records.len() != input.len() {
        return Err(format!(
            "{label} {mode}: libsrtp returned {} of {} records",
            records.len(),
            input.len()
        ));
    }
    Ok(records)
}

fn check_profile(
    exe: &Path,
    dir: &Path,
    profile: ProtectionProfile,
    encrypt_rtcp: bool,
    mki: bool,
    rng: &mut Rng,
) -> Result {
    let key = |rng: &mut Rng| {
        let mut k = vec![0; profile.master_key_len() + profile.master_salt_len()];
        rng.fill(&mut k);
        k
    };
    let first = key(rng);
    let keys = Keys {
        first,
        second: mki.then(|| (key(rng), [0x01, 0x02, 0x03, 0x04], [0xa1, 0xb2, 0xc3, 0xd4])),
    };
    let plain = traffic(rng);
    let label = format!(
        "{profile}{}{}",
        if encrypt_rtcp {
            ""
        } else {
            " (SRTCP auth-only)"
        },
        if mki { " (two keys by MKI)" } else { "" }
    );

    // Ours → libsrtp.
    let mut ours = keys.context(profile, encrypt_rtcp, false)?;
    let mut protected = Vec::with_capacity(plain.len());
    for (i, r) in plain.iter().enumerate() {
        keys.select(&mut ours, i)?;
        let mut buf = r.bytes.clone();
        buf.resize(r.bytes.len() + 64, 0);
        let n = if r.rtcp {
            ours.protect_rtcp(&mut buf, r.bytes.len())
        } else {
            ours.protect_rtp(&mut buf, r.bytes.len())
        }
        .map_err(|e| format!("{label}: our protect of record {i}: {e}"))?;
        buf.truncate(n);
        protected.push(Record {
            rtcp: r.rtcp,
            bytes: buf,
        });
    }
    let run = Run {
        exe,
        dir,
        label: &label,
        profile,
        encrypt_rtcp,
        keys: &keys,
    };
    let back = run_driver(&run, "unprotect", &protected)?;
    for (i, (got, want)) in back.iter().zip(&plain).enumerate() {
        if got.bytes != want.bytes {
            return Err(format!(
                "{label}: libsrtp unprotected record {i} to different bytes"
            ));
        }
    }

    // libsrtp → ours, and for RTP the same ciphertext as ours.
    let theirs = run_driver(&run, "protect", &plain)?;
    // A receiver with cryptex (RFC 9335) on takes libsrtp's plain SRTP as well (§5.2).
    for cryptex in [false, true] {
        let mut rx = keys.context(profile, encrypt_rtcp, cryptex)?;
        for (i, ((t, o), p)) in theirs.iter().zip(&protected).zip(&plain).enumerate() {
            if !t.rtcp && t.bytes != o.bytes {
                return Err(format!(
                    "{label}: record {i}: libsrtp's SRTP bytes differ from ours"
                ));
            }
            let mut buf = t.bytes.clone();
            let n = if t.rtcp {
                rx.unprotect_rtcp(&mut buf)
            } else {
                rx.unprotect_rtp(&mut buf)
            }
            .map_err(|e| {
                format!("{label}: our unprotect (cryptex {cryptex}) of libsrtp's record {i}: {e}")
            })?;
            if buf[..n] != p.bytes[..] {
                return Err(format!(
                    "{label}: record {i}: our plaintext (cryptex {cryptex}) differs from the original"
                ));
            }
        }
    }
    let (rtp, rtcp) = (
        plain.iter().filter(|r| !r.rtcp).count(),
        plain.iter().filter(|r| r.rtcp).count(),
    );
    eprintln!(
        "libsrtp {label}: ours→libsrtp {rtp} SRTP + {rtcp} SRTCP, libsrtp→ours {rtp} SRTP + {rtcp} SRTCP packets cross-checked, and taken by a cryptex receiver too"
    );
    Ok(())
}

/// The replay-window sizes compared with libsrtp's.
const WINDOWS: [u64; 7] = [64, 65, 100, 128, 192, 320, 1500];
/// Steps of the random delivery plan per window size.
const WINDOW_STEPS: usize = 700;
/// libsrtp's replay_fail and replay_old statuses (srtp.h).
const LIBSRTP_REPLAY_FAIL: u8 = 9;
const LIBSRTP_REPLAY_OLD: u8 = 10;

/// Packet offsets (from the stream's first index) in delivery order for a window of
/// `w`: in-order runs with gaps, late packets inside and just outside the window,
/// replays, jumps of about one window and of more, and after each jump the edges:
/// the oldest index the window holds, the one just behind it, and the same around
/// libsrtp's word-rounded edge.
fn window_plan(rng: &mut Rng, w: u64) -> Vec<u64> {
    let w = w as i64;
    let mut plan: Vec<u64> = vec![0];
    let mut h: i64 = 0;
    let rounded = (w + 31) / 32 * 32;
    let probes = |plan: &mut Vec<u64>, h: i64| {
        for d in [
            w - 1,
            w - 1,
            w,
            w + 1,
            rounded - 1,
            rounded,
            rounded + 1,
            1,
            0,
        ] {
            if h - d >= 0 {
                plan.push((h - d) as u64);
            }
        }
    };
    for _ in 0..WINDOW_STEPS {
        match rng.below(20) {
            0..=9 => {
                h += 1 + rng.below(3) as i64;
                plan.push(h as u64);
            }
            10..=14 => {
                let k = h - rng.below(w as u64 + 40) as i64;
                if k >= 0 {
                    plan.push(k as u64);
                }
            }
            15 | 16 => {
                let back = rng.below(plan.len().min(60) as u64) as usize;
                plan.push(plan[plan.len() - 1 - back]);
            }
            17 => {
                h += w - 1 + rng.below(3) as i64;
                plan.push(h as u64);
                probes(&mut plan, h);
            }
            18 => probes(&mut plan, h),
            _ => {
                h += w + 1 + rng.below(2 * w as u64) as i64;
                plan.push(h as u64);
                probes(&mut plan, h);
            }
        }
    }
    plan
}

/// Unprotects the same SRTP packet sequence with libsrtp and with us for each window
/// size, and compares verdicts and plaintexts packet by packet.
fn check_windows(exe: &Path, dir: &Path, rng: &mut Rng) -> Result {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    for w in WINDOWS {
        let mut key = vec![0; profile.master_key_len() + profile.master_salt_len()];
        rng.fill(&mut key);
        let keys = Keys {
            first: key,
            second: None,
        };
        let ssrc = rng.next() as u32;
        // The stream starts shortly before the sequence-number wrap.
        let first_seq = 65000u64;
        let plan = window_plan(rng, w);
        // Each distinct packet protected once, by a sender whose send window spans the
        // whole plan's reordering, so late packets can be protected after newer ones.
        let sender = Config {
            replay_window: MAX_REPLAY_WINDOW,
            ..Config::default()
        };
        let mut tx = srtp::Context::new(profile, Keys::master(profile, &keys.first, None)?, sender)
            .map_err(|e| e.to_string())?;
        let mut wire: std::collections::HashMap<u64, (Vec<u8>, Vec<u8>)> = Default::default();
        let mut records = Vec::with_capacity(plan.len());
        let mut plains = Vec::with_capacity(plan.len());
        for &k in &plan {
            let (protected, plain) = match wire.get(&k) {
                Some(p) => p.clone(),
                None => {
                    let index = first_seq + k;
                    let mut plain = vec![0x80, 0x60];
                    plain.extend_from_slice(&(index as u16).to_be_bytes());
                    plain.extend_from_slice(&(index as u32).wrapping_mul(160).to_be_bytes());
                    plain.extend_from_slice(&ssrc.to_be_bytes());
                    let mut payload = vec![0; 20 + rng.below(40) as usize];
                    rng.fill(&mut payload);
                    plain.extend_from_slice(&payload);
                    let mut buf = plain.clone();
                    buf.resize(plain.len() + 64, 0);
                    let n = tx
                        .protect_rtp(&mut buf, plain.len())
                        .map_err(|e| format!("window {w}: our protect of index {index}: {e}"))?;
                    buf.truncate(n);
                    wire.insert(k, (buf.clone(), plain.clone()));
                    (buf, plain)
                }
            };
            records.push(Record {
                rtcp: false,
                bytes: protected,
            });
            plains.push(plain);
        }
        let (inp, out) = (
            dir.join(format!("window-{w}.in")),
            dir.join(format!("window-{w}.out")),
        );
        write_records(&inp, &records)?;
        let mut cmd = Command::new(exe);
        cmd.arg(profile.name())
            .arg("verdicts")
            .arg(w.to_string())
            .args(keys.driver_args())
            .arg(&inp)
            .arg(&out);
        output(&mut cmd).map_err(|e| format!("window {w}: {e}"))?;
        let theirs = read_records(&out)?;
        if theirs.len() != records.len() {
            return Err(format!(
                "window {w}: libsrtp returned {} of {} verdicts",
                theirs.len(),
                records.len()
            ));
        }
        let config = Config {
            replay_window: w as usize,
            ..Config::default()
        };
        let mut rx = srtp::Context::new(profile, Keys::master(profile, &keys.first, None)?, config)
            .map_err(|e| e.to_string())?;
        let libsrtp_window = w.next_multiple_of(32);
        let (mut accepted, mut replays, mut old, mut rounding) = (0, 0, 0, 0);
        for (i, ((record, t), plain)) in records.iter().zip(&theirs).zip(&plains).enumerate() {
            let index = first_seq + plan[i];
            let Some((&status, their_plain)) = t.bytes.split_first() else {
                return Err(format!("window {w}: empty libsrtp verdict {i}"));
            };
            let mut buf = record.bytes.clone();
            let ours = rx.unprotect_rtp(&mut buf);
            let what = format!("window {w}, packet {i} (index {index})");
            match (ours, status) {
                (Ok(n), 0) => {
                    if buf[..n] != plain[..] || their_plain != &plain[..] {
                        return Err(format!("{what}: a plaintext differs from the original"));
                    }
                    accepted += 1;
                }
                (Err(Error::Replayed { .. }), LIBSRTP_REPLAY_FAIL) => replays += 1,
                (Err(Error::TooOld { .. }), LIBSRTP_REPLAY_OLD) => old += 1,
                // libsrtp's word-rounded window: it accepts (or finds a replay) where we,
                // by the configured size, find the packet too old.
                (Err(Error::TooOld { index, highest }), 0 | LIBSRTP_REPLAY_FAIL)
                    if (w..libsrtp_window).contains(&(highest - index)) =>
                {
                    rounding += 1
                }
                (ours, status) => {
                    return Err(format!(
                        "{what}: we say {ours:?}, libsrtp says status {status}"
                    ));
                }
            }
        }
        let edge = if rounding > 0 {
            format!(
                "; {rounding} accepted by libsrtp only, {w} to {} behind the highest (libsrtp rounds its window to {libsrtp_window})",
                libsrtp_window - 1
            )
        } else {
            String::new()
        };
        eprintln!(
            "libsrtp replay window {w}: {} packets, same verdicts for {}: {accepted} accepted, {replays} replays and {old} too old refused{edge}",
            records.len(),
            accepted + replays + old
        );
        if w % 32 != 0 && rounding == 0 {
            return Err(format!(
                "window {w}: the plan never probed libsrtp's rounded edge"
            ));
        }
    }
    Ok(())
}

pub fn run(ctx: &Context) -> Result {
    let exe = driver(&ctx.dir)?;
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    check_windows(&exe, &ctx.dir, &mut Rng(0x0517_d0e5_0000_0064))?;
    for profile in ProtectionProfile::ALL {
        check_profile(&exe, &ctx.dir, profile, true, false, &mut rng)?;
    }
    for profile in [
        ProtectionProfile::AesCm128HmacSha1_80,
        ProtectionProfile::AeadAes128Gcm,
    ] {
        check_profile(&exe, &ctx.dir, profile, false, false, &mut rng)?;
        check_profile(&exe, &ctx.dir, profile, true, true, &mut rng)?;
    }
    Ok(())
}
