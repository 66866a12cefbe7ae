//! Views and materialized views written as `#[derive(View)]` structs, all
//! in one file (`views.rs`): a view may read tables of several schemas and
//! other views, so no schema's file is more its home than another's.
//!
//! The query is `pg_get_viewdef`'s text, in a raw string; each field is
//! `Option` (PostgreSQL cannot say whether a view's column holds NULLs),
//! of the type the tables' fields would have; a materialized view's
//! indexes are written as a table's are, by name when it is not the one
//! the parser would choose.

use super::super::column_types::{EnumPlace, FieldType, Import, field_type, use_lines};
use super::super::identifiers::{is_usable_identifier, snake_case_identifier, upper_camel_case};
use super::super::layout::{
    AttributePlace, Meta, raw_string, write_dbkit_attribute, write_text_attribute,
};
use super::{Context, PUBLIC, columns_meta, write_comment};
use crate::model::{BaseType, IndexKey, QualifiedName, View};
use crate::naming;
use crate::types::parse_sql_type;
use std::collections::BTreeSet;

/// The module the views file is declared under.
pub(super) const VIEWS_MODULE: &str = "views";

/// The text of the views file, or `None` when there are no views.
pub(super) fn write_views_file(context: &mut Context<'_>, module: &str) -> Option<String> {
    if context.schema.views.is_empty() {
        return None;
    }
    let mut taken: BTreeSet<String> = context
        .table_names
        .values()
        .cloned()
        .chain(context.enums.values().map(|e| e.rust_name.clone()))
        .collect();
    let mut imports: BTreeSet<Import> = BTreeSet::new();
    let mut items = Vec::new();
    for view in &context.schema.views {
        let rust_name = struct_name(&view.name, &mut taken);
        items.push(write_view(context, view, &rust_name, module, &mut imports));
    }
    let mut out = String::from(
        "//! Written by `cargo dbkit pull` from the database's views; it may be edited freely.\n",
    );
    let uses = use_lines(&imports, &["View"]);
    out.push('\n');
    for line in uses {
        out.push_str(&line);
        out.push('\n');
    }
    for item in items {
        out.push('\n');
        out.push_str(&item);
    }
    Some(out)
}

/// `CustomerOrders`, then `ShopCustomerOrders`, then a number.
fn struct_name(name: &QualifiedName, taken: &mut BTreeSet<String>) -> String {
    let plain = upper_camel_case(&name.name, "View");
    let mut candidates = vec![plain.clone()];
    if name.schema != PUBLIC {
        candidates.push(format!(
            "{}{plain}",
            upper_camel_case(&name.schema, "Schema")
        ));
    }
    let reserved = super::super::identifiers::RESERVED_TYPE_NAMES;
    let free = |candidate: &String, taken: &BTreeSet<String>| {
        !taken.contains(candidate) && !reserved.contains(&candidate.as_str())
    };
    let chosen = candidates
        .iter()
        .find(|candidate| free(candidate, taken))
        .cloned()
        .unwrap_or_else(|| {
            (2..)
                .map(|n| format!("{plain}{n}"))
                .find(|candidate| free(candidate, taken))
                .unwrap_or(plain)
        });
    taken.insert(chosen.clone());
    chosen
}

fn write_view(
    context: &mut Context<'_>,
    view: &View,
    rust_name: &str,
    module: &str,
    imports: &mut BTreeSet<Import>,
) -> String {
    let mut out = String::new();
    if let Some(comment) = &view.comment {
        write_comment(
            &mut out,
            0,
            comment,
            format!("view `{}`", view.name),
            &mut context.unexpressed,
        );
    }
    out.push_str("#[derive(Debug, Clone, View)]\n");
    let kind = if view.materialized {
        "materialized_view"
    } else {
        "view"
    };
    let mut attributes = vec![Meta::text(kind, view.name.name.clone())];
    if view.name.schema != PUBLIC {
        attributes.push(Meta::text("schema", view.name.schema.clone()));
    }
    if view.with_no_data {
        attributes.push(Meta::word("with_no_data"));
    }
    write_dbkit_attribute(&mut out, AttributePlace::Item, &attributes);
    write_text_attribute(
        &mut out,
        "query",
        &raw_string(view.query.trim().trim_end_matches(';').trim_end()),
    );
    let field_names = field_names(view);
    for index in &view.indexes {
        let mut items = Vec::new();
        let middle = match &index.key {
            IndexKey::Columns(columns) => {
                items.push(columns_meta(columns));
                naming::columns_name_part(columns)
            }
            IndexKey::Expression(expression) => {
                items.push(Meta::text("expr", expression.clone()));
                naming::expression_name_part(expression)
            }
        };
        if naming::make_object_name(&view.name.name, Some(&middle), "idx") != index.name {
            items.push(Meta::text("name", index.name.clone()));
        }
        if index.unique {
            items.push(Meta::word("unique"));
        }
        if index.method != "btree" {
            items.push(Meta::text("method", index.method.clone()));
        }
        if let Some(predicate) = &index.predicate {
            items.push(Meta::text("where", predicate.clone()));
        }
        write_dbkit_attribute(
            &mut out,
            AttributePlace::Item,
            &[Meta::List("index", items)],
        );
    }
    out.push_str(&format!("pub struct {rust_name} {{\n"));
    for (column, field_name) in view.columns.iter().zip(&field_names) {
        let enums = &context.enums;
        let enum_place = |name: &QualifiedName| {
            enums.get(name).map(|written| EnumPlace {
                module: written.module.clone(),
                rust_name: written.rust_name.clone(),
            })
        };
        let names_enum = |text: &str| {
            let BaseType::Builtin(canonical) = parse_sql_type(text).base else {
                return false;
            };
            enums.keys().any(|name| name.name == canonical)
        };
        let mut problem = None;
        let FieldType {
            rust,
            sql_type,
            imports: needed,
        } = field_type(
            &column.ty,
            true,
            module,
            &enum_place,
            &names_enum,
            context.type_relatives,
            &mut problem,
        );
        imports.extend(needed);
        let mut field_attributes = Vec::new();
        if *field_name != column.name {
            field_attributes.push(Meta::text("column", column.name.clone()));
        }
        if let Some(sql_type) = sql_type {
            field_attributes.push(Meta::text("sql_type", sql_type));
        }
        if !field_attributes.is_empty() {
            write_dbkit_attribute(&mut out, AttributePlace::Field, &field_attributes);
        }
        out.push_str(&format!("    pub {}: {rust},\n", written_field(field_name)));
    }
    out.push_str("}\n");
    out
}

/// A field name per column: the column's name when it is a usable
/// identifier, else a snake_case spelling of it, unique in the struct.
fn field_names(view: &View) -> Vec<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    view.columns
        .iter()
        .map(|column| {
            let mut candidate = if is_usable_identifier(&column.name) {
                column.name.clone()
            } else {
                snake_case_identifier(&column.name, "column")
            };
            if !is_usable_identifier(&candidate) {
                candidate.push('_');
            }
            let mut unique = candidate.clone();
            let mut n = 2;
            while used.contains(&unique) {
                unique = format!("{candidate}_{n}");
                n += 1;
            }
            used.insert(unique.clone());
            unique
        })
        .collect()
}

fn written_field(name: &str) -> String {
    super::super::identifiers::written_identifier(name)
}
