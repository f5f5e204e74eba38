//! `rtpx`'s capture reader and the whole analysis over it: any bytes as a pcap or pcapng
//! file, analysed with an SRTP key (so trial decryption runs too) and plots' series on.
//! Must never panic; errors are typed and the report is built either way.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = rtpx::keys::parse_key_spec(
        "any=inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e",
        "fuzz".into(),
    )
    .expect("the key is valid");
    let options = rtpx::analyze::Options {
        keys: vec![key],
        plot: true,
        ..Default::default()
    };
    if let Ok(report) = rtpx::analyze_bytes(data, options) {
        let _ = rtpx::output::table(&report);
    }
});
