//! Statements sqlparser does not read (or reads only in another
//! dialect's form), read from its tokens by sqlparser's own parser driven
//! by hand: `REINDEX`, `CLUSTER` and `VACUUM` (read here whatever
//! sqlparser says, since its `VACUUM` is Redshift's), and, when sqlparser
//! refuses them, `ALTER INDEX … RENAME TO` / `SET TABLESPACE`, `DROP
//! DATABASE … WITH (FORCE)` and `CREATE TRIGGER` (up to its table). Only
//! what the rules need is kept.

use sqlparser::ast::{Ident, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::source::starts_with_words;

/// A statement read by [`read_statement`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UnsupportedStatement {
    /// `REINDEX [(options)] {INDEX | TABLE | SCHEMA | DATABASE | SYSTEM}
    /// [CONCURRENTLY] [name]`.
    Reindex {
        kind: ReindexKind,
        concurrently: bool,
        name: Option<ObjectName>,
    },
    /// `CLUSTER [VERBOSE | (options)] [table [USING index]]`, or the old
    /// `CLUSTER index ON table`; no table is every table clustered before.
    Cluster { table: Option<ObjectName> },
    /// `VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [tables]` or `VACUUM
    /// (options) [tables]`; no table is every table of the database.
    Vacuum { full: bool, tables: Vec<ObjectName> },
    /// `ALTER INDEX [IF EXISTS] name RENAME TO new`.
    RenameIndex { name: ObjectName, new_name: Ident },
    /// `ALTER INDEX [IF EXISTS] name SET TABLESPACE tablespace`.
    SetIndexTablespace { name: ObjectName, tablespace: Ident },
    /// `ALTER INDEX [IF EXISTS] name SET (…)` or `RESET (…)`: storage
    /// parameters, read by the next rebuild.
    SetIndexStorage { name: ObjectName },
    /// `DROP DATABASE [IF EXISTS] name [[WITH] (options)]`.
    DropDatabase { name: ObjectName },
    /// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER name … ON table …`, read
    /// up to its table (sqlparser refuses string arguments to the
    /// trigger's function, as `tsvector_update_trigger` takes).
    CreateTrigger { name: Ident, table: ObjectName },
}

/// What `REINDEX` rebuilds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReindexKind {
    Index,
    Table,
    Schema,
    Database,
    System,
}

impl ReindexKind {
    pub fn keyword(self) -> &'static str {
        match self {
            ReindexKind::Index => "INDEX",
            ReindexKind::Table => "TABLE",
            ReindexKind::Schema => "SCHEMA",
            ReindexKind::Database => "DATABASE",
            ReindexKind::System => "SYSTEM",
        }
    }
}

/// Whether the statement starts with a keyword only [`read_statement`]
/// reads (`REINDEX`, `CLUSTER`, `VACUUM`): sqlparser is not asked.
pub(crate) fn is_read_by_tokens(tokens: &[TokenWithSpan]) -> bool {
    ["reindex", "cluster", "vacuum"]
        .iter()
        .any(|keyword| starts_with_words(tokens, &[keyword]))
}

/// Reads `tokens` as one statement of [`UnsupportedStatement`] (with an
/// optional final `;`); `None` when they are anything else.
pub(crate) fn read_statement(tokens: &[TokenWithSpan]) -> Option<UnsupportedStatement> {
    let mut reader = Reader::new(tokens);
    let statement = if reader.take_word("reindex") {
        read_reindex(&mut reader)?
    } else if reader.take_word("cluster") {
        read_cluster(&mut reader)?
    } else if reader.take_word("vacuum") {
        read_vacuum(&mut reader)?
    } else if reader.take_words(&["alter", "index"]) {
        read_alter_index(&mut reader)?
    } else if is_create_trigger(tokens) {
        return read_create_trigger(&mut reader);
    } else if reader.take_words(&["drop", "database"]) {
        reader.take_words(&["if", "exists"]);
        let name = reader.parser.parse_object_name(false).ok()?;
        reader.take_word("with");
        if reader.is_token(0, &Token::LParen) {
            reader.skip_parenthesized()?;
        }
        UnsupportedStatement::DropDatabase { name }
    } else {
        return None;
    };
    reader.at_end().then_some(statement)
}

