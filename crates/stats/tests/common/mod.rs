//! Test support shared by the integration tests.

use stats::{ReceiverConfig, SourceStatistics, ValidationConfig};

/// Statistics for an 8 kHz source `ssrc` whose packets are final for burst metrics
/// `max_misorder` behind the highest.
pub fn source_with_misorder(ssrc: u32, max_misorder: u16) -> SourceStatistics {
    let config = ReceiverConfig {
        validation: ValidationConfig {
            max_misorder,
            ..Default::default()
        },
        ..ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND)
    };
    SourceStatistics::new(ssrc, config).expect("valid config")
}
