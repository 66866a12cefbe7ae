//! The migration lint: every rule against its fixtures in `tests/lint/<rule-id>/`
//! (`fires.sql` and each `fires_<case>.sql` must give a finding of the
//! rule, `passes.sql` and each `passes_<case>.sql` none), the findings of
//! each `fires` file as insta snapshots, the repository's own
//! migrations, configuration, silencing, positions, and no panic on any text.
//!
//! A rule's fixtures are applied to the schema its `schema_before.txt`
//! describes, when it has one (the snapshot `check` and `generate` give
//! the lint), and to an unknown schema otherwise.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use dbkit_core::lint::{
    LintConfig, LintFinding, RULES, Severity, lint_migration, lint_migration_with_schema,
};
use dbkit_core::model::Schema;
use dbkit_core::test_support::builders::{self, ColumnExt, enum_type, name};
use dbkit_core::types::parse_sql_type;
use proptest::prelude::*;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint")
}

/// The fixtures of `rule` whose names start with `kind` (`fires` or
/// `passes`): `<kind>.sql` first, then the `<kind>_<case>.sql` files by
/// name, each with the name of its snapshot (`fires_<rule>`,
/// `fires_<rule>_<case>`).
fn fixtures(rule: &str, kind: &str) -> Vec<(String, PathBuf)> {
    let directory = fixtures_dir().join(rule);
    let mut found: Vec<(String, PathBuf)> = fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("reading {}: {error}", directory.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter_map(|path| {
            let stem = path.file_stem()?.to_str()?.to_string();
            let case = stem.strip_prefix(kind)?;
            let snapshot = match case {
                "" => format!("{kind}_{rule}"),
                _ => format!("{kind}_{rule}_{}", case.strip_prefix('_')?),
            };
            (path.extension()? == "sql").then_some((snapshot, path))
        })
        .collect();
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

/// The findings as a reviewer reads them: one block per finding.
fn render(findings: &[LintFinding]) -> String {
    let mut text = String::new();
    for finding in findings {
        text.push_str(&format!(
            "{}[{}] {}:{}: {}\n",
            finding.severity, finding.rule, finding.line, finding.column, finding.message
        ));
        text.push_str(&format!("  why: {}\n", finding.why));
        let mut help = finding.help.lines();
        if let Some(first) = help.next() {
            text.push_str(&format!("  help: {first}\n"));
        }
        for line in help {
            text.push_str(&format!("        {line}\n"));
        }
    }
    if text.is_empty() {
        text.push_str("(no findings)\n");
    }
    text
}

fn lint(sql: &str) -> Vec<LintFinding> {
    lint_migration(sql, &LintConfig::default())
}

/// The schema `tests/lint/<rule>/schema_before.txt` describes: one column
/// per line, `<schema>.<table> <column> <type>` (`#` starts a comment).
fn schema_before(rule: &str) -> Option<Schema> {
    let text = fs::read_to_string(fixtures_dir().join(rule).join("schema_before.txt")).ok()?;
    let mut schema = Schema::default();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.splitn(3, ' ');
        let (Some(table), Some(column), Some(ty)) = (words.next(), words.next(), words.next())
        else {
            panic!(
                "schema_before.txt of {rule}: `{line}` is not `<schema>.<table> <column> <type>`"
            );
        };
        assert!(table.contains('.'), "a qualified table: {table}");
        let ty = match ty.strip_prefix('"') {
            Some(quoted) => {
                let (enum_schema, enum_name) = quoted
                    .trim_end_matches('"')
                    .split_once("\".\"")
                    .expect("an enum as \"schema\".\"name\"");
                enum_type(&format!("{enum_schema}.{enum_name}"))
            }
            None => parse_sql_type(ty),
        };
        let column = builders::column(column, ty).nullable();
        match schema
            .tables
            .iter_mut()
            .find(|found| found.name == name(table))
        {
            Some(found) => found.columns.push(column),
            None => schema.tables.push(builders::table(table, vec![column])),
        }
    }
    Some(schema)
}

/// A fixture of `rule` linted as `check` lints it: on the rule's schema
/// before, if it describes one.
fn lint_fixture(rule: &str, sql: &str, config: &LintConfig) -> Vec<LintFinding> {
    let schema = schema_before(rule);
    lint_migration_with_schema(sql, config, || schema.map(Cow::Owned))
}

fn rules_of(findings: &[LintFinding]) -> Vec<&'static str> {
    findings.iter().map(|finding| finding.rule).collect()
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    let directories: BTreeSet<String> = fs::read_dir(fixtures_dir())
        .expect("tests/lint exists")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for rule in RULES {
        for file in ["fires.sql", "passes.sql"] {
            let path = fixtures_dir().join(rule.id).join(file);
            assert!(
                path.is_file(),
                "rule `{}` has no fixture {}",
                rule.id,
                path.display()
            );
        }
    }
    let ids: BTreeSet<String> = RULES.iter().map(|rule| rule.id.to_string()).collect();
    let orphans: Vec<&String> = directories.difference(&ids).collect();
    assert!(orphans.is_empty(), "fixtures for no rule: {orphans:?}");
}

