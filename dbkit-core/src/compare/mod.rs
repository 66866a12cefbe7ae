//! Comparison of a declared schema with an introspected one, in PostgreSQL's canonical forms.
//!
//! PostgreSQL stores expressions as trees and prints them back its own way:
//! `age >= 0` comes back as `(age >= 0)`, `'x'` as `'x'::text`, `-1` as
//! `'-1'::integer`, `a > 0 AND b > 0` as `((a > 0) AND (b > 0))`, a varchar
//! column compared with a literal as `((code)::text = 'x'::text)`. Types come
//! back in `format_type` spelling (`character varying(320)` for
//! `varchar(320)`). [`canonical_schema`] rewrites a schema so that what a
//! user wrote and what PostgreSQL printed for it become equal:
//!
//! - expressions (defaults, generated columns, checks, index keys and
//!   predicates) are parsed and printed back fully parenthesised, lowercase
//!   outside quotes, with identifiers quoted only when they must be, every
//!   cast dropped (casts are either implicit ones PostgreSQL shows or
//!   decorations of literals, so they never tell two round-tripped schemas
//!   apart), numeric strings as numbers (`'-1'` = `-1`), `!=` as `<>`,
//!   `LIKE` as `~~`, `IN (…)` as `= ANY (ARRAY[…])`, `BETWEEN` as two
//!   comparisons and nested `AND`/`OR` flattened. Text that does not parse
//!   is compared with its whitespace and case outside quotes normalised;
//! - types are spelled the `format_type` way by the one table of
//!   spellings, [`crate::types::canonical_type`] (`int` → `integer`,
//!   `timestamptz` → `timestamp with time zone`, `numeric(10, 2)` →
//!   `numeric(10,2)`);
//! - columns that PostgreSQL makes `NOT NULL` (primary key, identity and
//!   serial columns) are not nullable, serial and identity columns have no
//!   default, empty comments are no comment, index methods are lowercase
//!   (`btree` when none is given) and an expression index whose keys are
//!   all plain columns is a column index;
//! - hints and source locations are cleared and the schema list holds every
//!   schema but `public` that holds something or was declared.
//!
//! [`schema_differences`] lists, object by object, where two schemas differ
//! after that normalisation.

use crate::model::{BaseType, Column, ColumnType, Enum, Index, IndexKey, Schema, Table};
use crate::types::canonical_type;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `schema` with every part in canonical form, ready for `assert_eq!`
/// against another canonical schema.
pub fn canonical_schema(schema: &Schema) -> Schema {
    let mut canonical = schema.clone();
    let mut schema_names: BTreeSet<String> = canonical.schemas.iter().cloned().collect();
    schema_names.extend(
        canonical
            .tables
            .iter()
            .map(|table| table.name.schema.clone()),
    );
    schema_names.extend(
        canonical
            .enums
            .iter()
            .map(|enum_type| enum_type.name.schema.clone()),
    );
    schema_names.remove("public");
    canonical.schemas = schema_names.into_iter().collect();
    for enum_type in &mut canonical.enums {
        canonicalize_enum(enum_type);
    }
    for table in &mut canonical.tables {
        canonicalize_table(table);
    }
    canonical.canonicalize();
    canonical
}

fn canonical_comment(comment: &mut Option<String>) {
    if comment.as_deref().is_some_and(str::is_empty) {
        *comment = None;
    }
}

fn canonicalize_enum(enum_type: &mut Enum) {
    enum_type.renamed_from = None;
    enum_type.source = None;
    canonical_comment(&mut enum_type.comment);
}

fn canonicalize_table(table: &mut Table) {
    table.renamed_from = None;
    table.source = None;
    canonical_comment(&mut table.comment);
    let primary_key_columns: Vec<String> = table
        .primary_key
        .iter()
        .flat_map(|key| key.columns.iter().cloned())
        .collect();
    for column in &mut table.columns {
        canonicalize_column(column, primary_key_columns.contains(&column.name));
    }
    for foreign_key in &mut table.foreign_keys {
        foreign_key.source = None;
    }
    for check in &mut table.checks {
        check.expr = normalize_expression(&check.expr);
    }
    for index in &mut table.indexes {
        canonicalize_index(index);
    }
}

fn canonicalize_column(column: &mut Column, in_primary_key: bool) {
    column.renamed_from = None;
    column.source = None;
    column.ty = canonical_column_type(&column.ty);
    canonical_comment(&mut column.comment);
    if column.serial || column.identity.is_some() {
        column.default = None;
    }
    if column.serial || column.identity.is_some() || in_primary_key {
        column.nullable = false;
    }
    column.default = column.default.as_deref().map(normalize_expression);
    column.generated = column.generated.as_deref().map(normalize_expression);
}

fn canonicalize_index(index: &mut Index) {
    index.method = if index.method.trim().is_empty() {
        "btree".to_string()
    } else {
        index.method.trim().to_lowercase()
    };
    index.predicate = index.predicate.as_deref().map(normalize_expression);
    if let IndexKey::Expression(text) = &index.key {
        index.key = match parse_expression_list(text) {
            Some(keys) => {
                let plain_columns: Option<Vec<String>> = keys
                    .iter()
                    .map(|key| match key {
                        Expression::Identifier(parts) if parts.len() == 1 => parts.first().cloned(),
                        _ => None,
                    })
                    .collect();
                match plain_columns {
                    Some(columns) => IndexKey::Columns(columns),
                    None => IndexKey::Expression(
                        keys.iter()
                            .map(print_expression)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                }
            }
            None => IndexKey::Expression(normalize_unparsed(text)),
        };
    }
}

/// The type with its base spelled the `format_type` way, by the one
/// table of spellings, [`crate::types::canonical_type`].
pub fn canonical_column_type(ty: &ColumnType) -> ColumnType {
    let base = match &ty.base {
        BaseType::Builtin(name) => BaseType::Builtin(canonical_type(name)),
        BaseType::Enum(name) => BaseType::Enum(name.clone()),
    };
    ColumnType {
        base,
        array_dims: ty.array_dims,
    }
}

/// The canonical text of a SQL expression (see the module documentation).
pub fn normalize_expression(text: &str) -> String {
    match parse_expression_list(text) {
        Some(expressions) if expressions.len() == 1 => expressions
            .iter()
            .map(print_expression)
            .collect::<Vec<_>>()
            .join(", "),
        _ => normalize_unparsed(text),
    }
}

/// Whitespace collapsed and letters outside quotes lowercased.
fn normalize_unparsed(text: &str) -> String {
    let mut normalized = String::new();
    let mut quote: Option<char> = None;
    let mut pending_space = false;
    for character in text.trim().chars() {
        match quote {
            Some(open) => {
                normalized.push(character);
                if character == open {
                    quote = None;
                }
            }
            None if character.is_whitespace() => pending_space = true,
            None => {
                if pending_space && !normalized.is_empty() {
                    normalized.push(' ');
                }
                pending_space = false;
                if character == '\'' || character == '"' {
                    quote = Some(character);
                }
                normalized.extend(character.to_lowercase());
            }
        }
    }
    normalized
}

// ---------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An unquoted word, lowercased (identifier or keyword).
    Word(String),
    /// A `"quoted"` identifier, unescaped.
    QuotedIdentifier(String),
    /// A `'string'` (or `E'…'`) literal, unescaped.
    String(String),
    Number(String),
    /// `+`, `<=`, `||`, `->>`, …
    Operator(String),
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Dot,
    DoubleColon,
}

