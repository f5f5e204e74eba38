//! `rtpx listen`: the analysis on a live UDP port, the quality table printed each second.
//! Datagrams are fed to the same [`Analyzer`] as a capture's, stamped with the wall clock
//! (the frame counters then count datagrams).

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime};

use crate::analyze::{Analyzer, Options};
use crate::net::{FlowKey, Transport};
use crate::output;

/// Receives on `bind` until `duration` has passed (forever when `None`), writing the table
/// to `out` every `interval`. Returns the analyser.
pub fn listen(
    bind: SocketAddr,
    options: Options,
    duration: Option<Duration>,
    interval: Duration,
    out: &mut dyn Write,
) -> std::io::Result<Analyzer> {
    let socket = UdpSocket::bind(bind)?;
    let local = socket.local_addr()?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    writeln!(out, "rtpx: listening on udp {local}")?;
    let mut analyzer = Analyzer::new(options);
    let start = Instant::now();
    let mut next = start + interval;
    let mut buf = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
                let flow = FlowKey {
                    transport: Transport::Udp,
                    src: peer,
                    dst: local,
                };
                analyzer.summary.frames += 1;
                analyzer.summary.bytes += n as u64;
                analyzer.on_datagram(now, flow, &buf[..n]);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= next {
            next += interval;
            let report = output::report(&analyzer, None);
            writeln!(
                out,
                "--- {:.0} s ---\n{}",
                (now - start).as_secs_f64(),
                output::table(&report)
            )?;
            out.flush()?;
        }
        if duration.is_some_and(|d| now - start >= d) {
            return Ok(analyzer);
        }
    }
}
