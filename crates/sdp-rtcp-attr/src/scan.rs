//! A scanner over an SDP body (RFC 8866 §5) that finds the session-level and media-level
//! `c=` lines, each `m=` line, and this crate's four attributes, and enforces their level
//! rules. It is not a general SDP parser: every other line is skipped unread.

use std::num::NonZeroU16;

use crate::attribute::{Attribute, Kind};
use crate::{ConnectionAddress, Error, RtcpAttribute, RtcpFlag, RtcpFlags, syntax};

/// What an SDP body says about RTCP transport: the session-level connection address and,
/// for each media section, its `m=` line, `c=` line and RTCP attributes.
///
/// [`Body::scan`] accepts CRLF or bare LF line ends (RFC 8866 §5 asks parsers to accept
/// both) and checks:
///
/// - every line has the form `<type>=<value>` with a lowercase letter as type;
/// - `m=` lines have `media port[/count] proto fmt...` with a valid port;
/// - `c=` lines have a valid connection address, at most one per level;
/// - `a=rtcp`, `a=rtcp-mux`, `a=rtcp-mux-only`, `a=rtcp-rsize` parse, and appear only
///   in media sections (RFC 3605 §2.1: `a=rtcp` MUST NOT be used at session level);
/// - at most one `a=rtcp` per media section;
/// - `a=rtcp-mux-only` comes with `a=rtcp-mux`, and an `a=rtcp` beside it names the RTP
///   port and address (RFC 8858 §4).
///
/// Every other line and attribute is ignored unchecked — `a=bundle-only` (RFC 8843 §6)
/// is noted, because it changes what port 0 means. This is not an SDP library: use one
/// to read or write anything else.
///
/// ```
/// use sdp_rtcp_attr::Body;
///
/// let body = Body::scan("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n")?;
/// assert_eq!(body.media()[0].rtcp().map(|r| r.port()), Some(53020));
/// # Ok::<(), sdp_rtcp_attr::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body<'a> {
    session_connection: Option<ConnectionAddress>,
    media: Vec<MediaSection<'a>>,
}

/// One media section (RFC 8866 §5.14): its `m=` line and what it says about RTCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSection<'a> {
    index: usize,
    line: usize,
    media: &'a str,
    port: u16,
    port_count: Option<NonZeroU16>,
    proto: &'a str,
    connection: Option<ConnectionAddress>,
    /// The attribute and its 1-based line number.
    rtcp: Option<(RtcpAttribute, usize)>,
    flags: RtcpFlags,
    bundle_only: bool,
}

impl<'a> Body<'a> {
    /// The most media sections a body may have; more is [`Error::TooManyMediaSections`].
    pub const MAX_MEDIA_SECTIONS: usize = 256;

