//! The SDP attributes that say where RTCP goes.
//!
//! `a=rtcp` (RFC 3605), `a=rtcp-mux` (RFC 5761), `a=rtcp-mux-only` (RFC 8858) and
//! `a=rtcp-rsize` (RFC 5506), with endpoint resolution for a media section. The typed
//! attributes arrive with the issue that builds this crate; today it holds nothing public.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
