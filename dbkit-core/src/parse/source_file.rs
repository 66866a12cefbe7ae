//! `cargo dbkit`'s entry point: every schema item (`Table`, `PgEnum`,
//! `Sequence`, `Domain`, `CompositeType`, `Extension`, `SqlObject`, `View`,
//! `Function`) of one source file.

use super::composite::parse_composite;
use super::declaration::Declaration;
use super::diagnostic::{Diagnostic, SchemaError, place_of_span};
use super::domain::parse_domain;
use super::enumeration::parse_enum;
use super::extension::parse_extension;
use super::function::parse_function;
use super::sequence::parse_sequence;
use super::sql_object::parse_sql_object;
use super::table::parse_table;
use super::view::parse_view;

/// Which derive an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DerivedSchemaItem {
    Table,
    PgEnum,
    Extension,
    SqlObject,
    Sequence,
    Domain,
    CompositeType,
    View,
    Function,
}

/// The derive names `cargo dbkit` reads, each by the last segment of its
/// path; a file that mentions none of them declares nothing.
const SCHEMA_DERIVES: &[(&str, DerivedSchemaItem)] = &[
    ("Table", DerivedSchemaItem::Table),
    ("PgEnum", DerivedSchemaItem::PgEnum),
    ("Sequence", DerivedSchemaItem::Sequence),
    ("Domain", DerivedSchemaItem::Domain),
    ("CompositeType", DerivedSchemaItem::CompositeType),
    ("Extension", DerivedSchemaItem::Extension),
    ("SqlObject", DerivedSchemaItem::SqlObject),
    ("View", DerivedSchemaItem::View),
    ("Function", DerivedSchemaItem::Function),
];

/// The schema declarations of one `.rs` file.
///
/// Finds every struct and enum whose `#[derive(...)]` list holds a path
/// ending in one of [`SCHEMA_DERIVES`], at the top level or in inline modules
/// (`mod x { ... }`), and parses it exactly as the derive macros do. Items
/// and inline modules under `#[cfg(test)]` or `#[cfg(all(test, ...))]` are
/// skipped, as are items inside function bodies and out-of-line modules
/// (those are files of their own).
///
/// A file whose text mentions none of them cannot declare
/// anything, so it is answered with `Ok(vec![])` without being parsed (not
/// even checked to be valid Rust): that keeps large workspaces fast.
///
/// `display_path` is the file name put into every location. Errors are
/// sorted by location; a file that is not valid Rust gives one error at the
/// place the parser stopped.
///
/// Spans are resolved through proc-macro2's per-thread source map, which
/// keeps each parsed file's text; a process that parses gigabytes on one
/// thread should call `proc_macro2::extra::invalidate_current_thread_spans`
/// between batches.
pub fn parse_source_file(
    text: &str,
    display_path: &str,
) -> Result<Vec<Declaration>, Vec<SchemaError>> {
    if !mentions_a_schema_derive(text) {
        return Ok(Vec::new());
    }
    let file = match syn::parse_file(text) {
        Ok(file) => file,
        Err(error) => return Err(vec![unparsable_file_error(&error, display_path)]),
    };
    let mut declarations = Vec::new();
    let mut errors = Vec::new();
    collect_items(file.items, display_path, &mut declarations, &mut errors);
    if errors.is_empty() {
        Ok(declarations)
    } else {
        errors.sort_by_key(|error| (error.location.line, error.location.column));
        Err(errors)
    }
}

/// Whether `text` mentions the name of a schema derive at all: a file that
/// does not cannot declare anything.
pub fn mentions_a_schema_derive(text: &str) -> bool {
    SCHEMA_DERIVES.iter().any(|(name, _)| text.contains(name))
}

fn unparsable_file_error(error: &syn::Error, display_path: &str) -> SchemaError {
    let first = error
        .clone()
        .into_iter()
        .next()
        .unwrap_or_else(|| error.clone());
    let span = first.span();
    let place = place_of_span(span, span, display_path);
    SchemaError::at(
        &place,
        format!("could not parse this file as Rust: {first}"),
    )
    .with_help("fix the syntax error; the compiler reports the same")
}

