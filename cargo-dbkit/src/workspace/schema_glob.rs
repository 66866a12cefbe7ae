//! The globs of `[workspace.metadata.dbkit] schema = [...]`, matched by the
//! glob crate: `*` and `?` within one path segment, `**` for any number of
//! segments, `[abc]` / `[a-z]` / `[!a]` character classes. Paths use `/`.

/// A pattern that is not a valid glob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob `{pattern}`: {reason}")]
pub struct GlobError {
    pub pattern: String,
    pub reason: &'static str,
}

/// A compiled glob, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: String,
    compiled: glob::Pattern,
}

/// `*`, `?` and classes stay within a segment; a leading `.` is matched by
/// them like any other character.
const MATCH_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Glob {
    /// Compiles a pattern such as `crates/*/src/**/*_schema.rs`.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        let error = |reason| GlobError {
            pattern: pattern.to_string(),
            reason,
        };
        let trimmed = pattern.trim_start_matches("./");
        if trimmed.is_empty() {
            return Err(error("the pattern is empty"));
        }
        if trimmed.starts_with('/') {
            return Err(error(
                "patterns are relative to the workspace root; remove the leading `/`",
            ));
        }
        if trimmed
            .split('/')
            .any(|part| part.contains("**") && part != "**")
        {
            return Err(error(
                "`**` must be a whole path segment, as in `src/**/*.rs`",
            ));
        }
        let compiled = glob::Pattern::new(trimmed).map_err(|problem| error(problem.msg))?;
        Ok(Glob {
            pattern: pattern.to_string(),
            compiled,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether a `/`-separated path relative to the workspace root matches.
    pub fn matches(&self, relative_path: &str) -> bool {
        self.compiled.matches_with(relative_path, MATCH_OPTIONS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, path: &str, expected: bool) {
        let glob = Glob::new(pattern).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(glob.matches(path), expected, "{pattern} against {path}");
    }

    #[test]
    fn matches_like_a_shell_with_double_star() {
        check(
            "examples/*/src/**/*_schema.rs",
            "examples/shop/src/domains/user/user_schema.rs",
            true,
        );
        check(
            "examples/*/src/**/*_schema.rs",
            "examples/shop/src/user_schema.rs",
            true,
        );
        check(
            "examples/*/src/**/*_schema.rs",
            "examples/shop/src/domains/user/mod.rs",
            false,
        );
        check(
            "examples/*/src/**/*_schema.rs",
            "examples/a/b/src/x_schema.rs",
            false,
        );
        check("**/*.rs", "a.rs", true);
        check("**/*.rs", "a/b/c.rs", true);
        check("crates/**", "crates/a/b.rs", true);
        check("src/?.rs", "src/a.rs", true);
        check("src/?.rs", "src/ab.rs", false);
        check("src/[a-c]*.rs", "src/beta.rs", true);
        check("src/[!a-c]*.rs", "src/beta.rs", false);
        check("./src/*.rs", "src/lib.rs", true);
        check("src/*.rs", "src/nested/lib.rs", false);
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(Glob::new("").is_err());
        assert!(Glob::new("/abs/*.rs").is_err());
        assert!(Glob::new("src/a**.rs").is_err());
        assert!(Glob::new("src/[ab.rs").is_err());
    }
}
