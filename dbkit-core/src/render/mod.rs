//! The PostgreSQL renderer: changes → a migration's SQL.
//!
//! Every identifier is double-quoted and schema-qualified, every string
//! literal written to mean the same whatever `standard_conforming_strings`
//! says, every comment kept on its line ([`crate::sql_text`]), so names such
//! as `Order`, `user name` or one holding a newline need no care from the
//! user and cannot change what a migration runs. Statements are separated
//! by a blank line.
//!
//! **Transactions.** A migration runs in one transaction unless its first
//! line is [`NO_TRANSACTION_MARKER`]. The renderer sets the marker only when
//! `ALTER TYPE … ADD VALUE` adds a label that a later statement of the same
//! migration uses (PostgreSQL refuses a label added by a transaction that
//! has not committed yet). The differ puts label additions first and
//! everything else keeps migrations transactional.

mod function;
mod objects;
mod policy;
mod view;

use crate::diff::temporary::stem_of_temporary;
use crate::diff::{Change, DomainChange, EnumColumnUse, EnumValuePosition};
use crate::model::{
    BaseType, Check, Column, ColumnType, Domain, Exclusion, ForeignKey, ForeignKeyAction, Identity,
    Index, IndexKey, PrimaryKey, QualifiedName, Table, Unique, storage_parameter_names_sql,
    storage_parameters_sql,
};
use crate::sql_text::{
    dollar_quote, line_comment, quote_column, quote_identifier, quote_literal, quote_qualified,
};
use crate::types::type_without_modifier;

mod type_statements;

/// The first line of a migration that must run outside a transaction.
pub const NO_TRANSACTION_MARKER: &str = "-- dbkit:no-transaction";

/// The longest [`RenderedMigration::suggested_name`].
const SUGGESTED_NAME_MAX_LENGTH: usize = 60;

/// A migration ready to be written to `migrations/V<n>__<name>.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMigration {
    /// The file's content: header comments, then the statements.
    pub sql: String,
    /// The destructive steps, one sentence each, also listed at the top of
    /// `sql` as `-- WARNING: …` lines; control characters escaped, so each
    /// is one line wherever it is printed.
    pub warnings: Vec<String>,
    /// A snake_case name describing the changes (`add_email_to_users`).
    pub suggested_name: String,
    /// The migration must run outside a transaction; `sql` then starts with
    /// [`NO_TRANSACTION_MARKER`].
    pub no_transaction: bool,
}

/// Renders `changes` in order. No changes give empty SQL.
pub fn render_migration(changes: &[Change]) -> RenderedMigration {
    let suggested_name = suggest_migration_name(changes);
    if changes.is_empty() {
        return RenderedMigration {
            sql: String::new(),
            warnings: Vec::new(),
            suggested_name,
            no_transaction: false,
        };
    }
    let warnings: Vec<String> = changes
        .iter()
        .filter_map(Change::destructive_warning)
        .collect();
    let reason = no_transaction_reason(changes);
    let mut header = Vec::new();
    if let Some(reason) = &reason {
        header.push(NO_TRANSACTION_MARKER.to_string());
        header.push(line_comment(&format!(
            "Runs outside a transaction: {reason}."
        )));
    }
    for warning in &warnings {
        header.push(line_comment(&format!("WARNING: {warning}")));
    }
    let statements: Vec<String> = changes.iter().flat_map(render_statements).collect();
    let mut sql = String::new();
    if !header.is_empty() {
        sql.push_str(&header.join("\n"));
        sql.push_str("\n\n");
    }
    sql.push_str(&statements.join("\n\n"));
    sql.push('\n');
    RenderedMigration {
        sql,
        warnings,
        suggested_name,
        no_transaction: reason.is_some(),
    }
}

/// Why the migration cannot run in a transaction: a label added by
/// `ADD VALUE` is used by a later statement (written as dbkit writes the
/// literal, or as a plain `'…'`, which is how a person writes a label with
/// a backslash when `standard_conforming_strings` is on).
fn no_transaction_reason(changes: &[Change]) -> Option<String> {
    for (index, change) in changes.iter().enumerate() {
        let Change::AddEnumValue { name, value, .. } = change else {
            continue;
        };
        let literal = quote_literal(value);
        let plain_literal = format!("'{}'", value.replace('\'', "''"));
        let used_later = changes.iter().skip(index + 1).any(|later| {
            change_expressions(later)
                .iter()
                .any(|text| text.contains(&literal) || text.contains(&plain_literal))
        });
        if used_later {
            return Some(format!(
                "the label {literal} added to {} is used in the same migration",
                quote_qualified(name)
            ));
        }
    }
    None
}

