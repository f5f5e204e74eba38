//! Placeholder replaced below by the rtp-packet issue.
fn main() {}
