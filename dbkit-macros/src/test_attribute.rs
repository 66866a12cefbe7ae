//! `#[dbkit_runtime::test(migrations = ..., fixtures(...))]`: an async test given a database of its own.
//!
//! The attribute's arguments and the function's shape are checked here,
//! each mistake a compile error on its span with a help line; the expansion
//! is a plain `#[test]` that builds a current-thread Tokio runtime, asks
//! `TestDb` for a database and runs the function on it.

use crate::runtime_path::runtime_path;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, LitStr, Token};

/// What the attribute takes, for help lines.
const USAGE: &str = "write `#[dbkit_runtime::test(migrations = MIGRATIONS)]` or \
     `#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures(\"users\", \"orders\"))]`";

/// The shape the function must have, for help lines.
const FUNCTION_SHAPE: &str =
    "write `async fn name(db: dbkit_runtime::TestDb)`, returning `()` or a `Result`";

/// Expands the attribute on `item`; a mistake becomes a compile error, and
/// the function is kept as written so that what refers to it still
/// resolves.
pub(crate) fn expand(attribute: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            return with_help(
                error.span(),
                "`#[dbkit_runtime::test]` goes on a function",
                FUNCTION_SHAPE,
            )
            .to_compile_error();
        }
    };
    let arguments = parse_arguments(attribute);
    let checked = check_function(&function);
    match (arguments, checked) {
        (Ok(arguments), Ok(())) => expand_test(&arguments, &function, &runtime_path()),
        (arguments, checked) => {
            let mut errors = TokenStream::new();
            for error in [arguments.err(), checked.err()].into_iter().flatten() {
                errors.extend(error.to_compile_error());
            }
            // The function as written, unused since no test calls it.
            errors.extend(quote!(#[allow(dead_code)]));
            errors.extend(item);
            errors
        }
    }
}

/// The attribute's arguments.
#[derive(Debug)]
struct TestArguments {
    migrations: Expr,
    fixtures: Vec<Fixture>,
}

/// A fixture: the name `TestDb` reports it by, and the path of its file
/// relative to the test's source file, spanned where the user wrote it.
#[derive(Debug)]
struct Fixture {
    name: String,
    path: LitStr,
}

fn with_help(span: Span, message: &str, help: &str) -> syn::Error {
    syn::Error::new(span, format!("{message}\n\n= help: {help}"))
}

fn parse_arguments(attribute: TokenStream) -> syn::Result<TestArguments> {
    let mut migrations: Option<Expr> = None;
    let mut fixtures: Option<Vec<Fixture>> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("migrations") {
            if migrations.is_some() {
                return Err(with_help(
                    meta.path.span(),
                    "`migrations` is given twice",
                    "a test gets one set of migrations",
                ));
            }
            let value = meta.value().map_err(|_| {
                with_help(
                    meta.path.span(),
                    "`migrations` needs a value",
                    "write `migrations = MIGRATIONS`, the static `dbkit_runtime::embed_migrations!` filled",
                )
            })?;
            migrations = Some(value.parse()?);
            Ok(())
        } else if meta.path.is_ident("fixtures") {
            if fixtures.is_some() {
                return Err(with_help(
                    meta.path.span(),
                    "`fixtures` is given twice",
                    "list every fixture in one `fixtures(\"users\", \"orders\")`",
                ));
            }
            if !meta.input.peek(syn::token::Paren) {
                return Err(with_help(
                    meta.path.span(),
                    "`fixtures` takes a list",
                    "write `fixtures(\"users\", \"orders\")`: `fixtures/<name>.sql` next to the test file, or a path ending in `.sql`",
                ));
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let literals =
                Punctuated::<LitStr, Token![,]>::parse_terminated(&content).map_err(|error| {
                    with_help(
                        error.span(),
                        "a fixture is a string literal",
                        "write `fixtures(\"users\", \"orders\")`",
                    )
                })?;
            let mut parsed: Vec<Fixture> = Vec::new();
            for literal in literals {
                let fixture = parse_fixture(&literal)?;
                if parsed.iter().any(|other| other.name == fixture.name) {
                    return Err(with_help(
                        literal.span(),
                        &format!("fixture `{}` is listed twice", fixture.name),
                        "each fixture is loaded once, in the order listed",
                    ));
                }
                parsed.push(fixture);
            }
            fixtures = Some(parsed);
            Ok(())
        } else {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_else(|| {
                    let path = &meta.path;
                    quote!(#path).to_string()
                });
            let help = match key.as_str() {
                "migration" => "did you mean `migrations`?".to_string(),
                "fixture" => "did you mean `fixtures`?".to_string(),
                _ => USAGE.to_string(),
            };
            Err(with_help(
                meta.path.span(),
                &format!("unknown argument `{key}`"),
                &help,
            ))
        }
    });
    syn::parse::Parser::parse2(parser, attribute)?;
    let Some(migrations) = migrations else {
        return Err(with_help(
            Span::call_site(),
            "`#[dbkit_runtime::test]` needs the migrations the database gets",
            "write `#[dbkit_runtime::test(migrations = MIGRATIONS)]`, with \
             `static MIGRATIONS: dbkit_runtime::Migrations = dbkit_runtime::embed_migrations!(\"migrations\");`",
        ));
    };
    Ok(TestArguments {
        migrations,
        fixtures: fixtures.unwrap_or_default(),
    })
}

/// `"users"` is `fixtures/users.sql`; a value ending in `.sql` is a path,
/// named by its file stem. Both are relative to the test's source file,
/// as `include_str!` resolves them.
fn parse_fixture(literal: &LitStr) -> syn::Result<Fixture> {
    let value = literal.value();
    let invalid = |message: &str| {
        with_help(
            literal.span(),
            message,
            "a fixture is a name (`\"users\"`, the file `fixtures/users.sql` next to the test file) \
             or a path ending in `.sql`",
        )
    };
    if let Some(without_extension) = value.strip_suffix(".sql") {
        let name = without_extension
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(without_extension);
        if name.is_empty() {
            return Err(invalid("a fixture's file needs a name before `.sql`"));
        }
        return Ok(Fixture {
            name: name.to_string(),
            path: literal.clone(),
        });
    }
    if value.is_empty() {
        return Err(invalid("a fixture's name is empty"));
    }
    if value.contains(['/', '\\']) {
        return Err(invalid(&format!(
            "`{value}` is neither a name nor a path ending in `.sql`"
        )));
    }
    Ok(Fixture {
        path: LitStr::new(&format!("fixtures/{value}.sql"), literal.span()),
        name: value,
    })
}

fn check_function(function: &ItemFn) -> syn::Result<()> {
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return Err(with_help(
            signature.fn_token.span(),
            "a `#[dbkit_runtime::test]` function must be `async`",
            FUNCTION_SHAPE,
        ));
    }
    if !signature.generics.params.is_empty() || signature.generics.where_clause.is_some() {
        return Err(with_help(
            signature.generics.span(),
            "a `#[dbkit_runtime::test]` function cannot be generic",
            FUNCTION_SHAPE,
        ));
    }
    if let Some(variadic) = &signature.variadic {
        return Err(with_help(
            variadic.span(),
            "a `#[dbkit_runtime::test]` function takes exactly one argument",
            FUNCTION_SHAPE,
        ));
    }
    let mut inputs = signature.inputs.iter();
    match inputs.next() {
        None => {
            return Err(with_help(
                signature.paren_token.span.join(),
                "a `#[dbkit_runtime::test]` function takes its database as its argument",
                FUNCTION_SHAPE,
            ));
        }
        Some(FnArg::Receiver(receiver)) => {
            return Err(with_help(
                receiver.span(),
                "a `#[dbkit_runtime::test]` function cannot take `self`",
                FUNCTION_SHAPE,
            ));
        }
        Some(FnArg::Typed(_)) => {}
    }
    if let Some(extra) = inputs.next() {
        return Err(with_help(
            extra.span(),
            "a `#[dbkit_runtime::test]` function takes exactly one argument, its database",
            FUNCTION_SHAPE,
        ));
    }
    Ok(())
}