/// The SQL expressions a change carries (defaults, checks, predicates…).
fn change_expressions(change: &Change) -> Vec<&str> {
    match change {
        Change::CreateTable { table } => {
            let mut expressions: Vec<&str> = table
                .columns
                .iter()
                .flat_map(|column| column_expressions(column))
                .collect();
            expressions.extend(table.checks.iter().map(|check| check.expr.as_str()));
            expressions
        }
        Change::AddColumn { column, .. } => column_expressions(column),
        Change::SetDefault { default, .. } => vec![default.as_str()],
        Change::AddCheck { check, .. } => vec![check.expr.as_str()],
        Change::CreateIndex { index, .. } => {
            let mut expressions: Vec<&str> = index.predicate.iter().map(String::as_str).collect();
            if let IndexKey::Expression(expression) = &index.key {
                expressions.push(expression);
            }
            expressions
        }
        Change::RecreateEnum { columns, .. } => columns
            .iter()
            .filter_map(|column| column.restored_default.as_deref())
            .collect(),
        Change::Domain(DomainChange::Create(domain)) => domain_expressions(domain),
        Change::Domain(DomainChange::Recreate { to, .. }) => domain_expressions(to),
        Change::Domain(DomainChange::SetDefault { default, .. }) => vec![default.as_str()],
        Change::Domain(DomainChange::AddCheck { check, .. }) => vec![check.expr.as_str()],
        Change::AddExclusion { exclusion, .. } => {
            let mut expressions = vec![exclusion.elements.as_str()];
            expressions.extend(exclusion.predicate.as_deref());
            expressions
        }
        _ => Vec::new(),
    }
}

fn domain_expressions(domain: &Domain) -> Vec<&str> {
    domain
        .default
        .iter()
        .map(String::as_str)
        .chain(domain.checks.iter().map(|check| check.expr.as_str()))
        .collect()
}

fn column_expressions(column: &Column) -> Vec<&str> {
    column
        .default
        .iter()
        .chain(column.generated.iter())
        .map(String::as_str)
        .collect()
}

