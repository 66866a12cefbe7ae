//! `-- dbkit:allow(rule-id, …)` comments, which silence findings.
//!
//! A `--` comment whose text starts with `dbkit:allow(` applies to the
//! next line of code below it, provided only other `--` or `/* */` comment
//! lines stand between (no blank line). It silences the rules it names for
//! findings on that line and, when that line starts a statement, for every
//! finding of the statement. Text after the closing parenthesis is free (a
//! reason, say). A comment naming an unknown rule, a malformed one, or one
//! followed by no code is reported under `unknown-rule-in-allow`: a typo
//! must not look like a silenced finding.

use std::collections::BTreeSet;

use sqlparser::tokenizer::TokenWithSpan;

use super::findings::{Findings, RawFinding};
use super::rules::{UNKNOWN_RULE_IN_ALLOW, find_rule, rule_id_list};
use super::source::{Origin, is_code, line_comment};

/// The prefix of an allow comment, after the `--`.
const ALLOW_PREFIX: &str = "dbkit:allow";

/// Rules silenced on one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allow {
    pub rules: Vec<&'static str>,
    pub line: u32,
}

impl Allow {
    /// Whether this comment silences `finding`.
    pub fn silences(&self, finding: &RawFinding) -> bool {
        (finding.position.line == self.line || finding.statement_line == self.line)
            && self.rules.contains(&finding.rule)
    }
}

/// The allow comments among a statement's tokens; problems with them go to
/// `findings`.
pub(crate) fn collect_allows(
    tokens: &[TokenWithSpan],
    origin: &Origin,
    findings: &mut Findings,
) -> Vec<Allow> {
    let mut code_lines = BTreeSet::new();
    let mut comment_lines = BTreeSet::new();
    for token in tokens {
        let line = token.span.start.line;
        if is_code(token) {
            code_lines.insert(line);
        } else if line_comment(token).is_some()
            || matches!(
                token.token,
                sqlparser::tokenizer::Token::Whitespace(
                    sqlparser::tokenizer::Whitespace::MultiLineComment(_)
                )
            )
        {
            comment_lines.insert(line);
        }
    }
    let mut allows = Vec::new();
    for token in tokens {
        let Some(text) = line_comment(token) else {
            continue;
        };
        let text = text.trim();
        let Some(rest) = text.strip_prefix(ALLOW_PREFIX) else {
            continue;
        };
        let Some(position) = origin.position(token.span.start) else {
            continue;
        };
        let mut report = |message: String, help: String| {
            findings.push(RawFinding {
                rule: UNKNOWN_RULE_IN_ALLOW,
                position,
                statement_line: position.line,
                message,
                why: "it silences nothing: the finding it was written for is still reported, or the comment is a leftover that no longer means anything".to_string(),
                help,
            });
        };
        let Some(list) = rest
            .strip_prefix('(')
            .and_then(|inside| inside.split_once(')'))
            .map(|(list, _)| list)
        else {
            report(
                format!("malformed allow comment `--{}`", text),
                "write `-- dbkit:allow(rule-id)`, or `-- dbkit:allow(rule-a, rule-b)` for several rules".to_string(),
            );
            continue;
        };
        let mut rules = Vec::new();
        for id in list.split(',').map(str::trim) {
            match find_rule(id) {
                Some(rule) => rules.push(rule.id),
                None if id.is_empty() => report(
                    "allow comment with an empty rule id".to_string(),
                    format!("name the rules to silence, among: {}", rule_id_list()),
                ),
                None => report(
                    format!("allow comment names unknown rule `{id}`"),
                    format!("the rules are: {}", rule_id_list()),
                ),
            }
        }
        let mut target = token.span.start.line + 1;
        while comment_lines.contains(&target) && !code_lines.contains(&target) {
            target += 1;
        }
        if !code_lines.contains(&target) {
            report(
                "allow comment with no code on the line below it".to_string(),
                "put it directly above the statement, or the line of the statement, that it silences (a blank line in between ends its reach)".to_string(),
            );
            continue;
        }
        let line = origin.position(sqlparser::tokenizer::Location {
            line: target,
            column: 1,
        });
        if let Some(line) = line {
            allows.push(Allow {
                rules,
                line: line.line,
            });
        }
    }
    allows
}
