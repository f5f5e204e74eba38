//! The property attributes `a=rtcp-mux` (RFC 5761 §5.1.1), `a=rtcp-mux-only`
//! (RFC 8858 §3) and `a=rtcp-rsize` (RFC 5506 §5), and [`Attribute`], which recognises
//! any of this crate's four attributes in an SDP line.
//!
//! [`RtcpFlags`] is the one place the three flags are held together: a scanned media
//! section has the flags it carries, an offer or answer the flags it will write, and
//! negotiation reads one and builds the other. Before, each type kept three booleans and
//! three getters of its own; a set keyed by [`RtcpFlag`] means a new flag attribute is
//! one variant, and writing them in order is [`RtcpFlags::iter`].

use std::fmt;

use crate::{Error, RtcpAttribute, syntax};

/// One of the three RTCP property attributes, which carry no value.
///
/// ```
/// use sdp_rtcp_attr::RtcpFlag;
///
/// assert_eq!("a=rtcp-mux".parse(), Ok(RtcpFlag::Mux));
/// assert_eq!(RtcpFlag::ReducedSize.to_string(), "a=rtcp-rsize");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RtcpFlag {
    /// `a=rtcp-mux` (RFC 5761 §5.1.1): RTP and RTCP share one port.
    Mux,
    /// `a=rtcp-mux-only` (RFC 8858 §3): the offerer cannot send or receive RTCP on a
    /// separate port; an answerer that will not multiplex must reject the stream.
    MuxOnly,
    /// `a=rtcp-rsize` (RFC 5506 §5): reduced-size (non-compound) RTCP is welcome.
    ReducedSize,
}

impl RtcpFlag {
    /// Every flag, in the order they are written.
    pub const ALL: [RtcpFlag; 3] = [RtcpFlag::Mux, RtcpFlag::MuxOnly, RtcpFlag::ReducedSize];

    /// The attribute name: `rtcp-mux`, `rtcp-mux-only` or `rtcp-rsize`.
    pub fn name(self) -> &'static str {
        match self {
            RtcpFlag::Mux => "rtcp-mux",
            RtcpFlag::MuxOnly => "rtcp-mux-only",
            RtcpFlag::ReducedSize => "rtcp-rsize",
        }
    }

    /// Parses a whole line such as `a=rtcp-mux`, without its line terminator.
    ///
    /// A value (`a=rtcp-mux:1`) is [`Error::UnexpectedValue`]; any other attribute is
    /// [`Error::NotAttribute`].
    pub fn parse(line: &str) -> Result<Self, Error> {
        match Kind::of(line) {
            Some(kind @ Kind::Flag(flag)) => Attribute::parse_kind(kind, line).map(|_| flag),
            _ => Err(Error::NotAttribute {
                expected: "a=rtcp-mux, a=rtcp-mux-only or a=rtcp-rsize",
            }),
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flag| flag.name() == name)
    }
}

/// A set of [`RtcpFlag`]s: the property attributes a media section carries
/// ([`crate::MediaSection::flags`]) or a local offer or answer is to write
/// ([`crate::Advertisement::flags`]).
///
/// ```
/// use sdp_rtcp_attr::{RtcpFlag, RtcpFlags};
///
/// let flags = RtcpFlags::default().with(RtcpFlag::ReducedSize, true);
/// assert!(flags.contains(RtcpFlag::ReducedSize) && !flags.contains(RtcpFlag::Mux));
/// assert_eq!(flags.iter().collect::<Vec<_>>(), [RtcpFlag::ReducedSize]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RtcpFlags(u8);

impl RtcpFlags {
    fn bit(flag: RtcpFlag) -> u8 {
        match flag {
            RtcpFlag::Mux => 1,
            RtcpFlag::MuxOnly => 2,
            RtcpFlag::ReducedSize => 4,
        }
    }

    /// True when `flag` is in the set.
    pub fn contains(self, flag: RtcpFlag) -> bool {
        self.0 & Self::bit(flag) != 0
    }

    /// The set with `flag` added (`on`) or removed.
    #[must_use]
    pub fn with(self, flag: RtcpFlag, on: bool) -> Self {
        match on {
            true => Self(self.0 | Self::bit(flag)),
            false => Self(self.0 & !Self::bit(flag)),
        }
    }

    /// The flags in the set, in the order they are written ([`RtcpFlag::ALL`]).
    pub fn iter(self) -> impl Iterator<Item = RtcpFlag> {
        RtcpFlag::ALL.into_iter().filter(move |&f| self.contains(f))
    }
}

syntax::from_str_by_parse!(RtcpFlag);

impl fmt::Display for RtcpFlag {
    /// Writes `a=<name>` without a line terminator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a={}", self.name())
    }
}

/// Any of this crate's four attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// `a=rtcp` (RFC 3605 §2.1).
    Rtcp(RtcpAttribute),
    /// `a=rtcp-mux`, `a=rtcp-mux-only` or `a=rtcp-rsize`.
    Flag(RtcpFlag),
}

/// Which of this crate's attributes a line holds, judged by its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rtcp,
    Flag(RtcpFlag),
}

impl Kind {
    /// The attribute name of an `a=` line when it is one of this crate's; `None` for
    /// any other line. The name (RFC 8866 §9 `att-field`, a token) ends at `:`, a space
    /// or a control character, and is matched exactly as IANA registers it.
    pub(crate) fn of(line: &str) -> Option<Kind> {
        let rest = line.strip_prefix("a=")?;
        let end = rest
            .bytes()
            .position(|b| b == b':' || b <= b' ' || b == 0x7f)
            .unwrap_or(rest.len());
        let name = rest.get(..end)?;
        match name {
            "rtcp" => Some(Kind::Rtcp),
            other => RtcpFlag::from_name(other).map(Kind::Flag),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Rtcp => "rtcp",
            Kind::Flag(flag) => flag.name(),
        }
    }
}

impl Attribute {
    /// Parses an SDP line (without its line terminator) that is one of this crate's
    /// attributes; `Ok(None)` for any other line, which this crate ignores.
    ///
    /// ```
    /// use sdp_rtcp_attr::{Attribute, RtcpAttribute, RtcpFlag};
    ///
    /// assert_eq!(Attribute::parse("a=rtcp:9")?, Some(Attribute::Rtcp(RtcpAttribute::new(9))));
    /// assert_eq!(Attribute::parse("a=rtcp-rsize")?, Some(Attribute::Flag(RtcpFlag::ReducedSize)));
    /// assert_eq!(Attribute::parse("a=rtcp-fb:96 nack")?, None);
    /// # Ok::<(), sdp_rtcp_attr::Error>(())
    /// ```
    pub fn parse(line: &str) -> Result<Option<Self>, Error> {
        let Some(kind) = Kind::of(line) else {
            return Ok(None);
        };
        Self::parse_kind(kind, line).map(Some)
    }

    pub(crate) fn parse_kind(kind: Kind, line: &str) -> Result<Self, Error> {
        match kind {
            Kind::Rtcp => RtcpAttribute::parse(line).map(Attribute::Rtcp),
            Kind::Flag(flag) => {
                syntax::reject_controls(line)?;
                if line.len() == flag.name().len() + 2 {
                    Ok(Attribute::Flag(flag))
                } else {
                    Err(Error::UnexpectedValue {
                        attribute: flag.name(),
                    })
                }
            }
        }
    }
}

impl fmt::Display for Attribute {
    /// Writes the attribute line without a line terminator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Rtcp(rtcp) => rtcp.fmt(f),
            Attribute::Flag(flag) => flag.fmt(f),
        }
    }
}
