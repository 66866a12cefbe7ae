//! Reading `#[dbkit(...)]` attributes into a small tree with spans, and doc comments into text.
//!
//! The tokens inside `#[dbkit(...)]` are read by hand rather than with
//! `syn::meta`, so that every mistake (a value of the wrong kind, a stray
//! token, a missing comma) gets its own message on the exact span.

use super::diagnostic::Diagnostic;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// One `name`, `name = value` or `name(...)` inside `#[dbkit(...)]`.
#[derive(Debug, Clone)]
pub(crate) struct AttributeItem {
    /// The name, without `r#`; for a string literal entry (`columns("a")`)
    /// its value.
    pub name: String,
    pub name_span: Span,
    /// The entry was a string literal rather than a name.
    pub quoted: bool,
    pub value: AttributeValue,
    /// The span of the item's last token.
    pub end_span: Span,
}

/// What follows an attribute's name.
#[derive(Debug, Clone)]
pub(crate) enum AttributeValue {
    /// Nothing: `primary_key`.
    Flag,
    /// One literal: `default = "now()"`, `default = 5`.
    Literal(proc_macro2::Literal),
    /// Anything else after `=`: `default = now()`.
    Tokens {
        text: String,
        start: Span,
        end: Span,
    },
    /// A parenthesised list: `columns(a, b)`.
    List(Vec<AttributeItem>),
}

impl AttributeItem {
    /// A diagnostic underlining the whole item.
    pub fn diagnostic(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::spanning(self.name_span, self.end_span, message)
    }

    /// A diagnostic underlining the item's value (or its name for a flag).
    pub fn value_diagnostic(&self, message: impl Into<String>) -> Diagnostic {
        match &self.value {
            AttributeValue::Flag | AttributeValue::List(_) => self.diagnostic(message),
            AttributeValue::Literal(literal) => Diagnostic::new(literal.span(), message),
            AttributeValue::Tokens { start, end, .. } => {
                Diagnostic::spanning(*start, *end, message)
            }
        }
    }

    /// The value of `name = "..."`.
    pub fn expect_string(&self) -> Result<(String, Span), Diagnostic> {
        let name = &self.name;
        match &self.value {
            AttributeValue::Literal(literal) => {
                if let Some(value) = string_literal_value(literal) {
                    return Ok((value, literal.span()));
                }
                let written = literal.to_string();
                Err(self
                    .value_diagnostic(format!("expected a string for `{name}`, found `{written}`"))
                    .with_label("expected a string literal")
                    .with_help(format!(
                        "write it in quotes: `{name} = \"{}\"`",
                        written.trim_matches('\'')
                    )))
            }
            AttributeValue::Tokens { text, .. } => Err(self
                .value_diagnostic(format!("expected a string for `{name}`, found `{text}`"))
                .with_label("expected a string literal")
                .with_help(format!(
                    "write it in quotes: `{name} = \"{}\"`",
                    text.replace('"', "\\\"")
                ))),
            AttributeValue::Flag => Err(self
                .diagnostic(format!("`{name}` needs a value"))
                .with_help(format!("write `{name} = \"...\"`"))),
            AttributeValue::List(_) => Err(self
                .diagnostic(format!("`{name}` takes a value, not a list"))
                .with_help(format!("write `{name} = \"...\"`"))),
        }
    }

    /// A bare `name`.
    pub fn expect_flag(&self) -> Result<(), Diagnostic> {
        let name = &self.name;
        match &self.value {
            AttributeValue::Flag => Ok(()),
            AttributeValue::List(_) => Err(self
                .diagnostic(format!("`{name}` takes no arguments"))
                .with_help(format!("write just `{name}`"))),
            AttributeValue::Literal(_) | AttributeValue::Tokens { .. } => Err(self
                .diagnostic(format!("`{name}` takes no value"))
                .with_help(format!("write just `{name}`"))),
        }
    }

    /// The entries of `name(...)`.
    pub fn expect_list(&self, example: &str) -> Result<&[AttributeItem], Diagnostic> {
        let name = &self.name;
        match &self.value {
            AttributeValue::List(items) => Ok(items),
            _ => Err(self
                .diagnostic(format!("`{name}` takes a parenthesised list"))
                .with_help(format!("write `{example}`"))),
        }
    }