#[test]
fn every_fires_fixture_fires_its_rule() {
    for rule in RULES {
        for (snapshot, path) in fixtures(rule.id, "fires") {
            let sql = read(&path);
            let findings = lint_fixture(rule.id, &sql, &LintConfig::default());
            assert!(
                findings.iter().any(|finding| finding.rule == rule.id),
                "{} gives no `{}` finding:\n{}",
                path.display(),
                rule.id,
                render(&findings)
            );
            insta::with_settings!({ description => sql.as_str(), omit_expression => true }, {
                insta::assert_snapshot!(snapshot, render(&findings));
            });
        }
    }
}

#[test]
fn no_passes_fixture_fires_its_rule() {
    for rule in RULES {
        for (_, path) in fixtures(rule.id, "passes") {
            let findings = lint_fixture(rule.id, &read(&path), &LintConfig::default());
            let own: Vec<&LintFinding> = findings
                .iter()
                .filter(|finding| finding.rule == rule.id)
                .collect();
            assert!(
                own.is_empty(),
                "{} gives `{}` findings:\n{}",
                path.display(),
                rule.id,
                render(&findings)
            );
        }
    }
}

#[test]
fn a_rule_set_off_in_configuration_reports_nothing() {
    for rule in RULES {
        let config = LintConfig::from_metadata(&serde_json::json!({ rule.id: "off" }))
            .expect("a valid configuration");
        for (_, path) in fixtures(rule.id, "fires") {
            let findings = lint_fixture(rule.id, &read(&path), &config);
            assert!(
                !rules_of(&findings).contains(&rule.id),
                "`{}` is off but reported:\n{}",
                rule.id,
                render(&findings)
            );
        }
    }
}

#[test]
fn configuration_changes_severities_and_rejects_unknown_keys() {
    let config = LintConfig::from_metadata(&serde_json::json!({
        "adding-not-null-column": "warning",
        "require-lock-timeout": "off",
        "dropping-table": "error",
    }))
    .expect("a valid configuration");
    assert_eq!(config.severity("adding-not-null-column"), Severity::Warning);
    assert_eq!(config.severity("require-lock-timeout"), Severity::Off);
    assert_eq!(config.severity("dropping-table"), Severity::Error);
    assert_eq!(config.severity("setting-not-null"), Severity::Error);
    assert_eq!(config.severity("renaming-column"), Severity::Warning);
    assert_eq!(
        LintConfig::from_metadata(&serde_json::Value::Null),
        Ok(LintConfig::default())
    );

    let findings = lint_migration(
        "ALTER TABLE \"public\".\"users\" ADD COLUMN \"locale\" text NOT NULL;",
        &config,
    );
    assert_eq!(rules_of(&findings), ["adding-not-null-column"]);
    assert_eq!(findings[0].severity, Severity::Warning);

    let unknown =
        LintConfig::from_metadata(&serde_json::json!({ "adding-not-nul-column": "warning" }))
            .expect_err("an unknown rule is refused");
    assert!(unknown.contains("`adding-not-nul-column`"), "{unknown}");
    assert!(unknown.contains("adding-not-null-column"), "{unknown}");
    let severity = LintConfig::from_metadata(&serde_json::json!({ "dropping-table": "fatal" }))
        .expect_err("an unknown severity is refused");
    assert!(
        severity.contains("`dropping-table`") && severity.contains("\"fatal\""),
        "{severity}"
    );
    assert!(severity.contains("\"warning\""), "{severity}");
    assert!(LintConfig::from_metadata(&serde_json::json!(["dropping-table"])).is_err());
    assert!(LintConfig::from_metadata(&serde_json::json!({ "dropping-table": 1 })).is_err());
}

