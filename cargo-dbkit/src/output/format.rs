//! Short phrases the commands share: durations, counts, migration names.

use dbkit_runtime::migrate::{Migration, MigrationStatus};
use std::time::Duration;

/// `12 ms` below a second, `1.3 s` above.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// `V3__add_x` of `V3__add_x.sql`.
pub fn stem(migration: &Migration) -> &str {
    migration
        .file_name
        .strip_suffix(".sql")
        .unwrap_or(&migration.file_name)
}

/// `1 migration`, `2 migrations`.
pub fn count(number: usize, one: &str, many: &str) -> String {
    format!("{number} {}", if number == 1 { one } else { many })
}

/// `V3__add_x`, from the file or, for an unknown migration, the history.
pub fn migration_label(migration: &MigrationStatus) -> String {
    match &migration.file_name {
        Some(file_name) => file_name
            .strip_suffix(".sql")
            .unwrap_or(file_name)
            .to_string(),
        None => format!("V{}__{}", migration.version, migration.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.2 s");
    }
}
