//! Writes a synthetic capture of G.711 RTP and SRTP streams for the `rtpx` benchmark:
//! `cargo run --release -p rtpx --example synth_capture -- OUT.pcap MEGABYTES [STREAMS]`.
//! Half the streams are SRTP with the key printed at the end. Without arguments it writes
//! 4 MB to `rtpx-synth.pcap` in the temporary directory.

use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("rtpx-synth.pcap")
            .display()
            .to_string()
    });
    let mb: u64 = args.next().map_or(Ok(4), |m| m.parse())?;
    let streams: u16 = args.next().map_or(Ok(200), |s| s.parse())?;
    let file = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
    let written = rtpx::synth::write(
        file,
        rtpx::synth::Config {
            rtp_streams: streams / 2,
            srtp_streams: streams - streams / 2,
            bytes: mb << 20,
            loss_every: 1009,
        },
    )?;
    eprintln!(
        "{out}: {} frames, {} bytes, {} packets dropped on purpose; SRTP key: --key any={}",
        written.frames,
        written.bytes,
        written.dropped,
        rtpx::synth::KEY
    );
    Ok(())
}