fn is_operator_character(character: char) -> bool {
    "+-*/<>=~!@#%^&|`?".contains(character)
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let characters: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut position = 0;
    while let Some(&character) = characters.get(position) {
        if character.is_whitespace() {
            position += 1;
            continue;
        }
        let next = characters.get(position + 1).copied();
        if character == '-' && next == Some('-') {
            while characters.get(position).is_some_and(|&c| c != '\n') {
                position += 1;
            }
            continue;
        }
        if character == '\'' || ((character == 'E' || character == 'e') && next == Some('\'')) {
            let escapes = character != '\'';
            position += if escapes { 2 } else { 1 };
            let mut value = String::new();
            loop {
                let current = *characters.get(position)?;
                position += 1;
                if current == '\'' {
                    if characters.get(position) == Some(&'\'') {
                        value.push('\'');
                        position += 1;
                        continue;
                    }
                    break;
                }
                if escapes && current == '\\' {
                    let escaped = *characters.get(position)?;
                    position += 1;
                    value.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                    continue;
                }
                value.push(current);
            }
            tokens.push(Token::String(value));
            continue;
        }
        if character == '"' {
            position += 1;
            let mut value = String::new();
            loop {
                let current = *characters.get(position)?;
                position += 1;
                if current == '"' {
                    if characters.get(position) == Some(&'"') {
                        value.push('"');
                        position += 1;
                        continue;
                    }
                    break;
                }
                value.push(current);
            }
            tokens.push(Token::QuotedIdentifier(value));
            continue;
        }
        if character.is_ascii_digit()
            || (character == '.' && next.is_some_and(|c| c.is_ascii_digit()))
        {
            let start = position;
            while characters
                .get(position)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == 'E')
            {
                let current = characters.get(position).copied();
                position += 1;
                if matches!(current, Some('e' | 'E'))
                    && matches!(characters.get(position), Some('+' | '-'))
                {
                    position += 1;
                }
            }
            tokens.push(Token::Number(canonical_number(
                &characters[start..position].iter().collect::<String>(),
            )));
            continue;
        }
        if character.is_alphabetic() || character == '_' {
            let start = position;
            while characters
                .get(position)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            {
                position += 1;
            }
            let word: String = characters[start..position].iter().collect();
            tokens.push(Token::Word(word.to_lowercase()));
            continue;
        }
        match character {
            '(' => tokens.push(Token::OpenParen),
            ')' => tokens.push(Token::CloseParen),
            '[' => tokens.push(Token::OpenBracket),
            ']' => tokens.push(Token::CloseBracket),
            ',' => tokens.push(Token::Comma),
            '.' => tokens.push(Token::Dot),
            ':' if next == Some(':') => {
                tokens.push(Token::DoubleColon);
                position += 2;
                continue;
            }
            _ if is_operator_character(character) => {
                let start = position;
                while characters
                    .get(position)
                    .is_some_and(|&c| is_operator_character(c))
                {
                    position += 1;
                }
                let operator: String = characters[start..position].iter().collect();
                tokens.push(Token::Operator(operator));
                continue;
            }
            _ => return None,
        }
        position += 1;
    }
    Some(tokens)
}

/// `042` → `42`, `1.50` stays as written except for leading zeros of the
/// integer part.
fn canonical_number(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() || trimmed.starts_with('.') {
        format!("0{trimmed}")
    } else {
        trimmed.to_string()
    };
    let signed = if trimmed == "0" {
        trimmed
    } else {
        format!("{sign}{trimmed}")
    };
    signed.to_lowercase()
}

/// A string literal's text that is a plain decimal number.
fn numeric_literal_text(text: &str) -> Option<String> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let mut parts = body.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    let digits_only = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
    let valid = digits_only(whole) && fraction.is_none_or(digits_only);
    valid.then(|| canonical_number(text))
}

// ---------------------------------------------------------------------------
// Expressions

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expression {
    /// A possibly qualified name; each part unquoted.
    Identifier(Vec<String>),
    String(String),
    Number(String),
    /// `*` in `count(*)`.
    Star,
    Call {
        name: Vec<String>,
        arguments: Vec<Expression>,
        distinct: bool,
    },
    /// `AND` / `OR` with every nested operand of the same kind flattened.
    Junction {
        operator: &'static str,
        operands: Vec<Expression>,
    },
    Not(Box<Expression>),
    Prefix {
        operator: String,
        operand: Box<Expression>,
    },
    Binary {
        operator: String,
        left: Box<Expression>,
        right: Box<Expression>,
    },
    /// `IS [NOT] NULL`, `IS [NOT] TRUE`…: the words after the operand.
    Is {
        operand: Box<Expression>,
        test: String,
    },
    Array(Vec<Expression>),
    Subscript {
        operand: Box<Expression>,
        index: Box<Expression>,
    },
    Case {
        operand: Option<Box<Expression>>,
        branches: Vec<(Expression, Expression)>,
        otherwise: Option<Box<Expression>>,
    },
    /// `ROW(…)` or a parenthesised list.
    Row(Vec<Expression>),
}

