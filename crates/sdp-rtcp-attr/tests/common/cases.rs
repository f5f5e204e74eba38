//! The check every table of malformed input runs: each text fails with exactly its error.

use std::fmt::Debug;

use sdp_rtcp_attr::Error;

/// Asserts that `parse` refuses each text of `cases` with the error beside it.
pub fn assert_errors<'t, T: Debug + PartialEq>(
    parse: impl Fn(&'t str) -> Result<T, Error>,
    cases: &[(&'t str, Error)],
) {
    for (text, error) in cases {
        assert_eq!(parse(text), Err(error.clone()), "{text:?}");
    }
}
