//! Key logging for offline decryption (the NSS `SSLKEYLOGFILE` format) and the exporter an
//! analyser needs to turn a logged master secret into DTLS-SRTP keys.
//!
//! A connection whose [`crate::Config`] was given a [`KeyLog`]
//! ([`crate::Config::set_key_log`]) reports its master secret once per handshake, under the
//! label `CLIENT_RANDOM` with the handshake's client random, the moment it is derived.
//! [`KeyLogFile`] appends those lines to a file that Wireshark, `tshark -o
//! tls.keylog_file:…` and our own analysers read; [`KeyLogEntries`] parses such a file
//! back, and [`export_srtp_keying_material`] (RFC 5705 with the DTLS-SRTP label, RFC 5764
//! §4.2) turns a logged secret and the two randoms seen on the wire
//! ([`crate::observe::HandshakeObserver`]) into the SRTP master keys of both directions.
//!
//! **Why it is shaped this way.** Logging secrets defeats the protocol, so it is never
//! ambient: nothing reads the `SSLKEYLOGFILE` environment variable, and a connection
//! logs only when its owner put a sink into its configuration in code, which also emits a
//! `tracing` warning so the choice shows in the logs. The sink is a trait object behind an
//! `Arc` rather than a path so the owner decides where secrets go (a file, a test's
//! memory, a channel to an analyser in the same process) and so one sink serves every
//! connection of an endpoint, as [`crate::Config`] is shared. The callback gets the raw
//! label, client random and secret rather than a formatted line, which keeps the door
//! open for other labels without a breaking change; the file format is NSS's because
//! every tool already reads it. The exporter is a free function over plain byte arrays so
//! an analyser that never ran a handshake (it has only a capture and a key log) can use
//! it without a [`crate::Connection`], and without any way to get secrets out of a live
//! connection, which stays impossible.

use crate::crypto::prf;
use crate::suite::{CipherSuite, PrfHash};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The label of a DTLS 1.2 (and TLS 1.2) master secret in the NSS key log format.
pub const CLIENT_RANDOM_LABEL: &str = "CLIENT_RANDOM";
/// DTLS 1.3 (the NSS labels of TLS 1.3): the client's handshake traffic secret.
pub const CLIENT_HANDSHAKE_TRAFFIC_SECRET: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
/// DTLS 1.3: the server's handshake traffic secret.
pub const SERVER_HANDSHAKE_TRAFFIC_SECRET: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
/// DTLS 1.3: the client's first application traffic secret.
pub const CLIENT_TRAFFIC_SECRET_0: &str = "CLIENT_TRAFFIC_SECRET_0";
/// DTLS 1.3: the server's first application traffic secret.
pub const SERVER_TRAFFIC_SECRET_0: &str = "SERVER_TRAFFIC_SECRET_0";
/// DTLS 1.3: the exporter master secret, from which the DTLS-SRTP keys are exported.
pub const EXPORTER_SECRET: &str = "EXPORTER_SECRET";

/// Where a connection reports the secrets it derives. Implementations must be cheap and
/// must not block for long: [`KeyLog::log`] is called on the thread driving the handshake.
pub trait KeyLog: Send + Sync {
    /// Records `secret` under `label` for the handshake whose ClientHello carried
    /// `client_random`. For DTLS 1.2 the only label is [`CLIENT_RANDOM_LABEL`] and
    /// `secret` is the 48-byte master secret; DTLS 1.3 logs its five secrets under the
    /// TLS 1.3 labels ([`CLIENT_HANDSHAKE_TRAFFIC_SECRET`] to [`EXPORTER_SECRET`]).
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);
}

/// One key log line in the NSS format: `LABEL <client random hex> <secret hex>\n`, hex in
/// lower case.
pub fn format_line(label: &str, client_random: &[u8; 32], secret: &[u8]) -> String {
    let mut line = String::with_capacity(label.len() + 3 + 2 * (32 + secret.len()));
    line.push_str(label);
    line.push(' ');
    for b in client_random {
        let _ = write!(line, "{b:02x}");
    }
    line.push(' ');
    for b in secret {
        let _ = write!(line, "{b:02x}");
    }
    line.push('\n');
    line
}