/// Binding powers, from loosest to tightest, as in PostgreSQL's grammar.
const OR_POWER: u8 = 1;
const AND_POWER: u8 = 2;
const NOT_POWER: u8 = 3;
const IS_POWER: u8 = 4;
const COMPARISON_POWER: u8 = 5;
const LIKE_POWER: u8 = 6;
const OTHER_OPERATOR_POWER: u8 = 7;
const ADDITIVE_POWER: u8 = 8;
const MULTIPLICATIVE_POWER: u8 = 9;
const EXPONENT_POWER: u8 = 10;
const UNARY_POWER: u8 = 11;

/// Words that continue a multi-word type name after `::`.
const TYPE_CONTINUATION_WORDS: &[&str] =
    &["varying", "precision", "with", "without", "time", "zone"];

#[derive(Debug)]
struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

fn parse_expression_list(text: &str) -> Option<Vec<Expression>> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return None;
    }
    let mut parser = Parser {
        tokens,
        position: 0,
    };
    let mut expressions = vec![parser.expression(0)?];
    while parser.eat(&Token::Comma) {
        expressions.push(parser.expression(0)?);
    }
    (parser.position == parser.tokens.len()).then_some(expressions)
}

fn binary(operator: &str, left: Expression, right: Expression) -> Expression {
    Expression::Binary {
        operator: operator.to_string(),
        left: Box::new(left),
        right: Box::new(right),
    }
}