/// The SQL statements of one change, each ending with `;`.
pub fn render_statements(change: &Change) -> Vec<String> {
    match change {
        Change::Sequence(change) => type_statements::render_sequence_change(change),
        Change::Domain(change) => type_statements::render_domain_change(change),
        Change::Composite(change) => type_statements::render_composite_change(change),
        Change::CreateSchema { name } => vec![format!("CREATE SCHEMA {};", quote_identifier(name))],
        Change::DropSchema { name } => vec![format!("DROP SCHEMA {};", quote_identifier(name))],
        Change::CreateEnum { enum_type } => {
            vec![render_create_enum(&enum_type.name, &enum_type.values)]
        }
        Change::DropEnum { name, .. } => vec![format!("DROP TYPE {};", quote_qualified(name))],
        Change::AddEnumValue {
            name,
            value,
            position,
        } => {
            let position = match position {
                EnumValuePosition::End => String::new(),
                EnumValuePosition::Before(label) => format!(" BEFORE {}", quote_literal(label)),
                EnumValuePosition::After(label) => format!(" AFTER {}", quote_literal(label)),
            };
            vec![format!(
                "ALTER TYPE {} ADD VALUE {}{position};",
                quote_qualified(name),
                quote_literal(value)
            )]
        }
        Change::RenameEnum { from, to } => render_rename_type(from, to),
        Change::RecreateEnum {
            name,
            new_values,
            temporary_name,
            columns,
            ..
        } => render_recreate_enum(name, new_values, temporary_name, columns),
        Change::SetEnumComment { name, comment } => {
            vec![format!(
                "COMMENT ON TYPE {} IS {};",
                quote_qualified(name),
                render_comment(comment)
            )]
        }
        Change::CreateTable { table } => vec![render_create_table(table)],
        Change::DropTable { name } => vec![format!("DROP TABLE {};", quote_qualified(name))],
        Change::RenameTable { from, to } => render_rename_table(from, to),
        Change::DetachPartition { parent, partition } => vec![format!(
            "{} DETACH PARTITION {};",
            alter_table(parent),
            quote_qualified(partition)
        )],
        Change::AttachPartition {
            parent,
            partition,
            bounds,
        } => vec![format!(
            "{} ATTACH PARTITION {} {bounds};",
            alter_table(parent),
            quote_qualified(partition)
        )],
        Change::SetTableComment { table, comment } => {
            vec![format!(
                "COMMENT ON TABLE {} IS {};",
                quote_qualified(table),
                render_comment(comment)
            )]
        }
        Change::SetRowLevelSecurity { table, enabled } => {
            vec![policy::set_row_level_security(table, *enabled)]
        }
        Change::SetForceRowLevelSecurity { table, forced } => {
            vec![policy::set_force_row_level_security(table, *forced)]
        }
        Change::AddColumn { table, column } => vec![format!(
            "{} ADD COLUMN {};",
            alter_table(table),
            render_column_definition(column)
        )],
        Change::DropColumn { table, column, .. } => {
            vec![format!(
                "{} DROP COLUMN {};",
                alter_table(table),
                quote_identifier(column)
            )]
        }
        Change::RenameColumn { table, from, to } => vec![format!(
            "{} RENAME COLUMN {} TO {};",
            alter_table(table),
            quote_identifier(from),
            quote_identifier(to)
        )],
        Change::AlterColumnType {
            table,
            column,
            from,
            to,
        } => {
            let using = render_conversion(column, from, to)
                .map(|conversion| format!(" USING {conversion}"))
                .unwrap_or_default();
            vec![format!(
                "{} TYPE {}{using};",
                alter_column(table, column),
                render_type(to)
            )]
        }
        Change::SetNotNull { table, column } => {
            vec![format!("{} SET NOT NULL;", alter_column(table, column))]
        }
        Change::DropNotNull { table, column } => {
            vec![format!("{} DROP NOT NULL;", alter_column(table, column))]
        }
        Change::SetDefault {
            table,
            column,
            default,
        } => {
            vec![format!(
                "{} SET DEFAULT {default};",
                alter_column(table, column)
            )]
        }
        Change::DropDefault { table, column } => {
            vec![format!("{} DROP DEFAULT;", alter_column(table, column))]
        }
        Change::AddIdentity {
            table,
            column,
            identity,
        } => vec![
            format!(
                "{} ADD {} AS IDENTITY;",
                alter_column(table, column),
                identity_keywords(*identity)
            ),
            render_sequence_restart(table, column),
        ],
        Change::SetIdentityKind {
            table,
            column,
            identity,
        } => vec![format!(
            "{} SET {};",
            alter_column(table, column),
            identity_keywords(*identity)
        )],
        Change::DropIdentity { table, column } => {
            vec![format!("{} DROP IDENTITY;", alter_column(table, column))]
        }
        Change::AddSerial { table, column, ty } => render_add_serial(table, column, ty),
        Change::DropSerial { table, column } => render_drop_serial(table, column),
        Change::DropGeneratedExpression { table, column } => {
            vec![format!("{} DROP EXPRESSION;", alter_column(table, column))]
        }
        Change::SetColumnComment {
            table,
            column,
            comment,
        } => vec![format!(
            "COMMENT ON COLUMN {} IS {};",
            quote_column(table, column),
            render_comment(comment)
        )],
        Change::AddPrimaryKey { table, primary_key } => vec![format!(
            "{} ADD {};",
            alter_table(table),
            render_primary_key(primary_key)
        )],
        Change::AddUnique { table, unique } => {
            vec![format!(
                "{} ADD {};",
                alter_table(table),
                render_unique(unique)
            )]
        }
        Change::AddCheck { table, check } => {
            vec![format!(
                "{} ADD {};",
                alter_table(table),
                render_check(check)
            )]
        }
        Change::AddForeignKey { table, foreign_key } => vec![format!(
            "{} ADD {};",
            alter_table(table),
            render_foreign_key(foreign_key)
        )],
        Change::DropPrimaryKey { table, name }
        | Change::DropUnique { table, name }
        | Change::DropCheck { table, name }
        | Change::DropForeignKey { table, name } => vec![format!(
            "{} DROP CONSTRAINT {};",
            alter_table(table),
            quote_identifier(name)
        )],
        Change::RenameConstraint { table, from, to } => vec![format!(
            "{} RENAME CONSTRAINT {} TO {};",
            alter_table(table),
            quote_identifier(from),
            quote_identifier(to)
        )],
        Change::CreateIndex { table, index } => vec![render_create_index(table, index)],
        Change::DropIndex { table, name } => vec![format!(
            "DROP INDEX {};",
            quote_qualified(&QualifiedName::new(table.schema.clone(), name.clone()))
        )],
        Change::RenameIndex { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {};",
            quote_qualified(&QualifiedName::new(table.schema.clone(), from.clone())),
            quote_identifier(to)
        )],
        Change::CreateExtension { extension } => objects::create_extension(extension),
        Change::DropExtension { name } => objects::drop_extension(name),
        Change::CreateObject { object } => objects::create_object(object),
        Change::DropObject { object } => objects::drop_object(object),
        Change::ReplaceObject { old, new } => objects::replace_object(old, new),
        Change::SetTableStorage { table, set, reset } => {
            render_set_storage(&alter_table(table), set, reset)
        }
        Change::SetIndexStorage {
            table,
            name,
            set,
            reset,
        } => render_set_storage(
            &format!(
                "ALTER INDEX {}",
                quote_qualified(&QualifiedName::new(table.schema.clone(), name.clone()))
            ),
            set,
            reset,
        ),
        Change::AlterColumnCollation {
            table,
            column,
            ty,
            collation,
        } => vec![format!(
            "{} TYPE {}{};",
            alter_column(table, column),
            render_type(ty),
            render_collation(collation.as_deref())
        )],
        Change::AddExclusion { table, exclusion } => vec![format!(
            "{} ADD {};",
            alter_table(table),
            render_exclusion(exclusion)
        )],
        Change::DropExclusion { table, name } => vec![format!(
            "{} DROP CONSTRAINT {};",
            alter_table(table),
            quote_identifier(name)
        )],
        Change::ValidateConstraint { table, name } => vec![format!(
            "{} VALIDATE CONSTRAINT {};",
            alter_table(table),
            quote_identifier(name)
        )],
        Change::AlterForeignKeyDeferral {
            table,
            name,
            deferrable,
        } => vec![format!(
            "{} ALTER CONSTRAINT {}{};",
            alter_table(table),
            quote_identifier(name),
            match deferrable.sql_suffix() {
                "" => " NOT DEFERRABLE",
                suffix => suffix,
            }
        )],
    }
}

