//! The small glob matcher behind `[workspace.metadata.dbkit] schema = [...]`:
//! `*` and `?` within one path segment, `**` for any number of segments,
//! `[abc]` / `[a-z]` / `[!a]` character classes. Paths use `/`.

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
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`
    AnyDepth,
    Pattern(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyCharacter,
    AnySequence,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

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
        let mut segments = Vec::new();
        for part in trimmed.split('/').filter(|part| !part.is_empty()) {
            if part == "**" {
                if segments.last() != Some(&Segment::AnyDepth) {
                    segments.push(Segment::AnyDepth);
                }
                continue;
            }
            if part.contains("**") {
                return Err(error(
                    "`**` must be a whole path segment, as in `src/**/*.rs`",
                ));
            }
            segments.push(Segment::Pattern(compile_segment(part).map_err(error)?));
        }
        Ok(Glob {
            pattern: pattern.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether a `/`-separated path relative to the workspace root matches.
    pub fn matches(&self, relative_path: &str) -> bool {
        let parts: Vec<&str> = relative_path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        match_segments(&self.segments, &parts)
    }
}

fn compile_segment(part: &str) -> Result<Vec<Token>, &'static str> {
    let mut tokens = Vec::new();
    let mut characters = part.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '*' => {
                if tokens.last() != Some(&Token::AnySequence) {
                    tokens.push(Token::AnySequence);
                }
            }
            '?' => tokens.push(Token::AnyCharacter),
            '[' => {
                let negated = matches!(characters.peek(), Some('!') | Some('^'));
                if negated {
                    characters.next();
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                let mut first = true;
                while let Some(member) = characters.next() {
                    if member == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    if characters.peek() == Some(&'-') {
                        characters.next();
                        match characters.next() {
                            Some(']') => {
                                ranges.push((member, member));
                                ranges.push(('-', '-'));
                                closed = true;
                                break;
                            }
                            Some(upper) => ranges.push((member, upper)),
                            None => return Err("unclosed `[` character class"),
                        }
                    } else {
                        ranges.push((member, member));
                    }
                }
                if !closed {
                    return Err("unclosed `[` character class");
                }
                tokens.push(Token::Class { negated, ranges });
            }
            other => tokens.push(Token::Literal(other)),
        }
    }
    Ok(tokens)
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> bool {
    match segments.split_first() {
        None => parts.is_empty(),
        Some((Segment::AnyDepth, rest)) => {
            (0..=parts.len()).any(|skip| match_segments(rest, &parts[skip..]))
        }
        Some((Segment::Pattern(tokens), rest)) => match parts.split_first() {
            Some((part, remaining_parts)) => {
                let characters: Vec<char> = part.chars().collect();
                match_tokens(tokens, &characters) && match_segments(rest, remaining_parts)
            }
            None => false,
        },
    }
}

fn match_tokens(tokens: &[Token], characters: &[char]) -> bool {
    match tokens.split_first() {
        None => characters.is_empty(),
        Some((Token::AnySequence, rest)) => {
            (0..=characters.len()).any(|skip| match_tokens(rest, &characters[skip..]))
        }
        Some((token, rest)) => match characters.split_first() {
            Some((character, remaining)) => {
                token_matches(token, *character) && match_tokens(rest, remaining)
            }
            None => false,
        },
    }
}

fn token_matches(token: &Token, character: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == character,
        Token::AnyCharacter => true,
        Token::AnySequence => true,
        Token::Class { negated, ranges } => {
            let inside = ranges
                .iter()
                .any(|(low, high)| (*low..=*high).contains(&character));
            inside != *negated
        }
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
