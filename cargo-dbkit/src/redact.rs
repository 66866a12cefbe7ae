//! Keeps database passwords out of everything `cargo dbkit` prints: the
//! passwords of the URL in use are registered once it is known, and every
//! error, log line and message passes through [`hide_secrets`], which also
//! hides the password of any `scheme://user:password@` URL it meets.

use std::borrow::Cow;
use std::io::Write;
use std::sync::RwLock;

/// Passwords shorter than this are hidden inside URLs only: replacing every
/// `a` of the output for the password `a` would make it unreadable, and such
/// a password protects nothing anyway.
const SHORTEST_HIDDEN_ANYWHERE: usize = 4;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers the passwords of `database_url` (as written and decoded), so
/// that they are hidden wherever they appear from now on.
pub fn register_database_url(database_url: &str) {
    let secrets = dbkit_runtime::migrate::database_url_secrets(database_url);
    if let Ok(mut registered) = SECRETS.write() {
        for secret in secrets {
            if secret.chars().count() >= SHORTEST_HIDDEN_ANYWHERE && !registered.contains(&secret) {
                registered.push(secret);
            }
        }
        registered.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    }
}

/// `text` with the registered passwords and the passwords of the URLs in it
/// replaced by `***`.
pub fn hide_secrets(text: &str) -> Cow<'_, str> {
    let mut text = hide_url_passwords(text);
    if let Ok(secrets) = SECRETS.read() {
        for secret in secrets.iter() {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), "***"));
            }
        }
    }
    text
}

/// [`hide_secrets`], owned.
pub fn hide_secrets_of(text: &str) -> String {
    hide_secrets(text).into_owned()
}

/// The passwords of `scheme://user:password@host` URLs in free text.
fn hide_url_passwords(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        out.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        let authority_end = rest
            .find(|character: char| {
                character.is_whitespace()
                    || matches!(character, '/' | '?' | '#' | '`' | '"' | '\'' | '>')
            })
            .unwrap_or(rest.len())
            .min(rest.find("://").unwrap_or(rest.len()));
        let authority = &rest[..authority_end];
        match authority.rfind('@').and_then(|at| {
            let colon = authority[..at].find(':')?;
            Some((colon, at))
        }) {
            Some((colon, at)) => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &rest[authority_end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A tracing writer to stderr that hides secrets: each log line is
/// buffered and written, redacted, when the line is done.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactingStderr;

/// One log line on its way to stderr.
#[derive(Debug, Default)]
pub struct RedactingLine {
    buffer: Vec<u8>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingLine;

    fn make_writer(&'a self) -> RedactingLine {
        RedactingLine::default()
    }
}

impl Write for RedactingLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buffer);
        let mut stderr = anstream::stderr();
        let _ = stderr.write_all(hide_secrets(&text).as_bytes());
        let _ = stderr.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_hidden_in_free_text() {
        assert_eq!(
            hide_url_passwords(
                "cannot connect to `postgres://app:pw@db:5432/x` nor postgres://b:c@d, see https://example.com/a@b"
            ),
            "cannot connect to `postgres://app:***@db:5432/x` nor postgres://b:***@d, see https://example.com/a@b"
        );
        assert_eq!(hide_url_passwords("no url"), "no url");
        assert_eq!(hide_url_passwords("x://"), "x://");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(5_000))]

        #[test]
        fn any_text_is_redacted_without_panicking(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "://", "a", "é", ":", "@", "/", " ", "`", "日本", "x:y@z",
                ]),
                10,
            )
        ) {
            let text = pieces.concat();
            let hidden = hide_url_passwords(&text);
            proptest::prop_assert!(!hidden.contains("://x:y@"), "{text} → {hidden}");
        }
    }

    #[test]
    fn registered_passwords_are_hidden_anywhere_when_long_enough() {
        register_database_url("postgres://app:long%2Fsecret@db/x");
        register_database_url("postgres://app:ab@db/x");
        assert_eq!(
            hide_secrets("auth failed for long/secret and long%2Fsecret; ab stays"),
            "auth failed for *** and ***; ab stays"
        );
    }
}