/// `SET (…)` then `RESET (…)` on a table or an index, for the parameters
/// each has.
fn render_set_storage(target: &str, set: &[String], reset: &[String]) -> Vec<String> {
    let mut statements = Vec::new();
    if !set.is_empty() {
        statements.push(format!("{target} SET {};", storage_parameters_sql(set)));
    }
    if !reset.is_empty() {
        statements.push(format!(
            "{target} RESET {};",
            storage_parameter_names_sql(reset)
        ));
    }
    statements
}

/// ` COLLATE "C"`, or nothing for a type's own collation.
fn render_collation(collation: Option<&str>) -> String {
    collation
        .map(|collation| format!(" COLLATE {}", quote_identifier(collation)))
        .unwrap_or_default()
}

/// ` WITH (…)` of a table or an index, or nothing.
fn render_with(parameters: &[String]) -> String {
    if parameters.is_empty() {
        String::new()
    } else {
        format!(" WITH {}", storage_parameters_sql(parameters))
    }
}

fn alter_table(table: &QualifiedName) -> String {
    format!("ALTER TABLE {}", quote_qualified(table))
}

fn alter_column(table: &QualifiedName, column: &str) -> String {
    format!(
        "{} ALTER COLUMN {}",
        alter_table(table),
        quote_identifier(column)
    )
}

fn render_comment(comment: &Option<String>) -> String {
    comment
        .as_deref()
        .map_or_else(|| "NULL".to_string(), quote_literal)
}

fn identity_keywords(identity: Identity) -> &'static str {
    match identity {
        Identity::ByDefault => "GENERATED BY DEFAULT",
        Identity::Always => "GENERATED ALWAYS",
    }
}

/// A column type: the canonical spelling of a built-in type, or the quoted
/// name of an enum, a domain or a composite type, with `[]` for an array.
pub fn render_type(ty: &ColumnType) -> String {
    let base = match &ty.base {
        BaseType::Builtin(name) => name.clone(),
        BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => {
            quote_qualified(name)
        }
    };
    format!("{base}{}", "[]".repeat(usize::from(ty.array_dims)))
}

/// `serial`, `bigserial` or `smallserial` for a serial column of an integer
/// type.
fn serial_keyword(ty: &ColumnType) -> Option<&'static str> {
    match (&ty.base, ty.array_dims) {
        (BaseType::Builtin(name), 0) => match name.as_str() {
            "integer" => Some("serial"),
            "bigint" => Some("bigserial"),
            "smallint" => Some("smallserial"),
            _ => None,
        },
        _ => None,
    }
}

/// `USING` of a type change, or `None` when only the type modifier changes
/// (`varchar(20)` to `varchar(10)`). PostgreSQL converts the old value, or
/// the result of `USING`, to the new column type as it converts an
/// assignment, which refuses a value that does not fit (SQLSTATE 22001
/// for a string too long) where an explicit cast to `varchar(10)` would
/// cut it silently. So dbkit never casts to a type with its modifier: the
/// cast is to the new type without it (`"code"::character varying`),
/// through `text` when an enum is on either side (enums have no casts but
/// to and from text); with no `USING` at all when the types differ only
/// in their modifiers, so that PostgreSQL sees a widening (`varchar(10)` to
/// `varchar(20)`) and does not rewrite the table.
fn render_conversion(column: &str, from: &ColumnType, to: &ColumnType) -> Option<String> {
    let target = type_without_modifier(&render_type(to));
    if type_without_modifier(&render_type(from)) == target {
        return None;
    }
    let through_text =
        |ty: &ColumnType| matches!(ty.base, BaseType::Enum(_) | BaseType::Composite(_));
    let involves_enum = through_text(from) || through_text(to);
    let column = quote_identifier(column);
    if involves_enum {
        let text = format!("text{}", "[]".repeat(usize::from(from.array_dims)));
        Some(format!("{column}::{text}::{target}"))
    } else {
        Some(format!("{column}::{target}"))
    }
}