/// A [`KeyLog`] that appends NSS key log lines to a file, as `SSLKEYLOGFILE` does in NSS,
/// OpenSSL (`-keylogfile`) and browsers.
///
/// The file is opened (created if needed, mode 0600 on Unix) when the `KeyLogFile` is
/// made, and each line is written with one `write` call under a lock, so connections on
/// several threads sharing one `KeyLogFile` never interleave their lines. A write that
/// fails is reported with `tracing::warn!` and otherwise ignored: a full disk must not
/// fail a call.
#[derive(Debug)]
pub struct KeyLogFile {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl KeyLogFile {
    /// Opens `path` for appending, creating it if it does not exist.
    pub fn new(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        Ok(KeyLogFile {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file the lines go to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        let line = Zeroizing::new(format_line(label, client_random, secret));
        // A panic elsewhere while holding the lock leaves the file usable.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot write the key log");
        }
    }
}

/// The DTLS 1.2 master secrets of a key log file, by client random.
///
/// [`KeyLogEntries::parse`] keeps every well-formed `CLIENT_RANDOM` line (64 hex digits of
/// client random, 96 of master secret, separated by spaces or tabs) and skips, counting
/// them in [`KeyLogEntries::skipped_lines`], comments (`#`), lines with other labels (the
/// TLS 1.3 ones: `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, …) and malformed lines. Blank lines
/// are ignored and not counted. When a client random appears twice, the later line wins.
/// The secrets are wiped when the entries are dropped, and `Debug` does not print them.
#[derive(Default)]
pub struct KeyLogEntries {
    secrets: HashMap<[u8; 32], Zeroizing<[u8; 48]>>,
    skipped: usize,
}

impl std::fmt::Debug for KeyLogEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyLogEntries")
            .field("len", &self.secrets.len())
            .field("skipped_lines", &self.skipped)
            .finish_non_exhaustive()
    }
}

impl KeyLogEntries {
    /// Parses the text of a key log file; never fails (see the type's docs for what is
    /// skipped).
    pub fn parse(text: &str) -> KeyLogEntries {
        let mut entries = KeyLogEntries::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Some((random, secret)) => {
                    entries.secrets.insert(random, secret);
                }
                None => entries.skipped += 1,
            }
        }
        entries
    }

    /// The master secret logged for the handshake with this client random.
    pub fn master_secret(&self, client_random: &[u8; 32]) -> Option<&[u8; 48]> {
        self.secrets.get(client_random).map(|s| &**s)
    }

    /// How many distinct client randoms have a master secret.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when no line had a usable master secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// How many non-blank lines were skipped: comments, other labels, malformed lines.
    pub fn skipped_lines(&self) -> usize {
        self.skipped
    }
}

/// A `CLIENT_RANDOM <64 hex> <96 hex>` line, or `None`.
fn parse_line(line: &str) -> Option<([u8; 32], Zeroizing<[u8; 48]>)> {
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    if fields.next()? != CLIENT_RANDOM_LABEL {
        return None;
    }
    let mut random = [0u8; 32];
    decode_hex(fields.next()?, &mut random)?;
    let mut secret = Zeroizing::new([0u8; 48]);
    decode_hex(fields.next()?, &mut *secret)?;
    if fields.next().is_some() {
        return None;
    }
    Some((random, secret))
}

