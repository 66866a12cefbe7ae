//! `lint_migration`: one file's statements through every rule.

use std::borrow::Cow;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::allow::{Allow, collect_allows};
use super::alter_table::{read_alter_table, read_alter_type_set_schema};
use super::checks::{
    FileState, StatementContext, check_alter_type_set_schema, check_statement,
    check_unsupported_alter_table, check_unsupported_statement,
};
use super::config::LintConfig;
use super::findings::{Findings, LintFinding, RawFinding};
use super::rules::{IDENTIFIER_TOO_LONG, Severity, TRANSACTION_STATEMENT, UNPARSED_STATEMENT};
use super::schema_before::SchemaBefore;
use super::source::{
    Origins, Position, is_code, is_do_block, long_identifiers, split_error_location,
    starts_with_alter_table, starts_with_alter_type, starts_with_words,
    take_drop_index_concurrently, tokenize,
};
use super::unsupported::{
    is_catalog_object_definition, is_create_trigger, is_read_by_tokens, is_type_definition,
    read_statement,
};
use crate::diff::quote_identifier;
use crate::model::Schema;
use crate::naming::{MAX_IDENTIFIER_BYTES, truncate_identifier};
use crate::render::NO_TRANSACTION_MARKER;
use crate::sql_split::split_sql_statements;
use crate::transaction_control::{TransactionControl, transaction_control};

/// The findings of the migration `sql` under `config`, sorted by line and
/// column. Findings whose rule is `Off`, or that a `-- dbkit:allow(…)`
/// comment silences, are left out. Never panics, whatever the text.
///
/// The schema the migration is applied to is not known: a rule that needs
/// it (the old type of a column whose type changes) assumes the worst.
/// [`lint_migration_with_schema`] is the same lint told that schema.
pub fn lint_migration(sql: &str, config: &LintConfig) -> Vec<LintFinding> {
    lint_migration_with_schema(sql, config, || None)
}

/// [`lint_migration`] for a migration applied to the schema
/// `schema_before` returns (a snapshot's), asked for only when a rule
/// needs it, so that a caller may read it from a file at that moment.
/// `None` is a schema the caller does not know.
pub fn lint_migration_with_schema<'a>(
    sql: &str,
    config: &LintConfig,
    schema_before: impl FnOnce() -> Option<Cow<'a, Schema>> + 'a,
) -> Vec<LintFinding> {
    let no_transaction = sql
        .lines()
        .next()
        .is_some_and(|line| line.trim_end() == NO_TRANSACTION_MARKER);
    let mut state = FileState::new(no_transaction, SchemaBefore::new(schema_before));
    let mut findings = Findings::default();
    let mut allows = Vec::new();
    let mut long_names: Vec<String> = Vec::new();
    let mut origins = Origins::new(sql);
    for statement in split_sql_statements(sql) {
        let origin = origins.of(&statement);
        let fallback_start = Position {
            line: u32::try_from(statement.line).unwrap_or(u32::MAX),
            column: 1,
        };
        let mut tokens = match tokenize(statement.text) {
            Ok(tokens) => tokens,
            Err(message) => {
                findings.push(unparsed(fallback_start, &message, None));
                continue;
            }
        };
        let start = tokens
            .iter()
            .find(|token| is_code(token))
            .and_then(|token| origin.position(token.span.start))
            .unwrap_or(fallback_start);
        allows.extend(collect_allows(&tokens, &origin, &mut findings));
        for long in long_identifiers(&tokens) {
            if long_names.contains(&long.name) {
                continue;
            }
            long_names.push(long.name.clone());
            findings.push(identifier_too_long(
                &long.name,
                origin.position(long.location).unwrap_or(start),
                start.line,
            ));
        }
        state.begin_statement();
        if let Some(control) = transaction_control(statement.text) {
            if no_transaction {
                state.transaction_control(control, start, &mut findings);
            } else {
                findings.push(transaction_statement(control, start));
            }
            continue;
        }
        if is_do_block(&tokens) {
            continue;
        }
        let drop_index_concurrently = take_drop_index_concurrently(&mut tokens);
        let context = StatementContext {
            origin,
            start,
            drop_index_concurrently,
        };
        let findings_before = findings.raw.len();
        check_tokens(tokens, &context, &mut state, &mut findings);
        state.end_statement(&context, &mut findings, findings_before);
    }
    state.end_of_file(&mut findings);
    finish(findings, &allows, config)
}

