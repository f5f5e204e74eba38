//! Key logging for offline decryption (the NSS `SSLKEYLOGFILE` format) and the exporters an
//! analyser needs to turn logged secrets into DTLS-SRTP keys.
//!
//! A connection whose [`crate::Config`] was given a [`KeyLog`]
//! ([`crate::Config::set_key_log`]) reports its secrets the moment it derives them, each
//! under an NSS label with the handshake's client random: a DTLS 1.2 handshake its master
//! secret once, under `CLIENT_RANDOM`; a DTLS 1.3 handshake its five secrets under the TLS
//! 1.3 labels (both handshake traffic secrets, both first application traffic secrets and
//! the exporter secret, [`Dtls13Secret`]). [`KeyLogFile`] appends those lines to a file
//! that Wireshark, `tshark -o tls.keylog_file:…` and our own analysers read;
//! [`KeyLogEntries`] parses such a file back, both kinds of line. For DTLS 1.2,
//! [`export_srtp_keying_material`] (RFC 5705 with the DTLS-SRTP label, RFC 5764 §4.2)
//! turns a logged master secret and the two randoms seen on the wire
//! ([`crate::observe::HandshakeObserver`]) into the SRTP master keys of both directions;
//! for DTLS 1.3, [`export_dtls13_srtp_keying_material`] does the same from the logged
//! `EXPORTER_SECRET` alone (RFC 8446 §7.5 with DTLS 1.3's "dtls13" labels, RFC 9147 §5.9),
//! and the observer, given the entries, decrypts the handshake with the logged handshake
//! traffic secrets to learn the SRTP profile and the certificates.
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
//! every tool already reads it. The exporters are free functions over plain byte arrays so
//! an analyser that never ran a handshake (it has only a capture and a key log) can use
//! them without a [`crate::Connection`], and without any way to get secrets out of a live
//! connection, which stays impossible. The DTLS 1.3 secrets are read into an enum-keyed
//! map ([`Dtls13Secret`] and client random) rather than by label string, so a caller
//! cannot ask for a label nothing logs; the DTLS 1.3 exporter runs the connection's own
//! key schedule (one `HKDF-Expand-Label`), so what it derives is by construction what a
//! live connection exports.

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

/// One of the five DTLS 1.3 secrets a key log holds per handshake, each under its TLS 1.3
/// NSS label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtls13Secret {
    /// [`CLIENT_HANDSHAKE_TRAFFIC_SECRET`]: protects the client's epoch-2 records.
    ClientHandshakeTraffic,
    /// [`SERVER_HANDSHAKE_TRAFFIC_SECRET`]: protects the server's epoch-2 records.
    ServerHandshakeTraffic,
    /// [`CLIENT_TRAFFIC_SECRET_0`]: the client's first application traffic secret (epoch 3).
    ClientTraffic0,
    /// [`SERVER_TRAFFIC_SECRET_0`]: the server's first application traffic secret.
    ServerTraffic0,
    /// [`EXPORTER_SECRET`]: the exporter master secret the DTLS-SRTP keys come from
    /// ([`export_dtls13_srtp_keying_material`]).
    Exporter,
}

impl Dtls13Secret {
    /// All five, in the order a handshake derives them.
    pub const ALL: [Dtls13Secret; 5] = [
        Dtls13Secret::ClientHandshakeTraffic,
        Dtls13Secret::ServerHandshakeTraffic,
        Dtls13Secret::ClientTraffic0,
        Dtls13Secret::ServerTraffic0,
        Dtls13Secret::Exporter,
    ];

    /// The NSS label it is logged under.
    pub fn label(self) -> &'static str {
        match self {
            Dtls13Secret::ClientHandshakeTraffic => CLIENT_HANDSHAKE_TRAFFIC_SECRET,
            Dtls13Secret::ServerHandshakeTraffic => SERVER_HANDSHAKE_TRAFFIC_SECRET,
            Dtls13Secret::ClientTraffic0 => CLIENT_TRAFFIC_SECRET_0,
            Dtls13Secret::ServerTraffic0 => SERVER_TRAFFIC_SECRET_0,
            Dtls13Secret::Exporter => EXPORTER_SECRET,
        }
    }

    /// The secret logged under `label` (exact, upper case), if it is one of the five.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.label() == label)
    }
}

/// Longest DTLS 1.3 secret kept: the hash length of a SHA-384 suite. A SHA-256 suite's
/// secrets are 32 bytes; no other length is accepted.
const MAX_DTLS13_SECRET: usize = 48;