    /// `columns(a, b)` or `columns("a", "b")`: the names with their spans.
    pub fn expect_column_names(&self) -> Result<Vec<(String, Span)>, Diagnostic> {
        let items = self.expect_list("columns(a, b)")?;
        if items.is_empty() {
            return Err(self
                .diagnostic("`columns` needs at least one column")
                .with_help("write `columns(a, b)`"));
        }
        items
            .iter()
            .map(|item| match &item.value {
                AttributeValue::Flag => Ok((item.name.clone(), item.name_span)),
                _ => Err(item
                    .diagnostic("expected a column name")
                    .with_help("list column names separated by commas: `columns(a, b)`")),
            })
            .collect()
    }

    /// An error if this is a string entry rather than a name.
    pub fn expect_named(&self) -> Result<(), Diagnostic> {
        if self.quoted {
            return Err(self
                .diagnostic(format!(
                    "expected an attribute name, found the string \"{}\"",
                    self.name
                ))
                .with_help("attributes are written without quotes: `#[dbkit(primary_key)]`"));
        }
        Ok(())
    }
}

/// The value of a string literal token (`"a\"b"` → `a"b`), or `None` for
/// any other literal. Literals without escapes, the common case, are read
/// without syn's full unescaping.
pub(crate) fn string_literal_value(literal: &proc_macro2::Literal) -> Option<String> {
    let written = literal.to_string();
    if written.len() >= 2
        && written.starts_with('"')
        && written.ends_with('"')
        && !written.contains('\\')
    {
        return written.get(1..written.len() - 1).map(str::to_string);
    }
    match syn::Lit::new(literal.clone()) {
        syn::Lit::Str(text) => Some(text.value()),
        _ => None,
    }
}

/// Every entry of every `#[dbkit(...)]` attribute in `attributes`, in order.
/// A malformed attribute gives one diagnostic and no entries.
pub(crate) fn dbkit_attribute_items(
    attributes: &[syn::Attribute],
) -> (Vec<AttributeItem>, Vec<Diagnostic>) {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for attribute in attributes {
        if !attribute.path().is_ident("dbkit") {
            continue;
        }
        match &attribute.meta {
            syn::Meta::List(list) if matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) => {
                match parse_items(list.tokens.clone()) {
                    Ok(parsed) => items.extend(parsed),
                    Err(diagnostic) => diagnostics.push(diagnostic),
                }
            }
            _ => {
                let span = attribute.pound_token.span;
                let end = attribute.bracket_token.span.close();
                diagnostics.push(
                    Diagnostic::spanning(span, end, "expected `#[dbkit(...)]`")
                        .with_help("write the attributes in parentheses: `#[dbkit(primary_key)]`"),
                );
            }
        }
    }
    (items, diagnostics)
}

/// Reads `a, b = "x", c(d, e)`.
pub(crate) fn parse_items(stream: TokenStream) -> Result<Vec<AttributeItem>, Diagnostic> {
    parse_items_within(stream, 0)
}

/// The DSL nests lists two deep (`index(columns(a))`); deeper input is a
/// mistake, reported before it can exhaust the stack.
const MAX_LIST_DEPTH: usize = 8;

