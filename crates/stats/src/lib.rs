//! RTP statistics and call quality.
//!
//! RFC 3550 Appendix A receiver statistics, RTT, report generation, RFC 3611 metrics and the
//! ITU-T G.107 E-model. The statistics arrive with the issue that builds this crate; today
//! it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