/// Reads one statement's tokens, with sqlparser or the lint's own
/// readers, and runs the rules over it; a statement neither reads is an
/// `unparsed-statement`.
fn check_tokens(
    tokens: Vec<TokenWithSpan>,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let unparsed_here = |findings: &mut Findings, message: &str, at: Option<Position>| {
        findings.push(unparsed(context.start, message, at));
    };
    if is_read_by_tokens(&tokens) {
        match read_statement(&tokens) {
            Some(statement) => check_unsupported_statement(&statement, context, state, findings),
            None => unparsed_here(
                findings,
                "the lint's reader of this statement does not know its form",
                None,
            ),
        }
        return;
    }
    // sqlparser does not read `WITH [NO] DATA` after a materialized view's
    // query: the statement is read without it (it changes what the view
    // holds, not what it locks).
    let tokens = if starts_with_words(&tokens, &["create", "materialized", "view"]) {
        without_trailing_data_clause(tokens)
    } else {
        tokens
    };
    // Kept to be read again when sqlparser refuses the statement.
    let retry_tokens = (starts_with_alter_table(&tokens)
        || starts_with_alter_type(&tokens)
        || starts_with_words(&tokens, &["alter", "index"])
        || starts_with_words(&tokens, &["drop", "database"])
        || is_create_trigger(&tokens)
        || is_type_definition(&tokens)
        || is_catalog_object_definition(&tokens))
    .then(|| tokens.clone());
    let parsed = Parser::new(&PostgreSqlDialect {})
        .with_tokens_with_locations(tokens)
        .parse_statements();
    match parsed {
        Ok(statements) => {
            for parsed in &statements {
                check_statement(parsed, context, state, findings);
            }
        }
        Err(error) => {
            if let Some(retry) = retry_tokens.as_deref() {
                if let Some(alter) = read_alter_table(retry) {
                    check_unsupported_alter_table(&alter, context, state, findings);
                    return;
                }
                if let Some((name, schema)) = read_alter_type_set_schema(retry) {
                    check_alter_type_set_schema(&name, &schema, state);
                    return;
                }
                if let Some(statement) = read_statement(retry) {
                    check_unsupported_statement(&statement, context, state, findings);
                    return;
                }
                if is_type_definition(retry) || is_catalog_object_definition(retry) {
                    return;
                }
            }
            let message = error.to_string();
            let message = message
                .strip_prefix("sql parser error: ")
                .unwrap_or(&message);
            let (text, location) = split_error_location(message);
            let at = location.and_then(|location| context.origin.position(location));
            unparsed_here(findings, text, at);
        }
    }
}

/// `tokens` without a final `WITH DATA` or `WITH NO DATA` (and what
/// follows it: the semicolon, whitespace, comments).
fn without_trailing_data_clause(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let code: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, token)| is_code(token) && !matches!(token.token, Token::SemiColon))
        .map(|(index, _)| index)
        .collect();
    let word = |index: usize, expected: &str| {
        matches!(&tokens[index].token, Token::Word(word)
            if word.quote_style.is_none() && word.value.eq_ignore_ascii_case(expected))
    };
    let cut = match code.as_slice() {
        [.., with, no, data] if word(*with, "with") && word(*no, "no") && word(*data, "data") => {
            Some(*with)
        }
        [.., with, data] if word(*with, "with") && word(*data, "data") => Some(*with),
        _ => None,
    };
    if let Some(cut) = cut {
        tokens.truncate(cut);
    }
    tokens
}

/// Applies the configuration and the allow comments, then sorts.
fn finish(findings: Findings, allows: &[Allow], config: &LintConfig) -> Vec<LintFinding> {
    let mut result: Vec<LintFinding> = findings
        .raw
        .into_iter()
        .filter(|finding| !allows.iter().any(|allow| allow.silences(finding)))
        .filter_map(|finding| {
            let severity = config.severity(finding.rule);
            (severity != Severity::Off).then_some(LintFinding {
                rule: finding.rule,
                severity,
                line: finding.position.line,
                column: finding.position.column,
                message: finding.message,
                why: finding.why,
                help: finding.help,
            })
        })
        .collect();
    result.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    result
}

fn unparsed(start: Position, message: &str, at: Option<Position>) -> RawFinding {
    let at = at
        .map(|at| format!(" (at line {}, column {})", at.line, at.column))
        .unwrap_or_default();
    RawFinding {
        rule: UNPARSED_STATEMENT,
        position: start,
        statement_line: start.line,
        message: format!("the lint could not parse this statement and did not check it: {message}{at}"),
        why: "the lint's SQL parser does not know every PostgreSQL statement, and a statement it cannot read may take locks or rewrite tables without a finding".to_string(),
        help: format!(
            "check the statement by hand; if PostgreSQL accepts it and it is safe, put `-- dbkit:allow({UNPARSED_STATEMENT})` on the line above"
        ),
    }
}

fn transaction_statement(control: TransactionControl, start: Position) -> RawFinding {
    RawFinding {
        rule: TRANSACTION_STATEMENT,
        position: start,
        statement_line: start.line,
        message: format!("`{control}` in a migration that runs in a transaction"),
        why: format!(
            "dbkit applies a migration in one transaction with its history row unless its first line is `-- dbkit:no-transaction`: `{control}` would end or nest that transaction, so a later failure would leave part of the migration applied and not recorded; dbkit refuses to run this migration"
        ),
        help: format!(
            "remove the `{control}` (dbkit begins and commits the transaction itself), or make `-- dbkit:no-transaction` the first line so that the migration runs outside a transaction, statement by statement, with its own transaction control"
        ),
    }
}

fn identifier_too_long(name: &str, position: Position, statement_line: u32) -> RawFinding {
    let kept = truncate_identifier(name);
    RawFinding {
        rule: IDENTIFIER_TOO_LONG,
        position,
        statement_line,
        message: format!(
            "identifier {} is {} bytes long, over PostgreSQL's {MAX_IDENTIFIER_BYTES}",
            quote_identifier(name),
            name.len()
        ),
        why: format!(
            "PostgreSQL silently keeps its first {MAX_IDENTIFIER_BYTES} bytes, {}: the name in the database is not the one in the code, and two long names that share their first {MAX_IDENTIFIER_BYTES} bytes become one",
            quote_identifier(kept)
        ),
        help: format!(
            "shorten it to {MAX_IDENTIFIER_BYTES} bytes or fewer (in the Rust schema, give the table, column, index or constraint an explicit shorter name)"
        ),
    }
}
