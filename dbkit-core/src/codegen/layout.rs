//! Attributes, string literals and doc comments laid out the way rustfmt lays them out.
//!
//! rustfmt (edition 2024, default settings) writes `#[dbkit(...)]` on one
//! line when it fits and, for a list of two or more entries, when the
//! entries take at most 70 characters (`attr_fn_like_width`); otherwise one
//! entry per line, without a trailing comma. A lone entry that is itself a
//! list opens on the attribute's line (`#[dbkit(index(` … `))]`). The width
//! left for a line is 100 characters on a struct or variant attribute, 99
//! on a field attribute and for an entry inside a broken list (one column
//! is kept for its comma). These rules are checked against rustfmt by the
//! tests in `tests/it/codegen.rs`.

/// One entry of `#[dbkit(...)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Meta {
    /// `primary_key`, or a column name in `columns(...)`, written as is.
    Word(String),
    /// `name = "value"`; the value is escaped when written.
    Text(&'static str, String),
    /// `columns(a, b)`.
    List(&'static str, Vec<Meta>),
}

impl Meta {
    pub(crate) fn word(word: impl Into<String>) -> Meta {
        Meta::Word(word.into())
    }

    pub(crate) fn text(name: &'static str, value: impl Into<String>) -> Meta {
        Meta::Text(name, value.into())
    }

    fn one_line(&self) -> String {
        match self {
            Meta::Word(word) => word.clone(),
            Meta::Text(name, value) => format!("{name} = {}", string_literal(value)),
            Meta::List(name, items) => format!("{name}({})", one_line_list(items)),
        }
    }
}

const MAX_WIDTH: usize = 100;
/// rustfmt's `attr_fn_like_width` under the default heuristics.
const LIST_WIDTH: usize = 70;

fn one_line_list(items: &[Meta]) -> String {
    items
        .iter()
        .map(Meta::one_line)
        .collect::<Vec<_>>()
        .join(", ")
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Whether a list may stay on one line by rustfmt's list heuristic, which
/// applies to every list inside it too.
fn list_may_be_horizontal(items: &[Meta], one_line: &str) -> bool {
    (items.len() <= 1 || width(one_line) <= LIST_WIDTH)
        && items.iter().all(|item| match item {
            Meta::List(_, inner) => list_may_be_horizontal(inner, &one_line_list(inner)),
            Meta::Word(_) | Meta::Text(..) => true,
        })
}

/// Where an attribute is: its indentation and how wide its line may be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AttributePlace {
    /// On a struct or an enum.
    Item,
    /// On a field (indented by four).
    Field,
    /// On a variant (indented by four).
    Variant,
}

/// Appends `#[dbkit(items)]` (with a newline) to `out`.
pub(crate) fn write_dbkit_attribute(out: &mut String, place: AttributePlace, items: &[Meta]) {
    let (indent, max_width) = match place {
        AttributePlace::Item => (0, MAX_WIDTH),
        AttributePlace::Field => (4, MAX_WIDTH - 1),
        AttributePlace::Variant => (4, MAX_WIDTH),
    };
    let pad = " ".repeat(indent);
    let inside = one_line_list(items);
    if list_may_be_horizontal(items, &inside)
        && indent + width("#[dbkit(") + width(&inside) + width(")]") <= max_width
    {
        out.push_str(&format!("{pad}#[dbkit({inside})]\n"));
        return;
    }
    if let [Meta::List(name, inner)] = items {
        // A lone list inside that must break anyway opens on the same line
        // too (`#[dbkit(index(columns(` … `)))]`), as rustfmt overflows
        // the last argument of a call.
        let mut names = vec![*name];
        let mut inner: &[Meta] = inner;
        while let [Meta::List(next, deeper)] = inner {
            let one_line = inner[0].one_line();
            let fits = indent + 4 + width(&one_line) + 1 < MAX_WIDTH;
            if fits && list_may_be_horizontal(deeper, &one_line_list(deeper)) {
                break;
            }
            names.push(next);
            inner = deeper;
        }
        let open: String = names.iter().map(|name| format!("{name}(")).collect();
        out.push_str(&format!("{pad}#[dbkit({open}\n"));
        write_vertical(out, indent + 4, inner);
        out.push_str(&format!("{pad}{})]\n", ")".repeat(names.len())));
        return;
    }
    out.push_str(&format!("{pad}#[dbkit(\n"));
    write_vertical(out, indent + 4, items);
    out.push_str(&format!("{pad})]\n"));
}

fn write_vertical(out: &mut String, indent: usize, items: &[Meta]) {
    let count = items.len();
    for (index, item) in items.iter().enumerate() {
        let comma = if index + 1 < count { "," } else { "" };
        write_entry(out, indent, item, comma);
    }
}

fn write_entry(out: &mut String, indent: usize, item: &Meta, comma: &str) {
    let pad = " ".repeat(indent);
    let one_line = item.one_line();
    // rustfmt keeps a column for the comma, even after the last entry.
    let fits = indent + width(&one_line) + 1 < MAX_WIDTH;
    match item {
        Meta::List(name, inner)
            if !(fits && list_may_be_horizontal(inner, &one_line_list(inner))) =>
        {
            out.push_str(&format!("{pad}{name}(\n"));
            write_vertical(out, indent + 4, inner);
            out.push_str(&format!("{pad}){comma}\n"));
        }
        _ => out.push_str(&format!("{pad}{one_line}{comma}\n")),
    }
}

/// A Rust string literal of `value`: quotes, backslashes, control
/// characters and the characters that change the direction of text (which
/// rustc refuses to see unescaped) are escaped.
pub(crate) fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            other if needs_escape(other) => out.push_str(&format!("\\u{{{:x}}}", other as u32)),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

pub(crate) fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text for a `//!` line: control and direction characters escaped.
pub(crate) fn doc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if needs_escape(character) {
            out.push_str(&format!("\\u{{{:x}}}", character as u32));
        } else {
            out.push(character);
        }
    }
    out
}

