//! The lint reads every statement dbkit writes: the migrations rendered
//! for random pairs of schemas, from nothing to a schema and from a schema
//! to nothing, linted as `cargo dbkit generate` lints what it writes (on
//! the schema before them), give no `unparsed-statement` finding, and the
//! lint knows the old type of every column whose type they change, through
//! the renames they make.
//!
//! The random schemas seldom change a column's identity, serial or
//! generated expression (about one migration in a few thousand), so those
//! changes are also rendered one by one.

use dbkit_core::diff::{Change, DiffOptions, diff};
use dbkit_core::lint::{
    CHANGING_COLUMN_TYPE, LintConfig, UNPARSED_STATEMENT, lint_migration_with_schema,
};
use dbkit_core::model::{BaseType, ColumnType, Identity, QualifiedName, Schema};
use dbkit_core::render::render_migration;
use dbkit_core::sql_split::split_sql_statements;
use dbkit_core::test_support::strategies::{arbitrary_schema, arbitrary_schema_pair};
use proptest::prelude::*;
use std::borrow::Cow;

/// The migration `generate` writes from `old` to `new`. `generate` asks
/// about a table or column that disappeared while another appeared; the
/// answer "dropped and created" is taken here, and `renamed_from` hints
/// still give renames.
fn rendered_migration(old: &Schema, new: &Schema) -> Result<String, TestCaseError> {
    let options = DiffOptions {
        renames: Vec::new(),
        assume_drop_and_create: true,
    };
    let changes = diff(old, new, &options).map_err(|a| TestCaseError::fail(format!("{a:?}")))?;
    Ok(render_migration(&changes).sql)
}

/// Fails with each unparsed statement, and each column type change whose
/// old type the lint does not know, with its message and the whole file.
fn assert_every_statement_parses(sql: &str, before: &Schema) -> Result<(), TestCaseError> {
    let unparsed: Vec<String> =
        lint_migration_with_schema(sql, &LintConfig::default(), || Some(Cow::Borrowed(before)))
            .into_iter()
            .filter(|finding| {
                finding.rule == UNPARSED_STATEMENT
                    || (finding.rule == CHANGING_COLUMN_TYPE
                        && finding.message.contains("does not know"))
            })
            .map(|finding| {
                let statement = split_sql_statements(sql)
                    .into_iter()
                    .rfind(|statement| statement.line <= finding.line as usize)
                    .map_or("", |statement| statement.text);
                format!(
                    "line {}: {}\n{}",
                    finding.line,
                    finding.message,
                    statement.trim()
                )
            })
            .collect();
    prop_assert!(
        unparsed.is_empty(),
        "the lint cannot read dbkit's own SQL:\n\n{}\n\nin the migration:\n{sql}",
        unparsed.join("\n\n")
    );
    Ok(())
}

// Enough pairs for the changes the strategies make once in a few hundred
// migrations (adding an identity or a serial) to show up many times; the
// rarest column changes are rendered one by one below. About 4 s in the
// dev profile.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn every_statement_of_a_rendered_migration_parses((old, new) in arbitrary_schema_pair()) {
        assert_every_statement_parses(&rendered_migration(&old, &new)?, &old)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn every_statement_creating_or_dropping_a_schema_parses(schema in arbitrary_schema()) {
        let empty = Schema::default();
        assert_every_statement_parses(&rendered_migration(&empty, &schema)?, &empty)?;
        assert_every_statement_parses(&rendered_migration(&schema, &empty)?, &schema)?;
    }
}

#[test]
fn every_statement_of_the_rarest_column_changes_parses() {
    let table = QualifiedName::new("user name", "Order");
    let column = "Total with tax".to_string();
    let identity_column = "id".to_string();
    let mut changes = Vec::new();
    for identity in [Identity::Always, Identity::ByDefault] {
        changes.push(Change::AddIdentity {
            table: table.clone(),
            column: identity_column.clone(),
            identity,
        });
        changes.push(Change::SetIdentityKind {
            table: table.clone(),
            column: identity_column.clone(),
            identity,
        });
    }
    changes.extend([
        Change::DropIdentity {
            table: table.clone(),
            column: identity_column.clone(),
        },
        Change::AddSerial {
            table: table.clone(),
            column: identity_column.clone(),
            ty: ColumnType {
                base: BaseType::Builtin("integer".to_string()),
                array_dims: 0,
            },
        },
        Change::DropSerial {
            table: table.clone(),
            column: identity_column,
        },
        Change::DropGeneratedExpression {
            table: table.clone(),
            column,
        },
    ]);
    for change in changes {
        let sql = render_migration(std::slice::from_ref(&change)).sql;
        if let Err(error) = assert_every_statement_parses(&sql, &Schema::default()) {
            panic!("{change:?}: {error}");
        }
    }
}
