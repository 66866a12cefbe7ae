//! One statement of a migration file as the lint reads it: its place in the
//! file, its tokens, and what the tokens alone tell (long identifiers,
//! `DO` blocks, `DROP INDEX CONCURRENTLY`, `ALTER TABLE`).
//!
//! Each statement is tokenized on its own, so its locations are relative
//! to its text; [`Origin`] turns them into the file's lines and columns.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::naming::MAX_IDENTIFIER_BYTES;
use crate::sql_split::SqlStatement;

/// A place in the migration file, both 1-based; columns count characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where a statement's text starts in the file, to turn locations in the
/// text into positions in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    start: Position,
}

/// Finds the [`Origin`] of each statement of a file in turn, counting the
/// lines between one statement and the next only: the lines of a 2 MB
/// file are counted once, not once per statement.
#[derive(Debug)]
pub(crate) struct Origins<'a> {
    sql: &'a str,
    /// Where the previous statement's text starts, and its line.
    offset: usize,
    line: usize,
}

impl<'a> Origins<'a> {
    pub fn new(sql: &'a str) -> Origins<'a> {
        Origins {
            sql,
            offset: 0,
            line: 1,
        }
    }

    /// The origin of `statement`, a slice of the file that starts at or
    /// after the previous one asked for.
    pub fn of(&mut self, statement: &SqlStatement<'_>) -> Origin {
        let sql = self.sql;
        let offset = (statement.text.as_ptr() as usize)
            .checked_sub(sql.as_ptr() as usize)
            .filter(|offset| *offset <= sql.len() && sql.is_char_boundary(*offset))
            .unwrap_or(0);
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += sql[self.offset..offset].matches('\n').count();
        self.offset = offset;
        let before = &sql[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = 1 + before[line_start..].chars().count();
        Origin {
            start: Position {
                line: saturate(self.line),
                column: saturate(column),
            },
        }
    }
}

impl Origin {
    /// The file position of a location in the statement's text, or `None`
    /// for the empty location sqlparser gives nodes it has no span for.
    pub fn position(&self, location: Location) -> Option<Position> {
        if location.line == 0 || location.column == 0 {
            return None;
        }
        let line_offset = u32::try_from(location.line - 1).unwrap_or(u32::MAX);
        let column = u32::try_from(location.column).unwrap_or(u32::MAX);
        Some(if line_offset == 0 {
            Position {
                line: self.start.line,
                column: self.start.column.saturating_add(column - 1),
            }
        } else {
            Position {
                line: self.start.line.saturating_add(line_offset),
                column,
            }
        })
    }
}

fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The tokens of a statement's text (comments and whitespace included).
pub(crate) fn tokenize(text: &str) -> Result<Vec<TokenWithSpan>, String> {
    Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()
        .map_err(|error| error.message)
}

/// Whether a token is code: not whitespace, not a comment, not the end.
pub(crate) fn is_code(token: &TokenWithSpan) -> bool {
    !matches!(token.token, Token::Whitespace(_) | Token::EOF)
}

/// The text of a `--` comment token, without the `--`.
pub(crate) fn line_comment(token: &TokenWithSpan) -> Option<&str> {
    match &token.token {
        Token::Whitespace(Whitespace::SingleLineComment { comment, prefix }) if prefix == "--" => {
            Some(comment)
        }
        _ => None,
    }
}

/// The unquoted keyword a code token is, if any.
fn keyword(token: &TokenWithSpan) -> Option<Keyword> {
    match &token.token {
        Token::Word(word) if word.quote_style.is_none() => Some(word.keyword),
        _ => None,
    }
}

/// Whether the statement is a `DO` block, whose body is PL/pgSQL in a
/// string that the lint cannot read.
pub(crate) fn is_do_block(tokens: &[TokenWithSpan]) -> bool {
    tokens
        .iter()
        .find(|token| is_code(token))
        .is_some_and(|token| {
            matches!(&token.token, Token::Word(word)
            if word.quote_style.is_none() && word.value.eq_ignore_ascii_case("do"))
        })
}

/// sqlparser reads no `CONCURRENTLY` after `DROP INDEX`. When the statement
/// starts with `DROP INDEX CONCURRENTLY`, the keyword is taken out of the
/// tokens (the others keep their locations) and `true` returned.
pub(crate) fn take_drop_index_concurrently(tokens: &mut Vec<TokenWithSpan>) -> bool {
    let code: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, token)| is_code(token))
        .map(|(index, _)| index)
        .take(3)
        .collect();
    let [drop, index, concurrently] = code.as_slice() else {
        return false;
    };
    let is = |position: usize, expected: Keyword| {
        tokens
            .get(position)
            .and_then(keyword)
            .is_some_and(|found| found == expected)
    };
    if is(*drop, Keyword::DROP)
        && is(*index, Keyword::INDEX)
        && is(*concurrently, Keyword::CONCURRENTLY)
    {
        tokens.remove(*concurrently);
        return true;
    }
    false
}

/// Whether the statement's code starts with `ALTER TABLE`.
pub(crate) fn starts_with_alter_table(tokens: &[TokenWithSpan]) -> bool {
    starts_with_alter(tokens, Keyword::TABLE)
}

/// Whether the statement's code starts with `ALTER TYPE`.
pub(crate) fn starts_with_alter_type(tokens: &[TokenWithSpan]) -> bool {
    starts_with_alter(tokens, Keyword::TYPE)
}

fn starts_with_alter(tokens: &[TokenWithSpan], object: Keyword) -> bool {
    let mut code = tokens.iter().filter(|token| is_code(token)).map(keyword);
    code.next() == Some(Some(Keyword::ALTER)) && code.next() == Some(Some(object))
}

/// Whether the statement's code starts with the unquoted words `words`
/// (lowercase), in any case.
pub(crate) fn starts_with_words(tokens: &[TokenWithSpan], words: &[&str]) -> bool {
    let mut code = tokens.iter().filter(|token| is_code(token));
    words.iter().all(|expected| {
        code.next().is_some_and(|token| {
            matches!(&token.token, Token::Word(word)
                if word.quote_style.is_none() && word.value.eq_ignore_ascii_case(expected))
        })
    })
}

/// An identifier of the statement longer than PostgreSQL keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LongIdentifier {
    pub name: String,
    pub location: Location,
}

/// Every identifier token (quoted or not) over [`MAX_IDENTIFIER_BYTES`].
/// Keywords are all shorter, so every long word is an identifier.
pub(crate) fn long_identifiers(tokens: &[TokenWithSpan]) -> Vec<LongIdentifier> {
    tokens
        .iter()
        .filter_map(|token| match &token.token {
            Token::Word(word) if word.value.len() > MAX_IDENTIFIER_BYTES => Some(LongIdentifier {
                name: word.value.clone(),
                location: token.span.start,
            }),
            _ => None,
        })
        .collect()
}

/// Splits a parser error's text into its message and the location its
/// trailing ` at Line: l, Column: c` names, if it names one.
pub(crate) fn split_error_location(message: &str) -> (&str, Option<Location>) {
    let Some((text, location)) = message.rsplit_once(" at Line: ") else {
        return (message, None);
    };
    let Some((line, column)) = location.split_once(", Column: ") else {
        return (message, None);
    };
    match (line.trim().parse::<u64>(), column.trim().parse::<u64>()) {
        (Ok(line), Ok(column)) => (text, Some(Location { line, column })),
        _ => (message, None),
    }
}
