//! `ENABLE` / `DISABLE` and `FORCE` / `NO FORCE ROW LEVEL SECURITY`: the
//! steps that give each table of the new schema its row-level security
//! flags.
//!
//! They come after the tables are created, renamed and altered (a table
//! created with row-level security is created without it and switched on
//! here, as a comment is set after `CREATE TABLE`), and before the objects
//! defined by SQL, so policies are created on a table that already has
//! its flags; PostgreSQL accepts either order, this one reads best.

use super::change::Change;
use super::lookup::TableCursor;
use crate::model::Schema;

/// The steps that turn the flags of the tables of `current` (after the
/// tables' renames) into those of `new`; tables absent from `current` are
/// left out.
pub(super) fn row_security_steps(current: &Schema, new: &Schema) -> Vec<Change> {
    let mut steps = Vec::new();
    let mut current_tables = TableCursor::default();
    for new_table in &new.tables {
        let Some(current_table) = current_tables.table(&current.tables, &new_table.name) else {
            continue;
        };
        if current_table.row_level_security != new_table.row_level_security {
            steps.push(Change::SetRowLevelSecurity {
                table: new_table.name.clone(),
                enabled: new_table.row_level_security,
            });
        }
        if current_table.force_row_level_security != new_table.force_row_level_security {
            steps.push(Change::SetForceRowLevelSecurity {
                table: new_table.name.clone(),
                forced: new_table.force_row_level_security,
            });
        }
    }
    steps
}
