//! Lexical rules of the SDP grammar (RFC 8866 §9) shared by `a=rtcp`, `c=` and `m=`:
//! ports, decimal numbers, dotted-quad IPv4, the IPv6 character set, domain names, and
//! splitting a value into single-space separated tokens.

use std::net::{Ipv4Addr, Ipv6Addr};

use nom::Parser;
use nom::bytes::complete::{take_while_m_n, take_while1};
use nom::character::complete::{char, digit0};
use nom::combinator::{all_consuming, map_opt};
use nom::sequence::preceded;

use crate::Error;

/// Implements `FromStr` for attribute line types as their `parse` of a whole line, so
/// `"a=rtcp:9".parse()` and `RtcpAttribute::parse("a=rtcp:9")` cannot drift apart.
macro_rules! from_str_by_parse {
    ($($ty:ty),+) => {$(
        impl std::str::FromStr for $ty {
            type Err = crate::Error;

            /// Same as the type's `parse`: a whole line, `a=` included.
            fn from_str(line: &str) -> Result<Self, crate::Error> {
                Self::parse(line)
            }
        }
    )+};
}
pub(crate) use from_str_by_parse;

/// A nom result whose error carries nothing: callers map failures to a specific
/// [`Error`] variant themselves.
type Lex<'a, O> = nom::IResult<&'a str, O, ()>;

/// Up to `N` tokens of a value, each with its byte offset in the line.
pub(crate) type Tokens<'a, const N: usize> = [(&'a str, usize); N];

/// Fails on the first control character (0x00–0x1F, 0x7F) of `line`.
pub(crate) fn reject_controls(line: &str) -> Result<(), Error> {
    match line
        .bytes()
        .enumerate()
        .find(|&(_, b)| b < 0x20 || b == 0x7f)
    {
        Some((offset, byte)) => Err(Error::ControlCharacter { offset, byte }),
        None => Ok(()),
    }
}

/// Splits `value` (which starts at byte `at` of its line) into at most `N` tokens
/// separated by single spaces. Returns the tokens with their offsets in the line and how
/// many were present (0 for an empty value). An empty token (leading, doubled or
/// trailing space) is an [`Error::UnexpectedSpace`], a token past the `N`th an
/// [`Error::TrailingData`].
pub(crate) fn tokens<const N: usize>(
    value: &str,
    at: usize,
) -> Result<(Tokens<'_, N>, usize), Error> {
    let (out, count, extra) = leading_tokens::<N>(value, at)?;
    match extra {
        // The trailing data starts with the space before the extra token.
        Some(offset) => Err(Error::TrailingData { offset: offset - 1 }),
        None => Ok((out, count)),
    }
}

/// Like [`tokens`], but any number of tokens may follow the first `N`: returns the first
/// `N`, the total count and the offset of token `N + 1` when there is one.
pub(crate) fn leading_tokens<const N: usize>(
    value: &str,
    at: usize,
) -> Result<(Tokens<'_, N>, usize, Option<usize>), Error> {
    let mut out = [("", 0); N];
    let mut extra = None;
    if value.is_empty() {
        return Ok((out, 0, extra));
    }
    let end = at + value.len();
    let mut count = 0;
    let mut offset = at;
    for token in value.split(' ') {
        if token.is_empty() {
            // The offending space is the one at `offset`, except for a trailing space,
            // which sits just before the end.
            let offset = if offset < end {
                offset
            } else {
                end.saturating_sub(1)
            };
            return Err(Error::UnexpectedSpace { offset });
        }
        match out.get_mut(count) {
            Some(slot) => *slot = (token, offset),
            None => {
                extra.get_or_insert(offset);
            }
        }
        count += 1;
        offset += token.len() + 1;
    }
    Ok((out, count, extra))
}

/// Value of a run of ASCII digits, `None` when it does not fit `u32`.
fn decimal(digits: &str) -> Option<u32> {
    digits.bytes().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// A whole token that is RFC 8866 §9 `port = 1*DIGIT`, as a 16-bit port written without
/// leading zeros.
pub(crate) fn port(token: &str) -> Result<u16, Error> {
    let (rest, digits) = digit0::<_, ()>(token).map_err(|_| Error::MissingPort)?;
    if digits.is_empty() {
        return Err(match rest.chars().next() {
            None => Error::MissingPort,
            Some(sign @ ('+' | '-')) => Error::PortSign { sign },
            Some(found) => Error::PortNotDigit { found },
        });
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(Error::PortLeadingZero);
    }
    let value = decimal(digits)
        .and_then(|v| u16::try_from(v).ok())
        .ok_or(Error::PortTooLarge)?;
    match rest.chars().next() {
        None => Ok(value),
        Some(found) => Err(Error::PortNotDigit { found }),
    }
}

/// RFC 8866 §9 `integer = POS-DIGIT *DIGIT` as a whole token, within `u32`.
pub(crate) fn positive_integer(token: &str) -> Option<u32> {
    let (_, digits) = all_consuming(digit0::<_, ()>).parse(token).ok()?;
    if digits.is_empty() || digits.starts_with('0') {
        return None;
    }
    decimal(digits)
}

/// RFC 8866 §9 `ttl = (POS-DIGIT *2DIGIT) / "0"`, at most 255 (RFC 8866 §5.7).
pub(crate) fn ttl(token: &str) -> Option<u8> {
    if token == "0" {
        return Some(0);
    }
    let value = positive_integer(token)?;
    u8::try_from(value).ok().filter(|_| token.len() <= 3)
}

/// RFC 8866 §9 `decimal-uchar`: 0–255 without leading zeros.
fn decimal_uchar(input: &str) -> Lex<'_, u8> {
    map_opt(
        take_while_m_n(1, 3, |c: char| c.is_ascii_digit()),
        |d: &str| {
            if d.len() > 1 && d.starts_with('0') {
                None
            } else {
                d.parse::<u8>().ok()
            }
        },
    )
    .parse(input)
}

