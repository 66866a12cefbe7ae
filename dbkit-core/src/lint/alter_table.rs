//! `ALTER TABLE` actions that sqlparser cannot read: `SET SCHEMA`,
//! `SET TABLESPACE`, `ALTER CONSTRAINT`, and `ALTER COLUMN … DROP
//! EXPRESSION`, `DROP IDENTITY`, `SET GENERATED` and `TYPE … COLLATE`;
//! and `ALTER TYPE … SET SCHEMA`.
//!
//! A statement sqlparser refuses is read again here, with sqlparser's own
//! parser driven by hand over the same tokens: these actions are
//! recognised by their keywords, every other action of the statement is
//! left to sqlparser's `ALTER TABLE` action parser. A statement that is
//! still not read stays an `unparsed-statement`.

use sqlparser::ast::{AlterTableOperation, Ident, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

/// An `ALTER TABLE` statement read by [`read_alter_table`].
#[derive(Debug, Clone)]
pub(crate) struct AlterTable {
    pub name: ObjectName,
    /// The actions sqlparser reads, in order.
    pub operations: Vec<AlterTableOperation>,
    /// The actions it does not, in order.
    pub unsupported: Vec<UnsupportedAction>,
}

/// One action sqlparser does not read, and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct UnsupportedAction {
    pub kind: UnsupportedActionKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum UnsupportedActionKind {
    /// `SET SCHEMA schema`: the table moves to another schema.
    SetSchema { schema: Ident },
    /// `SET TABLESPACE tablespace [NOWAIT]`: the table is copied there.
    SetTablespace { tablespace: Ident },
    /// `ALTER [COLUMN] column DROP EXPRESSION [IF EXISTS]` (PostgreSQL
    /// 13+): a generated column becomes a plain one, its values kept.
    DropExpression { column: Ident },
    /// `ALTER [COLUMN] column DROP IDENTITY [IF EXISTS]`.
    DropIdentity { column: Ident },
    /// `ALTER [COLUMN] column SET GENERATED { ALWAYS | BY DEFAULT }`.
    SetGenerated { column: Ident },
    /// `ALTER [COLUMN] column [SET DATA] TYPE type COLLATE collation
    /// [USING expression]`: the column's collation, its indexes rebuilt.
    SetTypeCollation { column: Ident },
    /// `ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY …]`: when a
    /// foreign key is checked, a catalog change.
    AlterConstraint { name: Ident },
}

/// Reads `tokens` as one `ALTER TABLE [IF EXISTS] [ONLY] name action, …`
/// statement (with an optional final `;`) of which at least one action is
/// one sqlparser does not read; `None` when the tokens are anything else.
pub(crate) fn read_alter_table(tokens: &[TokenWithSpan]) -> Option<AlterTable> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens.to_vec());
    if !parser.parse_keywords(&[Keyword::ALTER, Keyword::TABLE]) {
        return None;
    }
    let _ = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let _ = parser.parse_keyword(Keyword::ONLY);
    let mut alter = AlterTable {
        name: parser.parse_object_name(false).ok()?,
        operations: Vec::new(),
        unsupported: Vec::new(),
    };
    parser
        .parse_comma_separated(|parser| parse_action(parser, &mut alter))
        .ok()?;
    while parser.consume_token(&Token::SemiColon) {}
    if parser.peek_token_ref().token != Token::EOF {
        return None;
    }
    (!alter.unsupported.is_empty()).then_some(alter)
}

/// Reads `tokens` as one `ALTER TYPE name SET SCHEMA schema` statement
/// (with an optional final `;`): the type and its new schema.
pub(crate) fn read_alter_type_set_schema(tokens: &[TokenWithSpan]) -> Option<(ObjectName, Ident)> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens.to_vec());
    if !parser.parse_keywords(&[Keyword::ALTER, Keyword::TYPE]) {
        return None;
    }
    let name = parser.parse_object_name(false).ok()?;
    if !parser.parse_keywords(&[Keyword::SET, Keyword::SCHEMA]) {
        return None;
    }
    let schema = parser.parse_identifier().ok()?;
    while parser.consume_token(&Token::SemiColon) {}
    (parser.peek_token_ref().token == Token::EOF).then_some((name, schema))
}

/// Reads one action into `alter`, by the lint's reader or sqlparser's.
fn parse_action(parser: &mut Parser<'_>, alter: &mut AlterTable) -> Result<(), ParserError> {
    let span = parser.peek_token_ref().span;
    let kind = if parser.parse_keywords(&[Keyword::SET, Keyword::SCHEMA]) {
        Some(UnsupportedActionKind::SetSchema {
            schema: parser.parse_identifier()?,
        })
    } else if parser.parse_keywords(&[Keyword::SET, Keyword::TABLESPACE]) {
        let tablespace = parser.parse_identifier()?;
        let _ = parser.parse_keyword(Keyword::NOWAIT);
        Some(UnsupportedActionKind::SetTablespace { tablespace })
    } else if parser.parse_keywords(&[Keyword::ALTER, Keyword::CONSTRAINT]) {
        let name = parser.parse_identifier()?;
        // `[NOT] DEFERRABLE`, `INITIALLY DEFERRED|IMMEDIATE`, `[NO] INHERIT`.
        while matches!(parser.peek_token_ref().token, Token::Word(_)) {
            parser.next_token();
        }
        Some(UnsupportedActionKind::AlterConstraint { name })
    } else if let Some(kind) = parse_type_collation(parser)? {
        Some(kind)
    } else {
        parse_column_action(parser)?
    };
    match kind {
        Some(kind) => alter.unsupported.push(UnsupportedAction { kind, span }),
        None => alter.operations.push(parser.parse_alter_table_operation()?),
    }
    Ok(())
}