#[test]
fn severities_order_error_above_warning_above_off() {
    assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Off);
    assert_eq!(
        [Severity::Warning, Severity::Error, Severity::Off]
            .into_iter()
            .max(),
        Some(Severity::Error)
    );
    assert_eq!(
        serde_json::to_string(&Severity::Warning).ok().as_deref(),
        Some("\"warning\"")
    );
}

#[test]
fn every_rule_is_documented_kebab_case_and_unique() {
    let mut seen = BTreeSet::new();
    for rule in RULES {
        assert!(seen.insert(rule.id), "`{}` twice", rule.id);
        assert!(
            rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "`{}` is not kebab-case",
            rule.id
        );
        assert!(!rule.summary.is_empty());
        assert_ne!(rule.default_severity, Severity::Off);
    }
    let module_doc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lint/mod.rs"));
    for rule in RULES {
        assert!(
            module_doc.contains(&format!("| `{}` | {} |", rule.id, rule.default_severity)),
            "`{}` is missing from the rules table of the module documentation, or with another severity",
            rule.id
        );
    }
}

#[test]
fn findings_point_at_their_line_and_column_among_comments_and_blank_lines() {
    let sql = "-- dbkit:no-transaction\n\
               /* a block comment\n   over two lines; with a semicolon */\n\
               \n\
               SET lock_timeout = '5s';  -- trailing comment\n\
               \n\
               -- a comment before the statement\n\
               \n\
               CREATE INDEX \"a_idx\" ON \"public\".\"orders\" (\"a\");   DROP INDEX \"public\".\"b_idx\";\n\
               \n\
               ALTER TABLE \"public\".\"users\"\n\
               \x20   ADD COLUMN \"x\" text,\n\
               \x20   ALTER COLUMN \"y\" SET NOT NULL,\n\
               \n\
               \x20   DROP COLUMN \"z\";\n\
               COMMENT ON TABLE \"public\".\"users\" IS 'one;\n\ntwo';\n\
               ALTER TABLE \"public\".\"users\" RENAME COLUMN \"a\" TO \"b\";\n";
    let found: Vec<(&str, u32, u32)> = lint(sql)
        .iter()
        .map(|finding| (finding.rule, finding.line, finding.column))
        .collect();
    assert_eq!(
        found,
        [
            ("create-index-non-concurrently", 9, 1),
            ("require-statement-timeout", 9, 1),
            ("drop-index-non-concurrently", 9, 63),
            ("setting-not-null", 13, 18),
            ("dropping-column", 15, 17),
            ("renaming-column", 19, 44),
        ],
        "{}",
        render(&lint(sql))
    );
}

#[test]
fn the_line_above_a_clause_silences_that_clause_only() {
    let sql = "SET LOCAL lock_timeout = '1s';\n\
               ALTER TABLE \"public\".\"users\"\n\
               \x20   -- dbkit:allow(dropping-column)\n\
               \x20   DROP COLUMN \"a\",\n\
               \x20   DROP COLUMN \"b\";\n";
    let findings = lint(sql);
    assert_eq!(
        findings
            .iter()
            .map(|finding| (finding.rule, finding.line))
            .collect::<Vec<_>>(),
        [("dropping-column", 5)],
        "{}",
        render(&findings)
    );
}

#[test]
fn one_unparsable_statement_hides_nothing_in_the_others() {
    let sql = "SET LOCAL lock_timeout = '1s';\n\
               ALTER TABLE \"public\".\"users\" ALTER COLUMN \"a\" SET COMPRESSION lz4;\n\
               this is not sql at all;\n\
               ALTER TABLE \"public\".\"users\" ALTER COLUMN \"b\" SET NOT NULL;\n";
    let findings = lint(sql);
    assert_eq!(
        findings
            .iter()
            .map(|finding| (finding.rule, finding.line))
            .collect::<Vec<_>>(),
        [
            ("unparsed-statement", 2),
            ("unparsed-statement", 3),
            ("require-statement-timeout", 4),
            ("setting-not-null", 4)
        ],
        "{}",
        render(&findings)
    );
    assert!(
        findings[1].message.contains("line 3"),
        "{}",
        findings[1].message
    );
}