/// Whether the statement creates, changes or drops a domain or a sequence,
/// or adds, drops or retypes an attribute of a composite type: statements
/// dbkit writes in forms sqlparser does not all read (`CREATE DOMAIN … NOT
/// NULL`, `ALTER DOMAIN`, `ALTER TYPE … ADD ATTRIBUTE`), which no rule is
/// about, so they are taken as read.
pub(crate) fn is_type_definition(tokens: &[TokenWithSpan]) -> bool {
    let on_domain_or_sequence = ["create", "alter", "drop"].iter().any(|verb| {
        starts_with_words(tokens, &[verb, "domain"])
            || starts_with_words(tokens, &[verb, "sequence"])
    });
    on_domain_or_sequence
        || (starts_with_words(tokens, &["alter", "type"])
            && tokens.iter().any(|token| {
                matches!(&token.token, Token::Word(word) if word.quote_style.is_none() && word.value.eq_ignore_ascii_case("attribute"))
            }))
}

/// Whether the statement creates, replaces or drops an object of the
/// catalog alone, one no table's rows or locks are part of (an aggregate,
/// an operator and its classes and families, a text search object, a
/// conversion, a collation, a cast, an event trigger, a foreign-data
/// wrapper, a server, a user mapping, a publication, a statistics object,
/// a rule), or comments on any object: statements generic objects and
/// functions are made of, which sqlparser does
/// not all read and no rule is about, so they are taken as read.
pub(crate) fn is_catalog_object_definition(tokens: &[TokenWithSpan]) -> bool {
    const KINDS: &[&[&str]] = &[
        &["aggregate"],
        &["operator"],
        &["text", "search"],
        &["conversion"],
        &["default", "conversion"],
        &["collation"],
        &["cast"],
        &["event", "trigger"],
        &["foreign", "data", "wrapper"],
        &["server"],
        &["user", "mapping"],
        &["publication"],
        &["statistics"],
        &["rule"],
    ];
    // A comment changes the catalog alone too; sqlparser does not read
    // one on a function with its argument types.
    if starts_with_words(tokens, &["comment", "on"]) {
        return true;
    }
    ["create", "drop"].iter().any(|verb| {
        KINDS.iter().any(|kind| {
            let mut words = vec![*verb];
            words.extend_from_slice(kind);
            let mut replacing = vec![*verb, "or", "replace"];
            replacing.extend_from_slice(kind);
            starts_with_words(tokens, &words) || starts_with_words(tokens, &replacing)
        })
    })
}

/// Whether the statement starts `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER`.
pub(crate) fn is_create_trigger(tokens: &[TokenWithSpan]) -> bool {
    [
        &["create", "trigger"][..],
        &["create", "or", "replace", "trigger"],
        &["create", "constraint", "trigger"],
        &["create", "or", "replace", "constraint", "trigger"],
    ]
    .iter()
    .any(|words| starts_with_words(tokens, words))
}

fn read_create_trigger(reader: &mut Reader<'_>) -> Option<UnsupportedStatement> {
    reader.take_word("create");
    reader.take_words(&["or", "replace"]);
    reader.take_word("constraint");
    reader.take_word("trigger");
    let name = reader.parser.parse_identifier().ok()?;
    while !reader.take_word("on") {
        if reader.is_token(0, &Token::LParen) {
            reader.skip_parenthesized()?;
        } else if reader.parser.next_token().token == Token::EOF {
            return None;
        }
    }
    let table = reader.parser.parse_object_name(false).ok()?;
    Some(UnsupportedStatement::CreateTrigger { name, table })
}

fn read_reindex(reader: &mut Reader<'_>) -> Option<UnsupportedStatement> {
    let mut concurrently = false;
    if reader.is_token(0, &Token::LParen) {
        concurrently = reader.parenthesized_option_is_on("concurrently")?;
    }
    let kind = [
        ("index", ReindexKind::Index),
        ("table", ReindexKind::Table),
        ("schema", ReindexKind::Schema),
        ("database", ReindexKind::Database),
        ("system", ReindexKind::System),
    ]
    .into_iter()
    .find_map(|(word, kind)| reader.take_word(word).then_some(kind))?;
    if reader.take_word("concurrently") {
        concurrently = true;
    }
    let name = if reader.at_end() {
        None
    } else {
        Some(reader.parser.parse_object_name(false).ok()?)
    };
    Some(UnsupportedStatement::Reindex {
        kind,
        concurrently,
        name,
    })
}