/// The secrets of a key log file: DTLS 1.2 master secrets by client random, DTLS 1.3
/// secrets by [`Dtls13Secret`] (label) and client random.
///
/// [`KeyLogEntries::parse`] keeps every well-formed line (label, 64 hex digits of client
/// random, the secret in hex, separated by spaces or tabs): `CLIENT_RANDOM` with a
/// 48-byte master secret, and the five TLS 1.3 labels ([`Dtls13Secret::label`]) with a
/// 32- or 48-byte secret (the hash length of a SHA-256 or SHA-384 suite). It skips,
/// counting them in [`KeyLogEntries::skipped_lines`], comments (`#`), lines with other
/// labels (`CLIENT_EARLY_TRAFFIC_SECRET`, …) and malformed lines. Blank lines are ignored
/// and not counted. When a label and client random appear twice, the later line wins.
/// The secrets are wiped when the entries are dropped (or replaced by a later line), and
/// `Debug` does not print them.
#[derive(Default)]
pub struct KeyLogEntries {
    secrets: HashMap<[u8; 32], Zeroizing<[u8; 48]>>,
    dtls13: HashMap<(Dtls13Secret, [u8; 32]), Zeroizing<Vec<u8>>>,
    skipped: usize,
}

impl std::fmt::Debug for KeyLogEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyLogEntries")
            .field("master_secrets", &self.secrets.len())
            .field("dtls13_secrets", &self.dtls13.len())
            .field("skipped_lines", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// One usable key log line.
enum Line {
    Master([u8; 32], Zeroizing<[u8; 48]>),
    Dtls13(Dtls13Secret, [u8; 32], Zeroizing<Vec<u8>>),
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
                Some(Line::Master(random, secret)) => {
                    entries.secrets.insert(random, secret);
                }
                Some(Line::Dtls13(which, random, secret)) => {
                    entries.dtls13.insert((which, random), secret);
                }
                None => entries.skipped += 1,
            }
        }
        entries
    }

    /// The DTLS 1.2 master secret logged for the handshake with this client random.
    pub fn master_secret(&self, client_random: &[u8; 32]) -> Option<&[u8; 48]> {
        self.secrets.get(client_random).map(|s| &**s)
    }

    /// The DTLS 1.3 secret `which` logged for the handshake with this client random: 32
    /// bytes for a SHA-256 suite (all that DTLS 1.3 here speaks), 48 for a SHA-384 one.
    pub fn dtls13_secret(&self, which: Dtls13Secret, client_random: &[u8; 32]) -> Option<&[u8]> {
        self.dtls13
            .get(&(which, *client_random))
            .map(|s| s.as_slice())
    }

    /// How many secrets are held: one per DTLS 1.2 master secret (distinct client
    /// randoms) and one per DTLS 1.3 label and client random.
    pub fn len(&self) -> usize {
        self.secrets.len() + self.dtls13.len()
    }

    /// True when no line had a usable secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.dtls13.is_empty()
    }

    /// How many non-blank lines were skipped: comments, other labels, malformed lines.
    pub fn skipped_lines(&self) -> usize {
        self.skipped
    }
}

/// A well-formed `LABEL <64 hex> <secret hex>` line of a label we read, or `None`.
fn parse_line(line: &str) -> Option<Line> {
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    let label = fields.next()?;
    let dtls13 = match label {
        CLIENT_RANDOM_LABEL => None,
        other => Some(Dtls13Secret::from_label(other)?),
    };
    let mut random = [0u8; 32];
    decode_hex(fields.next()?, &mut random)?;
    let secret_hex = fields.next()?;
    if fields.next().is_some() {
        return None;
    }
    match dtls13 {
        None => {
            let mut secret = Zeroizing::new([0u8; 48]);
            decode_hex(secret_hex, &mut *secret)?;
            Some(Line::Master(random, secret))
        }
        Some(which) => {
            let len = secret_hex.len() / 2;
            if len != 32 && len != MAX_DTLS13_SECRET {
                return None;
            }
            let mut secret = Zeroizing::new(vec![0u8; len]);
            decode_hex(secret_hex, &mut secret)?;
            Some(Line::Dtls13(which, random, secret))
        }
    }
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

/// Why a DTLS 1.3 exporter could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The cipher suite is not a TLS 1.3 suite whose hash is SHA-256 (0x1301
    /// TLS_AES_128_GCM_SHA256, 0x1303 TLS_CHACHA20_POLY1305_SHA256, 0x1304 and 0x1305, the
    /// CCM ones): a DTLS 1.2 suite, whose exporter is [`export_keying_material`], or
    /// 0x1302 TLS_AES_256_GCM_SHA384, whose SHA-384 key schedule is not implemented here.
    #[error("cipher suite 0x{0:04x} is not a DTLS 1.3 suite with SHA-256")]
    UnsupportedSuite(u16),
    /// The exporter secret is not as long as the suite's hash.
    #[error("an exporter secret of {got} bytes, the suite's hash has {want}")]
    SecretLength {
        /// The hash length.
        want: usize,
        /// The secret's length.
        got: usize,
    },
    /// A label longer than `HKDF-Expand-Label` carries (249 bytes after "dtls13"), or an
    /// output longer than HKDF-Expand gives (255 hashes).
    #[error("label or output too long for HKDF-Expand-Label")]
    TooLong,
}