/// The doc comment that the parser reads back as `comment` (trimmed, as it
/// reads it), at `indent`: `///` lines, or one `#[doc = "…"]` when a line
/// ends in whitespace or holds a character a `///` line cannot carry.
pub(crate) fn write_doc_comment(out: &mut String, indent: usize, comment: &str) {
    let comment = comment.trim();
    if comment.is_empty() {
        return;
    }
    let pad = " ".repeat(indent);
    let lines: Vec<&str> = comment.split('\n').collect();
    let plain = lines
        .iter()
        .all(|line| !line.ends_with(char::is_whitespace) && !line.chars().any(needs_escape));
    if plain {
        for line in lines {
            if line.is_empty() {
                out.push_str(&format!("{pad}///\n"));
            } else {
                out.push_str(&format!("{pad}/// {line}\n"));
            }
        }
    } else {
        let text: Vec<String> = lines.iter().map(|line| format!(" {line}")).collect();
        out.push_str(&format!(
            "{pad}#[doc = {}]\n",
            string_literal(&text.join("\n"))
        ));
    }
}

/// The comment as the parser reads back what [`write_doc_comment`] writes.
pub(crate) fn comment_as_read_back(comment: &str) -> Option<String> {
    let lines: Vec<&str> = comment
        .trim()
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .collect();
    crate::parse::doc_text(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(place: AttributePlace, items: &[Meta]) -> String {
        let mut out = String::new();
        write_dbkit_attribute(&mut out, place, items);
        out
    }

    #[test]
    fn short_attributes_stay_on_one_line() {
        assert_eq!(
            attribute(
                AttributePlace::Field,
                &[Meta::word("primary_key"), Meta::text("identity", "always")]
            ),
            "    #[dbkit(primary_key, identity = \"always\")]\n"
        );
    }

    #[test]
    fn a_lone_list_opens_on_the_attribute_line() {
        let items = [Meta::List(
            "check",
            vec![
                Meta::text("name", "products_price_cents_check"),
                Meta::text(
                    "expr",
                    "price_cents >= 0 AND price_cents < 100000000000000000000",
                ),
            ],
        )];
        assert_eq!(
            attribute(AttributePlace::Item, &items),
            "#[dbkit(check(\n    name = \"products_price_cents_check\",\n    expr = \"price_cents >= 0 AND price_cents < 100000000000000000000\"\n))]\n"
        );
    }

    #[test]
    fn a_list_inside_a_short_line_still_breaks_beyond_seventy_characters() {
        let items = [Meta::List(
            "check",
            vec![
                Meta::text("name", "user name_status_check"),
                Meta::text("expr", "char_length(\"status\") < 1000"),
            ],
        )];
        assert_eq!(
            attribute(AttributePlace::Item, &items),
            "#[dbkit(check(\n    name = \"user name_status_check\",\n    expr = \"char_length(\\\"status\\\") < 1000\"\n))]\n"
        );
    }

    #[test]
    fn string_literals_escape_what_rust_needs() {
        assert_eq!(string_literal("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(string_literal("\u{202e}x"), "\"\\u{202e}x\"");
        assert_eq!(string_literal("Ünïcode ✓"), "\"Ünïcode ✓\"");
    }

    #[test]
    fn doc_comments() {
        let mut out = String::new();
        write_doc_comment(&mut out, 4, "Line one.\n\n Indented.");
        assert_eq!(out, "    /// Line one.\n    ///\n    ///  Indented.\n");
        let mut out = String::new();
        write_doc_comment(&mut out, 0, "a  \nb");
        assert_eq!(out, "#[doc = \" a  \\n b\"]\n");
    }
}

/// `#[dbkit(name = literal)]` for a string that may span lines (a view's
/// query, a function's body), as rustfmt lays it out: on one line when the
/// attribute's first line fits in 100 columns (a string's later lines are
/// never moved), else the entry on a line of its own.
pub(crate) fn write_text_attribute(out: &mut String, name: &str, literal: &str) {
    let one_line = format!("#[dbkit({name} = {literal})]");
    let first_line = one_line.split('\n').next().unwrap_or(&one_line);
    if first_line.chars().count() <= MAX_WIDTH {
        out.push_str(&one_line);
        out.push('\n');
    } else {
        out.push_str(&format!("#[dbkit(\n    {name} = {literal}\n)]\n"));
    }
}

/// `text` as a raw string literal with enough `#`s.
pub(crate) fn raw_string(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}\"{text}\"{fence}")
}