fn parse_items_within(stream: TokenStream, depth: usize) -> Result<Vec<AttributeItem>, Diagnostic> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut items = Vec::new();
    let mut index = 0;
    while let Some(token) = tokens.get(index) {
        let (name, quoted, name_span) = match token {
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                (
                    crate::naming::strip_raw_prefix(&text).to_string(),
                    false,
                    ident.span(),
                )
            }
            TokenTree::Literal(literal) => match string_literal_value(literal) {
                Some(value) => {
                    reject_nul(&value, "the name", literal.span(), literal.span())?;
                    (value, true, literal.span())
                }
                None => {
                    return Err(Diagnostic::new(
                        literal.span(),
                        format!("expected an attribute name, found `{literal}`"),
                    )
                    .with_help(
                        "attributes are names such as `primary_key` or `default = \"...\"`",
                    ));
                }
            },
            other => {
                return Err(Diagnostic::new(
                    other.span(),
                    format!("expected an attribute name, found `{other}`"),
                )
                .with_help(
                    "attributes are separated by single commas: `#[dbkit(primary_key, identity)]`",
                ));
            }
        };
        index += 1;
        let mut end_span = name_span;
        let value = match tokens.get(index) {
            None => AttributeValue::Flag,
            Some(TokenTree::Punct(punct)) if punct.as_char() == ',' => AttributeValue::Flag,
            Some(TokenTree::Punct(punct)) if punct.as_char() == '=' => {
                let equals_span = punct.span();
                index += 1;
                let start = index;
                while let Some(token) = tokens.get(index) {
                    if matches!(token, TokenTree::Punct(punct) if punct.as_char() == ',') {
                        break;
                    }
                    index += 1;
                }
                let value_tokens = tokens.get(start..index).unwrap_or(&[]);
                match value_tokens {
                    [] => {
                        return Err(Diagnostic::new(
                            equals_span,
                            format!("expected a value after `{name} =`"),
                        )
                        .with_help(format!("write `{name} = \"...\"`")));
                    }
                    [TokenTree::Literal(literal)] => {
                        end_span = literal.span();
                        if let Some(value) = string_literal_value(literal) {
                            reject_nul(
                                &value,
                                &format!("the value of `{name}`"),
                                literal.span(),
                                literal.span(),
                            )?;
                        }
                        AttributeValue::Literal(literal.clone())
                    }
                    [TokenTree::Literal(literal), next, ..] => {
                        return Err(Diagnostic::new(
                            next.span(),
                            format!("expected `,` after `{literal}`, found `{next}`"),
                        )
                        .with_help("separate attributes with commas: `table = \"users\", schema = \"auth\"`"));
                    }
                    [first, ..] => {
                        let last_span = value_tokens.last().map_or(first.span(), TokenTree::span);
                        end_span = last_span;
                        let text: TokenStream = value_tokens.iter().cloned().collect();
                        reject_nul(
                            &text.to_string(),
                            &format!("the value of `{name}`"),
                            first.span(),
                            last_span,
                        )?;
                        AttributeValue::Tokens {
                            text: text.to_string(),
                            start: first.span(),
                            end: last_span,
                        }
                    }
                }
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                index += 1;
                end_span = group.span_close();
                if depth >= MAX_LIST_DEPTH {
                    return Err(Diagnostic::new(
                        group.span_open(),
                        "attribute lists are nested too deeply",
                    )
                    .with_help("the DSL nests at most `index(columns(a, b))`"));
                }
                AttributeValue::List(parse_items_within(group.stream(), depth + 1)?)
            }
            Some(other) => {
                return Err(Diagnostic::new(
                    other.span(),
                    format!("expected `,`, `=` or `(` after `{name}`, found `{other}`"),
                )
                .with_help(
                    "write `name`, `name = \"value\"` or `name(...)`, separated by commas",
                ));
            }
        };
        items.push(AttributeItem {
            name,
            name_span,
            quoted,
            value,
            end_span,
        });
        match tokens.get(index) {
            None => {}
            Some(TokenTree::Punct(punct)) if punct.as_char() == ',' => index += 1,
            Some(other) => {
                return Err(Diagnostic::new(
                    other.span(),
                    format!("expected `,`, found `{other}`"),
                )
                .with_help("separate attributes with commas"));
            }
        }
    }
    Ok(items)
}

/// An error when `text`, a string of the DSL, holds a NUL character.
///
/// PostgreSQL stores no NUL in a name, a comment or any other text, and a
/// migration holding one cannot even be sent to the server, so every
/// string the parser reads (names, `renamed_from`, `sql_type`, defaults,
/// checks, expressions, doc comments) is refused here, where the derive and
/// `cargo dbkit` both see it, with the place of the string.
pub(crate) fn reject_nul(text: &str, what: &str, start: Span, end: Span) -> Result<(), Diagnostic> {
    if !text.contains('\0') {
        return Ok(());
    }
    Err(Diagnostic::spanning(start, end, format!("{what} contains a NUL character (`\\0`)"))
        .with_label("PostgreSQL cannot store NUL")
        .with_help("remove the NUL character: PostgreSQL accepts any other character in names and SQL text, but no NUL"))
}

