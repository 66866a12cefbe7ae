//! Problems found in schema code: span-based [`Diagnostic`]s for the macros, located [`SchemaError`]s for the CLI.

use super::declaration::SourcePlace;
use crate::model::SourceLocation;
use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use std::fmt;

/// A problem at a span of the input, as the derive macros report it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where the underlined code starts.
    pub span: Span,
    /// Where it ends (the same as `span` for one token).
    pub span_end: Span,
    /// A lowercase fragment, like rustc's (`unknown attribute `primary_kee``).
    pub message: String,
    /// A short text under the underline (`not a dbkit field attribute`).
    pub label: Option<String>,
    /// What to do about it (`did you mean `primary_key`?`).
    pub help: Option<String>,
    /// Other places worth showing (`first declared here`).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::spanning(span, span, message)
    }

    pub fn spanning(span: Span, span_end: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span,
            span_end,
            message: message.into(),
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.related.push((span, text.into()));
        self
    }

    /// The text of the `compile_error!`: the message, then the help the way
    /// rustc prints it.
    pub fn compile_error_message(&self) -> String {
        match &self.help {
            Some(help) => format!("{}\n\n= help: {help}", self.message),
            None => self.message.clone(),
        }
    }

    /// A `compile_error!` on the diagnostic's span.
    pub fn to_compile_error(&self) -> TokenStream {
        syn::Error::new_spanned(
            span_tokens(self.span, self.span_end),
            self.compile_error_message(),
        )
        .to_compile_error()
    }

    /// The diagnostic at a source location, for the CLI.
    pub fn to_schema_error(&self, file: &str) -> SchemaError {
        let place = place_of_span(self.span, self.span_end, file);
        SchemaError {
            location: place.location,
            message: self.message.clone(),
            label: self.label.clone(),
            help: self.help.clone(),
            related: self
                .related
                .iter()
                .map(|(span, text)| (place_of_span(*span, *span, file).location, text.clone()))
                .collect(),
            span_len: place.length,
        }
    }
}

/// Two tokens carrying the start and end spans, so that `syn::Error`
/// underlines the whole range.
fn span_tokens(start: Span, end: Span) -> TokenStream {
    let mut tokens = TokenStream::new();
    tokens.extend([
        TokenTree::Ident(Ident::new("start", start)),
        TokenTree::Ident(Ident::new("end", end)),
    ]);
    tokens
}

/// All diagnostics as `compile_error!`s.
pub fn diagnostics_to_compile_errors(diagnostics: &[Diagnostic]) -> TokenStream {
    diagnostics
        .iter()
        .map(Diagnostic::to_compile_error)
        .collect()
}

/// The place a span range covers: its start, and its length in characters
/// when it ends on the same line (1 otherwise).
pub(crate) fn place_of_span(start: Span, end: Span, file: &str) -> SourcePlace {
    let start_position = start.start();
    let end_position = end.end();
    let length = if end_position.line == start_position.line
        && end_position.column > start_position.column
    {
        end_position.column - start_position.column
    } else {
        1
    };
    SourcePlace {
        location: SourceLocation {
            file: file.to_string(),
            line: start_position.line,
            column: start_position.column.saturating_add(1),
        },
        length,
    }
}

/// An error in schema code, located in a file: what the CLI reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub location: SourceLocation,
    /// A lowercase fragment, like rustc's.
    pub message: String,
    /// Short text under the `^^^`.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places worth showing, e.g. the other declaration of a
    /// duplicate, with a note for each.
    pub related: Vec<(SourceLocation, String)>,
    /// Characters to underline at `location`, at least 1.
    pub span_len: usize,
}

impl SchemaError {
    /// An error at a place.
    pub fn at(place: &SourcePlace, message: impl Into<String>) -> SchemaError {
        SchemaError {
            location: place.location.clone(),
            message: message.into(),
            label: None,
            help: None,
            related: Vec::new(),
            span_len: place.length.max(1),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SchemaError {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> SchemaError {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(
        mut self,
        location: SourceLocation,
        text: impl Into<String>,
    ) -> SchemaError {
        self.related.push((location, text.into()));
        self
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location, self.message)?;
        for (location, text) in &self.related {
            write!(f, "\n{location}: note: {text}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaError {}