fn junction(operator: &'static str, left: Expression, right: Expression) -> Expression {
    let mut operands = Vec::new();
    for side in [left, right] {
        match side {
            Expression::Junction {
                operator: inner,
                operands: inner_operands,
            } if inner == operator => {
                operands.extend(inner_operands);
            }
            other => operands.push(other),
        }
    }
    Expression::Junction { operator, operands }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_at(&self, offset: usize) -> Option<&Token> {
        self.tokens.get(self.position + offset)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        self.eat(&Token::Word(word.to_string()))
    }

    fn peek_word(&self, offset: usize) -> Option<&str> {
        match self.peek_at(offset) {
            Some(Token::Word(word)) => Some(word.as_str()),
            _ => None,
        }
    }

    fn expect(&mut self, token: &Token) -> Option<()> {
        self.eat(token).then_some(())
    }

    fn expression(&mut self, minimum_power: u8) -> Option<Expression> {
        let mut left = self.prefix()?;
        loop {
            let Some(next) = self.infix(left.clone(), minimum_power)? else {
                return Some(left);
            };
            left = next;
        }
    }

    fn prefix(&mut self) -> Option<Expression> {
        match self.peek()?.clone() {
            Token::Word(word) if word == "not" => {
                self.advance();
                Some(Expression::Not(Box::new(self.expression(NOT_POWER)?)))
            }
            Token::Operator(operator) if operator == "-" || operator == "+" => {
                self.advance();
                let operand = self.expression(UNARY_POWER)?;
                Some(match (operator.as_str(), operand) {
                    ("+", operand) => operand,
                    ("-", Expression::Number(number)) => {
                        Expression::Number(canonical_number(&format!("-{number}")))
                    }
                    (_, operand) => Expression::Prefix {
                        operator,
                        operand: Box::new(operand),
                    },
                })
            }
            Token::Operator(operator) => {
                self.advance();
                let operand = self.expression(UNARY_POWER)?;
                Some(Expression::Prefix {
                    operator,
                    operand: Box::new(operand),
                })
            }
            _ => self.postfix_chain(),
        }
    }

    /// A primary expression followed by casts and subscripts.
    fn postfix_chain(&mut self) -> Option<Expression> {
        let mut expression = self.primary()?;
        loop {
            if self.eat(&Token::DoubleColon) {
                self.skip_type_name()?;
                // Casts are dropped: see the module documentation.
            } else if self.eat(&Token::OpenBracket) {
                let index = self.expression(0)?;
                self.expect(&Token::CloseBracket)?;
                expression = Expression::Subscript {
                    operand: Box::new(expression),
                    index: Box::new(index),
                };
            } else {
                return Some(expression);
            }
        }
    }

    /// `integer`, `"Order".mood`, `character varying(40)[]`,
    /// `timestamp(3) with time zone`.
    fn skip_type_name(&mut self) -> Option<()> {
        self.name_parts()?;
        loop {
            if self
                .peek_word(0)
                .is_some_and(|word| TYPE_CONTINUATION_WORDS.contains(&word))
            {
                self.advance();
            } else if self.peek() == Some(&Token::OpenParen) {
                self.skip_balanced_parentheses()?;
            } else {
                break;
            }
        }
        while self.peek() == Some(&Token::OpenBracket) {
            self.advance();
            if let Some(Token::Number(_)) = self.peek() {
                self.advance();
            }
            self.expect(&Token::CloseBracket)?;
        }
        Some(())
    }

    fn skip_balanced_parentheses(&mut self) -> Option<()> {
        self.expect(&Token::OpenParen)?;
        let mut depth = 1usize;
        while depth > 0 {
            match self.advance()? {
                Token::OpenParen => depth += 1,
                Token::CloseParen => depth -= 1,
                _ => {}
            }
        }
        Some(())
    }

    /// `a`, `"A b"`, `pg_catalog.lower`.
    fn name_parts(&mut self) -> Option<Vec<String>> {
        let mut parts = vec![self.name_part()?];
        while self.peek() == Some(&Token::Dot)
            && matches!(
                self.peek_at(1),
                Some(Token::Word(_) | Token::QuotedIdentifier(_))
            )
        {
            self.advance();
            parts.push(self.name_part()?);
        }
        Some(parts)
    }

    fn name_part(&mut self) -> Option<String> {
        match self.advance()? {
            Token::Word(word) | Token::QuotedIdentifier(word) => Some(word),
            _ => None,
        }
    }

    fn primary(&mut self) -> Option<Expression> {
        match self.peek()?.clone() {
            Token::String(text) => {
                self.advance();
                Some(match numeric_literal_text(&text) {
                    Some(number) => Expression::Number(number),
                    None => Expression::String(text),
                })
            }
            Token::Number(number) => {
                self.advance();
                Some(Expression::Number(number))
            }
            Token::Operator(operator) if operator == "*" => {
                self.advance();
                Some(Expression::Star)
            }
            Token::OpenParen => {
                self.advance();
                let first = self.expression(0)?;
                let mut items = vec![first];
                while self.eat(&Token::Comma) {
                    items.push(self.expression(0)?);
                }
                self.expect(&Token::CloseParen)?;
                Some(if items.len() == 1 {
                    items.remove(0)
                } else {
                    Expression::Row(items)
                })
            }
            Token::Word(word)
                if word == "array" && self.peek_at(1) == Some(&Token::OpenBracket) =>
            {
                self.advance();
                self.advance();
                let items = self.comma_list_until(&Token::CloseBracket)?;
                Some(Expression::Array(items))
            }
            Token::Word(word) if word == "cast" && self.peek_at(1) == Some(&Token::OpenParen) => {
                self.advance();
                self.advance();
                let operand = self.expression(0)?;
                if !self.eat_word("as") {
                    return None;
                }
                self.skip_type_name()?;
                self.expect(&Token::CloseParen)?;
                Some(operand)
            }
            Token::Word(word) if word == "case" => {
                self.advance();
                self.case_expression()
            }
            Token::Word(word) if word == "row" && self.peek_at(1) == Some(&Token::OpenParen) => {
                self.advance();
                self.advance();
                Some(Expression::Row(self.comma_list_until(&Token::CloseParen)?))
            }
            Token::Word(word) if matches!(word.as_str(), "any" | "some" | "all") => {
                self.advance();
                self.expect(&Token::OpenParen)?;
                let operand = self.expression(0)?;
                self.expect(&Token::CloseParen)?;
                let name = if word == "some" {
                    "any".to_string()
                } else {
                    word
                };
                Some(Expression::Call {
                    name: vec![name],
                    arguments: vec![operand],
                    distinct: false,
                })
            }
            Token::Word(_) | Token::QuotedIdentifier(_) => {
                let mut name = self.name_parts()?;
                if self.peek() != Some(&Token::OpenParen) {
                    return Some(Expression::Identifier(name));
                }
                self.advance();
                if name.len() == 2 && name.first().is_some_and(|schema| schema == "pg_catalog") {
                    name.remove(0);
                }
                let distinct = self.eat_word("distinct");
                let arguments = self.comma_list_until(&Token::CloseParen)?;
                Some(Expression::Call {
                    name,
                    arguments,
                    distinct,
                })
            }
            _ => None,
        }
    }

    /// Comma-separated expressions up to and including `close`.
    fn comma_list_until(&mut self, close: &Token) -> Option<Vec<Expression>> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Some(items);
        }
        loop {
            items.push(self.expression(0)?);
            if self.eat(close) {
                return Some(items);
            }
            self.expect(&Token::Comma)?;
        }
    }

    fn case_expression(&mut self) -> Option<Expression> {
        let operand = if self.peek_word(0) == Some("when") {
            None
        } else {
            Some(Box::new(self.expression(0)?))
        };
        let mut branches = Vec::new();
        while self.eat_word("when") {
            let condition = self.expression(0)?;
            if !self.eat_word("then") {
                return None;
            }
            branches.push((condition, self.expression(0)?));
        }
        let mut otherwise = None;
        if self.eat_word("else") {
            let value = self.expression(0)?;
            if value != Expression::Identifier(vec!["null".to_string()]) {
                otherwise = Some(Box::new(value));
            }
        }
        if !self.eat_word("end") || branches.is_empty() {
            return None;
        }
        Some(Expression::Case {
            operand,
            branches,
            otherwise,
        })
    }

    /// Extends `left` with the infix construct at the cursor when it binds
    /// at least as tightly as `minimum_power`; `Some(None)` when it does not
    /// (or there is none), `None` on a syntax error.
    fn infix(&mut self, left: Expression, minimum_power: u8) -> Option<Option<Expression>> {
        let Some(token) = self.peek().cloned() else {
            return Some(None);
        };
        let word = |text: &str| Token::Word(text.to_string());
        match token {
            Token::Word(ref keyword) if keyword == "or" && OR_POWER >= minimum_power.max(1) => {
                self.advance();
                let right = self.expression(OR_POWER + 1)?;
                Some(Some(junction("or", left, right)))
            }
            Token::Word(ref keyword) if keyword == "and" && AND_POWER >= minimum_power.max(1) => {
                self.advance();
                let right = self.expression(AND_POWER + 1)?;
                Some(Some(junction("and", left, right)))
            }
            Token::Word(ref keyword)
                if (keyword == "isnull" || keyword == "notnull") && IS_POWER >= minimum_power =>
            {
                self.advance();
                let test = if keyword == "isnull" {
                    "null"
                } else {
                    "not null"
                };
                Some(Some(Expression::Is {
                    operand: Box::new(left),
                    test: test.to_string(),
                }))
            }
            Token::Word(ref keyword) if keyword == "is" && IS_POWER >= minimum_power => {
                self.advance();
                let negated = self.eat_word("not");
                if self.eat_word("distinct") {
                    if !self.eat_word("from") {
                        return None;
                    }
                    let right = self.expression(IS_POWER + 1)?;
                    let operator = if negated {
                        "is not distinct from"
                    } else {
                        "is distinct from"
                    };
                    return Some(Some(binary(operator, left, right)));
                }
                let tested = self.name_part()?;
                let test = if negated {
                    format!("not {tested}")
                } else {
                    tested
                };
                Some(Some(Expression::Is {
                    operand: Box::new(left),
                    test,
                }))
            }
            Token::Operator(ref operator)
                if matches!(
                    operator.as_str(),
                    "<" | ">" | "=" | "<=" | ">=" | "<>" | "!="
                ) && COMPARISON_POWER >= minimum_power =>
            {
                self.advance();
                let operator = if operator == "!=" {
                    "<>".to_string()
                } else {
                    operator.clone()
                };
                let right = self.expression(COMPARISON_POWER + 1)?;
                Some(Some(binary(&operator, left, right)))
            }
            Token::Word(ref keyword)
                if LIKE_POWER >= minimum_power
                    && (matches!(keyword.as_str(), "like" | "ilike" | "in" | "between")
                        || (keyword == "not"
                            && matches!(
                                self.peek_word(1),
                                Some("like" | "ilike" | "in" | "between")
                            ))) =>
            {
                self.advance();
                let negated = keyword == "not";
                let keyword = if negated {
                    self.name_part()?
                } else {
                    keyword.clone()
                };
                match keyword.as_str() {
                    "like" | "ilike" => {
                        let right = self.expression(LIKE_POWER + 1)?;
                        let operator = match (keyword.as_str(), negated) {
                            ("like", false) => "~~",
                            ("like", true) => "!~~",
                            ("ilike", false) => "~~*",
                            _ => "!~~*",
                        };
                        Some(Some(binary(operator, left, right)))
                    }
                    "in" => {
                        self.expect(&Token::OpenParen)?;
                        let items = self.comma_list_until(&Token::CloseParen)?;
                        let (operator, quantifier) =
                            if negated { ("<>", "all") } else { ("=", "any") };
                        let list = Expression::Call {
                            name: vec![quantifier.to_string()],
                            arguments: vec![Expression::Array(items)],
                            distinct: false,
                        };
                        Some(Some(binary(operator, left, list)))
                    }
                    _ => {
                        let low = self.expression(LIKE_POWER + 1)?;
                        if !self.eat(&word("and")) {
                            return None;
                        }
                        let high = self.expression(LIKE_POWER + 1)?;
                        let range = if negated {
                            junction(
                                "or",
                                binary("<", left.clone(), low),
                                binary(">", left, high),
                            )
                        } else {
                            junction(
                                "and",
                                binary(">=", left.clone(), low),
                                binary("<=", left, high),
                            )
                        };
                        Some(Some(range))
                    }
                }
            }
            Token::Operator(ref operator) => {
                let power = match operator.as_str() {
                    "+" | "-" => ADDITIVE_POWER,
                    "*" | "/" | "%" => MULTIPLICATIVE_POWER,
                    "^" => EXPONENT_POWER,
                    _ => OTHER_OPERATOR_POWER,
                };
                if power < minimum_power {
                    return Some(None);
                }
                self.advance();
                let operator = operator.clone();
                let right = self.expression(power + 1)?;
                Some(Some(binary(&operator, left, right)))
            }
            _ => Some(None),
        }
    }
}