/// The doc comment of an item: each `///` line with one leading space
/// removed, joined with `\n`, trimmed; `None` when empty. A doc comment
/// that holds a NUL character is an error on its line ([`reject_nul`]).
pub(crate) fn doc_comment(attributes: &[syn::Attribute]) -> Result<Option<String>, Diagnostic> {
    let mut lines: Vec<String> = Vec::new();
    for attribute in attributes {
        if !attribute.path().is_ident("doc") {
            continue;
        }
        let syn::Meta::NameValue(name_value) = &attribute.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &name_value.value
        else {
            continue;
        };
        let value = string_literal_value(&text.token()).unwrap_or_else(|| text.value());
        reject_nul(
            &value,
            "the doc comment",
            attribute.pound_token.span,
            attribute.bracket_token.span.close(),
        )?;
        for line in value.split('\n') {
            lines.push(
                line.strip_prefix(' ')
                    .unwrap_or(line)
                    .trim_end_matches('\r')
                    .to_string(),
            );
        }
    }
    Ok(doc_text(&lines))
}

/// Doc-comment lines as a comment: joined with `\n`, trimmed; `None` when
/// nothing is left. The one rule for both reading doc comments and
/// predicting what a written one reads back as.
pub(crate) fn doc_text(lines: &[impl AsRef<str>]) -> Option<String> {
    let joined = lines
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join("\n");
    let trimmed = joined.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(items: &[AttributeItem]) -> String {
        items
            .iter()
            .map(|item| {
                let name = if item.quoted {
                    format!("{:?}", item.name)
                } else {
                    item.name.clone()
                };
                match &item.value {
                    AttributeValue::Flag => name,
                    AttributeValue::Literal(literal) => format!("{name}={literal}"),
                    AttributeValue::Tokens { text, .. } => format!("{name}=<{text}>"),
                    AttributeValue::List(inner) => format!("{name}({})", describe(inner)),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn check(input: &str, expected: &str) {
        let stream: TokenStream = match input.parse() {
            Ok(stream) => stream,
            Err(error) => panic!("{input}: {error}"),
        };
        let actual = match parse_items(stream) {
            Ok(items) => describe(&items),
            Err(diagnostic) => format!("error: {}", diagnostic.message),
        };
        assert_eq!(actual, expected, "{input}");
    }

    #[test]
    fn attribute_trees() {
        check("primary_key, identity", "primary_key identity");
        check("default = \"now()\"", "default=\"now()\"");
        check("default = 5,", "default=5");
        check("default = now()", "default=<now ()>");
        check(
            "index(columns(a, \"b\"), where = \"x\", unique)",
            "index(columns(a \"b\") where=\"x\" unique)",
        );
        check("r#type = \"x\"", "type=\"x\"");
        check("columns(\"a\\\"b\", r\"c\")", "columns(\"a\\\"b\" \"c\")");
        check("", "");
        check("a,, b", "error: expected an attribute name, found `,`");
        check("default =", "error: expected a value after `default =`");
        check(
            "a b",
            "error: expected `,`, `=` or `(` after `a`, found `b`",
        );
        check("a(b) c", "error: expected `,`, found `c`");
        check(
            "table = \"a\" schema = \"b\"",
            "error: expected `,` after `\"a\"`, found `schema`",
        );
        check("5", "error: expected an attribute name, found `5`");
        check(
            "a::b",
            "error: expected `,`, `=` or `(` after `a`, found `:`",
        );
    }

    #[test]
    fn doc_comments() {
        let item: syn::ItemStruct = match syn::parse_str(
            "/// People who can sign in.\n///\n///  Indented.\n/** Block\n line */\nstruct A;",
        ) {
            Ok(item) => item,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(
            doc_comment(&item.attrs).ok().flatten().as_deref(),
            Some("People who can sign in.\n\n Indented.\nBlock\nline")
        );
        let item: syn::ItemStruct = match syn::parse_str("///\n///   \nstruct A;") {
            Ok(item) => item,
            Err(error) => panic!("{error}"),
        };
        assert!(matches!(doc_comment(&item.attrs), Ok(None)));
    }
}