fn collect_items(
    items: Vec<syn::Item>,
    display_path: &str,
    declarations: &mut Vec<Declaration>,
    errors: &mut Vec<SchemaError>,
) {
    for item in items {
        match item {
            syn::Item::Struct(item) => {
                let derived = derived_schema_items(&item.attrs);
                if !derived.is_empty() && !item_is_test_only(&item.attrs) {
                    parse_derived(
                        syn::DeriveInput::from(item),
                        &derived,
                        display_path,
                        declarations,
                        errors,
                    );
                }
            }
            syn::Item::Enum(item) => {
                let derived = derived_schema_items(&item.attrs);
                if !derived.is_empty() && !item_is_test_only(&item.attrs) {
                    parse_derived(
                        syn::DeriveInput::from(item),
                        &derived,
                        display_path,
                        declarations,
                        errors,
                    );
                }
            }
            syn::Item::Union(item) => {
                let derived = derived_schema_items(&item.attrs);
                if !derived.is_empty() && !item_is_test_only(&item.attrs) {
                    parse_derived(
                        syn::DeriveInput::from(item),
                        &derived,
                        display_path,
                        declarations,
                        errors,
                    );
                }
            }
            syn::Item::Mod(module) => {
                if item_is_test_only(&module.attrs) {
                    continue;
                }
                if let Some((_, items)) = module.content {
                    collect_items(items, display_path, declarations, errors);
                }
            }
            _ => {}
        }
    }
}

fn parse_derived(
    input: syn::DeriveInput,
    derived: &[DerivedSchemaItem],
    display_path: &str,
    declarations: &mut Vec<Declaration>,
    errors: &mut Vec<SchemaError>,
) {
    for kind in derived {
        let outcome = match kind {
            DerivedSchemaItem::Table => parse_table(&input, display_path).map(Declaration::Table),
            DerivedSchemaItem::PgEnum => parse_enum(&input, display_path).map(Declaration::Enum),
            DerivedSchemaItem::Extension => {
                parse_extension(&input, display_path).map(Declaration::Extension)
            }
            DerivedSchemaItem::SqlObject => {
                parse_sql_object(&input, display_path).map(Declaration::SqlObject)
            }
            DerivedSchemaItem::Sequence => {
                parse_sequence(&input, display_path).map(Declaration::Sequence)
            }
            DerivedSchemaItem::Domain => {
                parse_domain(&input, display_path).map(Declaration::Domain)
            }
            DerivedSchemaItem::CompositeType => {
                parse_composite(&input, display_path).map(Declaration::CompositeType)
            }
            DerivedSchemaItem::View => parse_view(&input, display_path).map(Declaration::View),
            DerivedSchemaItem::Function => {
                parse_function(&input, display_path).map(Declaration::Function)
            }
        };
        match outcome {
            Ok(declaration) => declarations.push(declaration),
            Err(diagnostics) => {
                errors.extend(
                    diagnostics
                        .iter()
                        .map(|diagnostic: &Diagnostic| diagnostic.to_schema_error(display_path)),
                );
            }
        }
    }
}

/// The schema derives in an item's `#[derive(...)]` lists.
fn derived_schema_items(attributes: &[syn::Attribute]) -> Vec<DerivedSchemaItem> {
    let mut derived = Vec::new();
    for attribute in attributes {
        if !attribute.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attribute.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        for path in paths {
            let Some(kind) = path.segments.last().and_then(|segment| {
                SCHEMA_DERIVES
                    .iter()
                    .find(|(name, _)| segment.ident == name)
                    .map(|(_, kind)| *kind)
            }) else {
                continue;
            };
            if !derived.contains(&kind) {
                derived.push(kind);
            }
        }
    }
    derived
}

/// Whether an item only exists in test builds: `#[cfg(test)]` or
/// `#[cfg(all(test, ...))]` (at any depth of `all`).
pub fn item_is_test_only(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg")
            && attribute
                .parse_args::<syn::Meta>()
                .is_ok_and(|predicate| predicate_requires_test(&predicate))
    })
}

fn predicate_requires_test(predicate: &syn::Meta) -> bool {
    predicate_requires_test_within(predicate, 0)
}

fn predicate_requires_test_within(predicate: &syn::Meta, depth: usize) -> bool {
    match predicate {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") && depth < 16 => list
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|predicates| {
                predicates
                    .iter()
                    .any(|inner| predicate_requires_test_within(inner, depth + 1))
            }),
        _ => false,
    }
}
