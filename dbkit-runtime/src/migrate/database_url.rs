//! [`DatabaseUrl`], a connection string that shows itself with its password
//! hidden, and [`redact_connection_strings`], which hides the passwords of
//! the connection strings inside a text such as a driver's message.
//!
//! Passwords are found by parsing, never by searching a message for the
//! password's text (which garbles every message when the password is a
//! common letter, and misses it when it is written another way). Both forms
//! libpq accepts are read with libpq's rules: the URL
//! (`postgres://user:password@host:port/db?password=…`, percent-encoded)
//! and the key=value string (`host=db password='it\'s' user=app`: a value
//! is single-quoted or bare, and `\` takes the next character as it is).
//! Where the drivers read a URL differently (tokio-postgres ends the user
//! info at the first `@` of the whole URL, sqlx's `url` crate at the last
//! `@` before the path, query or fragment), whatever either would take for
//! the password is hidden; a key=value string that does not parse is hidden
//! from the parameter that breaks it to its end.
//!
//! This is the one place the rule is written: `cargo dbkit`'s log writer
//! and its diagnostics call [`redact_connection_strings`] too. It is
//! hand-written because the parsers at hand (the `url` crate,
//! tokio-postgres's `Config`) read a connection string to connect with:
//! they say what the password is, not where it is written, they disagree on
//! where the user info ends, and they refuse the broken strings whose
//! secrets must be hidden all the same.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// What a password is shown as.
const HIDDEN: &str = "***";

/// The parameters that hold a secret: libpq's `password`, and
/// `sslpassword`, which unlocks the client's TLS key.
const PASSWORD_KEYS: &[&str] = &["password", "sslpassword"];

/// A database connection string (a URL or a key=value string) whose
/// `Display` and `Debug` show it with every password replaced by `***`:
/// `postgres://app:***@db/shop`, `host=db user=app password=*** dbname=shop`.
/// Only [`DatabaseUrl::connection_string`] gives the password, for a driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    connection_string: String,
    redacted: String,
}

impl DatabaseUrl {
    /// Parses `connection_string` once to find its passwords (see the
    /// module's documentation for the rules).
    pub fn new(connection_string: impl Into<String>) -> DatabaseUrl {
        let connection_string = connection_string.into();
        let parsed = replace_ranges(&connection_string, password_ranges(&connection_string));
        // A value may itself hold a connection string (libpq expands a
        // `dbname` that is one).
        let redacted = redact_connection_strings(&parsed).into_owned();
        DatabaseUrl {
            connection_string,
            redacted,
        }
    }

    /// The connection string as given, password included: for a driver to
    /// connect with, never for a message.
    pub fn connection_string(&self) -> &str {
        &self.connection_string
    }

    /// The connection string as shown, its passwords replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("DatabaseUrl")
            .field(&self.redacted)
            .finish()
    }
}

impl From<String> for DatabaseUrl {
    fn from(connection_string: String) -> DatabaseUrl {
        DatabaseUrl::new(connection_string)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(connection_string: &str) -> DatabaseUrl {
        DatabaseUrl::new(connection_string)
    }
}

impl From<&String> for DatabaseUrl {
    fn from(connection_string: &String) -> DatabaseUrl {
        DatabaseUrl::new(connection_string.as_str())
    }
}

impl From<&DatabaseUrl> for DatabaseUrl {
    fn from(database_url: &DatabaseUrl) -> DatabaseUrl {
        database_url.clone()
    }
}

/// `text` with the password of every connection string in it replaced by
/// `***`: the user-info password and `password=` query parameters of each
/// `scheme://…` URL (which ends at a blank or a quote), and the value of
/// each `…password = value` outside URLs, read as libpq reads a value
/// (quoted, or bare up to a blank, `\` escaping). Nothing else changes:
/// `password authentication failed` stays as it is.
pub fn redact_connection_strings(text: &str) -> Cow<'_, str> {
    let mut ranges = Vec::new();
    let urls = urls_in_text(text);
    for url in &urls {
        let authority_start = url_authority_start(&text[url.clone()]).unwrap_or(0);
        ranges.extend(
            url_password_ranges(&text[url.clone()], authority_start)
                .into_iter()
                .map(|range| range.start + url.start..range.end + url.start),
        );
    }
    let lowercase = text.to_ascii_lowercase();
    for (key_start, _) in lowercase.match_indices("password") {
        if urls.iter().any(|url| url.contains(&key_start)) {
            continue;
        }
        let after_key = key_start + "password".len();
        let equals = skip_ascii_whitespace(text, after_key);
        if text[equals..].starts_with('=') {
            let value_start = skip_ascii_whitespace(text, equals + 1);
            let value_end = key_value_value_end(text, value_start).unwrap_or(text.len());
            ranges.push(value_start..value_end);
        }
    }
    replace_ranges(text, ranges)
}

