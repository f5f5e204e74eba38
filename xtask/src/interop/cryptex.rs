//! Interop suite `cryptex`: RFC 9335 against two peers. First libsrtp2 2.8 or later (the
//! first libsrtp release with cryptex, `srtp_set_stream_use_cryptex`), byte for byte, for
//! every profile both stacks implement, when that libsrtp is installed; then Debian's
//! Chromium in real calls, always ([`super::cryptex_browser`]).
//!
//! For each profile, random RTP traffic (0-15 CSRCs; no extension, a one-byte 0xBEDE or a
//! two-byte 0x1000 block of 0-7 words; padding; payloads of 0-1199 bytes) goes
//! - through our cryptex protect and libsrtp's cryptex unprotect;
//! - through libsrtp's cryptex protect and our cryptex unprotect;
//!
//! and the two ciphertexts of each packet must be identical. A packet with CSRCs and no
//! extension is protected by us with the empty 0xC0DE block RFC 9335 §5.1 requires;
//! libsrtp leaves that insertion to its caller (it refuses such a packet), so it is
//! handed the packet with the empty block already in place, and both sides must then
//! agree on bytes and on the plaintext with the empty 0xBEDE block. Last, libsrtp without
//! cryptex protects the same traffic (less the CSRC-only packets) and our cryptex
//! receiver must accept it (RFC 9335 §5.2: once negotiated, the sender chooses per
//! packet).
//!
//! **Which libsrtp.** Debian 12 ships libsrtp2 2.5.0 and PyPI's `pylibsrtp` 1.0.0 embeds
//! 2.7.0; neither has cryptex. When `pkg-config` finds a libsrtp2 2.8+ (`PKG_CONFIG_PATH`
//! may point at one), the driver is built against it. Otherwise the suite takes Debian
//! unstable's: `apt-get download libsrtp2-dev` with a private apt configuration naming
//! `sid` (apt checks the archive's signature and the package's checksum; the system's
//! apt state is not touched), `dpkg-deb -x` into the suite's directory, and the driver is
//! linked with that package's static `libsrtp2.a` (built with NSS, so `libnss3-dev` from
//! Debian 12 supplies the rest) and a one-function shim for the `__isoc23_sscanf` that
//! sid's newer glibc gave it (`xtask/interop-c/isoc23_sscanf_shim.c`). The suite fails,
//! rather than skips, when neither gives 2.8 or later.

use super::Context;
use super::libsrtp::Rng;
use crate::util::{Result, ensure_apt, output, root};
use srtp::{Config, MasterKey, ProtectionProfile};
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKETS: usize = 600;

/// What one packet carries, for the tally printed at the end.
#[derive(Default)]
struct Tally {
    csrcs_only: usize,
    one_byte: usize,
    two_byte: usize,
    with_csrcs: usize,
    bare: usize,
}

/// One packet as we hand it to our protect, and as libsrtp gets it (the same, except
/// that CSRCs without an extension get the empty one-byte block RFC 9335 §5.1 adds).
struct Packet {
    ours: Vec<u8>,
    libsrtp: Vec<u8>,
}

fn random_packet(rng: &mut Rng, seq: u16, ssrc: u32, tally: &mut Tally) -> Packet {
    let csrcs = if rng.below(3) == 0 {
        0
    } else {
        rng.below(16) as usize
    };
    let ext = rng.below(3); // 0: none, 1: one-byte, 2: two-byte
    let padding = if rng.below(4) == 0 {
        1 + rng.below(16) as usize
    } else {
        0
    };
    let mut head = vec![0x80 | csrcs as u8, rng.below(128) as u8];
    if padding > 0 {
        head[0] |= 0x20;
    }
    head.extend_from_slice(&seq.to_be_bytes());
    head.extend_from_slice(&(rng.next() as u32).to_be_bytes());
    head.extend_from_slice(&ssrc.to_be_bytes());
    for _ in 0..csrcs {
        head.extend_from_slice(&(rng.next() as u32).to_be_bytes());
    }
    let mut block = Vec::new();
    match ext {
        0 => {
            if csrcs > 0 {
                tally.csrcs_only += 1;
            } else {
                tally.bare += 1;
            }
        }
        n => {
            let words = rng.below(8) as usize;
            let id: &[u8] = if n == 1 { &[0xbe, 0xde] } else { &[0x10, 0x00] };
            block.extend_from_slice(id);
            block.extend_from_slice(&(words as u16).to_be_bytes());
            block.extend_from_slice(&rng.bytes(4 * words));
            if n == 1 {
                tally.one_byte += 1;
            } else {
                tally.two_byte += 1;
            }
        }
    }
    if csrcs > 0 {
        tally.with_csrcs += 1;
    }
    let payload = rng.below(1200) as usize;
    let mut tail = rng.bytes(payload);
    if padding > 0 {
        tail.resize(tail.len() + padding - 1, 0);
        tail.push(padding as u8);
    }
    let build = |head: &[u8], block: &[u8], x: bool| {
        let mut p = head.to_vec();
        if x {
            p[0] |= 0x10;
        }
        p.extend_from_slice(block);
        p.extend_from_slice(&tail);
        p
    };
    let ours = build(&head, &block, ext != 0);
    let libsrtp = if ext == 0 && csrcs > 0 {
        build(&head, &[0xbe, 0xde, 0, 0], true)
    } else {
        ours.clone()
    };
    Packet { ours, libsrtp }
}