#[test]
fn actions_sqlparser_cannot_read_are_checked_with_the_others_of_their_statement() {
    let sql = "ALTER TABLE \"public\".\"users\"\n\
               \x20   ALTER COLUMN \"a\" DROP EXPRESSION,\n\
               \x20   ALTER \"b\" SET NOT NULL,\n\
               \x20   ALTER COLUMN \"c\" DROP IDENTITY IF EXISTS,\n\
               \x20   DROP COLUMN \"d\";\n";
    let findings = lint(sql);
    assert_eq!(
        findings
            .iter()
            .map(|finding| (finding.rule, finding.line, finding.column))
            .collect::<Vec<_>>(),
        [
            ("require-lock-timeout", 1, 1),
            ("require-statement-timeout", 1, 1),
            ("setting-not-null", 3, 11),
            ("dropping-column", 5, 17),
        ],
        "{}",
        render(&findings)
    );
    assert!(
        findings[0]
            .message
            .starts_with("ALTER TABLE \"public\".\"users\" takes an ACCESS EXCLUSIVE lock"),
        "{}",
        findings[0].message
    );
}

#[test]
fn a_type_moved_to_another_schema_is_read_and_stays_new_there() {
    // The enum renames dbkit writes: nothing to report, nothing unparsed.
    let sql = "ALTER TYPE \"public\".\"user_role\" RENAME TO \"role\";\n\
               ALTER TYPE \"public\".\"role\" SET SCHEMA \"app\";\n";
    let findings = lint(sql);
    assert!(findings.is_empty(), "{}", render(&findings));
    // A type created in the file and moved is still new: a label added
    // to it needs no position.
    let sql = "CREATE TYPE \"public\".\"mood\" AS ENUM ('a');\n\
               ALTER TYPE \"public\".\"mood\" SET SCHEMA \"app\";\n\
               ALTER TYPE \"app\".\"mood\" ADD VALUE 'b';\n";
    let findings = lint(sql);
    assert!(findings.is_empty(), "{}", render(&findings));
    // Anything else after ALTER TYPE that sqlparser refuses stays unparsed.
    let findings = lint("ALTER TYPE \"public\".\"mood\" OWNER TO \"someone\";\n");
    assert_eq!(
        rules_of(&findings),
        ["unparsed-statement"],
        "{}",
        render(&findings)
    );
}

#[test]
fn lock_timeout_of_zero_or_reset_does_not_count() {
    for set in [
        "SET lock_timeout = 0;",
        "SET lock_timeout = '0';",
        "SET lock_timeout TO '0s';",
        "SET lock_timeout = DEFAULT;",
        "SET lock_timeout = '2s'; RESET lock_timeout;",
        "SET lock_timeout = '2s'; RESET ALL;",
    ] {
        let sql = format!("{set}\nALTER TABLE \"public\".\"users\" ADD COLUMN \"a\" text;\n");
        assert_eq!(rules_of(&lint(&sql)), ["require-lock-timeout"], "{set}");
    }
    for set in [
        "SET lock_timeout = '2s';",
        "SET SESSION lock_timeout = 2000;",
        "SET LOCAL lock_timeout TO '1min';",
    ] {
        let sql = format!("{set}\nALTER TABLE \"public\".\"users\" ADD COLUMN \"a\" text;\n");
        assert_eq!(rules_of(&lint(&sql)), Vec::<&str>::new(), "{set}");
    }
}

#[test]
fn the_lock_timeout_finding_comes_once_on_the_first_heavy_statement() {
    let sql = "COMMENT ON TABLE \"public\".\"users\" IS 'x';\n\
               CREATE TABLE \"public\".\"a\" (\"id\" bigint);\n\
               ALTER TABLE \"public\".\"a\" ADD COLUMN \"b\" text;\n\
               ALTER TABLE \"public\".\"users\" ADD COLUMN \"c\" text;\n\
               ALTER TABLE \"public\".\"orders\" ADD COLUMN \"d\" text;\n";
    let findings = lint(sql);
    assert_eq!(
        findings
            .iter()
            .map(|finding| (finding.rule, finding.line))
            .collect::<Vec<_>>(),
        [("require-lock-timeout", 4)],
        "{}",
        render(&findings)
    );
}