/// Where the passwords of a connection string are, as byte ranges.
fn password_ranges(connection_string: &str) -> Vec<Range<usize>> {
    match url_authority_start(connection_string) {
        Some(authority_start) => url_password_ranges(connection_string, authority_start),
        None => key_value_password_ranges(connection_string),
    }
}

fn is_password_key(key: &str) -> bool {
    let key = key.trim();
    PASSWORD_KEYS
        .iter()
        .any(|password_key| password_key.eq_ignore_ascii_case(key))
}

/// Where the authority of a URL starts, after `scheme://`; `None` when the
/// text is no URL. Leading blanks are skipped, as the `url` crate does.
fn url_authority_start(text: &str) -> Option<usize> {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let scheme_length = rest
        .find(|character: char| !is_scheme_character(character))
        .unwrap_or(rest.len());
    let starts_with_letter = rest.starts_with(|character: char| character.is_ascii_alphabetic());
    if rest.starts_with("://") {
        // No driver takes a URL without a scheme, but its user info is
        // still a password to hide wherever it shows.
        return Some(start + "://".len());
    }
    (starts_with_letter && rest[scheme_length..].starts_with("://"))
        .then_some(start + scheme_length + "://".len())
}

fn is_scheme_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '+' | '-' | '.')
}

/// The password of the user info, and the values of `password` query
/// parameters, of the URL `url` whose authority starts at
/// `authority_start`.
fn url_password_ranges(url: &str, authority_start: usize) -> Vec<Range<usize>> {
    let rest = &url[authority_start..];
    let mut ranges = Vec::new();
    // The later of the two `@` the drivers end the user info at: the last
    // one of the authority (sqlx), else the first one anywhere
    // (tokio-postgres, which would find no later one).
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let user_info_end = rest[..authority_end].rfind('@').or_else(|| rest.find('@'));
    if let Some(at) = user_info_end
        && let Some(colon) = rest[..at].find(':')
    {
        ranges.push(authority_start + colon + 1..authority_start + at);
    }
    // `password=` after any `?` or `&`: tokio-postgres reads the query
    // after its user info, which may hold a `?` of its own. A value runs to
    // the next `&`, fragment included (tokio-postgres knows none).
    for (offset, _) in rest.match_indices(['?', '&']) {
        let parameter_start = authority_start + offset + 1;
        let parameter = &url[parameter_start..];
        let Some(key_end) = parameter.find(['=', '&', '?']) else {
            continue;
        };
        let key = percent_encoding::percent_decode_str(&parameter[..key_end].replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        if !parameter[key_end..].starts_with('=') || !is_password_key(&key) {
            continue;
        }
        let value_start = parameter_start + key_end + 1;
        let value_end = url[value_start..]
            .find('&')
            .map_or(url.len(), |end| value_start + end);
        ranges.push(value_start..value_end);
    }
    ranges
}

/// One `key=value` of a key=value string as libpq reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyValueParameter<'a> {
    key: &'a str,
    /// Unquoted, escapes applied.
    value: String,
    /// Where the value is written, quotes included.
    value_range: Range<usize>,
}

/// The parameters of a key=value string, read with libpq's
/// `conninfo_parse` rules, and the start of the parameter that breaks it
/// (a keyword without `=`, a quote never closed), if one does.
fn parse_key_values(text: &str) -> (Vec<KeyValueParameter<'_>>, Option<usize>) {
    let mut parameters = Vec::new();
    let mut position = 0;
    loop {
        let parameter_start = skip_ascii_whitespace(text, position);
        if parameter_start == text.len() {
            return (parameters, None);
        }
        let key_end = text[parameter_start..]
            .find(|character: char| character == '=' || character.is_ascii_whitespace())
            .map_or(text.len(), |end| parameter_start + end);
        let equals = skip_ascii_whitespace(text, key_end);
        if !text[equals..].starts_with('=') {
            return (parameters, Some(parameter_start));
        }
        let value_start = skip_ascii_whitespace(text, equals + 1);
        let Some(value_end) = key_value_value_end(text, value_start) else {
            return (parameters, Some(parameter_start));
        };
        parameters.push(KeyValueParameter {
            key: &text[parameter_start..key_end],
            value: unescape_key_value(&text[value_start..value_end]),
            value_range: value_start..value_end,
        });
        position = value_end;
    }
}