fn write_records(path: &Path, records: &[&[u8]]) -> Result {
    let mut data = Vec::new();
    for r in records {
        data.extend_from_slice(&(r.len() as u32).to_be_bytes());
        data.extend_from_slice(r);
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_records(path: &Path) -> Result<Vec<Vec<u8>>> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut rest = &data[..];
    while let [a, b, c, d, tail @ ..] = rest {
        let len = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
        let bytes = tail
            .get(..len)
            .ok_or("libsrtp cryptex driver wrote a truncated record")?;
        out.push(bytes.to_vec());
        rest = &tail[len..];
    }
    Ok(out)
}

/// Builds the driver against libsrtp2 2.8 or later: the one `pkg-config` finds, else
/// Debian unstable's package (see the module documentation).
fn driver(dir: &Path) -> Result<PathBuf> {
    ensure_apt(&[("pkg-config", "pkg-config"), ("gcc", "gcc")])?;
    let exe = dir.join("libsrtp_cryptex_driver");
    let src = root().join("xtask/interop-c/libsrtp_cryptex_driver.c");
    let mut gcc = Command::new("gcc");
    gcc.args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src);
    if Command::new("pkg-config")
        .args(["--atleast-version=2.8.0", "libsrtp2"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let flags = output(
            Command::new("pkg-config").args(["--cflags", "--libs", "--static", "libsrtp2"]),
        )?;
        gcc.args(flags.split_whitespace());
    } else {
        let found = output(Command::new("pkg-config").args(["--modversion", "libsrtp2"]))
            .unwrap_or_else(|_| "none".into());
        eprintln!(
            "cryptex: pkg-config finds libsrtp2 {} (cryptex needs 2.8.0): using Debian unstable's libsrtp2-dev",
            found.trim()
        );
        let unpacked = debian_sid_libsrtp(dir)?;
        let nss = output(Command::new("pkg-config").args(["--libs", "nss"]))?;
        gcc.arg(root().join("xtask/interop-c/isoc23_sscanf_shim.c"))
            .arg(format!("-I{}", unpacked.join("usr/include").display()))
            .arg(unpacked.join("usr/lib/x86_64-linux-gnu/libsrtp2.a"))
            .args(nss.split_whitespace());
    }
    output(&mut gcc)?;
    Ok(exe)
}

/// Debian unstable's `libsrtp2-dev`, unpacked under `dir`; its directory.
fn debian_sid_libsrtp(dir: &Path) -> Result<PathBuf> {
    ensure_apt(&[
        ("dpkg-deb", "dpkg"),
        ("apt-get", "apt"),
        ("/usr/include/nss/nss.h", "libnss3-dev"),
    ])?;
    let apt = dir.join("apt-sid");
    let unpacked = dir.join("libsrtp2-sid");
    let _ = std::fs::remove_dir_all(&apt);
    let _ = std::fs::remove_dir_all(&unpacked);
    for sub in ["lists/partial", "cache/archives/partial", "debs"] {
        std::fs::create_dir_all(apt.join(sub)).map_err(|e| e.to_string())?;
    }
    let sources = apt.join("sources.list");
    std::fs::write(
        &sources,
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
         http://deb.debian.org/debian sid main\n",
    )
    .map_err(|e| e.to_string())?;
    let private = |cmd: &mut Command| {
        cmd.arg(format!("-oDir::Etc::SourceList={}", sources.display()))
            .arg("-oDir::Etc::SourceParts=/nonexistent")
            .arg(format!(
                "-oDir::State::Lists={}",
                apt.join("lists").display()
            ))
            .arg(format!("-oDir::Cache={}", apt.join("cache").display()))
            .arg("-oDebug::NoLocking=1")
            .arg("-oAPT::Sandbox::User=root")
            .arg("-qq");
    };
    let mut update = Command::new("apt-get");
    private(&mut update);
    output(update.arg("update"))?;
    let mut download = Command::new("apt-get");
    private(&mut download);
    output(
        download
            .current_dir(apt.join("debs"))
            .args(["download", "libsrtp2-dev"]),
    )?;
    let deb = std::fs::read_dir(apt.join("debs"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or("apt-get download left no libsrtp2-dev package")?;
    let version = output(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Version"))?;
    let upstream = version.trim().split(['+', '-']).next().unwrap_or_default();
    let numbers: Vec<u32> = upstream
        .split('.')
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    if numbers.as_slice() < [2, 8].as_slice() {
        return Err(format!(
            "Debian unstable's libsrtp2-dev is {}, older than 2.8.0 (the first with cryptex)",
            version.trim()
        ));
    }
    output(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    eprintln!(
        "cryptex: libsrtp2-dev {} from Debian unstable",
        version.trim()
    );
    Ok(unpacked)
}

/// Runs the driver over `records`; returns its output records and libsrtp's version.
fn libsrtp(
    exe: &Path,
    dir: &Path,
    profile: ProtectionProfile,
    mode: &str,
    cryptex: bool,
    key_hex: &str,
    records: &[&[u8]],
) -> Result<(Vec<Vec<u8>>, String)> {
    let (input, out) = (
        dir.join(format!("{profile}-{mode}-{cryptex}.in")),
        dir.join(format!("{profile}-{mode}-{cryptex}.out")),
    );
    write_records(&input, records)?;
    let printed = output(
        Command::new(exe)
            .arg(profile.name())
            .arg(mode)
            .arg(if cryptex { "1" } else { "0" })
            .arg(key_hex)
            .arg(&input)
            .arg(&out),
    )?;
    let got = read_records(&out)?;
    if got.len() != records.len() {
        return Err(format!(
            "{profile} {mode}: libsrtp returned {} of {} records",
            got.len(),
            records.len()
        ));
    }
    Ok((got, printed.lines().next().unwrap_or("").to_string()))
}

fn context(profile: ProtectionProfile, key: &[u8], cryptex: bool) -> Result<srtp::Context> {
    let (k, s) = key.split_at(profile.master_key_len());
    let master = MasterKey::new(profile, k, s).map_err(|e| e.to_string())?;
    let config = Config {
        cryptex,
        ..Config::default()
    };
    srtp::Context::new(profile, master, config).map_err(|e| e.to_string())
}

fn protect(ctx: &mut srtp::Context, p: &[u8]) -> Result<Vec<u8>> {
    let mut buf = p.to_vec();
    buf.resize(p.len() + 4 + 16, 0);
    let n = ctx
        .protect_rtp(&mut buf, p.len())
        .map_err(|e| e.to_string())?;
    buf.truncate(n);
    Ok(buf)
}

fn unprotect(ctx: &mut srtp::Context, p: &[u8]) -> Result<Vec<u8>> {
    let mut buf = p.to_vec();
    let n = ctx.unprotect_rtp(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(n);
    Ok(buf)
}

/// Whether a protected packet carries the cryptex mark where its extension word is.
fn marked(p: &[u8]) -> bool {
    let at = 12 + 4 * usize::from(p[0] & 0x0f);
    p[0] & 0x10 != 0 && matches!(p.get(at..at + 2), Some([0xc0 | 0xc2, 0xde]))
}

fn one_profile(exe: &Path, dir: &Path, profile: ProtectionProfile, seed: u64) -> Result<String> {
    let mut rng = Rng(seed);
    let key = rng.bytes(profile.master_key_len() + profile.master_salt_len());
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let ssrc = rng.next() as u32;
    let mut seq = 65535 - PACKETS as u16 / 2;
    let mut tally = Tally::default();
    let packets: Vec<Packet> = (0..PACKETS)
        .map(|_| {
            let p = random_packet(&mut rng, seq, ssrc, &mut tally);
            seq = seq.wrapping_add(1);
            p
        })
        .collect();
    // The NULL profile encrypts nothing, so cryptex does not apply to it on either side
    // (libsrtp: only with its confidentiality service): no block is inserted.
    let encrypts = profile != ProtectionProfile::NullHmacSha1_80;
    let theirs_in = |p: &Packet| {
        if encrypts {
            p.libsrtp.clone()
        } else {
            p.ours.clone()
        }
    };

    // Ours → libsrtp.
    let mut tx = context(profile, &key, true)?;
    let ours: Vec<Vec<u8>> = packets
        .iter()
        .map(|p| protect(&mut tx, &p.ours))
        .collect::<Result<_>>()?;
    for (i, w) in ours.iter().enumerate() {
        let has = w[0] & 0x1f != 0;
        if marked(w) != (encrypts && has) {
            return Err(format!(
                "{profile}: packet {i}: cryptex mark is {} on a packet with{} CSRCs or extension",
                marked(w),
                if has { "" } else { "out" }
            ));
        }
    }
    let refs: Vec<&[u8]> = ours.iter().map(Vec::as_slice).collect();
    let (plain, version) = libsrtp(exe, dir, profile, "unprotect", true, &key_hex, &refs)?;
    for (i, (got, p)) in plain.iter().zip(&packets).enumerate() {
        if *got != theirs_in(p) {
            return Err(format!(
                "{profile}: libsrtp unprotected our packet {i} to different bytes"
            ));
        }
    }

    // libsrtp → ours, and the same ciphertext as ours.
    let inputs: Vec<Vec<u8>> = packets.iter().map(theirs_in).collect();
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let (theirs, _) = libsrtp(exe, dir, profile, "protect", true, &key_hex, &refs)?;
    let mut rx = context(profile, &key, true)?;
    for (i, ((t, o), p)) in theirs.iter().zip(&ours).zip(&inputs).enumerate() {
        if t != o {
            return Err(format!(
                "{profile}: packet {i}: libsrtp's cryptex SRTP differs from ours"
            ));
        }
        let got = unprotect(&mut rx, t)
            .map_err(|e| format!("{profile}: our unprotect of libsrtp's packet {i}: {e}"))?;
        if got != *p {
            return Err(format!(
                "{profile}: packet {i}: our unprotect of libsrtp's packet differs"
            ));
        }
    }

    // libsrtp without cryptex → our cryptex receiver (§5.2). libsrtp without cryptex
    // sends CSRCs in clear with or without an extension; the CSRC-only packets are
    // sent as generated (no block), which a plain receiver takes too.
    let plain_refs: Vec<&[u8]> = packets.iter().map(|p| p.ours.as_slice()).collect();
    let (plain_srtp, _) = libsrtp(exe, dir, profile, "protect", false, &key_hex, &plain_refs)?;
    let mut rx = context(profile, &key, true)?;
    for (i, (w, p)) in plain_srtp.iter().zip(&packets).enumerate() {
        if marked(w) {
            return Err(format!(
                "{profile}: packet {i}: libsrtp without cryptex marked it"
            ));
        }
        let got = unprotect(&mut rx, w).map_err(|e| {
            format!("{profile}: our cryptex receiver refused libsrtp's plain packet {i}: {e}")
        })?;
        if got != p.ours {
            return Err(format!(
                "{profile}: packet {i}: plain SRTP from libsrtp decrypted to different bytes"
            ));
        }
    }
    Ok(format!(
        "{version}: {profile}: {PACKETS} packets both ways byte-equal ({} CSRCs only, {} one-byte, \
         {} two-byte, {} with CSRCs, {} bare), {PACKETS} plain libsrtp packets accepted",
        tally.csrcs_only, tally.one_byte, tally.two_byte, tally.with_csrcs, tally.bare
    ))
}

pub fn run(ctx: &Context) -> Result {
    let exe = driver(&ctx.dir)?;
    for (i, profile) in ProtectionProfile::ALL.into_iter().enumerate() {
        let line = one_profile(&exe, &ctx.dir, profile, 0x9335_0000 + i as u64)?;
        eprintln!("cryptex {line}");
    }
    super::cryptex_browser::run(ctx)
}
