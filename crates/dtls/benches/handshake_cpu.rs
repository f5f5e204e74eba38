//! The CPU cost of our DTLS 1.2 handshake, both ends in this process: the half of
//! `cargo xtask bench handshake` that is ours (xtask/src/bench.rs runs it beside the
//! libssl driver xtask/c/dtls_handshake_bench.c and prints the two side by side).
//!
//! The handshake is the driver's: ECDHE-ECDSA-AES128-GCM-SHA256, ECDSA P-256 certificates
//! on both ends (the server requires the client's, each checks the other's SHA-256
//! fingerprint), the ECDHE group given (P-256, or X25519 offered before P-256, as the
//! driver must), use_srtp with AEAD_AES_128_GCM, the extended master secret, a
//! HelloVerifyRequest cookie, a 1200-byte MTU. Connections are made with the public
//! constructors (randomness seeded from the operating system) and dropped inside the timed
//! loop, as the driver creates and frees its SSL objects; certificates and configurations
//! are made beforehand, as the driver's contexts are.
//!
//! `handshake_cpu GROUP N` prints `handshakes N cpu_ns C client_ns X server_ns Y`, the
//! driver's line: C is this thread's CPU time for the N handshakes (the scheduler's
//! `sum_exec_runtime`, `/proc/thread-self/schedstat`, the clock behind
//! `CLOCK_PROCESS_CPUTIME_ID`), X and Y the monotonic time spent inside each end's calls
//! (the split of C between the ends). Under `cargo bench` (`--bench`) it prints both groups
//! for a human; under `cargo test` (no arguments) it does nothing.

use dtls::{
    Certificate, CipherSuite, Config, Connection, Event, HashFunction, NamedGroup, ProtocolVersion,
};
use srtp::ProtectionProfile;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("/proc/thread-self/schedstat (Linux with schedstats)");
    let ns: u64 = stat
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .expect("schedstat starts with the time on the CPU in nanoseconds");
    Duration::from_nanos(ns)
}

fn config(cn: &str, groups: &[NamedGroup]) -> Arc<Config> {
    let mut c = Config::new(Certificate::generate(cn).expect("certificate"));
    // DTLS 1.2, as the libssl driver (OpenSSL 3.0 has no DTLS 1.3): like with like.
    c.max_version = ProtocolVersion::Dtls12;
    c.cipher_suites = vec![CipherSuite::EcdheEcdsaAes128GcmSha256];
    c.groups = groups.to_vec();
    c.srtp_profiles = vec![ProtectionProfile::AeadAes128Gcm];
    Arc::new(c)
}

struct Pair {
    client: Arc<Config>,
    server: Arc<Config>,
    group: NamedGroup,
}

impl Pair {
    fn new(group: &str) -> Self {
        let (groups, group) = match group {
            "P-256" => (vec![NamedGroup::Secp256r1], NamedGroup::Secp256r1),
            "X25519" => (
                vec![NamedGroup::X25519, NamedGroup::Secp256r1],
                NamedGroup::X25519,
            ),
            other => panic!("unknown group {other}: P-256 or X25519"),
        };
        Pair {
            client: config("client", &groups),
            server: config("server", &groups),
            group,
        }
    }

    /// One full handshake; adds the time inside each end's calls to `client` and
    /// `server`. With `check`, asserts what was negotiated.
    fn handshake(&self, check: bool, client_time: &mut Duration, server_time: &mut Duration) {
        let now = Instant::now();
        let t = Instant::now();
        let mut client = Connection::client(self.client.clone(), now).expect("client");
        client
            .require_peer_fingerprints(vec![
                self.server.certificate.fingerprint(HashFunction::Sha256),
            ])
            .expect("fingerprint");
        *client_time += t.elapsed();
        let t = Instant::now();
        let mut server = Connection::server(
            self.server.clone(),
            "192.0.2.1:5004".parse().expect("address"),
            now,
        )
        .expect("server");
        server
            .require_peer_fingerprints(vec![
                self.client.certificate.fingerprint(HashFunction::Sha256),
            ])
            .expect("fingerprint");
        *server_time += t.elapsed();
        for _ in 0..32 {
            if client.is_connected() && server.is_connected() {
                break;
            }
            while let Some(d) = client.poll_transmit() {
                let t = Instant::now();
                server.handle_datagram(now, d).expect("server");
                *server_time += t.elapsed();
            }
            while let Some(d) = server.poll_transmit() {
                let t = Instant::now();
                client.handle_datagram(now, d).expect("client");
                *client_time += t.elapsed();
            }
        }
        assert!(
            client.is_connected() && server.is_connected(),
            "handshake stalled"
        );
        for (end, peer) in [(&mut client, &self.server), (&mut server, &self.client)] {
            let connected = std::iter::from_fn(|| end.poll_event())
                .find_map(|e| match e {
                    Event::Connected(c) => Some(c),
                    _ => None,
                })
                .expect("a Connected event");
            if check {
                assert_eq!(connected.key_exchange_group, self.group);
                assert_eq!(
                    connected.cipher_suite,
                    CipherSuite::EcdheEcdsaAes128GcmSha256
                );
                assert_eq!(
                    connected.srtp_profile,
                    Some(ProtectionProfile::AeadAes128Gcm)
                );
                assert!(connected.extended_master_secret);
                assert!(connected.srtp_keys.is_some());
                assert_eq!(
                    connected.peer_certificate.as_deref(),
                    Some(peer.certificate.der())
                );
            }
        }
    }
}

/// `n` handshakes after a warm-up: (CPU time, client's time, server's time).
fn measure(group: &str, n: u32) -> (Duration, Duration, Duration) {
    let pair = Pair::new(group);
    let (mut c, mut s) = (Duration::ZERO, Duration::ZERO);
    for i in 0..1 + n / 10 {
        pair.handshake(i == 0, &mut c, &mut s);
    }
    let (mut c, mut s) = (Duration::ZERO, Duration::ZERO);
    let start = thread_cpu();
    for _ in 0..n {
        pair.handshake(false, &mut c, &mut s);
    }
    (thread_cpu() - start, c, s)
}

// The report is this program's output.
#[allow(clippy::print_stdout)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match &args[..] {
        [group, n] if !group.starts_with('-') => {
            let n: u32 = n.parse().expect("N is a count");
            let (cpu, c, s) = measure(group, n);
            println!(
                "handshakes {n} cpu_ns {} client_ns {} server_ns {}",
                cpu.as_nanos(),
                c.as_nanos(),
                s.as_nanos()
            );
        }
        // `cargo bench` passes `--bench` (and perhaps criterion's flags); `cargo test`
        // runs bench targets with no arguments, and then there is nothing to do.
        _ if !args.iter().any(|a| a == "--bench") => {}
        _ => {
            let n = if args.iter().any(|a| a == "--quick") {
                50
            } else {
                200
            };
            for group in ["P-256", "X25519"] {
                let (cpu, c, s) = measure(group, n);
                let per = cpu / n;
                let share = c.as_secs_f64() / (c + s).as_secs_f64();
                println!(
                    "dtls handshake CPU, {group} ECDHE, ECDSA P-256 both ends, {n} handshakes: \
                     {:.3} ms (client {:.0}%, server {:.0}%)",
                    per.as_secs_f64() * 1e3,
                    share * 100.0,
                    (1.0 - share) * 100.0
                );
            }
        }
    }
}
