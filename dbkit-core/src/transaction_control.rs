//! Which statements control a transaction (`BEGIN`, `COMMIT`, `ROLLBACK`…):
//! a migration that dbkit runs in a transaction of its own must hold none,
//! because one of them would end dbkit's transaction early and leave the
//! rest of the migration outside it. The engine refuses such a migration
//! and the lint reports it, both through [`transaction_control`].

use crate::sql_split::code_start;
use std::fmt;

/// A statement that begins, ends or prepares a transaction. `SAVEPOINT`,
/// `RELEASE` and `ROLLBACK TO` work inside one and are not among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionControl {
    /// `BEGIN [WORK | TRANSACTION] …`
    Begin,
    /// `START TRANSACTION …`
    StartTransaction,
    /// `COMMIT [WORK | TRANSACTION] [AND [NO] CHAIN]`
    Commit,
    /// `END [WORK | TRANSACTION]`, PostgreSQL's spelling of `COMMIT`.
    End,
    /// `ROLLBACK [WORK | TRANSACTION] [AND [NO] CHAIN]`, not `ROLLBACK … TO`.
    Rollback,
    /// `ABORT`, PostgreSQL's spelling of `ROLLBACK`.
    Abort,
    /// `PREPARE TRANSACTION 'id'`
    PrepareTransaction,
    /// `COMMIT PREPARED 'id'`
    CommitPrepared,
    /// `ROLLBACK PREPARED 'id'`
    RollbackPrepared,
}

impl TransactionControl {
    /// The statement's keywords as a reader knows them: `COMMIT PREPARED`.
    pub fn keywords(self) -> &'static str {
        match self {
            TransactionControl::Begin => "BEGIN",
            TransactionControl::StartTransaction => "START TRANSACTION",
            TransactionControl::Commit => "COMMIT",
            TransactionControl::End => "END",
            TransactionControl::Rollback => "ROLLBACK",
            TransactionControl::Abort => "ABORT",
            TransactionControl::PrepareTransaction => "PREPARE TRANSACTION",
            TransactionControl::CommitPrepared => "COMMIT PREPARED",
            TransactionControl::RollbackPrepared => "ROLLBACK PREPARED",
        }
    }
}

impl fmt::Display for TransactionControl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.keywords())
    }
}

/// What `statement` (one statement, as [`crate::sql_split`] gives it, with
/// its leading comments) does to the transaction, or `None` when it is no
/// transaction control. Keywords are matched without regard to case, past
/// blanks and `--` and (nested) `/* */` comments; a quoted identifier is
/// never a keyword.
pub fn transaction_control(statement: &str) -> Option<TransactionControl> {
    let mut words = Words { rest: statement };
    let first = words.next_keyword()?;
    match first.as_str() {
        "BEGIN" => Some(TransactionControl::Begin),
        "START" => (words.next_keyword()?.as_str() == "TRANSACTION")
            .then_some(TransactionControl::StartTransaction),
        "COMMIT" => match words.next_keyword().as_deref() {
            Some("PREPARED") => Some(TransactionControl::CommitPrepared),
            _ => Some(TransactionControl::Commit),
        },
        "END" => Some(TransactionControl::End),
        "ABORT" => Some(TransactionControl::Abort),
        "PREPARE" => (words.next_keyword()?.as_str() == "TRANSACTION")
            .then_some(TransactionControl::PrepareTransaction),
        "ROLLBACK" => {
            let mut next = words.next_keyword();
            if matches!(next.as_deref(), Some("WORK" | "TRANSACTION")) {
                next = words.next_keyword();
            }
            match next.as_deref() {
                Some("PREPARED") => Some(TransactionControl::RollbackPrepared),
                // `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`
                Some("TO") => None,
                _ => Some(TransactionControl::Rollback),
            }
        }
        _ => None,
    }
}

/// The unquoted words at the start of a statement, past blanks and comments.
struct Words<'a> {
    rest: &'a str,
}

impl Words<'_> {
    /// The next word in upper case, or `None` when the next code is no
    /// word (a quoted name, a symbol) or the text ends.
    fn next_keyword(&mut self) -> Option<String> {
        self.skip_blanks_and_comments();
        let length = self
            .rest
            .find(|character: char| !is_word_character(character))
            .unwrap_or(self.rest.len());
        if length == 0
            || self
                .rest
                .starts_with(|character: char| character.is_ascii_digit())
        {
            return None;
        }
        let word = self.rest[..length].to_ascii_uppercase();
        self.rest = &self.rest[length..];
        Some(word)
    }

    fn skip_blanks_and_comments(&mut self) {
        self.rest = code_start(self.rest).map_or("", |offset| &self.rest[offset..]);
    }
}

/// Letters, digits, `_` and `$`: what an unquoted PostgreSQL identifier or
/// keyword is made of.
fn is_word_character(character: char) -> bool {
    character.is_alphanumeric() || character == '_' || character == '$'
}

#[cfg(test)]
mod tests {
    use super::{TransactionControl, transaction_control};

    fn check(statement: &str, expected: Option<TransactionControl>) {
        assert_eq!(transaction_control(statement), expected, "{statement:?}");
    }

    #[test]
    fn every_transaction_control_statement_is_recognised() {
        use TransactionControl::*;
        for (statement, expected) in [
            ("BEGIN;", Begin),
            ("begin", Begin),
            ("BEGIN WORK;", Begin),
            ("BEGIN ISOLATION LEVEL SERIALIZABLE;", Begin),
            ("START TRANSACTION READ ONLY;", StartTransaction),
            ("COMMIT;", Commit),
            ("commit and chain;", Commit),
            ("END;", End),
            ("End Transaction;", End),
            ("ROLLBACK;", Rollback),
            ("ROLLBACK WORK AND NO CHAIN;", Rollback),
            ("ABORT;", Abort),
            ("PREPARE TRANSACTION 'one';", PrepareTransaction),
            ("COMMIT PREPARED 'one';", CommitPrepared),
            ("ROLLBACK PREPARED 'one';", RollbackPrepared),
        ] {
            check(statement, Some(expected));
        }
    }

    #[test]
    fn leading_comments_and_blanks_are_skipped() {
        check(
            "-- the end\n  /* a /* nested */ comment */\n\tCOMMIT;",
            Some(TransactionControl::Commit),
        );
        check(
            "ROLLBACK /* not to a savepoint */;",
            Some(TransactionControl::Rollback),
        );
        check("-- BEGIN;\nSELECT 1;", None);
        check("/* unclosed BEGIN", None);
    }

    #[test]
    fn savepoints_and_other_statements_are_not_transaction_control() {
        for statement in [
            "SAVEPOINT before_backfill;",
            "RELEASE SAVEPOINT before_backfill;",
            "ROLLBACK TO before_backfill;",
            "ROLLBACK TO SAVEPOINT before_backfill;",
            "rollback work to savepoint before_backfill;",
            "ROLLBACK TRANSACTION /* x */ TO before_backfill;",
            "PREPARE insert_user (text) AS INSERT INTO users (name) VALUES ($1);",
            "START;",
            "BEGINNING;",
            "\"BEGIN\";",
            "CREATE TABLE begin_log (id int);",
            "SELECT 'COMMIT';",
            "DO $$ BEGIN PERFORM 1; END $$;",
            "",
            "  -- only a comment",
        ] {
            check(statement, None);
        }
    }
}
