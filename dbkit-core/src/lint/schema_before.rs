//! The schema a migration is applied to, as the caller knows it (the
//! snapshot of the migration before), read only when a rule asks.

use std::borrow::Cow;

use crate::model::{BaseType, Schema, Table};
use crate::sql_text::quote_qualified;

/// A schema loaded at the first question, or never.
pub(crate) struct SchemaBefore<'a> {
    load: Option<Box<dyn FnOnce() -> Option<Cow<'a, Schema>> + 'a>>,
    schema: Option<Cow<'a, Schema>>,
}

impl<'a> SchemaBefore<'a> {
    pub fn new(load: impl FnOnce() -> Option<Cow<'a, Schema>> + 'a) -> SchemaBefore<'a> {
        SchemaBefore {
            load: Some(Box::new(load)),
            schema: None,
        }
    }

    fn schema(&mut self) -> Option<&Schema> {
        if let Some(load) = self.load.take() {
            self.schema = load();
        }
        self.schema.as_deref()
    }

    /// The type of `table.column` before the migration, as PostgreSQL
    /// spells it (`character varying(20)`, `integer[]`, an enum's quoted
    /// name), or `None` when the schema, the table or the column is not
    /// known. An unqualified table is looked for in `public` first, then
    /// in the one schema that has it.
    pub fn column_type(
        &mut self,
        table_schema: Option<&str>,
        table: &str,
        column: &str,
    ) -> Option<String> {
        let schema = self.schema()?;
        let table = find_table(schema, table_schema, table)?;
        let column = table.column(column)?;
        let base = match &column.ty.base {
            BaseType::Builtin(name) => name.clone(),
            BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => {
                quote_qualified(name)
            }
        };
        Some(format!(
            "{base}{}",
            "[]".repeat(usize::from(column.ty.array_dims))
        ))
    }
}

fn find_table<'s>(schema: &'s Schema, table_schema: Option<&str>, name: &str) -> Option<&'s Table> {
    let mut named = schema.tables.iter().filter(|table| table.name.name == name);
    match table_schema {
        Some(wanted) => named.find(|table| table.name.schema == wanted),
        None => {
            let candidates: Vec<&Table> = named.collect();
            candidates
                .iter()
                .find(|table| table.name.schema == "public")
                .or(match candidates.as_slice() {
                    [only] => Some(only),
                    _ => None,
                })
                .copied()
        }
    }
}