fn read_cluster(reader: &mut Reader<'_>) -> Option<UnsupportedStatement> {
    if reader.is_token(0, &Token::LParen) {
        reader.skip_parenthesized()?;
    } else {
        reader.take_word("verbose");
    }
    if reader.at_end() {
        return Some(UnsupportedStatement::Cluster { table: None });
    }
    let first = reader.parser.parse_object_name(false).ok()?;
    let table = if reader.take_word("on") {
        reader.parser.parse_object_name(false).ok()?
    } else {
        if reader.take_word("using") {
            reader.parser.parse_identifier().ok()?;
        }
        first
    };
    Some(UnsupportedStatement::Cluster { table: Some(table) })
}

fn read_vacuum(reader: &mut Reader<'_>) -> Option<UnsupportedStatement> {
    let full = if reader.is_token(0, &Token::LParen) {
        reader.parenthesized_option_is_on("full")?
    } else {
        let full = reader.take_word("full");
        for word in ["freeze", "verbose", "analyze", "analyse"] {
            reader.take_word(word);
        }
        full
    };
    let mut tables = Vec::new();
    while !reader.at_end() {
        tables.push(reader.parser.parse_object_name(false).ok()?);
        if reader.is_token(0, &Token::LParen) {
            reader.skip_parenthesized()?;
        }
        if !reader.parser.consume_token(&Token::Comma) {
            break;
        }
    }
    Some(UnsupportedStatement::Vacuum { full, tables })
}

fn read_alter_index(reader: &mut Reader<'_>) -> Option<UnsupportedStatement> {
    reader.take_words(&["if", "exists"]);
    let name = reader.parser.parse_object_name(false).ok()?;
    if reader.take_words(&["rename", "to"]) {
        let new_name = reader.parser.parse_identifier().ok()?;
        return Some(UnsupportedStatement::RenameIndex { name, new_name });
    }
    if reader.take_words(&["set", "tablespace"]) {
        let tablespace = reader.parser.parse_identifier().ok()?;
        return Some(UnsupportedStatement::SetIndexTablespace { name, tablespace });
    }
    if (reader.take_word("set") || reader.take_word("reset")) && reader.is_token(0, &Token::LParen)
    {
        reader.skip_parenthesized()?;
        return Some(UnsupportedStatement::SetIndexStorage { name });
    }
    None
}

/// sqlparser's parser over the statement's tokens, with word tests that
/// do not depend on its keyword list.
struct Reader<'a> {
    parser: Parser<'a>,
}

const DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

