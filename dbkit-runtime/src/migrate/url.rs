//! Database URLs with their password hidden, for every message and log line.

/// `url` with the password (if any) replaced by `***`:
/// `postgres://app:secret@db/x` → `postgres://app:***@db/x`.
pub fn redact_database_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..authority_start],
        &user_info[..colon],
        &url[authority_start + at..]
    )
}

/// The password of `url`, as written in it (percent-encoded), if any.
pub fn database_url_password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let user_info = &authority[..authority.rfind('@')?];
    Some(&user_info[user_info.find(':')? + 1..])
}

#[cfg(test)]
mod tests {
    use super::redact_database_url;

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
        check("host=db user=app", "host=db user=app");
    }
}