/// Keywords that PostgreSQL quotes when they are used as identifiers
/// (reserved words and the column-name keywords that matter here).
const KEYWORDS_NEEDING_QUOTES: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "between",
    "bigint",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "from",
    "grant",
    "greatest",
    "group",
    "having",
    "in",
    "initially",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "lateral",
    "leading",
    "least",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "nchar",
    "none",
    "not",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "row",
    "select",
    "session_user",
    "setof",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// An identifier, quoted when PostgreSQL would quote it.
fn print_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Like [`print_identifier`] for names that stand for a column or a
/// function: reserved words are quoted.
fn print_name(parts: &[String]) -> String {
    parts
        .iter()
        .map(|part| print_identifier(part))
        .collect::<Vec<_>>()
        .join(".")
}

fn print_list(items: &[Expression]) -> String {
    items
        .iter()
        .map(print_expression)
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_expression(expression: &Expression) -> String {
    match expression {
        Expression::Identifier(parts) => {
            // A bare word that is a keyword (`current_timestamp`, `true`)
            // prints as the keyword; a quoted one would have kept its quotes
            // only if it needed them, which words of this list do.
            match parts.as_slice() {
                [single] if KEYWORDS_NEEDING_QUOTES.contains(&single.as_str()) => single.clone(),
                _ => print_name(parts),
            }
        }
        Expression::String(text) => format!("'{}'", text.replace('\'', "''")),
        Expression::Number(number) => number.clone(),
        Expression::Star => "*".to_string(),
        Expression::Call {
            name,
            arguments,
            distinct,
        } => {
            let distinct = if *distinct { "distinct " } else { "" };
            format!("{}({distinct}{})", print_name(name), print_list(arguments))
        }
        Expression::Junction { operator, operands } => {
            let parts: Vec<String> = operands.iter().map(print_expression).collect();
            format!("({})", parts.join(&format!(" {operator} ")))
        }
        Expression::Not(operand) => format!("(not {})", print_expression(operand)),
        Expression::Prefix { operator, operand } => {
            format!("({operator} {})", print_expression(operand))
        }
        Expression::Binary {
            operator,
            left,
            right,
        } => {
            format!(
                "({} {operator} {})",
                print_expression(left),
                print_expression(right)
            )
        }
        Expression::Is { operand, test } => format!("({} is {test})", print_expression(operand)),
        Expression::Array(items) => format!("array[{}]", print_list(items)),
        Expression::Subscript { operand, index } => {
            format!("{}[{}]", print_expression(operand), print_expression(index))
        }
        Expression::Case {
            operand,
            branches,
            otherwise,
        } => {
            let mut text = "case".to_string();
            if let Some(operand) = operand {
                text.push_str(&format!(" {}", print_expression(operand)));
            }
            for (condition, value) in branches {
                text.push_str(&format!(
                    " when {} then {}",
                    print_expression(condition),
                    print_expression(value)
                ));
            }
            if let Some(otherwise) = otherwise {
                text.push_str(&format!(" else {}", print_expression(otherwise)));
            }
            text.push_str(" end");
            text
        }
        Expression::Row(items) => format!("row({})", print_list(items)),
    }
}

// ---------------------------------------------------------------------------
// Differences

/// One way two schemas differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What kind of object: `schema`, `enum`, `table`, `column`,
    /// `primary key`, `foreign key`, `unique constraint`,
    /// `check constraint` or `index`.
    pub kind: &'static str,
    /// Its qualified name: `public.users`, `public.users.email` for a
    /// column, `public.users_email_key` for a constraint or an index.
    pub name: String,
    pub change: DifferenceChange,
}

/// What differs about the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DifferenceChange {
    /// In the expected schema, not in the actual one.
    Missing,
    /// In the actual schema, not in the expected one.
    Unexpected,
    /// In both, with a field that differs; the values in Rust's `Debug`
    /// form of the canonical model.
    Field {
        field: &'static str,
        expected: String,
        found: String,
    },
}

impl Difference {
    /// `column public.users.email`.
    pub fn object(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.kind, self.name)?;
        match &self.change {
            DifferenceChange::Missing => write!(f, "expected, but missing"),
            DifferenceChange::Unexpected => write!(f, "present, but not expected"),
            DifferenceChange::Field {
                field,
                expected,
                found,
            } => write!(f, "{field}: expected {expected}, found {found}"),
        }
    }
}

/// An object being compared: its kind and qualified name.
struct Object {
    kind: &'static str,
    name: String,
}

impl Object {
    fn difference(&self, change: DifferenceChange) -> Difference {
        Difference {
            kind: self.kind,
            name: self.name.clone(),
            change,
        }
    }
}

