//! The options of keys, constraints, indexes and tables: per-key index
//! options (`columns(created_at(desc, nulls_last), email(opclass =
//! "text_pattern_ops", collate = "C"))`), `include(…)`, storage parameters
//! (`with = "fillfactor=70"`), `deferrable` / `initially_deferred`,
//! `not_valid`, exclusion constraints (`exclude(…)`) and a field's
//! `collate`.
//!
//! They are read here, apart from the attributes they belong to, so that
//! each is spelled and checked the same way wherever it is allowed: the
//! same words, the same did-you-mean, the same file:line:column errors.

use super::{Spanned, find_entry, list_entries, optional_string, spanned};
use crate::model::{Deferral, Exclusion, KeyOptions, NullsOrder, parse_storage_parameters};
use crate::naming;
use crate::parse::attribute::{AttributeItem, AttributeValue};
use crate::parse::diagnostic::Diagnostic;
use crate::parse::suggestion::closest_match;
use proc_macro2::Span;

/// The options a key column of `index(columns(…))` takes.
const KEY_OPTIONS: &[&str] = &[
    "asc",
    "desc",
    "nulls_first",
    "nulls_last",
    "opclass",
    "collate",
];

/// The arguments of `exclude(…)`.
const EXCLUDE_ARGUMENTS: &[&str] = &[
    "name",
    "using",
    "elements",
    "where",
    "deferrable",
    "initially_deferred",
];

/// One key column of an index with its options.
pub(super) struct KeyColumn {
    pub name: String,
    pub span: Span,
    pub options: KeyOptions,
}

/// `columns(a, b(desc), c(opclass = "text_pattern_ops"))`.
pub(super) fn read_key_columns(entry: &AttributeItem) -> Result<Vec<KeyColumn>, Diagnostic> {
    let items = entry.expect_list("columns(a, b(desc))")?;
    if items.is_empty() {
        return Err(entry
            .diagnostic("`columns` needs at least one column")
            .with_help("write `columns(a, b)`"));
    }
    items
        .iter()
        .map(|item| match &item.value {
            AttributeValue::Flag => Ok(KeyColumn {
                name: item.name.clone(),
                span: item.name_span,
                options: KeyOptions::default(),
            }),
            AttributeValue::List(options) => Ok(KeyColumn {
                name: item.name.clone(),
                span: item.name_span,
                options: read_key_options(item, options)?,
            }),
            _ => Err(item
                .diagnostic("expected a column name, with its options in parentheses")
                .with_help(
                    "write `columns(a, b(desc, nulls_last), c(opclass = \"text_pattern_ops\"))`",
                )),
        })
        .collect()
}

/// The options of one key column: `desc, nulls_last, opclass = "…", collate = "…"`.
fn read_key_options(
    column: &AttributeItem,
    options: &[AttributeItem],
) -> Result<KeyOptions, Diagnostic> {
    let mut descending: Option<(bool, Span)> = None;
    let mut nulls: Option<(NullsOrder, Span)> = None;
    let mut opclass = None;
    let mut collation = None;
    for option in options {
        option.expect_named()?;
        let conflict = |first: Span, what: &str| {
            option
                .diagnostic(format!(
                    "`{}` contradicts or repeats an earlier option of `{}`",
                    option.name, column.name
                ))
                .with_help(format!("give the key's {what} once"))
                .with_related(first, "given here first")
        };
        match option.name.as_str() {
            "asc" | "desc" => {
                option.expect_flag()?;
                if let Some((_, first)) = descending {
                    return Err(conflict(first, "direction"));
                }
                descending = Some((option.name == "desc", option.name_span));
            }
            "nulls_first" | "nulls_last" => {
                option.expect_flag()?;
                if let Some((_, first)) = nulls {
                    return Err(conflict(first, "NULLS order"));
                }
                let order = if option.name == "nulls_first" {
                    NullsOrder::First
                } else {
                    NullsOrder::Last
                };
                nulls = Some((order, option.name_span));
            }
            "opclass" => {
                if opclass.is_some() {
                    return Err(conflict(option.name_span, "operator class"));
                }
                let (value, span) = option.expect_string()?;
                opclass = Some(read_operator_class(&value, span)?);
            }
            "collate" => {
                if collation.is_some() {
                    return Err(conflict(option.name_span, "collation"));
                }
                let (value, span) = option.expect_string()?;
                collation = Some(read_collation_name(&value, span)?);
            }
            _ => {
                let diagnostic = option
                    .diagnostic(format!(
                        "unknown option `{}` of key column `{}`",
                        option.name, column.name
                    ))
                    .with_label("not an index key option");
                return Err(match closest_match(&option.name, KEY_OPTIONS) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic
                        .with_help(format!("a key column takes: {}", KEY_OPTIONS.join(", "))),
                });
            }
        }
    }
    Ok(KeyOptions::new(
        descending.is_some_and(|(descending, _)| descending),
        nulls.map(|(nulls, _)| nulls),
        opclass,
        collation,
    ))
}