/// The `#[test]` function: the user's function nested inside under its own
/// name, run on a database built from the arguments.
fn expand_test(arguments: &TestArguments, function: &ItemFn, dbkit: &TokenStream) -> TokenStream {
    let ItemFn {
        attrs, vis, sig, ..
    } = function;
    let (outer_attributes, inner_attributes): (Vec<&syn::Attribute>, Vec<&syn::Attribute>) = attrs
        .iter()
        .partition(|attribute| matches!(attribute.style, syn::AttrStyle::Outer));
    let statements = &function.block.stmts;
    let name = &sig.ident;
    let name_text = name.to_string();
    let output = &sig.output;
    let migrations = &arguments.migrations;
    // Errors about the argument's type and the return type point at them.
    let argument_span = match sig.inputs.first() {
        Some(FnArg::Typed(argument)) => argument.ty.span(),
        _ => Span::call_site(),
    };
    let dbkit_at_argument = respanned(dbkit, argument_span);
    let database_argument =
        quote_spanned!(argument_span=> #dbkit_at_argument::TestDb::clone(&database));
    let output_span = match output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => sig.ident.span(),
    };
    let is_failure =
        quote_spanned!(output_span=> #dbkit::__private::TestOutcome::is_failure(&outcome));
    let fixtures = arguments.fixtures.iter().map(|fixture| {
        let fixture_name = &fixture.name;
        let path = &fixture.path;
        quote_spanned!(path.span()=> .fixture(#fixture_name, ::core::include_str!(#path)))
    });
    quote! {
        #(#outer_attributes)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            #sig {
                #(#inner_attributes)*
                #(#statements)*
            }

            let runtime = match #dbkit::__private::tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                ::core::result::Result::Ok(runtime) => runtime,
                ::core::result::Result::Err(error) => {
                    ::core::panic!("failed to start a Tokio runtime for the test: {error}")
                }
            };
            runtime.block_on(async {
                let database = match #dbkit::TestDb::builder(&#migrations)
                    .test_name(::core::concat!(::core::module_path!(), "::", #name_text))
                    #(#fixtures)*
                    .build()
                    .await
                {
                    ::core::result::Result::Ok(database) => database,
                    ::core::result::Result::Err(error) => ::core::panic!("{error}"),
                };
                let outcome = #name(#database_argument).await;
                if #is_failure {
                    database.keep();
                }
                ::core::mem::drop(database);
                outcome
            })
        }
    }
}

/// `tokens` with every span set to `span` (the runtime's path has no
/// groups), so that an error about an expression built with them points at
/// `span` as a whole.
fn respanned(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{expand_test, parse_arguments, parse_fixture};
    use quote::quote;

    fn error_of(attribute: proc_macro2::TokenStream) -> String {
        match parse_arguments(attribute) {
            Ok(arguments) => panic!("accepted: {arguments:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn arguments_are_migrations_and_fixtures() {
        let arguments = parse_arguments(quote!(
            migrations = crate::MIGRATIONS,
            fixtures("users", "../shared/orders.sql")
        ))
        .expect("valid");
        let migrations = &arguments.migrations;
        assert_eq!(
            quote!(#migrations).to_string(),
            quote!(crate::MIGRATIONS).to_string()
        );
        let fixtures: Vec<(String, String)> = arguments
            .fixtures
            .iter()
            .map(|fixture| (fixture.name.clone(), fixture.path.value()))
            .collect();
        assert_eq!(
            fixtures,
            [
                ("users".to_string(), "fixtures/users.sql".to_string()),
                ("orders".to_string(), "../shared/orders.sql".to_string()),
            ]
        );
        assert!(
            parse_arguments(quote!(migrations = MIGRATIONS))
                .expect("valid")
                .fixtures
                .is_empty()
        );
    }

    #[test]
    fn mistakes_in_arguments_say_how_to_write_them() {
        for (attribute, expected) in [
            (quote!(), "needs the migrations"),
            (quote!(fixtures("users")), "needs the migrations"),
            (quote!(migration = M), "unknown argument `migration`"),
            (quote!(migrations), "`migrations` needs a value"),
            (quote!(migrations = M, migrations = M), "given twice"),
            (quote!(migrations = M, fixtures = "users"), "takes a list"),
            (quote!(migrations = M, fixtures(users)), "string literal"),
            (quote!(migrations = M, fixtures("a", "a")), "listed twice"),
            (quote!(migrations = M, fixtures("")), "empty"),
            (quote!(migrations = M, fixtures("a/b")), "neither a name"),
            (quote!(migrations = M, fixtures(".sql")), "needs a name"),
        ] {
            let error = error_of(attribute.clone());
            assert!(error.contains(expected), "{attribute}: {error}");
            assert!(error.contains("= help: "), "{attribute}: {error}");
        }
    }

    #[test]
    fn fixture_paths_keep_their_name_by_file_stem() {
        let fixture = parse_fixture(&syn::parse_quote!("data/seed.sql")).expect("valid");
        assert_eq!(
            (fixture.name.as_str(), fixture.path.value().as_str()),
            ("seed", "data/seed.sql")
        );
    }

    #[test]
    fn the_expansion_builds_the_database_runs_the_function_and_keeps_it_on_failure() {
        let arguments =
            parse_arguments(quote!(migrations = MIGRATIONS, fixtures("users"))).expect("valid");
        let function: syn::ItemFn = syn::parse_quote! {
            /// Signs up.
            async fn signs_up(db: dbkit_runtime::TestDb) -> Result<(), String> { Ok(()) }
        };
        let expanded = expand_test(&arguments, &function, &quote!(::dbkit_runtime)).to_string();
        let expected = quote! {
            #[doc = r" Signs up."]
            #[::core::prelude::v1::test]
            fn signs_up() -> Result<(), String> {
                async fn signs_up(db: dbkit_runtime::TestDb) -> Result<(), String> { Ok(()) }

                let runtime = match ::dbkit_runtime::__private::tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    ::core::result::Result::Ok(runtime) => runtime,
                    ::core::result::Result::Err(error) => {
                        ::core::panic!("failed to start a Tokio runtime for the test: {error}")
                    }
                };
                runtime.block_on(async {
                    let database = match ::dbkit_runtime::TestDb::builder(&MIGRATIONS)
                        .test_name(::core::concat!(::core::module_path!(), "::", "signs_up"))
                        .fixture("users", ::core::include_str!("fixtures/users.sql"))
                        .build()
                        .await
                    {
                        ::core::result::Result::Ok(database) => database,
                        ::core::result::Result::Err(error) => ::core::panic!("{error}"),
                    };
                    let outcome = signs_up(::dbkit_runtime::TestDb::clone(&database)).await;
                    if ::dbkit_runtime::__private::TestOutcome::is_failure(&outcome) {
                        database.keep();
                    }
                    ::core::mem::drop(database);
                    outcome
                })
            }
        }
        .to_string();
        assert_eq!(expanded, expected);
    }
}
