//! The NSS key log parser (`dtls::keylog::KeyLogEntries::parse`) on arbitrary text: nothing
//! panics, every line is either kept or counted as skipped, every line an independent
//! reading calls a well-formed `CLIENT_RANDOM` line is found, and a line written by
//! `format_line` from the input's bytes reads back to the same secret.
#![no_main]

use dtls::keylog::{CLIENT_RANDOM_LABEL, KeyLogEntries, format_line};
use libfuzzer_sys::fuzz_target;

/// `CLIENT_RANDOM <64 hex> <96 hex>` split on spaces and tabs, read without the parser.
fn well_formed(line: &str) -> Option<[u8; 32]> {
    let fields: Vec<&str> = line.split([' ', '\t']).filter(|f| !f.is_empty()).collect();
    let [label, random, secret] = fields[..] else {
        return None;
    };
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if label != CLIENT_RANDOM_LABEL || !hex(random, 64) || !hex(secret, 96) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&random[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries = KeyLogEntries::parse(&text);
    let nonblank: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let good: Vec<[u8; 32]> = nonblank.iter().filter_map(|l| well_formed(l)).collect();
    assert_eq!(entries.skipped_lines() + good.len(), nonblank.len());
    assert!(entries.len() <= good.len());
    for random in &good {
        assert!(entries.master_secret(random).is_some());
    }
    if let (Some(random), Some(secret)) = (data.get(..32), data.get(32..80)) {
        let random: [u8; 32] = random.try_into().expect("32 bytes");
        let line = format_line(CLIENT_RANDOM_LABEL, &random, secret);
        let one = KeyLogEntries::parse(&line);
        assert_eq!((one.len(), one.skipped_lines()), (1, 0));
        assert_eq!(one.master_secret(&random).map(|s| &s[..]), Some(secret));
    }
});
