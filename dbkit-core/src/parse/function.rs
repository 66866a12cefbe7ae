//! `#[derive(Function)]`: a struct whose `#[dbkit(...)]` attributes declare
//! a function or a procedure → a [`FunctionDeclaration`].
//!
//! The struct only carries the declaration (its doc comment is the
//! function's comment); the function is SQL: its arguments are written as
//! `CREATE FUNCTION` takes them and read by [`crate::model::parse_argument`],
//! the one reader the introspector uses too, so that both give the same
//! canonical types. Languages: `sql` and `plpgsql`, `internal`, and the
//! procedural languages PostgreSQL ships as extensions (`plperl`,
//! `plperlu`, `plpython3u`, `pltcl`, `pltclu`); any other is refused here
//! with the closest known one, because a misspelt language would only fail
//! when the migration runs.

use super::attribute::{AttributeItem, AttributeValue, dbkit_attribute_items, doc_comment};
use super::declaration::FunctionDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::suggestion::closest_match;
use super::table::{check_identifier, token_range};
use crate::model::{
    Function, FunctionSetting, Parallel, QualifiedName, Volatility, canonical_returns,
    parse_argument,
};
use crate::naming;
use proc_macro2::Span;

/// Attributes a `Function` struct takes.
pub(crate) const FUNCTION_ATTRIBUTES: &[&str] = &[
    "function",
    "procedure",
    "schema",
    "args",
    "returns",
    "language",
    "body",
    "volatile",
    "stable",
    "immutable",
    "strict",
    "security_definer",
    "parallel",
    "set",
];

/// Languages the DSL accepts.
pub(crate) const LANGUAGES: &[&str] = &[
    "sql",
    "plpgsql",
    "internal",
    "plperl",
    "plperlu",
    "plpython3u",
    "pltcl",
    "pltclu",
];

/// Parses the input of `#[derive(Function)]`.
///
/// Locations in the result have an empty file name; the derive macro only
/// needs the diagnostics.
pub fn parse_function_derive(
    input: &syn::DeriveInput,
) -> Result<FunctionDeclaration, Vec<Diagnostic>> {
    parse_function(input, "")
}

/// The attributes written on a `Function`, each with where it is.
#[derive(Default)]
struct FunctionAttributes {
    function: Option<(String, Span)>,
    procedure: Option<(Option<String>, Span)>,
    schema: Option<(String, Span)>,
    arguments: Option<&'static str>,
    returns: Option<(String, Span)>,
    language: Option<(String, Span)>,
    body: Option<(String, Span)>,
    volatility: Option<(Volatility, Span)>,
    strict: Option<Span>,
    security_definer: Option<Span>,
    parallel: Option<(Parallel, Span)>,
}

