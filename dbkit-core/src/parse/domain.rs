//! `#[derive(Domain)]`: a newtype and its `#[dbkit(...)]` attributes → a [`DomainDeclaration`].
//!
//! The domain's base type is `sql_type` when given, else the mapping of the
//! newtype's one field (`Email(String)` is over `text`). A domain over an
//! enum, another domain or a composite type is not declared this way:
//! `sql_type` takes a built-in type.

use super::attribute::{AttributeItem, reject_nul};
use super::diagnostic::{Diagnostic, place_of_span};
use super::table::{check_identifier, check_nonempty, type_range};
use super::type_declaration::DomainDeclaration;
use super::type_item::{flag, known_items, optional_string, qualified_name, reject_generics};
use crate::model::Check;
use crate::naming;
use crate::types::{self, RustTypeMapping};
use proc_macro2::Span;

/// Attributes a `Domain` takes.
pub(crate) const DOMAIN_ATTRIBUTES: &[&str] = &[
    "name", "schema", "sql_type", "not_null", "default", "check", "collate",
];

/// Parses the input of `#[derive(Domain)]`.
pub fn parse_domain_derive(input: &syn::DeriveInput) -> Result<DomainDeclaration, Vec<Diagnostic>> {
    parse_domain(input, "")
}

pub(crate) fn parse_domain(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<DomainDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let field = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Unnamed(fields),
            ..
        }) if fields.unnamed.len() == 1 => fields.unnamed.first(),
        _ => None,
    };
    let Some(field) = field else {
        return Err(vec![
            Diagnostic::new(
                input.ident.span(),
                "`Domain` can only be derived for a newtype",
            )
            .with_help(format!(
                "write `pub struct {}(pub String);`: one field, the value of the base type",
                input.ident
            )),
        ]);
    };
    reject_generics(input, "Domain", &mut diagnostics);
    let items = known_items(
        &input.attrs,
        DOMAIN_ATTRIBUTES,
        &["check"],
        "Domain",
        &mut diagnostics,
    );
    let name = qualified_name(&items, &input.ident, "domain name", &mut diagnostics);
    let ty = match optional_string(&items, "sql_type", &mut diagnostics) {
        Some((value, span)) => {
            if value.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(span, "`sql_type` is empty")
                        .with_help("write the base type: `sql_type = \"text\"`"),
                );
            }
            types::parse_sql_type(&value)
        }
        None => match types::map_rust_type(&field.ty).mapping {
            RustTypeMapping::Builtin(ty) => ty,
            RustTypeMapping::EnumCandidate { .. } | RustTypeMapping::Unmappable { .. } => {
                let (start, end) = type_range(&field.ty, input.ident.span());
                diagnostics.push(
                    Diagnostic::spanning(
                        start,
                        end,
                        format!(
                            "the type `{}` has no PostgreSQL mapping",
                            types::display_type(&field.ty)
                        ),
                    )
                    .with_label("not a mapped type")
                    .with_help("add `sql_type = \"...\"` with the domain's base type, or use a mapped type such as `String` or `i64`"),
                );
                types::parse_sql_type("text")
            }
        },
    };
    let not_null = flag(&items, "not_null", &mut diagnostics);
    let default = optional_string(&items, "default", &mut diagnostics).map(|(value, span)| {
        check_nonempty(&value, span, "default", &mut diagnostics);
        value
    });
    let collation = optional_string(&items, "collate", &mut diagnostics).map(|(value, span)| {
        check_identifier(&value, span, "collation", &mut diagnostics);
        value
    });
    let mut checks: Vec<(Check, Span)> = Vec::new();
    for item in items.iter().filter(|item| item.name == "check") {
        match read_check(item, &name.name) {
            Ok((check, span)) => {
                if let Some((_, first)) = checks.iter().find(|(other, _)| other.name == check.name)
                {
                    diagnostics.push(
                        Diagnostic::new(span, format!("two checks are called `{}`", check.name))
                            .with_help("give each check of the domain its own `name`")
                            .with_related(*first, "the other one"),
                    );
                    continue;
                }
                checks.push((check, span));
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(DomainDeclaration {
        rust_name: naming::strip_raw_prefix(&input.ident.to_string()).to_string(),
        name,
        ty,
        not_null,
        default,
        checks: checks.into_iter().map(|(check, _)| check).collect(),
        collation,
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

/// `check(name = "...", expr = "VALUE ...")`; the name defaults to
/// PostgreSQL's, `<domain>_check`.
fn read_check(item: &AttributeItem, domain: &str) -> Result<(Check, Span), Diagnostic> {
    let example = "check(name = \"email_check\", expr = \"VALUE ~ '@'\")";
    let entries = item.expect_list(example)?;
    let mut name = None;
    let mut expr = None;
    for entry in entries {
        entry.expect_named()?;
        let slot = match entry.name.as_str() {
            "name" => &mut name,
            "expr" => &mut expr,
            other => {
                let diagnostic = entry
                    .diagnostic(format!("unknown argument `{other}` of `check`"))
                    .with_label("not an argument of `check`");
                return Err(
                    match super::suggestion::closest_match(other, &["name", "expr"]) {
                        Some(suggestion) => {
                            diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                        }
                        None => diagnostic.with_help(format!("write `{example}`")),
                    },
                );
            }
        };
        if slot.is_some() {
            return Err(entry
                .diagnostic(format!("duplicate argument `{}`", entry.name))
                .with_help(format!("write `{example}`")));
        }
        *slot = Some(entry.expect_string()?);
    }
    let Some((expr, expr_span)) = expr else {
        return Err(item
            .diagnostic("`check` needs an `expr`")
            .with_help(format!("write `{example}`")));
    };
    if expr.trim().is_empty() {
        return Err(Diagnostic::new(expr_span, "the check expression is empty")
            .with_help(format!("write `{example}`")));
    }
    reject_nul(&expr, "the check expression", expr_span, expr_span)?;
    let (name, span) = match name {
        Some((name, span)) => {
            let mut diagnostics = Vec::new();
            check_identifier(&name, span, "check name", &mut diagnostics);
            if let Some(diagnostic) = diagnostics.pop() {
                return Err(diagnostic);
            }
            (name, span)
        }
        None => (
            naming::make_object_name(domain, None, "check"),
            item.name_span,
        ),
    };
    Ok((Check::new(name, expr), span))
}