/// `ALTER [COLUMN] column` and one of the column actions sqlparser does
/// not read, looked at before anything is consumed: any other action is
/// left whole to sqlparser.
fn parse_column_action(
    parser: &mut Parser<'_>,
) -> Result<Option<UnsupportedActionKind>, ParserError> {
    if !is_keyword_at(parser, 0, Keyword::ALTER) {
        return Ok(None);
    }
    let column_at = if is_keyword_at(parser, 1, Keyword::COLUMN) {
        2
    } else {
        1
    };
    if !matches!(parser.peek_nth_token_ref(column_at).token, Token::Word(_)) {
        return Ok(None);
    }
    let action = column_at + 1;
    let Some((_, _, kind)) = COLUMN_ACTIONS.into_iter().find(|(first, second, _)| {
        is_word_at(parser, action, first) && is_word_at(parser, action + 1, second)
    }) else {
        return Ok(None);
    };
    parser.expect_keyword(Keyword::ALTER)?;
    let _ = parser.parse_keyword(Keyword::COLUMN);
    let column = parser.parse_identifier()?;
    parser.next_token();
    parser.next_token();
    Ok(Some(match kind {
        ColumnAction::DropExpression => {
            let _ = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
            UnsupportedActionKind::DropExpression { column }
        }
        ColumnAction::DropIdentity => {
            let _ = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
            UnsupportedActionKind::DropIdentity { column }
        }
        ColumnAction::SetGenerated => {
            if !parser.parse_keyword(Keyword::ALWAYS) {
                parser.expect_keywords(&[Keyword::BY, Keyword::DEFAULT])?;
            }
            UnsupportedActionKind::SetGenerated { column }
        }
    }))
}

/// `ALTER [COLUMN] column [SET DATA] TYPE type COLLATE collation [USING
/// expression]`, looked at before anything is consumed: a type change
/// without `COLLATE` is left to sqlparser.
fn parse_type_collation(
    parser: &mut Parser<'_>,
) -> Result<Option<UnsupportedActionKind>, ParserError> {
    if !is_keyword_at(parser, 0, Keyword::ALTER) {
        return Ok(None);
    }
    let column_at = if is_keyword_at(parser, 1, Keyword::COLUMN) {
        2
    } else {
        1
    };
    let type_at = if is_word_at(parser, column_at + 1, "set") {
        column_at + 3
    } else {
        column_at + 1
    };
    if !is_word_at(parser, type_at, "type") {
        return Ok(None);
    }
    // A `COLLATE` before the action ends.
    let mut n = type_at + 1;
    let mut depth = 0usize;
    loop {
        match &parser.peek_nth_token_ref(n).token {
            Token::EOF | Token::SemiColon => return Ok(None),
            Token::Comma if depth == 0 => return Ok(None),
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && is_keyword_at(parser, n, Keyword::COLLATE) => break,
            _ => {}
        }
        n += 1;
    }
    parser.expect_keyword(Keyword::ALTER)?;
    let _ = parser.parse_keyword(Keyword::COLUMN);
    let column = parser.parse_identifier()?;
    let _ = parser.parse_keywords(&[Keyword::SET, Keyword::DATA]);
    parser.expect_keyword(Keyword::TYPE)?;
    parser.parse_data_type()?;
    parser.expect_keyword(Keyword::COLLATE)?;
    parser.parse_object_name(false)?;
    if parser.parse_keyword(Keyword::USING) {
        parser.parse_expr()?;
    }
    Ok(Some(UnsupportedActionKind::SetTypeCollation { column }))
}

/// Whether the `n`th code token ahead is the unquoted `keyword`.
fn is_keyword_at(parser: &Parser<'_>, n: usize, keyword: Keyword) -> bool {
    matches!(&parser.peek_nth_token_ref(n).token,
        Token::Word(word) if word.keyword == keyword && word.quote_style.is_none())
}

/// Whether the `n`th code token ahead is the unquoted word `text`, in any
/// case (`EXPRESSION` is no keyword of sqlparser's).
fn is_word_at(parser: &Parser<'_>, n: usize, text: &str) -> bool {
    matches!(&parser.peek_nth_token_ref(n).token,
        Token::Word(word) if word.quote_style.is_none() && word.value.eq_ignore_ascii_case(text))
}

#[derive(Debug, Clone, Copy)]
enum ColumnAction {
    DropExpression,
    DropIdentity,
    SetGenerated,
}

/// The two words after `ALTER [COLUMN] column` that start each column
/// action sqlparser does not read.
const COLUMN_ACTIONS: [(&str, &str, ColumnAction); 3] = [
    ("drop", "expression", ColumnAction::DropExpression),
    ("drop", "identity", ColumnAction::DropIdentity),
    ("set", "generated", ColumnAction::SetGenerated),
];