/// Fills `out` from exactly `2 * out.len()` hex digits of either case.
fn decode_hex(hex: &str, out: &mut [u8]) -> Option<()> {
    let hex = hex.as_bytes();
    if hex.len() != 2 * out.len() {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(())
}

/// The DTLS-SRTP keying material (RFC 5764 §4.2): the RFC 5705 exporter with the label
/// `EXTRACTOR-dtls_srtp` and no context, `PRF(master_secret, label, client_random +
/// server_random)`, filling `out` (a profile's
/// `srtp::ProtectionProfile::keying_material_len` bytes).
///
/// This is the TLS 1.2 PRF with SHA-256, which every cipher suite WebRTC negotiates uses
/// (the `_SHA256` suites, ChaCha20-Poly1305 included). For a `_SHA384` suite use
/// [`export_keying_material`] with the suite.
pub fn export_srtp_keying_material(
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) {
    prf::prf(
        PrfHash::Sha256,
        master_secret,
        crate::SRTP_EXPORTER_LABEL,
        &[client_random.as_slice(), server_random.as_slice()].concat(),
        out,
    );
}

/// Keying material exported under `label` without context (RFC 5705 §4) from a master
/// secret negotiated with `suite`, whose PRF hash it uses: what
/// [`crate::Connection::export_keying_material`] returns on the live connection.
pub fn export_keying_material(
    suite: CipherSuite,
    master_secret: &[u8; 48],
    label: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) {
    prf::prf(
        suite.prf_hash(),
        master_secret,
        label,
        &[client_random.as_slice(), server_random.as_slice()].concat(),
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: [u8; 32] = [0xAB; 32];

    fn secret() -> [u8; 48] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn formats_the_nss_line() {
        let line = format_line(CLIENT_RANDOM_LABEL, &RANDOM, &secret());
        assert_eq!(
            line,
            format!(
                "CLIENT_RANDOM {} {}\n",
                "ab".repeat(32),
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
                 202122232425262728292a2b2c2d2e2f"
            )
        );
        assert_eq!(line.len(), "CLIENT_RANDOM".len() + 1 + 64 + 1 + 96 + 1);
    }

    #[test]
    fn parse_format_round_trip() {
        let other: [u8; 32] = std::array::from_fn(|i| 255 - i as u8);
        let other_secret = [0x5A; 48];
        let text = format_line(CLIENT_RANDOM_LABEL, &RANDOM, &secret())
            + &format_line(CLIENT_RANDOM_LABEL, &other, &other_secret);
        let entries = KeyLogEntries::parse(&text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries.skipped_lines(), 0);
        assert_eq!(entries.master_secret(&RANDOM), Some(&secret()));
        assert_eq!(entries.master_secret(&other), Some(&other_secret));
        assert_eq!(entries.master_secret(&[0; 32]), None);
        // Upper-case hex, tabs and CRLF line ends, as other tools write them.
        let upper = text
            .to_uppercase()
            .replace("CLIENT_RANDOM ", "CLIENT_RANDOM\t");
        let entries = KeyLogEntries::parse(&upper.replace('\n', "\r\n"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries.master_secret(&other), Some(&other_secret));
        assert!(!format!("{entries:?}").contains("5a5a"), "{entries:?}");
    }

    #[test]
    fn skips_and_counts_what_it_cannot_use() {
        let good = format_line(CLIENT_RANDOM_LABEL, &RANDOM, &secret());
        let hex64 = "11".repeat(32);
        let hex96 = "22".repeat(48);
        let lines = [
            "# SSL/TLS secrets log file, generated by OpenSSL".to_string(),
            format!(
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET {hex64} {}",
                "33".repeat(32)
            ),
            format!("SERVER_TRAFFIC_SECRET_0 {hex64} {}", "33".repeat(48)),
            format!("CLIENT_RANDOM {hex64}"),
            format!("CLIENT_RANDOM {} {hex96}", &hex64[..62]),
            format!("CLIENT_RANDOM {hex64} {}", &hex96[..94]),
            format!("CLIENT_RANDOM {hex64} {hex96} extra"),
            format!("CLIENT_RANDOM {}zz {hex96}", &hex64[..62]),
            format!("client_random {hex64} {hex96}"),
            format!("CLIENT_RANDOM {}é {hex96}", &hex64[..62]),
            "CLIENT_RANDOM".to_string(),
        ];
        let text = format!("\n{}\n   \n{good}", lines.join("\n"));
        let entries = KeyLogEntries::parse(&text);
        assert_eq!(entries.skipped_lines(), lines.len());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries.master_secret(&RANDOM), Some(&secret()));
        assert!(KeyLogEntries::parse("").is_empty());
    }

    #[test]
    fn later_line_wins() {
        let text = format_line(CLIENT_RANDOM_LABEL, &RANDOM, &[1; 48])
            + &format_line(CLIENT_RANDOM_LABEL, &RANDOM, &[2; 48]);
        let entries = KeyLogEntries::parse(&text);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries.master_secret(&RANDOM), Some(&[2; 48]));
    }

    /// Computed independently with Python's `hmac` module implementing RFC 5246 §5's
    /// P_hash over `label + client_random + server_random` (master secret 00..2f, client
    /// random 20..3f, server random 80..9f, 60 bytes).
    #[test]
    fn exporter_matches_an_independent_prf() {
        let ms = secret();
        let cr: [u8; 32] = std::array::from_fn(|i| 0x20 + i as u8);
        let sr: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let mut out = [0u8; 60];
        export_srtp_keying_material(&ms, &cr, &sr, &mut out);
        assert_eq!(
            hex::encode(out),
            "5f8ea260856e60c0c0ee3dc4c7dea4016324bb1f3e5b15fae1ac6fa7eca498537d20d80b9a751c\
             664bf2fec3ceef6ee3ff26f74944875933838e8be0"
        );
        let mut same = [0u8; 60];
        export_keying_material(
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
            &ms,
            crate::SRTP_EXPORTER_LABEL,
            &cr,
            &sr,
            &mut same,
        );
        assert_eq!(same, out);
        export_keying_material(
            CipherSuite::EcdheEcdsaAes256GcmSha384,
            &ms,
            crate::SRTP_EXPORTER_LABEL,
            &cr,
            &sr,
            &mut out,
        );
        assert_eq!(
            hex::encode(out),
            "5e4e17191950542e0e8de86d9f1b9aea3120710c6335cd6553a1d629985be62a176dbc6227378c\
             4780248b5ec188e1f7b760182b05179e5ec21aee07"
        );
    }

    #[test]
    fn off_unless_set() {
        let cert = crate::Certificate::generate("keylog").unwrap();
        let mut config = crate::Config::new(cert);
        assert!(config.key_log().is_none());
        let log: std::sync::Arc<dyn KeyLog> = std::sync::Arc::new(
            KeyLogFile::new(std::env::temp_dir().join("dtls-keylog-off")).unwrap(),
        );
        config.set_key_log(log.clone());
        assert!(std::sync::Arc::ptr_eq(config.key_log().unwrap(), &log));
        assert!(format!("{config:?}").contains("KeyLog(..)"));
        let _ = std::fs::remove_file(std::env::temp_dir().join("dtls-keylog-off"));
    }

    #[test]
    fn key_log_file_appends_lines() {
        let dir = std::env::temp_dir().join(format!("dtls-keylog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.log");
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, "# earlier\n").unwrap();
        let log = KeyLogFile::new(&path).unwrap();
        assert_eq!(log.path(), path);
        log.log(CLIENT_RANDOM_LABEL, &RANDOM, &secret());
        log.log(CLIENT_RANDOM_LABEL, &[7; 32], &[9; 48]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# earlier\n".to_string()
                + &format_line(CLIENT_RANDOM_LABEL, &RANDOM, &secret())
                + &format_line(CLIENT_RANDOM_LABEL, &[7; 32], &[9; 48])
        );
        let entries = KeyLogEntries::parse(&text);
        assert_eq!((entries.len(), entries.skipped_lines()), (2, 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