impl Reader<'_> {
    fn new(tokens: &[TokenWithSpan]) -> Reader<'static> {
        Reader {
            parser: Parser::new(&DIALECT).with_tokens_with_locations(tokens.to_vec()),
        }
    }

    /// Whether the `n`th code token ahead is the unquoted word `word`.
    fn is_word(&mut self, n: usize, word: &str) -> bool {
        matches!(&self.parser.peek_nth_token_ref(n).token,
            Token::Word(found) if found.quote_style.is_none() && found.value.eq_ignore_ascii_case(word))
    }

    fn is_token(&mut self, n: usize, token: &Token) -> bool {
        self.parser.peek_nth_token_ref(n).token == *token
    }

    /// Consumes the word `word` if it comes next.
    fn take_word(&mut self, word: &str) -> bool {
        let found = self.is_word(0, word);
        if found {
            self.parser.next_token();
        }
        found
    }

    /// Consumes the words `words` if they all come next.
    fn take_words(&mut self, words: &[&str]) -> bool {
        let found = words
            .iter()
            .enumerate()
            .all(|(n, word)| self.is_word(n, word));
        if found {
            for _ in words {
                self.parser.next_token();
            }
        }
        found
    }

    /// Consumes a parenthesized list, nested parentheses included.
    fn skip_parenthesized(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.parser.next_token().token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(());
                    }
                }
                Token::EOF => return None,
                _ => {}
            }
        }
    }

    /// Consumes `(option [value], …)` and says whether it holds `option`
    /// without a false value (`false`, `off`, `0`).
    fn parenthesized_option_is_on(&mut self, option: &str) -> Option<bool> {
        if !self.parser.consume_token(&Token::LParen) {
            return None;
        }
        let mut on = false;
        loop {
            if self.take_word(option) {
                let off = ["false", "off"].iter().any(|word| self.is_word(0, word))
                    || matches!(&self.parser.peek_token_ref().token, Token::Number(number, _) if number == "0");
                on = !off;
            }
            match self.parser.next_token().token {
                Token::RParen => return Some(on),
                Token::EOF => return None,
                Token::LParen => {
                    self.parser.prev_token();
                    self.skip_parenthesized()?;
                }
                _ => {}
            }
        }
    }

    /// Whether only `;` remain.
    fn at_end(&mut self) -> bool {
        let mut n = 0;
        loop {
            match &self.parser.peek_nth_token_ref(n).token {
                Token::SemiColon => n += 1,
                Token::EOF => return true,
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::source::tokenize;

    fn read(sql: &str) -> Option<UnsupportedStatement> {
        read_statement(&tokenize(sql).expect("tokens"))
    }

    fn names(names: &[ObjectName]) -> Vec<String> {
        names.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reindex_cluster_and_vacuum_in_their_forms() {
        let Some(UnsupportedStatement::Reindex {
            kind,
            concurrently,
            name,
        }) = read("REINDEX (VERBOSE) TABLE CONCURRENTLY public.users;")
        else {
            panic!("not read");
        };
        assert_eq!(
            (kind, concurrently, name.map(|name| name.to_string())),
            (ReindexKind::Table, true, Some("public.users".to_string()))
        );
        for (sql, expected) in [
            ("REINDEX INDEX users_pkey", false),
            ("reindex (concurrently) index users_pkey", true),
            (
                "REINDEX (CONCURRENTLY false, VERBOSE) INDEX users_pkey",
                false,
            ),
            ("REINDEX SYSTEM", false),
        ] {
            let Some(UnsupportedStatement::Reindex { concurrently, .. }) = read(sql) else {
                panic!("{sql} not read");
            };
            assert_eq!(concurrently, expected, "{sql}");
        }
        for (sql, table) in [
            ("CLUSTER users USING users_pkey;", Some("users")),
            ("CLUSTER VERBOSE public.users", Some("public.users")),
            ("CLUSTER (VERBOSE) users", Some("users")),
            ("CLUSTER users_pkey ON users", Some("users")),
            ("CLUSTER", None),
        ] {
            assert_eq!(
                read(sql),
                Some(UnsupportedStatement::Cluster {
                    table: table.map(|table| ObjectName::from(
                        table.split('.').map(Ident::new).collect::<Vec<_>>()
                    ))
                }),
                "{sql}"
            );
        }
        for (sql, full, tables) in [
            ("VACUUM FULL users", true, vec!["users"]),
            (
                "VACUUM (FULL, ANALYZE) users (a, b), orders;",
                true,
                vec!["users", "orders"],
            ),
            ("VACUUM (FULL off) users", false, vec!["users"]),
            ("VACUUM ANALYZE users", false, vec!["users"]),
            ("VACUUM FULL", true, vec![]),
        ] {
            let Some(UnsupportedStatement::Vacuum {
                full: read_full,
                tables: read_tables,
            }) = read(sql)
            else {
                panic!("{sql} not read");
            };
            assert_eq!(
                (read_full, names(&read_tables)),
                (full, tables.iter().map(ToString::to_string).collect()),
                "{sql}"
            );
        }
    }

    #[test]
    fn alter_index_and_drop_database() {
        assert!(matches!(
            read("ALTER INDEX IF EXISTS public.a RENAME TO b;"),
            Some(UnsupportedStatement::RenameIndex { .. })
        ));
        assert!(matches!(
            read("ALTER INDEX a SET TABLESPACE fast"),
            Some(UnsupportedStatement::SetIndexTablespace { .. })
        ));
        for statement in [
            "ALTER INDEX a SET (fillfactor=70)",
            "ALTER INDEX \"s\".\"a\" RESET (fillfactor, deduplicate_items)",
        ] {
            assert!(
                matches!(
                    read(statement),
                    Some(UnsupportedStatement::SetIndexStorage { .. })
                ),
                "{statement}"
            );
        }
        assert!(matches!(
            read("DROP DATABASE IF EXISTS shop WITH (FORCE)"),
            Some(UnsupportedStatement::DropDatabase { .. })
        ));
        assert_eq!(
            read(
                "CREATE TRIGGER t BEFORE UPDATE OF a, b ON public.film FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title')"
            ),
            Some(UnsupportedStatement::CreateTrigger {
                name: Ident::new("t"),
                table: ObjectName::from(vec![Ident::new("public"), Ident::new("film")]),
            })
        );
        assert_eq!(read("ALTER INDEX a ALTER COLUMN 1 SET STATISTICS 5"), None);
        assert_eq!(read("REINDEX TABLE users extra"), None);
        assert_eq!(read("SELECT 1"), None);
    }
}