    /// Scans `text`, the whole SDP body.
    pub fn scan(text: &'a str) -> Result<Self, Error> {
        let mut body = Body {
            session_connection: None,
            media: Vec::new(),
        };
        let mut current: Option<MediaSection<'a>> = None;
        let text = text.strip_suffix('\n').unwrap_or(text);
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            let l = raw.strip_suffix('\r').unwrap_or(raw);
            let (kind, value) = match (l.as_bytes(), l.get(2..)) {
                ([kind, b'=', ..], Some(value)) if kind.is_ascii_lowercase() => (*kind, value),
                _ => return Err(Error::MalformedLine { line }),
            };
            match kind {
                b'm' => {
                    if let Some(done) = current.take() {
                        body.push(done)?;
                    }
                    let index = body.media.len();
                    current = Some(
                        MediaSection::from_media_line(l, value, index, line)
                            .map_err(|e| e.at_line(line))?,
                    );
                }
                b'c' => {
                    syntax::reject_controls(l).map_err(|e| e.at_line(line))?;
                    let address =
                        ConnectionAddress::parse_at(value, 2).map_err(|e| e.at_line(line))?;
                    let slot = match current.as_mut() {
                        Some(section) => &mut section.connection,
                        None => &mut body.session_connection,
                    };
                    if slot.is_some() {
                        return Err(Error::DuplicateConnection { line });
                    }
                    *slot = Some(address);
                }
                b'a' => {
                    if let Some(section) = current.as_mut() {
                        section.attribute(l, line)?;
                    } else if let Some(kind) = Kind::of(l) {
                        return Err(Error::SessionLevelAttribute {
                            line,
                            attribute: kind.name(),
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some(done) = current {
            body.push(done)?;
        }
        Ok(body)
    }

    fn push(&mut self, section: MediaSection<'a>) -> Result<(), Error> {
        section.check_mux_only(self.session_connection.as_ref())?;
        if self.media.len() == Self::MAX_MEDIA_SECTIONS {
            return Err(Error::TooManyMediaSections {
                limit: Self::MAX_MEDIA_SECTIONS,
            });
        }
        self.media.push(section);
        Ok(())
    }

    /// The session-level `c=` address, if the body has one.
    pub fn session_connection(&self) -> Option<&ConnectionAddress> {
        self.session_connection.as_ref()
    }

    /// The media sections, in order.
    pub fn media(&self) -> &[MediaSection<'a>] {
        &self.media
    }
}

impl<'a> MediaSection<'a> {
    /// Parses `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14).
    fn from_media_line(
        line_text: &str,
        value: &'a str,
        index: usize,
        line: usize,
    ) -> Result<Self, Error> {
        syntax::reject_controls(line_text)?;
        let (tokens, count, _) = syntax::leading_tokens::<3>(value, 2)?;
        let [(media, _), (port, _), (proto, _)] = tokens;
        if count < 4 {
            return Err(Error::IncompleteMediaLine);
        }
        let (port, port_count) = match port.split_once('/') {
            Some((port, n)) => {
                let n = syntax::positive_integer(n)
                    .and_then(|n| u16::try_from(n).ok())
                    .and_then(NonZeroU16::new)
                    .ok_or(Error::InvalidPortCount)?;
                (port, Some(n))
            }
            None => (port, None),
        };
        Ok(Self {
            index,
            line,
            media,
            port: syntax::port(port)?,
            port_count,
            proto,
            connection: None,
            rtcp: None,
            flags: RtcpFlags::default(),
            bundle_only: false,
        })
    }

    /// Takes in one `a=` line of this section.
    fn attribute(&mut self, l: &str, line: usize) -> Result<(), Error> {
        if l == "a=bundle-only" {
            self.bundle_only = true;
            return Ok(());
        }
        let Some(kind) = Kind::of(l) else {
            return Ok(());
        };
        match Attribute::parse_kind(kind, l).map_err(|e| e.at_line(line))? {
            Attribute::Rtcp(rtcp) => {
                if let Some((_, first_line)) = self.rtcp {
                    return Err(Error::DuplicateRtcp { line, first_line });
                }
                self.rtcp = Some((rtcp, line));
            }
            Attribute::Flag(flag) => self.flags = self.flags.with(flag, true),
        }
        Ok(())
    }

    /// RFC 8858 §4: `rtcp-mux-only` needs `rtcp-mux`, and an `a=rtcp` beside it must
    /// name the RTP port and address.
    fn check_mux_only(&self, session: Option<&ConnectionAddress>) -> Result<(), Error> {
        if !self.flags.contains(RtcpFlag::MuxOnly) {
            return Ok(());
        }
        if !self.flags.contains(RtcpFlag::Mux) {
            return Err(Error::MuxOnlyWithoutMux { line: self.line });
        }
        let Some((rtcp, rtcp_line)) = &self.rtcp else {
            return Ok(());
        };
        let rtp_address = self.connection.as_ref().or(session);
        let address_differs = match (rtcp.address(), rtp_address) {
            (Some(rtcp), Some(rtp)) => !rtcp.same_host(rtp),
            _ => false,
        };
        if (self.port != 0 && rtcp.port() != self.port) || address_differs {
            return Err(Error::MuxOnlyRtcpMismatch { line: *rtcp_line });
        }
        Ok(())
    }

    /// 0-based position of the section in the body.
    pub fn index(&self) -> usize {
        self.index
    }

    /// 1-based line number of the `m=` line.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The media type (`audio`, `video`, `application`, ...).
    pub fn media(&self) -> &'a str {
        self.media
    }

    /// The `m=` port: the RTP port, or 0 for a rejected or bundle-only stream.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The number of ports after `/` in the `m=` line (RFC 8866 §5.14), when written.
    pub fn port_count(&self) -> Option<NonZeroU16> {
        self.port_count
    }

    /// The transport protocol (`RTP/AVP`, `UDP/TLS/RTP/SAVPF`, ...).
    pub fn proto(&self) -> &'a str {
        self.proto
    }

    /// True when the transport protocol carries RTP: one of its `/`-separated parts is
    /// `RTP` (RFC 8866 §5.14 and the IANA proto registry).
    pub fn is_rtp(&self) -> bool {
        self.proto.split('/').any(|part| part == "RTP")
    }

    /// The section's own `c=` address, if it has one (see also
    /// [`Body::session_connection`]).
    pub fn connection(&self) -> Option<&ConnectionAddress> {
        self.connection.as_ref()
    }

    /// The `a=rtcp` attribute, if present.
    pub fn rtcp(&self) -> Option<&RtcpAttribute> {
        self.rtcp.as_ref().map(|(rtcp, _)| rtcp)
    }

    /// 1-based line number of the `a=rtcp` attribute, if present.
    pub fn rtcp_line(&self) -> Option<usize> {
        self.rtcp.as_ref().map(|&(_, line)| line)
    }

    /// The flag attributes present: `a=rtcp-mux`, `a=rtcp-mux-only`, `a=rtcp-rsize`.
    pub fn flags(&self) -> RtcpFlags {
        self.flags
    }

    /// True when `a=bundle-only` is present (RFC 8843 §6): port 0 then means "bundled",
    /// not "rejected".
    pub fn bundle_only(&self) -> bool {
        self.bundle_only
    }
}