pub(crate) fn parse_function(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<FunctionDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    if !matches!(input.data, syn::Data::Struct(_)) {
        return Err(vec![
            Diagnostic::new(
                input.ident.span(),
                "`Function` can only be derived for a struct",
            )
            .with_help("declare the function on a unit struct: `pub struct OrderTotal;`"),
        ]);
    }
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(
                start,
                end,
                "a `Function` struct cannot have generic parameters",
            )
            .with_help("remove the generic parameters"),
        );
    }
    let rust_name = naming::strip_raw_prefix(&input.ident.to_string()).to_string();
    let (items, attribute_diagnostics) = dbkit_attribute_items(&input.attrs);
    diagnostics.extend(attribute_diagnostics);

    let mut attributes = FunctionAttributes::default();
    let mut arguments = Vec::new();
    let mut settings: Vec<FunctionSetting> = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    for item in &items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        if FUNCTION_ATTRIBUTES.contains(&item.name.as_str()) {
            let group = match item.name.as_str() {
                "volatile" | "stable" | "immutable" => "volatility",
                "function" | "procedure" => "function",
                other => other,
            };
            if let Some((_, first)) = seen.iter().find(|(name, _)| name == group) {
                let message = match group {
                    "volatility" => "a function has one volatility".to_string(),
                    "function" => "give either `function` or `procedure`, once".to_string(),
                    _ => format!("duplicate attribute `{}`", item.name),
                };
                diagnostics.push(
                    item.diagnostic(message)
                        .with_label("given again here")
                        .with_help(format!("remove one of the two `{}`", item.name))
                        .with_related(*first, "first given here"),
                );
                continue;
            }
            seen.push((group.to_string(), item.name_span));
        }
        let outcome = read_attribute(item, &mut attributes, &mut arguments, &mut settings);
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }

    let procedure = attributes.procedure.is_some();
    let name = match (&attributes.function, &attributes.procedure) {
        (Some((value, span)), _) | (None, Some((Some(value), span))) => {
            check_identifier(value, *span, "function name", &mut diagnostics);
            value.clone()
        }
        _ => {
            let value = naming::snake_case(&rust_name);
            check_identifier(
                &value,
                input.ident.span(),
                "function name",
                &mut diagnostics,
            );
            value
        }
    };
    let schema = match &attributes.schema {
        Some((value, span)) => {
            check_identifier(value, *span, "schema name", &mut diagnostics);
            value.clone()
        }
        None => "public".to_string(),
    };
    let language = match &attributes.language {
        Some((value, span)) => check_language(value, *span, &mut diagnostics),
        None => {
            diagnostics.push(
                Diagnostic::new(input.ident.span(), "a `Function` needs a `language`")
                    .with_help("write `language = \"plpgsql\"` or `language = \"sql\"`"),
            );
            String::new()
        }
    };
    let body = match &attributes.body {
        Some((value, span)) => {
            if value.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(*span, "the function body is empty")
                        .with_help("write the body: `body = \"SELECT 1\"`"),
                );
            }
            value.clone()
        }
        None => {
            diagnostics.push(
                Diagnostic::new(input.ident.span(), "a `Function` needs a `body`")
                    .with_help("write the body: `body = r#\"BEGIN … END\"#`"),
            );
            String::new()
        }
    };
    let returns = match (&attributes.returns, procedure) {
        (Some((_, span)), true) => {
            diagnostics.push(
                Diagnostic::new(*span, "a procedure returns nothing")
                    .with_help("remove `returns`, or declare a `function` instead"),
            );
            None
        }
        (Some((value, span)), false) => {
            if value.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(*span, "`returns` is empty")
                        .with_help("write the result type: `returns = \"integer\"`"),
                );
            }
            Some(canonical_returns(value))
        }
        (None, true) => None,
        (None, false) => {
            diagnostics.push(
                Diagnostic::new(input.ident.span(), "a function needs `returns`")
                    .with_help("write the result type: `returns = \"integer\"` (`\"trigger\"` for a trigger function, `\"void\"` for none)"),
            );
            None
        }
    };
    if procedure {
        let function_only = [
            attributes
                .volatility
                .map(|(_, span)| (span, "a volatility")),
            attributes.strict.map(|span| (span, "`strict`")),
            attributes.parallel.map(|(_, span)| (span, "`parallel`")),
        ];
        for (span, what) in function_only.into_iter().flatten() {
            diagnostics.push(
                Diagnostic::new(span, format!("a procedure takes no {what}"))
                    .with_help("remove it; only functions have it"),
            );
        }
    }
    let comment = doc_comment(&input.attrs).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        None
    });
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let function = Function {
        procedure,
        arguments,
        volatility: attributes
            .volatility
            .map_or(Volatility::Volatile, |(v, _)| v),
        strict: attributes.strict.is_some(),
        security_definer: attributes.security_definer.is_some(),
        parallel: attributes.parallel.map_or(Parallel::Unsafe, |(p, _)| p),
        settings,
        comment,
        ..Function::new(QualifiedName::new(schema, name), returns, language, body)
    };
    Ok(FunctionDeclaration {
        rust_name,
        function,
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

fn read_attribute(
    item: &AttributeItem,
    attributes: &mut FunctionAttributes,
    arguments: &mut Vec<crate::model::Argument>,
    settings: &mut Vec<FunctionSetting>,
) -> Result<(), Diagnostic> {
    let span = item.name_span;
    match item.name.as_str() {
        "function" => attributes.function = Some(item.expect_string()?),
        "procedure" => {
            attributes.procedure = Some(match &item.value {
                AttributeValue::Flag => (None, span),
                _ => {
                    let (value, span) = item.expect_string()?;
                    (Some(value), span)
                }
            });
        }
        "schema" => attributes.schema = Some(item.expect_string()?),
        "returns" => attributes.returns = Some(item.expect_string()?),
        "language" => attributes.language = Some(item.expect_string()?),
        "body" => attributes.body = Some(item.expect_string()?),
        "volatile" | "stable" | "immutable" => {
            item.expect_flag()?;
            let volatility = match item.name.as_str() {
                "stable" => Volatility::Stable,
                "immutable" => Volatility::Immutable,
                _ => Volatility::Volatile,
            };
            attributes.volatility = Some((volatility, span));
        }
        "strict" => {
            item.expect_flag()?;
            attributes.strict = Some(span);
        }
        "security_definer" => {
            item.expect_flag()?;
            attributes.security_definer = Some(span);
        }
        "parallel" => {
            let (value, value_span) = item.expect_string()?;
            let Some(parallel) = Parallel::from_word(&value) else {
                return Err(Diagnostic::new(
                    value_span,
                    format!("unknown parallel safety `{value}`"),
                )
                .with_help("write `parallel = \"safe\"`, `\"restricted\"` or `\"unsafe\"`"));
            };
            attributes.parallel = Some((parallel, span));
        }
        "args" => {
            attributes.arguments = Some("args");
            for entry in
                item.expect_list("args(\"order_id bigint\", \"with_tax boolean DEFAULT true\")")?
            {
                arguments.push(read_argument(entry, arguments.len())?);
            }
        }
        "set" => {
            for entry in item.expect_list("set(search_path = \"app, pg_temp\")")? {
                entry.expect_named()?;
                let (value, _) = entry.expect_string()?;
                if !entry
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                {
                    return Err(entry
                        .diagnostic(format!("`{}` is not a setting's name", entry.name))
                        .with_help("write `set(search_path = \"app, pg_temp\")`"));
                }
                if settings.iter().any(|setting| setting.name == entry.name) {
                    return Err(entry
                        .diagnostic(format!("the setting `{}` is given twice", entry.name))
                        .with_help("remove one of the two"));
                }
                settings.push(FunctionSetting {
                    name: entry.name.to_lowercase(),
                    value,
                });
            }
        }
        other => {
            let diagnostic = item
                .diagnostic(format!("unknown attribute `{other}`"))
                .with_label("not a dbkit function attribute");
            return Err(match closest_match(other, FUNCTION_ATTRIBUTES) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(format!(
                    "dbkit function attributes are: {}",
                    FUNCTION_ATTRIBUTES.join(", ")
                )),
            });
        }
    }
    Ok(())
}

/// One entry of `args(...)`: a string such as `"order_id bigint"`.
fn read_argument(
    entry: &AttributeItem,
    position: usize,
) -> Result<crate::model::Argument, Diagnostic> {
    let example = "args(\"order_id bigint\", \"with_tax boolean DEFAULT true\")";
    if !entry.quoted || !matches!(entry.value, AttributeValue::Flag) {
        return Err(entry
            .diagnostic(format!("argument {} is not a string", position + 1))
            .with_help(format!("write each argument as SQL in quotes: `{example}`")));
    }
    parse_argument(&entry.name).map_err(|error| {
        entry
            .diagnostic(format!(
                "argument {} cannot be read: {}",
                position + 1,
                error.0
            ))
            .with_help("write `[IN | OUT | INOUT | VARIADIC] [name] type [DEFAULT value]`")
    })
}

/// The language, lowercase, or an error with the closest known one.
fn check_language(value: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) -> String {
    let lowered = value.trim().to_lowercase();
    if LANGUAGES.contains(&lowered.as_str()) {
        return lowered;
    }
    let diagnostic = Diagnostic::new(span, format!("unknown language `{value}`"))
        .with_label("not a language dbkit knows");
    let known = format!(
        "dbkit knows the languages {}; C functions and languages of other extensions are kept in a `--custom` migration",
        LANGUAGES.join(", ")
    );
    diagnostics.push(match closest_match(&lowered, LANGUAGES) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`? {known}")),
        None => diagnostic.with_help(known),
    });
    lowered
}
