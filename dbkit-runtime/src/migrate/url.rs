//! Database URLs with their password hidden, for every message and log line.
//!
//! Both forms libpq and tokio-postgres accept are understood: the URL
//! (`postgres://user:password@host/db?password=…`) and the key-value string
//! (`host=db user=app password='s3cret'`).

use std::ops::Range;

/// `url` with every password in it replaced by `***`:
/// `postgres://app:secret@db/x` → `postgres://app:***@db/x`,
/// `host=db password=secret` → `host=db password=***`.
pub fn redact_database_url(url: &str) -> String {
    let mut redacted = url.to_string();
    let mut ranges = password_ranges(url);
    // Replace from the end so that earlier ranges stay valid.
    ranges.sort_by_key(|range| std::cmp::Reverse(range.start));
    for range in ranges {
        redacted.replace_range(range, "***");
    }
    redacted
}

/// The passwords in `url` as they must never be shown: as written
/// (percent-encoded or quoted) and as decoded, longest first.
pub fn database_url_secrets(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    let is_url = url.contains("://");
    for range in password_ranges(url) {
        let written = &url[range];
        if written.is_empty() {
            continue;
        }
        secrets.push(written.to_string());
        let decoded = if is_url {
            percent_decode(written)
        } else {
            unquote_key_value(written)
        };
        if !decoded.is_empty() {
            secrets.push(decoded);
        }
    }
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    secrets
}

/// Where the passwords of `url` are, as byte ranges.
fn password_ranges(url: &str) -> Vec<Range<usize>> {
    match url.find("://") {
        Some(scheme_end) => url_password_ranges(url, scheme_end + 3),
        None => key_value_password_ranges(url),
    }
}

fn url_password_ranges(url: &str, authority_start: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if let Some(at) = authority.rfind('@') {
        let user_info = &authority[..at];
        if let Some(colon) = user_info.find(':') {
            ranges.push(authority_start + colon + 1..authority_start + at);
        }
    }
    if let Some(question) = url.find('?') {
        let query_end = url[question..]
            .find('#')
            .map_or(url.len(), |hash| question + hash);
        let mut start = question + 1;
        for pair in url[question + 1..query_end].split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && key == "password"
            {
                let value_start = start + key.len() + 1;
                ranges.push(value_start..value_start + value.len());
            }
            start += pair.len() + 1;
        }
    }
    ranges
}

/// `password` values of a `key=value key='quoted value'` string.
fn key_value_password_ranges(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        let key_start = index;
        while index < bytes.len() && bytes[index] != b'=' && !bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        let is_password = &bytes[key_start..index] == b"password";
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        if index >= bytes.len() || bytes[index] != b'=' {
            // A word without a value; the next word starts here.
            continue;
        }
        index += 1;
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        let value_start = index;
        if index < bytes.len() && bytes[index] == b'\'' {
            index += 1;
            while index < bytes.len() && bytes[index] != b'\'' {
                index += if bytes[index] == b'\\' { 2 } else { 1 };
            }
            index = (index + 1).min(bytes.len());
        } else {
            while index < bytes.len() && !bytes[index].is_ascii_whitespace() {
                index += 1;
            }
        }
        if is_password {
            ranges.push(value_start..index);
        }
    }
    ranges
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn unquote_key_value(text: &str) -> String {
    let Some(inner) = text
        .strip_prefix('\'')
        .map(|rest| rest.strip_suffix('\'').unwrap_or(rest))
    else {
        return text.to_string();
    };
    let mut unquoted = String::with_capacity(inner.len());
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        if character == '\\' {
            if let Some(escaped) = characters.next() {
                unquoted.push(escaped);
            }
        } else {
            unquoted.push(character);
        }
    }
    unquoted
}

#[cfg(test)]
mod tests {
    use super::{database_url_secrets, redact_database_url};

    fn check(url: &str, expected: &str) {
        assert_eq!(redact_database_url(url), expected);
    }

    #[test]
    fn passwords_are_hidden() {
        check(
            "postgres://app:s3cr@t@db:5432/x",
            "postgres://app:***@db:5432/x",
        );
        check(
            "postgres://app:pw@db/x?sslmode=disable",
            "postgres://app:***@db/x?sslmode=disable",
        );
        check("postgres://app@db/x", "postgres://app@db/x");
        check("postgres://db/x", "postgres://db/x");
        check(
            "postgres://app@db/x?sslmode=disable&password=pw&user=u",
            "postgres://app@db/x?sslmode=disable&password=***&user=u",
        );
        check(
            "postgres://app:one@db/x?password=two",
            "postgres://app:***@db/x?password=***",
        );
        check("host=db user=app", "host=db user=app");
        check(
            "host=db password=pw user=app",
            "host=db password=*** user=app",
        );
        check(
            "host=db password = 'it\\'s secret' user=app",
            "host=db password = *** user=app",
        );
        check("password=", "password=***");
        check("=x password", "=x password");
    }

    const PIECES: &[&str] = &[
        "postgres://",
        "a",
        "é",
        ":",
        "@",
        "/",
        "?",
        "&",
        "=",
        "password",
        " ",
        "'",
        "\\",
        "#",
        "%",
        "%4",
        "%41",
        "host",
        "日本",
    ];

    /// Redacting `text` neither panics nor leaves a password before an `@`.
    fn assert_redacted(text: &str) {
        let redacted = redact_database_url(text);
        for secret in database_url_secrets(text) {
            if secret.len() > 3 && !"postgres://".contains(&secret) {
                assert!(
                    !redacted.contains(&format!("{secret}@")),
                    "{text} → {redacted}"
                );
            }
        }
    }

    #[test]
    fn any_short_text_is_redacted_without_panicking() {
        // Every sequence of up to four pieces.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|text| PIECES.iter().map(move |piece| format!("{text}{piece}")))
                .collect();
            texts.extend(longer);
            texts.dedup();
            texts.truncate(40_000);
        }
        for text in &texts {
            assert_redacted(text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2_000))]

        #[test]
        fn any_longer_text_is_redacted_without_panicking(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 12)
        ) {
            assert_redacted(&pieces.concat());
        }
    }

    #[test]
    fn secrets_are_the_written_and_the_decoded_passwords() {
        assert_eq!(
            database_url_secrets("postgres://app:p%40ss@db/x"),
            ["p%40ss", "p@ss"]
        );
        assert_eq!(
            database_url_secrets("host=db password='a b\\'c'"),
            ["'a b\\'c'", "a b'c"]
        );
        assert!(database_url_secrets("postgres://app@db/x").is_empty());
    }
}