/// One column of `CREATE TABLE` or `ADD COLUMN`.
pub fn render_column_definition(column: &Column) -> String {
    let mut definition = quote_identifier(&column.name);
    definition.push(' ');
    match serial_keyword(&column.ty).filter(|_| column.serial) {
        Some(keyword) => definition.push_str(keyword),
        None => definition.push_str(&render_type(&column.ty)),
    }
    definition.push_str(&render_collation(column.collation.as_deref()));
    if let Some(expression) = &column.generated {
        definition.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(identity) = column.identity {
        definition.push_str(&format!(" {} AS IDENTITY", identity_keywords(identity)));
    }
    if let Some(default) = &column.default {
        definition.push_str(&format!(" DEFAULT {default}"));
    }
    if !column.nullable {
        definition.push_str(" NOT NULL");
    }
    definition
}

fn render_column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|column| quote_identifier(column))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_primary_key(primary_key: &PrimaryKey) -> String {
    format!(
        "CONSTRAINT {} PRIMARY KEY ({}){}",
        quote_identifier(&primary_key.name),
        render_column_list(&primary_key.columns),
        primary_key.deferrable.sql_suffix()
    )
}

fn render_unique(unique: &Unique) -> String {
    format!(
        "CONSTRAINT {} UNIQUE ({}){}",
        quote_identifier(&unique.name),
        render_column_list(&unique.columns),
        unique.deferrable.sql_suffix()
    )
}

fn render_check(check: &Check) -> String {
    format!(
        "CONSTRAINT {} CHECK ({}){}",
        quote_identifier(&check.name),
        check.expr,
        if check.not_valid { " NOT VALID" } else { "" }
    )
}

/// `CONSTRAINT … EXCLUDE USING method (elements) [WHERE (…)] [DEFERRABLE …]`.
fn render_exclusion(exclusion: &Exclusion) -> String {
    let predicate = exclusion
        .predicate
        .as_ref()
        .map(|predicate| format!(" WHERE ({predicate})"))
        .unwrap_or_default();
    format!(
        "CONSTRAINT {} EXCLUDE USING {} ({}){predicate}{}",
        quote_identifier(&exclusion.name),
        render_method(&exclusion.method),
        exclusion.elements,
        exclusion.deferrable.sql_suffix()
    )
}

fn render_foreign_key(foreign_key: &ForeignKey) -> String {
    let mut text = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_identifier(&foreign_key.name),
        render_column_list(&foreign_key.columns),
        quote_qualified(&foreign_key.references),
        render_column_list(&foreign_key.referenced_columns)
    );
    if foreign_key.on_delete != ForeignKeyAction::NoAction {
        text.push_str(&format!(" ON DELETE {}", foreign_key.on_delete.sql()));
    }
    if foreign_key.on_update != ForeignKeyAction::NoAction {
        text.push_str(&format!(" ON UPDATE {}", foreign_key.on_update.sql()));
    }
    text.push_str(foreign_key.deferrable.sql_suffix());
    if foreign_key.not_valid {
        text.push_str(" NOT VALID");
    }
    text
}

/// `CREATE TABLE` with one column or constraint per line.
pub fn render_create_table(table: &Table) -> String {
    let partition_by = table
        .partition_by
        .as_ref()
        .map(|partition_by| format!(" PARTITION BY {partition_by}"))
        .unwrap_or_default();
    if let Some(partition_of) = &table.partition_of {
        return format!(
            "CREATE TABLE {} PARTITION OF {} {}{partition_by};",
            quote_qualified(&table.name),
            quote_qualified(&partition_of.parent),
            partition_of.bounds
        );
    }
    let mut lines: Vec<String> = table.columns.iter().map(render_column_definition).collect();
    lines.extend(table.primary_key.iter().map(render_primary_key));
    lines.extend(table.uniques.iter().map(render_unique));
    lines.extend(table.checks.iter().map(render_check));
    lines.extend(table.foreign_keys.iter().map(render_foreign_key));
    let with = render_with(&table.storage_parameters);
    if lines.is_empty() {
        return format!(
            "CREATE TABLE {} (){partition_by}{with};",
            quote_qualified(&table.name)
        );
    }
    let body: Vec<String> = lines.iter().map(|line| format!("    {line}")).collect();
    format!(
        "CREATE TABLE {} (\n{}\n){partition_by}{with};",
        quote_qualified(&table.name),
        body.join(",\n")
    )
}

fn render_create_enum(name: &QualifiedName, values: &[String]) -> String {
    let labels: Vec<String> = values.iter().map(|value| quote_literal(value)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({});",
        quote_qualified(name),
        labels.join(", ")
    )
}

/// An access method as written (`gin`), quoted only when it has to be.
fn render_method(method: &str) -> String {
    let plain = !method.is_empty()
        && method
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !method.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        method.to_string()
    } else {
        quote_identifier(method)
    }
}