#[test]
fn a_foreign_key_from_a_new_table_to_an_existing_one_needs_a_lock_timeout() {
    let sql = "CREATE TABLE \"public\".\"reviews\" (\"id\" bigint, \"user_id\" bigint REFERENCES \"public\".\"users\" (\"id\"));\n";
    assert_eq!(rules_of(&lint(sql)), ["require-lock-timeout"]);
}

#[test]
fn unquoted_names_fold_to_lowercase_when_matching_new_tables() {
    let sql = "CREATE TABLE Widgets (id bigint);\n\
               CREATE INDEX widgets_id_idx ON public.WIDGETS (id);\n\
               ALTER TABLE \"widgets\" ADD COLUMN \"n\" integer NOT NULL;\n\
               CREATE INDEX \"w_idx\" ON \"Widgets\" (\"id\");\n";
    let findings = lint(sql);
    assert_eq!(
        rules_of(&findings),
        [
            "create-index-non-concurrently",
            "require-lock-timeout",
            "require-statement-timeout"
        ],
        "a quoted \"Widgets\" is another table:\n{}",
        render(&findings)
    );
}

#[test]
fn the_repository_migrations_yield_what_is_expected() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files: Vec<PathBuf> = fs::read_dir(&directory)
        .expect("the repository's migrations folder")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut report = String::new();
    for file in files {
        let findings = lint(&read(&file));
        report.push_str(&format!(
            "== {}\n{}",
            file.file_name()
                .map(|name| name.to_string_lossy())
                .unwrap_or_default(),
            render(&findings)
        ));
    }
    insta::assert_snapshot!("repository_migrations", report);
}

/// Fragments of migration SQL, to build statement soups from.
const FRAGMENTS: &[&str] = &[
    "CREATE TABLE \"t\" (\"a\" int NOT NULL, CONSTRAINT \"c\" UNIQUE (\"a\"));",
    "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\");",
    "CREATE INDEX ON t (a);",
    "DROP INDEX CONCURRENTLY",
    "DROP INDEX",
    "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT random();",
    "ALTER TABLE t ALTER COLUMN a TYPE numeric(10, 2) USING a::numeric;",
    "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
    "ALTER TYPE e ADD VALUE 'x'",
    "SET LOCAL lock_timeout = '1s';",
    "-- dbkit:allow(",
    "-- dbkit:allow(dropping-table)\n",
    "-- dbkit:no-transaction\n",
    "/* ; */",
    "'",
    "\"",
    "$$",
    "$tag$ ; $tag$",
    "(",
    ")",
    ";",
    "\n",
    " ",
    "DO $$ BEGIN END $$;",
    "COMMENT ON COLUMN t.a IS 'é ; ''x''';",
    "ééééééééééééééééééééééééééééééééé",
    "E'\\'';",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_lints_without_panicking(text in any::<String>()) {
        let findings = lint(&text);
        for finding in &findings {
            prop_assert!(finding.line >= 1 && finding.column >= 1);
        }
    }

    #[test]
    fn any_statement_soup_lints_without_panicking(
        parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..24)
    ) {
        let sql: String = parts.concat();
        let findings = lint(&sql);
        let lines = u32::try_from(sql.lines().count().max(1)).unwrap_or(u32::MAX);
        for finding in &findings {
            prop_assert!(finding.line >= 1 && finding.line <= lines + 1, "{finding:?} in {sql:?}");
            prop_assert!(finding.severity != Severity::Off);
        }
        let mut sorted = findings.clone();
        sorted.sort_by_key(|finding| (finding.line, finding.column));
        prop_assert_eq!(sorted.iter().map(|f| (f.line, f.column)).collect::<Vec<_>>(),
            findings.iter().map(|f| (f.line, f.column)).collect::<Vec<_>>());
    }
}

#[test]
fn deeply_nested_expressions_are_refused_by_the_parser_not_the_stack() {
    let depth = 20_000;
    let nested = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let sql = format!(
        "ALTER TABLE \"t\" ADD COLUMN \"a\" integer DEFAULT {nested};\nSELECT {nested};\nSET lock_timeout = {nested};\n"
    );
    let findings = lint(&sql);
    assert_eq!(
        rules_of(&findings),
        [
            "unparsed-statement",
            "unparsed-statement",
            "unparsed-statement"
        ],
        "{}",
        render(&findings)
    );
    assert!(
        findings[0].message.contains("recursion limit"),
        "{}",
        findings[0].message
    );
}
