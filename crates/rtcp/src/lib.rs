//! RTCP packets.
//!
//! Every RTCP packet type (RFC 3550 §6, RFC 3611 XR, RFC 4585/5104 feedback), compound
//! packets and reduced-size RTCP. The packet types arrive with the issue that builds this
//! crate; today it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