/// The DTLS-SRTP keying material of a DTLS 1.3 handshake (RFC 5764 §4.2 over RFC 8446
/// §7.5, RFC 9147 §5.9): `TLS-Exporter("EXTRACTOR-dtls_srtp", "", out.len())` from the
/// logged [`EXPORTER_SECRET`] of a handshake that negotiated `cipher_suite` (its IANA
/// value, as [`crate::observe::HandshakeSummary::cipher_suite`] reports it; the suite
/// decides the hash), with DTLS 1.3's
/// "dtls13" `HKDF-Expand-Label` prefix, filling `out` (a profile's
/// `srtp::ProtectionProfile::keying_material_len` bytes). Equal to what
/// [`crate::Connection::export_keying_material`] with [`crate::SRTP_EXPORTER_LABEL`] gives
/// on the live connection.
pub fn export_dtls13_srtp_keying_material(
    cipher_suite: u16,
    exporter_secret: &[u8],
    out: &mut [u8],
) -> Result<(), ExportError> {
    export_dtls13_keying_material(
        cipher_suite,
        exporter_secret,
        crate::SRTP_EXPORTER_LABEL,
        out,
    )
}

/// Keying material exported under `label` with an empty context (RFC 8446 §7.5 with the
/// "dtls13" labels of RFC 9147 §5.9) from the [`EXPORTER_SECRET`] of a DTLS 1.3 handshake
/// that negotiated `cipher_suite` (IANA value): what
/// [`crate::Connection::export_keying_material`] returns on the live connection.
pub fn export_dtls13_keying_material(
    cipher_suite: u16,
    exporter_secret: &[u8],
    label: &[u8],
    out: &mut [u8],
) -> Result<(), ExportError> {
    use crate::v13::key_schedule::{HASH_LEN, Labels};
    // The TLS 1.3 suites whose hash is SHA-256, the only one the key schedule runs.
    if !matches!(cipher_suite, 0x1301 | 0x1303 | 0x1304 | 0x1305) {
        return Err(ExportError::UnsupportedSuite(cipher_suite));
    }
    if exporter_secret.len() != HASH_LEN {
        return Err(ExportError::SecretLength {
            want: HASH_LEN,
            got: exporter_secret.len(),
        });
    }
    if label.len() > 255 - b"dtls13".len() || out.len() > 255 * HASH_LEN {
        return Err(ExportError::TooLong);
    }
    let material = Labels::DTLS13.export(exporter_secret, label, &[], out.len());
    out.copy_from_slice(&material);
    Ok(())
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
            // TLS 1.3 labels we do not read, secrets of no hash's length, and an extra
            // field.
            format!("CLIENT_EARLY_TRAFFIC_SECRET {hex64} {}", "33".repeat(32)),
            format!("EXPORTER_SECRET {hex64} {}", "33".repeat(31)),
            format!("EXPORTER_SECRET {hex64} {}", "33".repeat(40)),
            format!("EXPORTER_SECRET {hex64} {}3", "33".repeat(32)),
            format!("SERVER_TRAFFIC_SECRET_0 {hex64} {} 00", "33".repeat(48)),
            format!("exporter_secret {hex64} {}", "33".repeat(32)),
            format!("CLIENT_HANDSHAKE_TRAFFIC_SECRET {hex64}"),
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
        assert_eq!(
            entries.dtls13_secret(Dtls13Secret::Exporter, &[0x11; 32]),
            None
        );
    }

    #[test]
    fn reads_the_dtls13_labels() {
        let other = [0xCD; 32];
        let mut text = String::from("# a DTLS 1.3 handshake and a DTLS 1.2 one\n");
        for (i, which) in Dtls13Secret::ALL.into_iter().enumerate() {
            assert_eq!(Dtls13Secret::from_label(which.label()), Some(which));
            text += &format_line(which.label(), &RANDOM, &[i as u8; 32]);
        }
        // A SHA-384 suite's secret, as OpenSSL logs it for TLS_AES_256_GCM_SHA384.
        text += &format_line(EXPORTER_SECRET, &other, &[0x77; 48]);
        text += &format_line(CLIENT_RANDOM_LABEL, &other, &secret());
        let entries = KeyLogEntries::parse(&text);
        assert_eq!((entries.len(), entries.skipped_lines()), (7, 1));
        for (i, which) in Dtls13Secret::ALL.into_iter().enumerate() {
            assert_eq!(
                entries.dtls13_secret(which, &RANDOM),
                Some(&[i as u8; 32][..])
            );
        }
        assert_eq!(
            entries.dtls13_secret(Dtls13Secret::Exporter, &other),
            Some(&[0x77; 48][..])
        );
        assert_eq!(
            entries.dtls13_secret(Dtls13Secret::ClientTraffic0, &other),
            None
        );
        // Labels and client randoms are separate keys: a 1.2 master secret is not a 1.3
        // secret, and the other way round.
        assert_eq!(entries.master_secret(&other), Some(&secret()));
        assert_eq!(entries.master_secret(&RANDOM), None);
        // The later line wins; Debug prints counts, not secrets.
        let again = text + &format_line(EXPORTER_SECRET, &RANDOM, &[0x5A; 32]);
        let entries = KeyLogEntries::parse(&again);
        assert_eq!(
            entries.dtls13_secret(Dtls13Secret::Exporter, &RANDOM),
            Some(&[0x5A; 32][..])
        );
        assert_eq!(entries.len(), 7);
        let debug = format!("{entries:?}");
        assert!(
            !debug.contains("5a5a") && debug.contains("dtls13_secrets: 6"),
            "{debug}"
        );
        assert_eq!(Dtls13Secret::from_label("CLIENT_RANDOM"), None);
    }

    /// Computed independently with Python's `hmac` module: RFC 8446 §7.5's
    /// `HKDF-Expand-Label(Derive-Secret(secret, "EXTRACTOR-dtls_srtp", ""), "exporter",
    /// Hash(""), 60)` with the "dtls13" prefix of RFC 9147 §5.9 (exporter secret 00..1f).
    #[test]
    fn dtls13_exporter_matches_an_independent_hkdf() {
        let secret: [u8; 32] = std::array::from_fn(|i| i as u8);
        let mut out = [0u8; 60];
        for suite in [
            CipherSuite::Tls13Aes128GcmSha256.to_u16(),
            CipherSuite::Tls13Chacha20Poly1305Sha256.to_u16(),
        ] {
            out.fill(0);
            export_dtls13_srtp_keying_material(suite, &secret, &mut out).unwrap();
            assert_eq!(
                hex::encode(out),
                "eb8b7bc6476536f59509c76535c731b1e20e3081d2a8e0165d129870e254a371341d47fed0a\
                 26bfd4b9a84967514696866115940ba7016013ca0320a"
            );
        }
        assert_eq!(
            export_dtls13_srtp_keying_material(0xC02B, &secret, &mut out),
            Err(ExportError::UnsupportedSuite(0xC02B))
        );
        assert_eq!(
            export_dtls13_srtp_keying_material(0x1302, &[0; 48], &mut out),
            Err(ExportError::UnsupportedSuite(0x1302))
        );
        assert_eq!(
            export_dtls13_srtp_keying_material(0x1301, &[0; 48], &mut out),
            Err(ExportError::SecretLength { want: 32, got: 48 })
        );
        let mut huge = vec![0u8; 255 * 32 + 1];
        assert_eq!(
            export_dtls13_keying_material(0x1301, &secret, b"EXPORTER-test", &mut huge),
            Err(ExportError::TooLong)
        );
        assert_eq!(
            export_dtls13_keying_material(0x1301, &secret, &[b'x'; 250], &mut out),
            Err(ExportError::TooLong)
        );
        export_dtls13_keying_material(0x1301, &secret, &[b'x'; 249], &mut huge[..255 * 32])
            .unwrap();
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
