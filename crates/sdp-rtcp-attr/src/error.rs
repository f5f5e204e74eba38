//! The crate's one error type: every way an attribute, an SDP body or a local
//! configuration can be wrong, each with its own variant.

use crate::address::AddrType;

/// Everything this crate can refuse, one variant per reason.
///
/// Attribute-level variants (ports, tokens, addresses) describe the text of one line.
/// When the body scanner ([`crate::Body::scan`]) finds such an error, it wraps it in
/// [`Error::AtLine`] with the 1-based line number, so the wrapped error is always an
/// attribute-level one. Body rules (RFC 3605 §2.1 level rules, duplicates) and endpoint
/// resolution have variants of their own that name the line or media section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A control character (0x00–0x1F or 0x7F, including CR, LF and TAB) inside a line.
    /// RFC 8866 §9: attribute values are `byte-string`s that exclude CR and LF, and the
    /// tokens of `a=rtcp` exclude every control character.
    #[error("control character 0x{byte:02x} at offset {offset}")]
    ControlCharacter {
        /// Byte offset of the character in the line.
        offset: usize,
        /// The offending byte.
        byte: u8,
    },
    /// The line is not the attribute the parser was asked for (for example
    /// `a=rtcp-fb:...` given to the `a=rtcp` parser).
    #[error("not an `{expected}` attribute line")]
    NotAttribute {
        /// The attribute line prefix that was expected, such as `a=rtcp:`.
        expected: &'static str,
    },
    /// A property attribute (`a=rtcp-mux`, `a=rtcp-mux-only`, `a=rtcp-rsize`) carried a
    /// value. RFC 5761 §5.1.1, RFC 8858 §3 and RFC 5506 §5 define them without one.
    #[error("`a={attribute}` takes no value")]
    UnexpectedValue {
        /// The attribute name.
        attribute: &'static str,
    },
    /// No port where one is required: `a=rtcp` or `a=rtcp:` with nothing after it
    /// (RFC 3605 §2.1), or an `m=` line with an empty port (RFC 8866 §5.14).
    #[error("the port is missing (RFC 3605 §2.1, RFC 8866 §5.14)")]
    MissingPort,
    /// The port starts with a sign; RFC 8866 §9 `port = 1*DIGIT`.
    #[error("port starts with the sign `{sign}`; a port is digits only (RFC 8866 §9)")]
    PortSign {
        /// `+` or `-`.
        sign: char,
    },
    /// A character other than a digit where the port is (`5302a`, `53.5`, `49170/2` in
    /// `a=rtcp`).
    #[error("unexpected `{found}` in the port; a port is digits only (RFC 8866 §9)")]
    PortNotDigit {
        /// The first character that is not a digit.
        found: char,
    },
    /// The port has a leading zero (`053020`). Such text would not survive a round trip
    /// through a `u16`, so it is rejected rather than silently rewritten.
    #[error("port has a leading zero")]
    PortLeadingZero,
    /// The port is larger than 65535 (UDP and TCP ports are 16 bits).
    #[error("port is larger than 65535")]
    PortTooLarge,
    /// A space where a token must be: a leading, doubled or trailing space. RFC 8866 §9
    /// separates fields with exactly one SP.
    #[error("unexpected space at offset {offset}; fields are separated by exactly one space")]
    UnexpectedSpace {
        /// Byte offset of the space in the text given to the parser.
        offset: usize,
    },
    /// The optional address part of `a=rtcp` is incomplete: only two or three of the four
    /// tokens `port nettype addrtype connection-address` are present (RFC 3605 §2.1).
    #[error("a=rtcp has {tokens} tokens; it takes 1 (port) or 4 (port nettype addrtype address)")]
    IncompleteAddress {
        /// How many tokens were found, port included (2 or 3).
        tokens: usize,
    },
    /// Text after the last field of the grammar.
    #[error("trailing data at offset {offset}")]
    TrailingData {
        /// Byte offset of the first byte that does not belong.
        offset: usize,
    },
    /// A network type other than `IN`, the only one RFC 8866 §5.7 defines for IP.
    #[error("unsupported network type; only `IN` is supported (RFC 8866 §5.7)")]
    UnsupportedNetType,
    /// An address type other than `IP4` or `IP6` (RFC 8866 §5.7).
    #[error("unsupported address type; only `IP4` and `IP6` are supported (RFC 8866 §5.7)")]
    UnsupportedAddrType,
    /// The address is of the other family than its address type says (`IN IP4 ::1`,
    /// `IN IP6 192.0.2.1`).
    #[error("address does not match its address type {addrtype}")]
    AddressTypeMismatch {
        /// The address type the line declared.
        addrtype: AddrType,
    },
    /// Text that looks like a dotted-quad IPv4 address but is not one by RFC 8866 §9
    /// (`IP4-address`): an octet over 255, a leading zero, a missing or extra octet.
    #[error("invalid IPv4 address (RFC 8866 §9 IP4-address)")]
    InvalidIp4Address,
    /// Text that looks like an IPv6 address but is not one (RFC 8866 §9 `IP6-address`).
    #[error("invalid IPv6 address (RFC 8866 §9 IP6-address)")]
    InvalidIp6Address,
    /// A host name that is not a domain name: RFC 8866 §9 `FQDN` with the label rules of
    /// RFC 1035 §2.3.4 (labels of 1–63 letters, digits and inner hyphens, at most 253
    /// characters, at least 4).
    #[error("invalid fully qualified domain name (RFC 8866 §9, RFC 1035 §2.3.4)")]
    InvalidFqdn,
    /// An IPv4 multicast address without the `/ttl` that RFC 8866 §5.7 requires.
    #[error("IPv4 multicast address without a TTL (RFC 8866 §5.7)")]
    MissingTtl,
    /// A TTL that is not `0`–`255` written without leading zeros (RFC 8866 §9 `ttl`).
    #[error("invalid TTL; expected 0-255 without leading zeros (RFC 8866 §9)")]
    InvalidTtl,
    /// An IPv6 multicast address with a TTL: RFC 8866 §5.7 gives IPv6 multicast no TTL,
    /// only an optional number of addresses.
    #[error("IPv6 multicast addresses take no TTL (RFC 8866 §5.7)")]
    TtlOnIp6,
    /// A `/ttl` or `/count` suffix on a unicast address (RFC 8866 §5.7 gives them to
    /// multicast addresses only).
    #[error("`/` suffix on a unicast address; TTL and address count are for multicast only")]
    SuffixOnUnicast,
    /// A `/` suffix on a domain name.
    #[error("`/` suffix on a domain name")]
    SuffixOnFqdn,
    /// A number of addresses that is not a positive integer without leading zeros
    /// (RFC 8866 §9 `numaddr = integer`) or does not fit 32 bits.
    #[error("invalid number of addresses (RFC 8866 §9 numaddr)")]
    InvalidAddressCount,
    /// A multicast address range (`group/ttl/count`) that runs past the end of the
    /// multicast block (224.0.0.0/4 or ff00::/8).
    #[error("multicast address range runs past the end of the multicast block")]
    MulticastRangeOverflow,
    /// A multicast constructor was given a unicast address.
    #[error("not a multicast address")]
    NotMulticast,
    /// An error in the text of one line of an SDP body. The message names the line; the
    /// error is its [`std::error::Error::source`], so a report that walks the chain prints
    /// it once.
    #[error("line {line}")]
    AtLine {
        /// 1-based line number in the body.
        line: usize,
        /// What was wrong with the line (never itself `AtLine`).
        source: Box<Error>,
    },
    /// A line that is not `<type>=<value>` with a lowercase letter as type (RFC 8866 §5).
    #[error("line {line}: not an SDP line of the form `<type>=<value>` (RFC 8866 §5)")]
    MalformedLine {
        /// 1-based line number.
        line: usize,
    },
    /// An `m=` line with fewer than its four fields `media port proto fmt`
    /// (RFC 8866 §5.14).
    #[error("m= line lacks one of `media port proto fmt` (RFC 8866 §5.14)")]
    IncompleteMediaLine,
    /// A number of ports in an `m=` line (`49170/2`) that is not a positive integer
    /// without leading zeros within 1–65535 (RFC 8866 §5.14).
    #[error("invalid number of ports in the m= line (RFC 8866 §5.14)")]
    InvalidPortCount,
    /// A `c=` line without exactly the three fields `nettype addrtype address`
    /// (RFC 8866 §5.7).
    #[error("c= line needs exactly `nettype addrtype connection-address` (RFC 8866 §5.7)")]
    IncompleteConnectionLine,
    /// One of this crate's attributes at session level. RFC 3605 §2.1 says `a=rtcp` MUST
    /// NOT be used at session level; RFC 5761 §5.1.1, RFC 8858 §3 and RFC 5506 §5 make
    /// the other three media-level attributes.
    #[error("line {line}: `a={attribute}` is a media-level attribute and appears at session level")]
    SessionLevelAttribute {
        /// 1-based line number.
        line: usize,
        /// The attribute name.
        attribute: &'static str,
    },
    /// A second `a=rtcp` in one media section (RFC 3605 §2.1 gives a media stream one
    /// RTCP port).
    #[error("line {line}: second a=rtcp in one media section (the first is on line {first_line})")]
    DuplicateRtcp {
        /// 1-based line number of the second attribute.
        line: usize,
        /// 1-based line number of the first.
        first_line: usize,
    },
    /// A second `c=` line at the same level. Layered multicast (several `c=` lines in one
    /// media section, RFC 8866 §5.7) is outside what this crate resolves.
    #[error("line {line}: second c= line at the same level")]
    DuplicateConnection {
        /// 1-based line number of the second `c=` line.
        line: usize,
    },
    /// `a=rtcp-mux-only` without `a=rtcp-mux` in the same media section; RFC 8858 §4
    /// requires an offer to carry both.
    #[error(
        "media section starting on line {line}: a=rtcp-mux-only without a=rtcp-mux (RFC 8858 §4)"
    )]
    MuxOnlyWithoutMux {
        /// 1-based line number of the section's `m=` line.
        line: usize,
    },
    /// `a=rtcp-mux-only` with an `a=rtcp` whose port or address differs from the RTP
    /// ones; RFC 8858 §4 requires them to match.
    #[error(
        "line {line}: a=rtcp differs from the RTP port or address although a=rtcp-mux-only is present (RFC 8858 §4)"
    )]
    MuxOnlyRtcpMismatch {
        /// 1-based line number of the `a=rtcp` line.
        line: usize,
    },
    /// More media sections than [`crate::Body::MAX_MEDIA_SECTIONS`].
    #[error("more than {limit} media sections")]
    TooManyMediaSections {
        /// The limit.
        limit: usize,
    },
    /// A media section with neither its own `c=` line nor a session-level one
    /// (RFC 8866 §5.7 requires one of them).
    #[error("media section {media} has no c= line and the session has none")]
    MissingConnection {
        /// 0-based index of the media section.
        media: usize,
    },
    /// An active stream whose `a=rtcp` names port 0, where nothing can be received.
    #[error("media section {media}: a=rtcp names port 0 for an active stream")]
    RtcpPortZero {
        /// 0-based index of the media section.
        media: usize,
    },
    /// RTP on port 65535 without `a=rtcp` or `rtcp-mux`: RTP port + 1 (RFC 3550 §11)
    /// does not exist.
    #[error("media section {media}: RTP port 65535 leaves no port for RTCP (RFC 3550 §11)")]
    RtcpPortOverflow {
        /// 0-based index of the media section.
        media: usize,
    },
    /// A local transport address with port 0: nothing can be received there.
    #[error("transport address with port 0")]
    ZeroPort,
    /// A local transport address that is a multicast group: this crate's offer and answer
    /// builders describe unicast endpoints.
    #[error("transport address is a multicast group")]
    MulticastTransport,
    /// Text that is not `address/prefix`.
    #[error("invalid network; expected `address/prefix` such as 192.0.2.0/24")]
    InvalidCidr,
    /// A prefix length longer than the address.
    #[error("prefix length {prefix} is longer than {max}")]
    CidrPrefixTooLong {
        /// The given prefix length.
        prefix: u8,
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
    /// A network address with bits set past the prefix (`192.0.2.1/24`); written that
    /// way it is ambiguous whether a host or a network was meant.
    #[error("address has bits set past the prefix length")]
    CidrHostBits,
    /// `a=rtcp-fb` without a space between the payload type and the value (RFC 4585 §4.2).
    #[error("`a=rtcp-fb` has no feedback value after the payload type (RFC 4585 §4.2)")]
    RtcpFbMissingValue,
    /// The `a=rtcp-fb` payload type is neither `*` nor 0 to 127 written without leading
    /// zeros.
    #[error("`a=rtcp-fb` payload type is neither `*` nor 0-127")]
    RtcpFbBadPayloadType,
    /// The rtcp-fb-id is empty or has a character outside letters, digits, `-` and `_`.
    #[error("`a=rtcp-fb` feedback id is not 1*(alpha-numeric / \"-\" / \"_\")")]
    RtcpFbBadId,
    /// The parameter after the id is empty or has extra spaces.
    #[error("`a=rtcp-fb` parameter is empty or surrounded by extra spaces")]
    RtcpFbBadParameter,
    /// `trr-int` without a number of milliseconds, or one that does not fit 32 bits.
    #[error("`a=rtcp-fb` trr-int is not a number of milliseconds (RFC 4585 §4.2)")]
    RtcpFbBadTrrInt,
    /// An `a=rtcp-fb` value longer than this crate reads.
    #[error("`a=rtcp-fb` value longer than {max} characters")]
    RtcpFbTooLong {
        /// The limit.
        max: usize,
    },
}

impl Error {
    /// Wraps an attribute-level error with the line it was found on.
    pub(crate) fn at_line(self, line: usize) -> Self {
        Error::AtLine {
            line,
            source: Box::new(self),
        }
    }
}