/// RFC 8866 §9 `IP4-address = b1 3("." decimal-uchar)`, the whole text.
pub(crate) fn ip4_address(text: &str) -> Option<Ipv4Addr> {
    let octet = || preceded(char('.'), decimal_uchar);
    all_consuming((decimal_uchar, octet(), octet(), octet()))
        .parse(text)
        .ok()
        .map(|(_, (a, b, c, d))| Ipv4Addr::new(a, b, c, d))
}

/// True when `text` can only have been meant as a dotted-quad IPv4 address.
pub(crate) fn looks_like_ip4(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// RFC 8866 §9 `IP6-address` (RFC 4291 §2.2 text forms, IPv4-embedded included), the
/// whole text. The character set is checked here; the structure (groups, `::`) by the
/// standard library's parser, which implements the same RFC 4291 forms.
pub(crate) fn ip6_address(text: &str) -> Option<Ipv6Addr> {
    all_consuming(take_while1::<_, _, ()>(|c: char| {
        c.is_ascii_hexdigit() || c == ':' || c == '.'
    }))
    .parse(text)
    .ok()?;
    text.parse().ok()
}

/// RFC 8866 §9 `FQDN = 4*(alpha-numeric / "-" / ".")` with the host-name label rules of
/// RFC 1035 §2.3.4 and RFC 1123 §2.1: 4 to 253 characters, labels of 1 to 63 letters,
/// digits and hyphens that neither start nor end with a hyphen.
pub(crate) fn is_fqdn(text: &str) -> bool {
    (4..=253).contains(&text.len())
        && text.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_accepts_the_full_range_without_leading_zeros() {
        assert_eq!(port("0"), Ok(0));
        assert_eq!(port("9"), Ok(9));
        assert_eq!(port("65535"), Ok(65535));
        assert_eq!(port("65536"), Err(Error::PortTooLarge));
        assert_eq!(port("99999999999999999999"), Err(Error::PortTooLarge));
        assert_eq!(port("00"), Err(Error::PortLeadingZero));
        assert_eq!(port("053020"), Err(Error::PortLeadingZero));
        assert_eq!(port(""), Err(Error::MissingPort));
        assert_eq!(port("+1"), Err(Error::PortSign { sign: '+' }));
        assert_eq!(port("-1"), Err(Error::PortSign { sign: '-' }));
        assert_eq!(port("5302a"), Err(Error::PortNotDigit { found: 'a' }));
        assert_eq!(port("٣"), Err(Error::PortNotDigit { found: '٣' }));
    }

    #[test]
    fn ttl_and_integer_follow_the_abnf() {
        assert_eq!(ttl("0"), Some(0));
        assert_eq!(ttl("127"), Some(127));
        assert_eq!(ttl("255"), Some(255));
        assert_eq!(ttl("256"), None);
        assert_eq!(ttl("00"), None);
        assert_eq!(ttl("012"), None);
        assert_eq!(ttl(""), None);
        assert_eq!(positive_integer("3"), Some(3));
        assert_eq!(positive_integer("0"), None);
        assert_eq!(positive_integer("03"), None);
        assert_eq!(positive_integer("4294967295"), Some(u32::MAX));
        assert_eq!(positive_integer("4294967296"), None);
        assert_eq!(positive_integer("3x"), None);
    }

    #[test]
    fn ip4_is_dotted_quad_without_leading_zeros() {
        assert_eq!(
            ip4_address("126.16.64.4"),
            Some(Ipv4Addr::new(126, 16, 64, 4))
        );
        assert_eq!(ip4_address("0.0.0.0"), Some(Ipv4Addr::UNSPECIFIED));
        assert_eq!(ip4_address("01.2.3.4"), None);
        assert_eq!(ip4_address("1.2.3.256"), None);
        assert_eq!(ip4_address("1.2.3"), None);
        assert_eq!(ip4_address("1.2.3.4.5"), None);
        assert_eq!(ip4_address("1.2.3.4."), None);
        assert_eq!(ip4_address("1234.1.1.1"), None);
    }

    #[test]
    fn fqdn_label_rules() {
        assert!(is_fqdn("host.example.com"));
        assert!(is_fqdn("a-b.example"));
        assert!(!is_fqdn("a.b"));
        assert!(!is_fqdn("-a.example"));
        assert!(!is_fqdn("a-.example"));
        assert!(!is_fqdn("a..example"));
        assert!(!is_fqdn("host.example."));
        assert!(!is_fqdn("h_st.example"));
        assert!(!is_fqdn(&"a".repeat(64)));
        assert!(is_fqdn(&"a".repeat(63)));
    }

    #[test]
    fn tokens_report_offsets() {
        assert_eq!(
            tokens::<4>("1 IN IP4 x", 7),
            Ok(([("1", 7), ("IN", 9), ("IP4", 12), ("x", 16)], 4))
        );
        for (text, offset) in [(" 1", 7), ("1  IN", 9), ("1 ", 8)] {
            let space = Err(Error::UnexpectedSpace { offset });
            assert_eq!(tokens::<4>(text, 7), space, "{text:?}");
        }
        assert_eq!(
            tokens::<2>("1 2 3", 0),
            Err(Error::TrailingData { offset: 3 })
        );
    }
}