/// `CREATE [UNIQUE] INDEX … ON … [USING method] (…) [WHERE …]`; `btree`,
/// the default, is not spelled out.
pub fn render_create_index(table: &QualifiedName, index: &Index) -> String {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let method = if index.method.is_empty() || index.method == "btree" {
        String::new()
    } else {
        format!(" USING {}", render_method(&index.method))
    };
    let key = match &index.key {
        IndexKey::Columns(columns) => columns
            .iter()
            .enumerate()
            .map(|(position, column)| {
                format!(
                    "{}{}",
                    quote_identifier(column),
                    index.key_option(position).sql_suffix()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        IndexKey::Expression(expression) => expression.clone(),
    };
    let include = if index.include.is_empty() {
        String::new()
    } else {
        format!(" INCLUDE ({})", render_column_list(&index.include))
    };
    let with = render_with(&index.storage_parameters);
    let predicate = index
        .predicate
        .as_ref()
        .map(|predicate| format!(" WHERE {predicate}"))
        .unwrap_or_default();
    format!(
        "CREATE {unique}INDEX {} ON {}{method} ({key}){include}{with}{predicate};",
        quote_identifier(&index.name),
        quote_qualified(table)
    )
}

fn render_rename_table(from: &QualifiedName, to: &QualifiedName) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = from.clone();
    if from.name != to.name {
        statements.push(format!(
            "{} RENAME TO {};",
            alter_table(&current),
            quote_identifier(&to.name)
        ));
        current.name = to.name.clone();
    }
    if from.schema != to.schema {
        statements.push(format!(
            "{} SET SCHEMA {};",
            alter_table(&current),
            quote_identifier(&to.schema)
        ));
    }
    statements
}

/// `ALTER TYPE … RENAME TO`, then `SET SCHEMA`, as for a table.
fn render_rename_type(from: &QualifiedName, to: &QualifiedName) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = from.clone();
    if from.name != to.name {
        statements.push(format!(
            "ALTER TYPE {} RENAME TO {};",
            quote_qualified(&current),
            quote_identifier(&to.name)
        ));
        current.name = to.name.clone();
    }
    if from.schema != to.schema {
        statements.push(format!(
            "ALTER TYPE {} SET SCHEMA {};",
            quote_qualified(&current),
            quote_identifier(&to.schema)
        ));
    }
    statements
}

fn render_recreate_enum(
    name: &QualifiedName,
    new_values: &[String],
    temporary_name: &QualifiedName,
    columns: &[EnumColumnUse],
) -> Vec<String> {
    let mut statements = vec![format!(
        "ALTER TYPE {} RENAME TO {};",
        quote_qualified(name),
        quote_identifier(&temporary_name.name)
    )];
    statements.push(render_create_enum(name, new_values));
    for column in columns {
        if column.dropped_default.is_some() {
            statements.push(format!(
                "{} DROP DEFAULT;",
                alter_column(&column.table, &column.column)
            ));
        }
        let brackets = "[]".repeat(usize::from(column.array_dims));
        statements.push(format!(
            "{} TYPE {}{brackets} USING {}::text{brackets}::{}{brackets};",
            alter_column(&column.table, &column.column),
            quote_qualified(name),
            quote_identifier(&column.column),
            quote_qualified(name)
        ));
        if let Some(default) = &column.restored_default {
            statements.push(format!(
                "{} SET DEFAULT {default};",
                alter_column(&column.table, &column.column)
            ));
        }
    }
    statements.push(format!("DROP TYPE {};", quote_qualified(temporary_name)));
    statements
}

/// The sequence PostgreSQL would name for a serial column, within the
/// 63-byte identifier limit.
fn serial_sequence_name(table: &QualifiedName, column: &str) -> QualifiedName {
    let mut table_part = table.name.clone();
    let mut column_part = column.to_string();
    while table_part.len() + column_part.len() + 5 > 63 {
        if table_part.len() >= column_part.len() {
            table_part.pop();
        } else {
            column_part.pop();
        }
    }
    QualifiedName::new(
        table.schema.clone(),
        format!("{table_part}_{column_part}_seq"),
    )
}

/// Starts a column's sequence after the largest value already stored.
fn render_sequence_restart(table: &QualifiedName, column: &str) -> String {
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({}), 0) + 1, false) FROM {};",
        quote_literal(&quote_qualified(table)),
        quote_literal(column),
        quote_identifier(column),
        quote_qualified(table)
    )
}

fn render_add_serial(table: &QualifiedName, column: &str, ty: &ColumnType) -> Vec<String> {
    let sequence = serial_sequence_name(table, column);
    let sequence_type = match &ty.base {
        BaseType::Builtin(name) if name == "smallint" || name == "integer" => name.as_str(),
        _ => "bigint",
    };
    vec![
        format!(
            "CREATE SEQUENCE {} AS {sequence_type} OWNED BY {};",
            quote_qualified(&sequence),
            quote_column(table, column)
        ),
        format!(
            "{} SET DEFAULT nextval({}::regclass);",
            alter_column(table, column),
            quote_literal(&quote_qualified(&sequence))
        ),
        render_sequence_restart(table, column),
    ]
}