/// The passwords of a key=value string; when it does not parse, everything
/// from the parameter that breaks it on.
fn key_value_password_ranges(text: &str) -> Vec<Range<usize>> {
    let (parameters, broken_from) = parse_key_values(text);
    let mut ranges: Vec<Range<usize>> = parameters
        .into_iter()
        .filter(|parameter| is_password_key(parameter.key))
        .map(|parameter| parameter.value_range)
        .collect();
    if let Some(start) = broken_from {
        ranges.push(start..text.len());
    }
    ranges
}

/// Where a value that starts at `start` ends: after its closing quote, or
/// at the first blank not escaped by `\`. `None` when a quote is never
/// closed.
fn key_value_value_end(text: &str, start: usize) -> Option<usize> {
    let quoted = text[start..].starts_with('\'');
    let mut characters = text[start..].char_indices().skip(usize::from(quoted));
    while let Some((offset, character)) = characters.next() {
        match character {
            '\\' => {
                characters.next();
            }
            '\'' if quoted => return Some(start + offset + 1),
            blank if !quoted && blank.is_ascii_whitespace() => return Some(start + offset),
            _ => {}
        }
    }
    (!quoted).then_some(text.len())
}

/// A written value as libpq reads it: without its quotes, each `\`
/// replaced by the character it escapes.
fn unescape_key_value(written: &str) -> String {
    let inner = match written.strip_prefix('\'') {
        Some(rest) => rest.strip_suffix('\'').unwrap_or(rest),
        None => written,
    };
    let mut value = String::with_capacity(inner.len());
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        match character {
            '\\' => value.extend(characters.next()),
            other => value.push(other),
        }
    }
    value
}

fn skip_ascii_whitespace(text: &str, from: usize) -> usize {
    text[from..]
        .find(|character: char| !character.is_ascii_whitespace())
        .map_or(text.len(), |offset| from + offset)
}

/// The `scheme://…` URLs of a text, each up to a blank or a quote, those
/// inside another one included.
fn urls_in_text(text: &str) -> Vec<Range<usize>> {
    let mut urls = Vec::new();
    let mut search_from = 0;
    while let Some(found) = text[search_from..].find("://") {
        let separator = search_from + found;
        let scheme_start = text[..separator]
            .char_indices()
            .rev()
            .find(|(_, character)| !is_scheme_character(*character))
            .map_or(0, |(before, character)| before + character.len_utf8());
        // A scheme starts with a letter: `1postgres://` is `postgres://`.
        let scheme_start = text[scheme_start..separator]
            .find(|character: char| character.is_ascii_alphabetic())
            .map(|offset| scheme_start + offset);
        let end = text[separator..]
            .find(|character: char| {
                character.is_whitespace() || matches!(character, '"' | '\'' | '`' | '<' | '>')
            })
            .map_or(text.len(), |offset| separator + offset);
        // Without a scheme, the URL is read from its `://`.
        urls.push(scheme_start.unwrap_or(separator)..end);
        // A URL inside this one (`postgres://db/x?next=postgres://…`) is
        // read too.
        search_from = separator + "://".len();
    }
    urls
}