/// An operator class: a lowercase name, or `schema.name`, as the catalog
/// spells it (it is written quoted).
fn read_operator_class(value: &str, span: Span) -> Result<String, Diagnostic> {
    let value = value.trim();
    let parts: Vec<&str> = value.split('.').collect();
    let valid = parts.len() <= 2
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.len() <= naming::MAX_IDENTIFIER_BYTES
                && !part.starts_with(|c: char| c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if !valid {
        return Err(Diagnostic::new(span, format!("`{value}` is not an operator class name"))
            .with_help("write the operator class as the catalog names it, in lowercase: `opclass = \"text_pattern_ops\"`"));
    }
    Ok(value.to_string())
}

/// A collation name as the catalog spells it (`C`, `en-x-icu`); it is
/// written quoted, so any name PostgreSQL can hold is allowed.
fn read_collation_name(value: &str, span: Span) -> Result<String, Diagnostic> {
    if value.is_empty() {
        return Err(Diagnostic::new(span, "the collation name is empty")
            .with_help("name a collation: `collate = \"C\"`"));
    }
    if value.len() > naming::MAX_IDENTIFIER_BYTES {
        return Err(Diagnostic::new(
            span,
            format!(
                "the collation name `{value}` is longer than {} bytes",
                naming::MAX_IDENTIFIER_BYTES
            ),
        )
        .with_help("name a collation of the database: `collate = \"C\"`"));
    }
    Ok(value.to_string())
}

/// A field's `collate = "C"`.
pub(super) fn read_field_collation(item: &AttributeItem) -> Result<Spanned<String>, Diagnostic> {
    let (value, span) = item.expect_string()?;
    let name = read_collation_name(&value, span)?;
    Ok(spanned(name, span, item))
}

/// `with = "fillfactor=70, autovacuum_enabled=off"`, sorted by name.
pub(super) fn read_storage_parameters(item: &AttributeItem) -> Result<Vec<String>, Diagnostic> {
    let (value, span) = item.expect_string()?;
    parse_storage_parameters(&value).map_err(|error| {
        Diagnostic::new(
            span,
            format!("`{}` is not a storage parameter", error.entry),
        )
        .with_label("expected `name=value`")
        .with_help("write `with = \"fillfactor=70\"`, several separated by commas; names and values are letters, digits and `_` (values also `.`, `+`, `-`)")
    })
}

/// `deferrable` and `initially_deferred` among a constraint's arguments
/// (`initially_deferred` alone implies `deferrable`, as in PostgreSQL).
pub(super) fn read_deferral(entries: &[&AttributeItem]) -> Result<Deferral, Diagnostic> {
    let deferrable = flag(entries, "deferrable")?;
    let deferred = flag(entries, "initially_deferred")?;
    Ok(Deferral::from_catalog(deferrable || deferred, deferred))
}

/// Whether the flag `name` is among `entries`.
pub(super) fn flag(entries: &[&AttributeItem], name: &str) -> Result<bool, Diagnostic> {
    match find_entry(entries, name) {
        Some(entry) => {
            entry.expect_flag()?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A struct-level `exclude(name = "…", using = "gist", elements = "…", where = "…")`.
pub(super) fn read_exclusion(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<(Spanned<String>, Exclusion)>, Diagnostic> {
    let example = "exclude(name = \"bookings_room_during_excl\", using = \"gist\", elements = \"room WITH =, during WITH &&\")";
    let entries = list_entries(item, EXCLUDE_ARGUMENTS, example, diagnostics)?;
    let Some(name) = optional_string(&entries, "name")? else {
        return Err(item
            .diagnostic("`exclude` needs a `name`")
            .with_help(format!("name the constraint: `{example}`")));
    };
    let Some(elements) = optional_string(&entries, "elements")? else {
        return Err(item
            .diagnostic("`exclude` needs its `elements`")
            .with_help(format!("write `{example}`")));
    };
    if elements.value.trim().is_empty() {
        return Err(
            Diagnostic::new(elements.span, "the exclusion's `elements` are empty").with_help(
                "write each element and its operator: `elements = \"room WITH =, during WITH &&\"`",
            ),
        );
    }
    let method = match optional_string(&entries, "using")? {
        Some(method) => read_access_method(&method.value, method.span)?,
        None => "btree".to_string(),
    };
    let predicate = match optional_string(&entries, "where")? {
        Some(predicate) if predicate.value.trim().is_empty() => {
            return Err(
                Diagnostic::new(predicate.span, "the exclusion's `where` is empty").with_help(
                    "write the predicate: `where = \"NOT cancelled\"`, or remove `where`",
                ),
            );
        }
        Some(predicate) => Some(predicate.value),
        None => None,
    };
    let exclusion = Exclusion::new(name.value.clone(), method, elements.value)
        .with_predicate(predicate)
        .with_deferrable(read_deferral(&entries)?);
    Ok(Some((name, exclusion)))
}

/// An access method name (`btree`, `gist`), lowercase.
pub(super) fn read_access_method(value: &str, span: Span) -> Result<String, Diagnostic> {
    let lowered = value.trim().to_lowercase();
    if lowered.is_empty()
        || !lowered
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(
            Diagnostic::new(span, format!("`{value}` is not an index method")).with_help(
                "write an access method name such as `btree`, `hash`, `gin`, `gist` or `brin`",
            ),
        );
    }
    Ok(lowered)
}

#[cfg(test)]
mod tests {
    use crate::model::{Deferral, Exclusion, IndexKey, KeyOptions, NullsOrder, Table};
    use crate::parse::parse_source_file;
    use crate::resolve::resolve_schema;

    /// The one table `source` declares.
    fn table(source: &str) -> Table {
        let declarations =
            parse_source_file(source, "src/a.rs").unwrap_or_else(|errors| panic!("{errors:?}"));
        let schema = resolve_schema(declarations).unwrap_or_else(|errors| panic!("{errors:?}"));
        schema.tables.into_iter().next().expect("a table")
    }

    /// `file:line:column: message` and the help of each error `source` has.
    fn errors(source: &str) -> Vec<String> {
        match parse_source_file(source, "src/a.rs") {
            Ok(_) => panic!("accepted: {source}"),
            Err(errors) => errors
                .iter()
                .map(|error| {
                    format!(
                        "{}: {} / {}",
                        error.location,
                        error.message,
                        error.help.clone().unwrap_or_default()
                    )
                })
                .collect(),
        }
    }

    const FIELDS: &str = "pub struct Users {\n    #[dbkit(primary_key)]\n    pub id: i64,\n    pub email: String,\n    pub created_at: i64,\n}\n";

    #[test]
    fn index_keys_take_a_direction_nulls_an_operator_class_and_a_collation() {
        let source = format!(
            "#[derive(Table)]\n#[dbkit(index(columns(created_at(desc, nulls_last), email(opclass = \"text_pattern_ops\", collate = \"C\")), include(id), with = \"fillfactor = 70, Deduplicate_Items=off\"))]\n{FIELDS}"
        );
        let index = table(&source).indexes.remove(0);
        assert_eq!(index.name, "users_created_at_email_idx");
        assert_eq!(
            index.key,
            IndexKey::Columns(vec!["created_at".into(), "email".into()])
        );
        assert_eq!(
            index.key_options,
            [
                KeyOptions::new(true, Some(NullsOrder::Last), None, None),
                KeyOptions::new(
                    false,
                    None,
                    Some("text_pattern_ops".into()),
                    Some("C".into())
                ),
            ]
        );
        assert_eq!(index.include, ["id"]);
        assert_eq!(
            index.storage_parameters,
            ["deduplicate_items=off", "fillfactor=70"]
        );
    }

    #[test]
    fn default_options_are_no_options() {
        let source = format!(
            "#[derive(Table)]\n#[dbkit(index(columns(created_at(asc, nulls_last), email(desc, nulls_first))))]\n{FIELDS}"
        );
        let index = table(&source).indexes.remove(0);
        assert_eq!(
            index.key_options,
            [
                KeyOptions::default(),
                KeyOptions::new(true, None, None, None)
            ]
        );
        let source = format!(
            "#[derive(Table)]\n#[dbkit(index(columns(created_at(asc, nulls_last))))]\n{FIELDS}"
        );
        assert!(table(&source).indexes[0].key_options.is_empty());
    }

    #[test]
    fn constraints_take_deferral_and_not_valid_and_tables_exclusions_storage_and_collations() {
        let source = "#[derive(Table)]\n#[dbkit(with = \"fillfactor=70\")]\n#[dbkit(primary_key(columns(id), initially_deferred))]\n#[dbkit(unique(columns(email), deferrable))]\n#[dbkit(check(name = \"users_id_check\", expr = \"id > 0\", not_valid))]\n#[dbkit(foreign_key(columns(team), references = \"teams(id)\", deferrable, not_valid))]\n#[dbkit(exclude(name = \"users_team_excl\", using = \"GiST\", elements = \"team WITH =\", where = \"id > 0\", deferrable))]\npub struct Users {\n    pub id: i64,\n    #[dbkit(collate = \"C\")]\n    pub email: String,\n    pub team: i64,\n}\n#[derive(Table)]\npub struct Teams {\n    #[dbkit(primary_key)]\n    pub id: i64,\n}\n";
        let declarations = parse_source_file(source, "src/a.rs").expect("parses");
        let schema = resolve_schema(declarations).expect("resolves");
        let users = schema
            .tables
            .iter()
            .find(|t| t.name.name == "users")
            .expect("users");
        assert_eq!(users.storage_parameters, ["fillfactor=70"]);
        assert_eq!(
            users.primary_key.as_ref().map(|key| key.deferrable),
            Some(Deferral::Deferred)
        );
        assert_eq!(users.uniques[0].deferrable, Deferral::Immediate);
        assert!(users.checks[0].not_valid);
        assert_eq!(users.foreign_keys[0].deferrable, Deferral::Immediate);
        assert!(users.foreign_keys[0].not_valid);
        assert_eq!(
            users.exclusions,
            [Exclusion::new("users_team_excl", "gist", "team WITH =")
                .with_predicate(Some("id > 0".into()))
                .with_deferrable(Deferral::Immediate)]
        );
        assert_eq!(users.columns[1].collation.as_deref(), Some("C"));
    }

    #[test]
    fn unknown_options_suggest_the_closest() {
        let source = format!("#[derive(Table)]\n#[dbkit(index(columns(email(dessc))))]\n{FIELDS}");
        assert_eq!(
            errors(&source),
            ["src/a.rs:2:29: unknown option `dessc` of key column `email` / did you mean `desc`?"]
        );
        let source =
            format!("#[derive(Table)]\n#[dbkit(unique(columns(email), deferable))]\n{FIELDS}");
        assert_eq!(
            errors(&source),
            [
                "src/a.rs:2:32: unknown argument `deferable` of `unique` / did you mean `deferrable`?"
            ]
        );
        let source = format!(
            "#[derive(Table)]\n#[dbkit(exclude(name = \"x\", elements = \"id WITH =\", usin = \"gist\"))]\n{FIELDS}"
        );
        assert_eq!(
            errors(&source),
            ["src/a.rs:2:53: unknown argument `usin` of `exclude` / did you mean `using`?"]
        );
        let source = "#[derive(Table)]\npub struct A {\n    #[dbkit(colate = \"C\")]\n    pub a: String,\n}\n";
        assert_eq!(
            errors(source),
            ["src/a.rs:3:13: unknown attribute `colate` / did you mean `collate`?"]
        );
    }

    #[test]
    fn bad_values_are_errors_at_their_place() {
        let cases: [(&str, &str); 5] = [
            (
                "#[dbkit(with = \"fillfactor\")]",
                "src/a.rs:2:16: `fillfactor` is not a storage parameter",
            ),
            (
                "#[dbkit(index(columns(email), with = \"fillfactor=70); DROP TABLE x\"))]",
                "src/a.rs:2:38: `fillfactor=70); DROP TABLE x` is not a storage parameter",
            ),
            (
                "#[dbkit(index(columns(email(opclass = \"Text Ops\"))))]",
                "src/a.rs:2:39: `Text Ops` is not an operator class name",
            ),
            (
                "#[dbkit(index(columns(email(desc, asc))))]",
                "src/a.rs:2:35: `asc` contradicts or repeats an earlier option of `email`",
            ),
            (
                "#[dbkit(exclude(name = \"x\", elements = \" \"))]",
                "src/a.rs:2:40: the exclusion's `elements` are empty",
            ),
        ];
        for (attribute, expected) in cases {
            let source = format!("#[derive(Table)]\n{attribute}\n{FIELDS}");
            let found = errors(&source);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].starts_with(expected), "{found:?}");
        }
        let source =
            format!("#[derive(Table)]\n#[dbkit(exclude(elements = \"id WITH =\"))]\n{FIELDS}");
        assert!(errors(&source)[0].contains("`exclude` needs a `name`"));
        let source = format!(
            "#[derive(Table)]\n#[dbkit(check(name = \"c\", expr = \"id > 0\", not_valid = \"yes\"))]\n{FIELDS}"
        );
        assert!(errors(&source)[0].contains("`not_valid` takes no value"));
    }
}