/// Drops the default, then the sequence the column owns, whatever its name
/// (a renamed table keeps its sequence's old name). The block is
/// dollar-quoted with a tag that the names in it do not contain.
fn render_drop_serial(table: &QualifiedName, column: &str) -> Vec<String> {
    let block = format!(
        "\nDECLARE\n    sequence_name text := pg_get_serial_sequence({}, {});\nBEGIN\n    IF sequence_name IS NOT NULL THEN\n        EXECUTE 'DROP SEQUENCE ' || sequence_name;\n    END IF;\nEND\n",
        quote_literal(&quote_qualified(table)),
        quote_literal(column)
    );
    vec![
        format!("{} DROP DEFAULT;", alter_column(table, column)),
        format!("DO {};", dollar_quote(&block, "dbkit")),
    ]
}

/// What a change is about, for naming the migration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Headline {
    /// Lower sorts first: tables, columns, enums, keys and indexes,
    /// comments, schemas.
    rank: u8,
    verb: &'static str,
    /// `to_users`, `from_users`, or empty.
    suffix: String,
    object: String,
}

fn headline<'a>(change: &'a Change, created_or_dropped: &[&QualifiedName]) -> Option<Headline> {
    let line = |rank: u8, verb: &'static str, object: &str, suffix: String| {
        Some(Headline {
            rank,
            verb,
            suffix,
            object: object.to_string(),
        })
    };
    let incidental = |table: &QualifiedName| created_or_dropped.contains(&table);
    // A temporary name stands for the name it was made from; a step to a
    // temporary name is only half a rename, named by its other half.
    let shown = |name: &'a str| stem_of_temporary(name, false).unwrap_or(name);
    let temporary = |name: &str| stem_of_temporary(name, false).is_some();
    match change {
        Change::CreateTable { table } => line(0, "create", &table.name.name, String::new()),
        Change::DropTable { name } => line(0, "drop", shown(&name.name), String::new()),
        Change::RenameTable { to, .. } | Change::RenameEnum { to, .. } if temporary(&to.name) => {
            None
        }
        Change::RenameTable { from, to } if from.name == to.name => {
            line(0, "move", shown(&from.name), format!("to_{}", to.schema))
        }
        Change::RenameTable { from, to } => {
            line(0, "rename", shown(&from.name), format!("to_{}", to.name))
        }
        Change::AddColumn { table, column } => {
            line(1, "add", &column.name, format!("to_{}", table.name))
        }
        Change::AttachPartition { partition, .. } => {
            line(1, "attach", &partition.name, String::new())
        }
        Change::DropColumn { table, column, .. } => {
            line(1, "drop", shown(column), format!("from_{}", table.name))
        }
        Change::RenameColumn { to, .. } if temporary(to) => None,
        Change::RenameColumn { table, from, to } => line(
            1,
            "rename",
            shown(from),
            format!("to_{}_in_{}", to, table.name),
        ),
        Change::AlterColumnType { table, column, .. }
        | Change::SetNotNull { table, column }
        | Change::DropNotNull { table, column }
        | Change::SetDefault { table, column, .. }
        | Change::DropDefault { table, column }
        | Change::AddIdentity { table, column, .. }
        | Change::SetIdentityKind { table, column, .. }
        | Change::DropIdentity { table, column }
        | Change::AddSerial { table, column, .. }
        | Change::DropSerial { table, column }
        | Change::DropGeneratedExpression { table, column }
        | Change::AlterColumnCollation { table, column, .. } => {
            line(1, "alter", column, format!("in_{}", table.name))
        }
        Change::SetTableStorage { table, .. } if !incidental(table) => {
            line(3, "set_storage_of", &table.name, String::new())
        }
        Change::SetIndexStorage { name, .. } => line(3, "set_storage_of", name, String::new()),
        Change::AddExclusion { table, exclusion } if !incidental(table) => {
            line(3, "add", &exclusion.name, format!("to_{}", table.name))
        }
        Change::ValidateConstraint { name, .. } => line(3, "validate", name, String::new()),
        Change::AlterForeignKeyDeferral { name, .. } => line(3, "alter", name, String::new()),
        Change::CreateEnum { enum_type } => line(2, "create", &enum_type.name.name, String::new()),
        Change::DropEnum { name, .. } => line(2, "drop", shown(&name.name), String::new()),
        Change::AddEnumValue { name, value, .. } => {
            line(2, "add", value, format!("to_{}", name.name))
        }
        Change::RenameEnum { from, to } if from.name == to.name => {
            line(2, "move", shown(&from.name), format!("to_{}", to.schema))
        }
        Change::RenameEnum { from, to } => {
            line(2, "rename", shown(&from.name), format!("to_{}", to.name))
        }
        Change::RecreateEnum { name, .. } => line(2, "alter", &name.name, String::new()),
        Change::AddPrimaryKey { table, .. } if !incidental(table) => {
            line(3, "add", "primary_key", format!("to_{}", table.name))
        }
        Change::AddUnique { table, unique } if !incidental(table) => {
            line(3, "add", &unique.name, format!("to_{}", table.name))
        }
        Change::AddCheck { table, check } if !incidental(table) => {
            line(3, "add", &check.name, format!("to_{}", table.name))
        }
        Change::AddForeignKey { table, foreign_key } if !incidental(table) => {
            line(3, "add", &foreign_key.name, format!("to_{}", table.name))
        }
        Change::CreateIndex { table, index } if !incidental(table) => {
            line(3, "create", &index.name, String::new())
        }
        Change::DropPrimaryKey { table, name }
        | Change::DropUnique { table, name }
        | Change::DropCheck { table, name }
        | Change::DropForeignKey { table, name }
        | Change::DropIndex { table, name }
        | Change::DropExclusion { table, name }
            if !incidental(table) =>
        {
            line(3, "drop", name, String::new())
        }
        Change::SetTableComment { table, .. } | Change::SetColumnComment { table, .. }
            if !incidental(table) =>
        {
            line(4, "comment_on", &table.name, String::new())
        }
        Change::SetEnumComment { name, .. } => line(4, "comment_on", &name.name, String::new()),
        Change::CreateObject { object } | Change::ReplaceObject { new: object, .. } => {
            line(3, "create", &object_headline_name(object), String::new())
        }
        Change::DropObject { object } => {
            line(3, "drop", &object_headline_name(object), String::new())
        }
        Change::CreateExtension { extension } => {
            line(5, "create_extension", &extension.name, String::new())
        }
        Change::CreateSchema { name } => line(5, "create_schema", name, String::new()),
        Change::DropSchema { name } => line(5, "drop_schema", name, String::new()),
        Change::Sequence(_) | Change::Domain(_) | Change::Composite(_) => {
            let (rank, verb, object) = type_statements::headline_parts(change)?;
            line(rank, verb, shown(object), String::new())
        }
        _ => None,
    }
}