/// `text` with each range (merged where they overlap or touch; an empty
/// range is a place) replaced by `***`.
fn replace_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> Cow<'_, str> {
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    let mut redacted = String::with_capacity(text.len());
    let mut position = 0;
    for range in merged {
        redacted.push_str(&text[position..range.start]);
        redacted.push_str(HIDDEN);
        position = range.end;
    }
    redacted.push_str(&text[position..]);
    Cow::Owned(redacted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(connection_string: &str, expected: &str) {
        let database_url = DatabaseUrl::new(connection_string);
        assert_eq!(database_url.to_string(), expected, "{connection_string}");
        assert_eq!(
            format!("{database_url:?}"),
            format!("DatabaseUrl({expected:?})")
        );
        assert_eq!(database_url.connection_string(), connection_string);
    }

    #[test]
    fn url_passwords_are_hidden() {
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
        check("postgres://app:@db/x", "postgres://app:***@db/x");
        check(
            "postgres://app@db/x?sslmode=disable&password=pw&user=u",
            "postgres://app@db/x?sslmode=disable&password=***&user=u",
        );
        check(
            "postgres://app:one@db/x?password=two",
            "postgres://app:***@db/x?password=***",
        );
        check(
            "postgresql://app@db/x?pass%77ord=pw",
            "postgresql://app@db/x?pass%77ord=***",
        );
        check("  POSTGRES://app:pw@db/x", "  POSTGRES://app:***@db/x");
        // tokio-postgres ends the user info at the first `@` of the URL.
        check("postgres://app:pa/ss@db/x", "postgres://app:***@db/x");
        check(
            "postgres://app:pa?ss@db/x?password=p#q",
            "postgres://app:***@db/x?password=***",
        );
        check(
            "postgres://db/x?password=a@b",
            "postgres://db/x?password=***",
        );
    }

    #[test]
    fn key_value_passwords_are_hidden() {
        check("host=db user=app", "host=db user=app");
        check(
            "host=db password=pw user=app",
            "host=db password=*** user=app",
        );
        check(
            "host=db user=app password=my\\ secret\\ pw dbname=app",
            "host=db user=app password=*** dbname=app",
        );
        check(
            "host=db password = 'it\\'s a secret' user=app",
            "host=db password = *** user=app",
        );
        check("password=", "password=***");
        check("password= host=db", "password= ***");
        check("sslpassword=key user=app", "sslpassword=*** user=app");
        // What does not parse is hidden from where it breaks.
        check("host=db password='never closed", "host=db ***");
        check("host=db password secret", "host=db ***");
        check("host='a password=secret", "***");
        check("=x password", "=x ***");
    }

    #[test]
    fn key_values_are_read_as_libpq_reads_them() {
        let (parameters, broken_from) =
            parse_key_values(" host = db  password='a \\'b\\\\' user=x\\ y\\\\ dbname='' ");
        assert_eq!(broken_from, None);
        let read: Vec<(&str, &str)> = parameters
            .iter()
            .map(|parameter| (parameter.key, parameter.value.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("host", "db"),
                ("password", "a 'b\\"),
                ("user", "x y\\"),
                ("dbname", "")
            ]
        );
    }

    #[test]
    fn passwords_in_a_text_are_hidden_by_their_structure() {
        let check_text = |text: &str, expected: &str| {
            assert_eq!(redact_connection_strings(text), expected, "{text}");
        };
        check_text(
            "cannot connect to `postgres://app:pw@db:5432/x` nor postgres://b:c@d, see https://example.com/a@b",
            "cannot connect to `postgres://app:***@db:5432/x` nor postgres://b:***@d, see https://example.com/a@b",
        );
        check_text(
            "invalid connection \"host=db password='a b' dbname=x\"",
            "invalid connection \"host=db password=*** dbname=x\"",
        );
        check_text(
            "PGPASSWORD=hunter2 and password = p\\ w; done",
            "PGPASSWORD=*** and password = *** done",
        );
        // A one-letter password changes nothing else.
        check_text(
            "password authentication failed for user \"a\"",
            "password authentication failed for user \"a\"",
        );
        check_text("no url", "no url");
        check_text("x://", "x://");
        check_text("1postgres://a:b@c", "1postgres://a:***@c");
        check_text("postgres://app:***@db/x", "postgres://app:***@db/x");
        // A URL inside another one is read as well.
        check_text(
            "postgres://postgres://@postgres://x:y@z",
            "postgres://postgres:***@postgres://x:***@z",
        );
        check_text("日本postgres://a:b@c", "日本postgres://a:***@c");
    }

    /// Any character a password may hold, `@`, `%`, quotes, blanks and
    /// letters of other scripts among them.
    fn password() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(vec![
                    '\'', '"', '\\', ' ', '\t', '@', '%', ':', '/', '?', '#', '&', '=', '+', 'é',
                    '日', '🦀', 'p', 'a', '1'
                ]),
                any::<char>().prop_filter("no NUL", |character| *character != '\0'),
            ],
            1..16,
        )
        .prop_map(|characters| characters.into_iter().collect())
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-z_][a-z0-9_]{0,8}"
    }

    /// `value` written for a key=value string: quoted, or bare with `\`
    /// before each blank, quote and backslash.
    fn key_value_written(value: &str, quoted: bool) -> String {
        let mut written = String::new();
        for character in value.chars() {
            let escaped = if quoted {
                matches!(character, '\'' | '\\')
            } else {
                matches!(character, '\'' | '\\') || character.is_ascii_whitespace()
            };
            if escaped {
                written.push('\\');
            }
            written.push(character);
        }
        if quoted {
            format!("'{written}'")
        } else {
            written
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn a_url_shows_everything_but_its_password(
            user in name(), host in name(), port in 1u16.., database in name(), password in password(),
        ) {
            let encoded = percent_encoding::utf8_percent_encode(
                &password,
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            let url = format!("postgres://{user}:{encoded}@{host}:{port}/{database}?sslmode=disable");
            prop_assert_eq!(
                DatabaseUrl::new(url.as_str()).to_string(),
                format!("postgres://{user}:***@{host}:{port}/{database}?sslmode=disable")
            );
            let config: tokio_postgres::Config = url.parse().expect("tokio-postgres reads it");
            prop_assert_eq!(config.get_password(), Some(password.as_bytes()));

            let in_query = format!("postgres://{user}@{host}:{port}/{database}?password={encoded}&application_name=x");
            prop_assert_eq!(
                DatabaseUrl::new(in_query.as_str()).to_string(),
                format!("postgres://{user}@{host}:{port}/{database}?password=***&application_name=x")
            );
        }

        #[test]
        fn a_key_value_string_shows_everything_but_its_password(
            user in name(), host in name(), port in 1u16.., database in name(), password in password(),
            quoted in any::<bool>(),
        ) {
            let written = key_value_written(&password, quoted);
            let connection_string =
                format!("host={host} port={port} user={user} password={written} dbname={database}");
            prop_assert_eq!(
                DatabaseUrl::new(connection_string.as_str()).to_string(),
                format!("host={host} port={port} user={user} password=*** dbname={database}")
            );
            let (parameters, broken_from) = parse_key_values(&connection_string);
            prop_assert_eq!(broken_from, None);
            prop_assert_eq!(&parameters[3].value, &password);
            // tokio-postgres reads the same password, unless it takes a
            // character libpq does not for a blank.
            if !password.chars().any(|character| character.is_whitespace() && !character.is_ascii_whitespace()) {
                let config: tokio_postgres::Config =
                    connection_string.parse().expect("tokio-postgres reads it");
                prop_assert_eq!(config.get_password(), Some(password.as_bytes()));
            }
        }

        #[test]
        fn a_text_holding_a_connection_string_shows_it_redacted(
            user in name(), host in name(), password in password(), quoted in any::<bool>(),
        ) {
            let key_value = DatabaseUrl::new(format!(
                "host={host} user={user} password={}",
                key_value_written(&password, quoted)
            ));
            // A bare value ends at a blank, as libpq reads it.
            let text = format!("error: cannot connect with {} (refused)", key_value.connection_string());
            prop_assert_eq!(
                redact_connection_strings(&text),
                format!("error: cannot connect with {key_value} (refused)")
            );
            let encoded = percent_encoding::utf8_percent_encode(
                &password,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let url = DatabaseUrl::new(format!("postgres://{user}:{encoded}@{host}/db"));
            let text = format!("error: cannot connect to {} (timeout)", url.connection_string());
            prop_assert_eq!(
                redact_connection_strings(&text),
                format!("error: cannot connect to {url} (timeout)")
            );
        }

        #[test]
        fn any_text_is_redacted_without_panicking(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "postgres://", "a", "é", ":", "@", "/", "?", "&", "=", "password", " ", "'",
                    "\\", "#", "%", "%4", "%41", "host", "日本", "x:y@z",
                ]),
                12,
            )
        ) {
            let text = pieces.concat();
            let redacted = DatabaseUrl::new(text.as_str()).to_string();
            let in_text = redact_connection_strings(&text);
            prop_assert!(!redacted.contains("://x:y@"), "{} → {}", text, redacted);
            prop_assert!(!in_text.contains("://x:y@"), "{} → {}", text, in_text);
        }

        #[test]
        fn any_string_is_redacted_without_panicking(text in any::<String>()) {
            let _ = DatabaseUrl::new(text.as_str()).to_string();
            let _ = redact_connection_strings(&text);
        }
    }
}