/// Where `actual` differs from `expected`, object by object, after both are
/// put in canonical form. Empty when they are equal.
pub fn schema_differences(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    let expected = canonical_schema(expected);
    let actual = canonical_schema(actual);
    let mut differences = Vec::new();
    compare_named(
        &mut differences,
        "schema",
        &expected
            .schemas
            .iter()
            .map(|name| (name.clone(), name))
            .collect(),
        &actual
            .schemas
            .iter()
            .map(|name| (name.clone(), name))
            .collect(),
        |_, _, _, _| {},
    );
    compare_named(
        &mut differences,
        "enum",
        &expected
            .enums
            .iter()
            .map(|e| (e.name.to_string(), e))
            .collect(),
        &actual
            .enums
            .iter()
            .map(|e| (e.name.to_string(), e))
            .collect(),
        |differences, object, expected, actual| {
            compare_field(
                differences,
                object,
                "labels",
                &expected.values,
                &actual.values,
            );
            compare_field(
                differences,
                object,
                "comment",
                &expected.comment,
                &actual.comment,
            );
        },
    );
    compare_named(
        &mut differences,
        "table",
        &expected
            .tables
            .iter()
            .map(|t| (t.name.to_string(), t))
            .collect(),
        &actual
            .tables
            .iter()
            .map(|t| (t.name.to_string(), t))
            .collect(),
        |differences, _, expected, actual| compare_tables(differences, expected, actual),
    );
    differences
}

/// Formats differences one per line, for test failures and reports.
pub fn format_differences(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(|difference| format!("  - {difference}\n"))
        .collect()
}

fn compare_named<T>(
    differences: &mut Vec<Difference>,
    kind: &'static str,
    expected: &BTreeMap<String, T>,
    actual: &BTreeMap<String, T>,
    compare: impl Fn(&mut Vec<Difference>, &Object, &T, &T),
) {
    for (name, expected_item) in expected {
        let object = Object {
            kind,
            name: name.clone(),
        };
        match actual.get(name) {
            Some(actual_item) => compare(differences, &object, expected_item, actual_item),
            None => differences.push(object.difference(DifferenceChange::Missing)),
        }
    }
    for name in actual.keys().filter(|name| !expected.contains_key(*name)) {
        let object = Object {
            kind,
            name: name.clone(),
        };
        differences.push(object.difference(DifferenceChange::Unexpected));
    }
}

/// `items` keyed by `<schema>.<name>`, the way differences name them.
fn by_qualified_name<'a, T>(
    schema: &str,
    items: impl IntoIterator<Item = &'a T>,
    name: impl Fn(&T) -> &String,
) -> BTreeMap<String, &'a T> {
    items
        .into_iter()
        .map(|item| (format!("{schema}.{}", name(item)), item))
        .collect()
}

fn compare_field<T: PartialEq + fmt::Debug>(
    differences: &mut Vec<Difference>,
    object: &Object,
    field: &'static str,
    expected: &T,
    actual: &T,
) {
    if expected != actual {
        differences.push(object.difference(DifferenceChange::Field {
            field,
            expected: format!("{expected:?}"),
            found: format!("{actual:?}"),
        }));
    }
}