/// The name an object goes by in a migration's name.
fn object_headline_name(object: &crate::model::SchemaObject) -> String {
    use crate::model::ObjectKey;
    match object.key() {
        ObjectKey::View(name) | ObjectKey::Function(name, _) => name.name,
        ObjectKey::Trigger { name, .. } | ObjectKey::Policy { name, .. } => name,
        ObjectKey::Generic { kind, .. } => kind,
    }
}

/// A readable snake_case name for a migration: `create_users`,
/// `create_users_and_orders`, `add_email_to_users`, `rename_users_to_accounts`;
/// changes of several kinds give the first one plus `_and_more`.
pub fn suggest_migration_name(changes: &[Change]) -> String {
    let created_or_dropped: Vec<&QualifiedName> = changes
        .iter()
        .filter_map(|change| match change {
            Change::CreateTable { table } => Some(&table.name),
            Change::DropTable { name } => Some(name),
            Change::RenameTable { to, .. } => Some(to),
            _ => None,
        })
        .collect();
    let mut headlines: Vec<Headline> = changes
        .iter()
        .filter_map(|change| headline(change, &created_or_dropped))
        .collect();
    headlines.sort();
    headlines.dedup();
    let Some(first) = headlines.first() else {
        return if changes.is_empty() {
            "empty".to_string()
        } else {
            "update_schema".to_string()
        };
    };
    let same_kind: Vec<&Headline> = headlines
        .iter()
        .filter(|other| {
            other.rank == first.rank && other.verb == first.verb && other.suffix == first.suffix
        })
        .collect();
    let mut objects: Vec<&str> = Vec::new();
    for headline in &same_kind {
        if !objects.contains(&headline.object.as_str()) {
            objects.push(&headline.object);
        }
    }
    let mut name = first.verb.to_string();
    let all_of_one_kind = same_kind.len() == headlines.len();
    match (objects.as_slice(), all_of_one_kind) {
        ([only], true) => name.push_str(&format!("_{only}")),
        ([a, b], true) => name.push_str(&format!("_{a}_and_{b}")),
        _ => name.push_str(&format!("_{}", first.object)),
    }
    if !first.suffix.is_empty() {
        name.push_str(&format!("_{}", first.suffix));
    }
    if !(all_of_one_kind && objects.len() <= 2) {
        name.push_str("_and_more");
    }
    sanitize_migration_name(&name)
}

/// Lowercase ASCII letters, digits and single underscores, at most 60
/// characters, cut at an underscore when possible.
fn sanitize_migration_name(name: &str) -> String {
    let mut result = String::new();
    for character in name.chars().flat_map(char::to_lowercase) {
        let character = if character.is_ascii_lowercase() || character.is_ascii_digit() {
            character
        } else {
            '_'
        };
        if character == '_' && (result.is_empty() || result.ends_with('_')) {
            continue;
        }
        result.push(character);
    }
    while result.ends_with('_') {
        result.pop();
    }
    if result.len() > SUGGESTED_NAME_MAX_LENGTH {
        let cut = &result[..SUGGESTED_NAME_MAX_LENGTH];
        let cut = match cut.rfind('_') {
            Some(position) if position > SUGGESTED_NAME_MAX_LENGTH / 2 => &cut[..position],
            _ => cut,
        };
        result = cut.trim_end_matches('_').to_string();
    }
    if result.is_empty() {
        "migration".to_string()
    } else {
        result
    }
}
