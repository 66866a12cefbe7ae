//! A step of a migration in words, for the lines the CLI prints about it.

use super::Change;
use super::user_types::{
    describe_composite_change, describe_domain_change, describe_sequence_change,
};
use crate::sql_text::{escape_control_characters, quote_column, quote_qualified};

/// One line that says what a step does (`add column "public"."users"."age"`),
/// or why it loses data when it can ([`Change::destructive_warning`]): the
/// lines of `generate --check`'s summary and of `push`'s list of steps. Its
/// control characters are escaped (names may hold any character).
pub fn describe_change(change: &Change) -> String {
    if let Some(warning) = change.destructive_warning() {
        return warning;
    }
    escape_control_characters(&describe_step(change))
}

/// What a step does, unescaped.
fn describe_step(change: &Change) -> String {
    match change {
        Change::CreateExtension { extension } => format!("create extension \"{}\"", extension.name),
        Change::DropExtension { name } => format!("drop extension \"{name}\""),
        Change::CreateObject { object } => format!("create {}", object.key()),
        Change::DropObject { object } => format!("drop {}", object.key()),
        Change::ReplaceObject { new, .. } => format!("replace {}", new.key()),
        Change::Sequence(change) => describe_sequence_change(change),
        Change::Domain(change) => describe_domain_change(change),
        Change::Composite(change) => describe_composite_change(change),
        Change::CreateSchema { name } => format!("create schema \"{name}\""),
        Change::DropSchema { name } => format!("drop schema \"{name}\""),
        Change::CreateEnum { enum_type } => {
            format!("create enum type {}", quote_qualified(&enum_type.name))
        }
        Change::DropEnum { name, .. } => format!("drop enum type {}", quote_qualified(name)),
        Change::AddEnumValue { name, value, .. } => {
            format!("add '{value}' to enum type {}", quote_qualified(name))
        }
        Change::RenameEnum { from, to } => format!(
            "rename enum type {} to {}",
            quote_qualified(from),
            quote_qualified(to)
        ),
        Change::RecreateEnum { name, .. } => {
            format!("change the values of enum type {}", quote_qualified(name))
        }
        Change::SetEnumComment { name, .. } => {
            format!("comment on enum type {}", quote_qualified(name))
        }
        Change::CreateTable { table } => format!("create table {}", quote_qualified(&table.name)),
        Change::DropTable { name } => format!("drop table {}", quote_qualified(name)),
        Change::RenameTable { from, to } => format!(
            "rename table {} to {}",
            quote_qualified(from),
            quote_qualified(to)
        ),
        Change::SetTableComment { table, .. } => {
            format!("comment on table {}", quote_qualified(table))
        }
        Change::SetRowLevelSecurity { table, enabled } => format!(
            "{} row level security on table {}",
            if *enabled { "enable" } else { "disable" },
            quote_qualified(table)
        ),
        Change::SetForceRowLevelSecurity { table, forced } => format!(
            "{} row level security on table {}",
            if *forced { "force" } else { "stop forcing" },
            quote_qualified(table)
        ),
        Change::DetachPartition { parent, partition } => format!(
            "detach partition {} from {}",
            quote_qualified(partition),
            quote_qualified(parent)
        ),
        Change::AttachPartition {
            parent, partition, ..
        } => format!(
            "attach partition {} to {}",
            quote_qualified(partition),
            quote_qualified(parent)
        ),
        Change::AddColumn { table, column } => {
            format!("add column {}", quote_column(table, &column.name))
        }
        Change::DropColumn { table, column, .. } => {
            format!("drop column {}", quote_column(table, column))
        }
        Change::RenameColumn { table, from, to } => {
            format!("rename column {} to \"{to}\"", quote_column(table, from))
        }
        Change::AlterColumnType { table, column, .. } => {
            format!("change the type of column {}", quote_column(table, column))
        }
        Change::SetNotNull { table, column } => {
            format!("set NOT NULL on column {}", quote_column(table, column))
        }
        Change::DropNotNull { table, column } => {
            format!("drop NOT NULL on column {}", quote_column(table, column))
        }
        Change::SetDefault { table, column, .. } => {
            format!("set the default of column {}", quote_column(table, column))
        }
        Change::DropDefault { table, column } => {
            format!("drop the default of column {}", quote_column(table, column))
        }
        Change::AddIdentity { table, column, .. }
        | Change::SetIdentityKind { table, column, .. } => {
            format!("make column {} an identity", quote_column(table, column))
        }
        Change::DropIdentity { table, column } => format!(
            "drop the identity of column {}",
            quote_column(table, column)
        ),
        Change::AddSerial { table, column, .. } => {
            format!("make column {} serial", quote_column(table, column))
        }
        Change::DropSerial { table, column } => format!(
            "drop the sequence of column {}",
            quote_column(table, column)
        ),
        Change::DropGeneratedExpression { table, column } => {
            format!("make column {} a plain column", quote_column(table, column))
        }
        Change::SetColumnComment { table, column, .. } => {
            format!("comment on column {}", quote_column(table, column))
        }
        Change::AddPrimaryKey { table, primary_key } => {
            format!(
                "add primary key \"{}\" on {}",
                primary_key.name,
                quote_qualified(table)
            )
        }
        Change::DropPrimaryKey { table, name } => {
            format!("drop primary key \"{name}\" on {}", quote_qualified(table))
        }
        Change::AddForeignKey { table, foreign_key } => {
            format!(
                "add foreign key \"{}\" on {}",
                foreign_key.name,
                quote_qualified(table)
            )
        }
        Change::DropForeignKey { table, name } => {
            format!("drop foreign key \"{name}\" on {}", quote_qualified(table))
        }
        Change::AddUnique { table, unique } => format!(
            "add unique constraint \"{}\" on {}",
            unique.name,
            quote_qualified(table)
        ),
        Change::DropUnique { table, name } => format!(
            "drop unique constraint \"{name}\" on {}",
            quote_qualified(table)
        ),
        Change::AddCheck { table, check } => {
            format!("add check \"{}\" on {}", check.name, quote_qualified(table))
        }
        Change::DropCheck { table, name } => {
            format!("drop check \"{name}\" on {}", quote_qualified(table))
        }
        Change::RenameConstraint { table, from, to } => {
            format!(
                "rename constraint \"{from}\" on {} to \"{to}\"",
                quote_qualified(table)
            )
        }
        Change::CreateIndex { index, .. } => format!("create index \"{}\"", index.name),
        Change::DropIndex { name, .. } => format!("drop index \"{name}\""),
        Change::RenameIndex { from, to, .. } => format!("rename index \"{from}\" to \"{to}\""),
        Change::SetTableStorage { table, .. } => {
            format!(
                "set the storage parameters of table {}",
                quote_qualified(table)
            )
        }
        Change::SetIndexStorage { name, .. } => {
            format!("set the storage parameters of index \"{name}\"")
        }
        Change::AlterColumnCollation { table, column, .. } => {
            format!(
                "change the collation of column {}",
                quote_column(table, column)
            )
        }
        Change::AddExclusion { table, exclusion } => format!(
            "add exclusion constraint \"{}\" on {}",
            exclusion.name,
            quote_qualified(table)
        ),
        Change::DropExclusion { table, name } => format!(
            "drop exclusion constraint \"{name}\" on {}",
            quote_qualified(table)
        ),
        Change::ValidateConstraint { table, name } => format!(
            "validate constraint \"{name}\" on {}",
            quote_qualified(table)
        ),
        Change::AlterForeignKeyDeferral { table, name, .. } => format!(
            "change when foreign key \"{name}\" on {} is checked",
            quote_qualified(table)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QualifiedName;

    #[test]
    fn a_step_is_named_with_its_quoted_object() {
        let users = QualifiedName::new("public", "users");
        let change = Change::RenameColumn {
            table: users.clone(),
            from: "name".to_string(),
            to: "full_name".to_string(),
        };
        assert_eq!(
            describe_change(&change),
            r#"rename column "public"."users"."name" to "full_name""#
        );
        let dropped = Change::DropTable { name: users };
        assert_eq!(
            describe_change(&dropped),
            dropped.destructive_warning().unwrap_or_default()
        );
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        let change = Change::CreateSchema {
            name: "a\nb".to_string(),
        };
        let described = describe_change(&change);
        assert!(!described.contains('\n'), "{described}");
    }
}