fn compare_tables(differences: &mut Vec<Difference>, expected: &Table, actual: &Table) {
    let table = &expected.name;
    let object = Object {
        kind: "table",
        name: table.to_string(),
    };
    compare_field(
        differences,
        &object,
        "comment",
        &expected.comment,
        &actual.comment,
    );
    let names = |table: &Table| {
        table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let expected_order = names(expected);
    let actual_order = names(actual);
    let expected_set: BTreeSet<&String> = expected_order.iter().collect();
    if expected_set == actual_order.iter().collect() {
        compare_field(
            differences,
            &object,
            "column order",
            &expected_order,
            &actual_order,
        );
    }
    compare_named(
        differences,
        "column",
        &expected
            .columns
            .iter()
            .map(|c| (format!("{table}.{}", c.name), c))
            .collect(),
        &actual
            .columns
            .iter()
            .map(|c| (format!("{table}.{}", c.name), c))
            .collect(),
        |differences, object, expected: &&Column, actual: &&Column| {
            compare_field(differences, object, "type", &expected.ty, &actual.ty);
            compare_field(
                differences,
                object,
                "nullable",
                &expected.nullable,
                &actual.nullable,
            );
            compare_field(
                differences,
                object,
                "default",
                &expected.default,
                &actual.default,
            );
            compare_field(
                differences,
                object,
                "identity",
                &expected.identity,
                &actual.identity,
            );
            compare_field(
                differences,
                object,
                "serial",
                &expected.serial,
                &actual.serial,
            );
            compare_field(
                differences,
                object,
                "generated",
                &expected.generated,
                &actual.generated,
            );
            compare_field(
                differences,
                object,
                "comment",
                &expected.comment,
                &actual.comment,
            );
        },
    );
    let schema = &table.schema;
    compare_named(
        differences,
        "primary key",
        &by_qualified_name(schema, expected.primary_key.iter(), |key| &key.name),
        &by_qualified_name(schema, actual.primary_key.iter(), |key| &key.name),
        |d, o, e, a| compare_field(d, o, "columns", &e.columns, &a.columns),
    );
    compare_named(
        differences,
        "foreign key",
        &by_qualified_name(schema, &expected.foreign_keys, |key| &key.name),
        &by_qualified_name(schema, &actual.foreign_keys, |key| &key.name),
        |d, o, e, a| {
            compare_field(d, o, "columns", &e.columns, &a.columns);
            compare_field(d, o, "referenced table", &e.references, &a.references);
            compare_field(
                d,
                o,
                "referenced columns",
                &e.referenced_columns,
                &a.referenced_columns,
            );
            compare_field(d, o, "on delete", &e.on_delete, &a.on_delete);
            compare_field(d, o, "on update", &e.on_update, &a.on_update);
        },
    );
    compare_named(
        differences,
        "unique constraint",
        &by_qualified_name(schema, &expected.uniques, |unique| &unique.name),
        &by_qualified_name(schema, &actual.uniques, |unique| &unique.name),
        |d, o, e, a| compare_field(d, o, "columns", &e.columns, &a.columns),
    );
    compare_named(
        differences,
        "check constraint",
        &by_qualified_name(schema, &expected.checks, |check| &check.name),
        &by_qualified_name(schema, &actual.checks, |check| &check.name),
        |d, o, e, a| compare_field(d, o, "expression", &e.expr, &a.expr),
    );
    compare_named(
        differences,
        "index",
        &by_qualified_name(schema, &expected.indexes, |index| &index.name),
        &by_qualified_name(schema, &actual.indexes, |index| &index.name),
        |d, o, e, a| {
            compare_field(d, o, "key", &e.key, &a.key);
            compare_field(d, o, "unique", &e.unique, &a.unique);
            compare_field(d, o, "method", &e.method, &a.method);
            compare_field(d, o, "predicate", &e.predicate, &a.predicate);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, PrimaryKey};

    /// Both texts normalise to the same canonical text.
    #[track_caller]
    fn check_same(written: &str, printed: &str) {
        let left = normalize_expression(written);
        let right = normalize_expression(printed);
        assert_eq!(
            left, right,
            "`{written}` and `{printed}` should normalise equal"
        );
    }

    #[track_caller]
    fn check_different(first: &str, second: &str) {
        assert_ne!(
            normalize_expression(first),
            normalize_expression(second),
            "`{first}` and `{second}` should stay different"
        );
    }

    #[track_caller]
    fn check_canonical(text: &str, expected: &str) {
        assert_eq!(
            normalize_expression(text),
            expected,
            "canonical form of `{text}`"
        );
    }

    #[test]
    fn literals_lose_their_casts() {
        check_same("'x'", "'x'::text");
        check_same("'it''s'", "'it''s'::character varying");
        check_same("'{}'", "'{}'::jsonb");
        check_same("'{}'", "'{}'::text[]");
        check_same("'12:00:00'", "'12:00:00'::time without time zone");
        check_same("'2020-01-01'", "'2020-01-01'::timestamp with time zone");
        check_same("'draft'", "'draft'::mood");
        check_same("'draft'", "'draft'::\"Order\".\"order state\"");
        check_same("'draft'", "'draft'::app.mood");
        check_same("'1.50'", "'1.50'::numeric(10,2)");
        check_same("'\\x'::bytea", "'\\x'::bytea");
        check_same("CAST('x' AS text)", "'x'");
        check_same("'127.0.0.1'", "'127.0.0.1'::inet");
    }

    #[test]
    fn numbers_in_strings_and_signs_are_numbers() {
        check_same("-1", "'-1'::integer");
        check_same("-1.5", "'-1.5'::numeric");
        check_same("42", "42");
        check_same("0", "'0'::smallint");
        check_same("+3", "3");
        check_same("007", "7");
        check_different("1", "-1");
        check_different("1.5", "15");
        check_canonical("'-1'::integer", "-1");
    }

    #[test]
    fn parentheses_and_spacing_do_not_matter() {
        check_same("age >= 0", "(age >= 0)");
        check_same("age>=0", "(age >= 0)");
        check_same("  age   >=   0 ", "((age >= 0))");
        check_same("a + 1", "(a + 1)");
        check_same("\"a\" + 1", "(a + 1)");
        check_same("a + b + c", "((a + b) + c)");
        check_same("a + b * c", "(a + (b * c))");
        check_different("(a + b) * c", "a + b * c");
        check_different("a - (b - c)", "a - b - c");
        check_canonical("(age >= 0)", "(age >= 0)");
    }

    #[test]
    fn and_or_not_follow_precedence_and_flatten() {
        check_same("a > 0 AND b > 0", "((a > 0) AND (b > 0))");
        check_same(
            "a > 0 and b > 0 and c > 0",
            "((a > 0) AND (b > 0) AND (c > 0))",
        );
        check_same(
            "a > 0 AND (b > 0 AND c > 0)",
            "((a > 0) AND (b > 0) AND (c > 0))",
        );
        check_same(
            "a > 0 AND b > 0 OR c > 0",
            "(((a > 0) AND (b > 0)) OR (c > 0))",
        );
        check_different("a > 0 AND (b > 0 OR c > 0)", "a > 0 AND b > 0 OR c > 0");
        check_same("NOT a", "(NOT a)");
        check_same("NOT a = 1", "(NOT (a = 1))");
        check_same("not (a AND b)", "(NOT (a AND b))");
    }

    #[test]
    fn keyword_case_and_identifier_quoting() {
        check_same("CURRENT_TIMESTAMP", "current_timestamp");
        check_same("CURRENT_DATE", "CURRENT_DATE");
        check_same("NOW()", "now()");
        check_same("LOWER(\"email\")", "lower(email)");
        check_same("lower(\"user name\")", "lower(\"user name\")");
        check_same("\"Order\" > 0", "(\"Order\" > 0)");
        check_same("\"select\" IS NOT NULL", "(\"select\" IS NOT NULL)");
        check_same("TRUE", "true");
        check_same("pg_catalog.lower(a)", "lower(a)");
        check_different("\"Order\" > 0", "\"order\" > 0");
        check_different("now()", "CURRENT_TIMESTAMP");
        check_different("lower(\"user name\")", "lower(\"User name\")");
        check_canonical("LOWER(\"Email\")", "lower(\"Email\")");
        check_canonical("\"select\" is not null", "(select is not null)");
    }

    #[test]
    fn implicit_casts_postgresql_adds_are_ignored() {
        check_same("code = 'x'", "((code)::text = 'x'::text)");
        check_same("lower(code)", "lower((code)::text)");
        check_same(
            "status IN ('a', 'b')",
            "(status = ANY (ARRAY['a'::text, 'b'::text]))",
        );
        check_same(
            "status NOT IN ('a', 'b')",
            "(status <> ALL (ARRAY['a'::text, 'b'::text]))",
        );
        check_same("(a + 1)::bigint", "((a + 1))::bigint");
        check_same("created_at::date", "(created_at)::date");
    }

    #[test]
    fn operators_postgresql_rewrites() {
        check_same("a != 1", "(a <> 1)");
        check_same("name LIKE 'a%'", "(name ~~ 'a%'::text)");
        check_same("name NOT LIKE 'a%'", "(name !~~ 'a%'::text)");
        check_same("name ILIKE 'a%'", "(name ~~* 'a%'::text)");
        check_same("a BETWEEN 1 AND 10", "((a >= 1) AND (a <= 10))");
        check_same("a ISNULL", "(a IS NULL)");
        check_same("a IS DISTINCT FROM b", "(a IS DISTINCT FROM b)");
        check_same("name || 'x'", "(name || 'x'::text)");
        check_same("data ->> 'k'", "(data ->> 'k'::text)");
        check_same("char_length(b) < 1000", "(char_length(b) < 1000)");
        check_different("a < 1", "a > 1");
        check_different("a IS NULL", "a IS NOT NULL");
    }

    #[test]
    fn case_arrays_and_calls() {
        check_same(
            "CASE WHEN a > 0 THEN 'p' ELSE NULL END",
            "CASE WHEN (a > 0) THEN 'p'::text ELSE NULL::text END",
        );
        check_same(
            "CASE WHEN a > 0 THEN 'p' END",
            "CASE WHEN (a > 0) THEN 'p'::text ELSE NULL::text END",
        );
        check_same("ARRAY[1, 2]", "ARRAY[1,2]");
        check_same("coalesce(a, 0)", "COALESCE(a, 0)");
        check_same("count(*)", "count(*)");
        check_same("tags[1]", "(tags)[1]");
        check_same("gen_random_uuid()", "gen_random_uuid()");
        check_different("greatest(a, b)", "greatest(b, a)");
    }

    #[test]
    fn unparsable_text_is_compared_loosely() {
        assert_eq!(
            normalize_expression("  FOO   BAR 'Keep  Case' "),
            "foo bar 'Keep  Case'"
        );
        assert_eq!(normalize_expression("a +"), "a +");
    }

    #[test]
    fn type_names_take_the_format_type_spelling() {
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("bool", "boolean"),
            ("float8", "double precision"),
            ("float4", "real"),
            ("decimal(10, 2)", "numeric(10,2)"),
            ("numeric( 10 ,2 )", "numeric(10,2)"),
            ("varchar(320)", "character varying(320)"),
            ("varchar", "character varying"),
            ("char(3)", "character(3)"),
            ("char", "character(1)"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamptz(3)", "timestamp(3) with time zone"),
            ("time", "time without time zone"),
            ("timetz", "time with time zone"),
            ("jsonb", "jsonb"),
            ("citext", "citext"),
            ("character varying(40)", "character varying(40)"),
            ("timestamp with time zone", "timestamp with time zone"),
        ];
        for (written, expected) in cases {
            assert_eq!(
                canonical_column_type(&ColumnType::builtin(written)),
                ColumnType::builtin(expected),
                "canonical spelling of `{written}`"
            );
        }
    }

    /// The comparison once had a table of spellings of its own that read
    /// `float(10)` as `double precision(10)`; PostgreSQL 15 makes
    /// `float(1)` to `float(24)` a `real`, and `float` and `float(25)` to
    /// `float(53)` a `double precision`, as the generator always did.
    #[test]
    fn float_precisions_compare_as_the_generator_spells_them() {
        for (written, expected) in [
            ("float", "double precision"),
            ("float(1)", "real"),
            ("float(10)", "real"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float(53)", "double precision"),
        ] {
            let declared = ColumnType::builtin(written);
            assert_eq!(
                canonical_column_type(&declared),
                ColumnType::builtin(expected),
                "comparison's spelling of `{written}`"
            );
            assert_eq!(
                canonical_column_type(&declared),
                canonical_column_type(&crate::types::parse_sql_type(written)),
                "the comparison and the generator agree on `{written}`"
            );
        }
    }

    fn sample_table() -> Table {
        use crate::model::{Identity, QualifiedName};
        let column = |name: &str, ty: &str| Column {
            renamed_from: Some("old".to_string()),
            ..Column::new(name, ColumnType::builtin(ty)).with_nullable(true)
        };
        let mut id = column("id", "int8");
        id.identity = Some(Identity::Always);
        let mut age = column("age", "int");
        age.default = Some("0".to_string());
        age.comment = Some(String::new());
        Table {
            checks: vec![Check::new("users_age_check", "age >= 0")],
            indexes: vec![
                Index::new(
                    "users_lower_email_idx",
                    IndexKey::Expression("lower(email)".to_string()),
                )
                .with_unique(true)
                .with_method("BTREE")
                .with_predicate(Some("email IS NOT NULL".to_string())),
                Index::new(
                    "users_email_idx",
                    IndexKey::Expression("\"email\"".to_string()),
                )
                .with_method(""),
            ],
            ..Table::new(QualifiedName::new("public", "users"))
                .with_columns(vec![id, age, column("email", "varchar(320)")])
                .with_primary_key(PrimaryKey::new("users_pkey", vec!["id".to_string()]))
        }
    }

    #[test]
    fn declared_and_printed_schemas_become_equal() {
        let declared = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![sample_table()],
        };
        let mut printed = sample_table();
        for column in &mut printed.columns {
            column.renamed_from = None;
        }
        printed.columns[0].ty = ColumnType::builtin("bigint");
        printed.columns[0].nullable = false;
        printed.columns[1].ty = ColumnType::builtin("integer");
        printed.columns[1].comment = None;
        printed.columns[2].ty = ColumnType::builtin("character varying(320)");
        printed.checks[0].expr = "(age >= 0)".to_string();
        printed.indexes[0].method = "btree".to_string();
        printed.indexes[0].predicate = Some("(email IS NOT NULL)".to_string());
        printed.indexes[1].key = IndexKey::Columns(vec!["email".to_string()]);
        printed.indexes[1].method = "btree".to_string();
        let introspected = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![printed],
        };
        assert_eq!(canonical_schema(&declared), canonical_schema(&introspected));
        assert_eq!(schema_differences(&declared, &introspected), Vec::new());
    }

    #[test]
    fn differences_name_each_object() {
        let declared = Schema {
            schemas: vec!["app".to_string()],
            enums: Vec::new(),
            tables: vec![sample_table()],
        };
        let mut changed = sample_table();
        changed.columns[1].default = Some("1".to_string());
        changed.checks.clear();
        changed.indexes[0].unique = false;
        let actual = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![changed],
        };
        let lines: Vec<String> = schema_differences(&declared, &actual)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            vec![
                "schema app: expected, but missing".to_string(),
                "column public.users.age: default: expected Some(\"0\"), found Some(\"1\")"
                    .to_string(),
                "check constraint public.users_age_check: expected, but missing".to_string(),
                "index public.users_lower_email_idx: unique: expected true, found false"
                    .to_string(),
            ]
        );
    }
}
