//! Default names of constraints and indexes, PostgreSQL's 63-byte identifier rule and snake_case.
//!
//! When a constraint or index has no name, PostgreSQL makes one up
//! (`makeObjectName` and `ChooseIndexColumnNames` in its sources). dbkit
//! chooses exactly the same names, so that a schema created by hand and one
//! created by dbkit introspect the same and a later `--check` sees no
//! difference.

/// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`):
/// the one definition of the limit for the parser, the generator, the
/// differ's temporary names, the lint and the CLI.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// `BlogPost` → `blog_post`, `HTTPRequest` → `http_request`, `InReview` →
/// `in_review`, `r#type` → `type`.
///
/// A word boundary is an uppercase letter after a lowercase letter or a
/// digit, or the last uppercase letter of a run that a lowercase letter
/// follows (`HTTPRequest` → `http` + `request`). Existing underscores are
/// kept; letters are lowercased.
pub fn snake_case(name: &str) -> String {
    let name = strip_raw_prefix(name);
    let characters: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &character) in characters.iter().enumerate() {
        if character.is_uppercase() {
            let previous = index
                .checked_sub(1)
                .and_then(|i| characters.get(i))
                .copied();
            let next = characters.get(index + 1).copied();
            let boundary = match previous {
                None | Some('_') => false,
                Some(previous) if previous.is_lowercase() || previous.is_ascii_digit() => true,
                Some(previous) if previous.is_uppercase() => next.is_some_and(char::is_lowercase),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(character.to_lowercase());
        } else {
            out.push(character);
        }
    }
    out
}

/// `r#type` → `type`; any other name unchanged.
pub fn strip_raw_prefix(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// The longest prefix of `text` that is at most `limit` bytes and ends on a
/// character boundary (PostgreSQL's `pg_mbcliplen`).
pub fn clip_to_bytes(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// An identifier as PostgreSQL stores it: its first
/// [`MAX_IDENTIFIER_BYTES`] bytes, cut on a character boundary
/// (`truncate_identifier` in PostgreSQL's scanner).
pub fn truncate_identifier(name: &str) -> &str {
    clip_to_bytes(name, MAX_IDENTIFIER_BYTES)
}

/// PostgreSQL's `makeObjectName(name1, name2, label)`: `name1_name2_label`
/// within 63 bytes, shortening the longer of `name1` and `name2` one byte at
/// a time (never the label) and never splitting a character.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    if name2.is_some() {
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut name1_bytes = name1.len();
    let mut name2_bytes = name2.map_or(0, str::len);
    while name1_bytes + name2_bytes > available {
        if name1_bytes > name2_bytes {
            name1_bytes -= 1;
        } else {
            name2_bytes -= 1;
        }
    }
    let mut out = String::with_capacity(MAX_IDENTIFIER_BYTES);
    out.push_str(clip_to_bytes(name1, name1_bytes));
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip_to_bytes(name2, name2_bytes));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// The column part of a default name (`ChooseIndexNameAddition`): the names
/// joined with `_`, each cut to 63 bytes, stopping once 64 bytes are reached.
fn column_names_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip_to_bytes(column, MAX_IDENTIFIER_BYTES));
        if out.len() > MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    out
}

/// `<table>_pkey`.
pub fn primary_key_name(table: &str) -> String {
    make_object_name(table, None, "pkey")
}

/// `<table>_<col1>_<col2>_key`.
pub fn unique_constraint_name(table: &str, columns: &[String]) -> String {
    make_object_name(table, Some(&column_names_addition(columns)), "key")
}

/// `<table>_<col1>_<col2>_fkey`.
pub fn foreign_key_name(table: &str, columns: &[String]) -> String {
    make_object_name(table, Some(&column_names_addition(columns)), "fkey")
}

/// `<table>_<col1>_<col2>_idx`.
pub fn index_name(table: &str, columns: &[String]) -> String {
    make_object_name(table, Some(&column_names_addition(columns)), "idx")
}

/// `<table>_<key names>_idx` for an expression index, where each key is named
/// the way PostgreSQL names it (see [`expression_key_name`]):
/// `lower(email)` → `users_lower_idx`, `(a + b)` → `users_expr_idx`.
pub fn expression_index_name(table: &str, expression: &str) -> String {
    make_object_name(table, Some(&expression_name_part(expression)), "idx")
}

/// The same name with PostgreSQL's uniqueness suffix when it is taken
/// (`ChooseRelationName`): `users_lower_idx`, then `users_lower_idx1`,
/// `users_lower_idx2`…
pub fn choose_unused_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    is_taken: impl Fn(&str) -> bool,
) -> String {
    let mut candidate = make_object_name(name1, name2, label);
    let mut pass = 0u32;
    while is_taken(&candidate) && pass < u32::MAX {
        pass += 1;
        candidate = make_object_name(name1, name2, &format!("{label}{pass}"));
    }
    candidate
}

/// The middle part of a default name built on columns (`org_id_email`), for
/// [`make_object_name`] and [`choose_unused_name`].
pub fn columns_name_part(columns: &[String]) -> String {
    column_names_addition(columns)
}

/// The middle part of an expression index's default name (`lower`), for
/// [`make_object_name`] and [`choose_unused_name`].
pub fn expression_name_part(expression: &str) -> String {
    let names: Vec<String> = split_top_level_commas(expression)
        .into_iter()
        .filter(|key| !key.trim().is_empty())
        .map(|key| expression_key_name(key).unwrap_or_else(|| "expr".to_string()))
        .collect();
    if names.is_empty() {
        "expr".to_string()
    } else {
        column_names_addition(&names)
    }
}

/// The name PostgreSQL gives one key of an expression index
/// (`FigureIndexColname`): a function call is named after the function
/// (`lower(email)` → `lower`), a column after the column, a cast after its
/// operand or else its type, `CASE` → `case`, `ARRAY[…]` → `array`;
/// anything else has no name (`None`, which PostgreSQL spells `expr`).
pub fn expression_key_name(key: &str) -> Option<String> {
    let mut text = strip_ordering(key.trim());
    loop {
        let unwrapped = strip_outer_parentheses(text);
        if unwrapped.len() == text.len() {
            break;
        }
        text = unwrapped.trim();
    }
    if let Some((operand, type_name)) = split_last_cast(text) {
        return expression_key_name(operand).or_else(|| last_identifier_of(type_name));
    }
    let lowered = text.to_ascii_lowercase();
    if lowered.starts_with("case") && lowered.ends_with("end") && lowered.len() > 7 {
        return Some("case".to_string());
    }
    if lowered.starts_with("array[")
        || lowered.starts_with("array (")
        || lowered.starts_with("array(")
    {
        return Some("array".to_string());
    }
    let (path, rest) = leading_qualified_name(text)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return path.last().cloned();
    }
    if rest.starts_with('(') && strip_outer_parentheses(rest).len() != rest.len() {
        return path.last().cloned();
    }
    None
}

/// Removes a trailing `ASC`/`DESC`/`NULLS FIRST|LAST` from an index key.
fn strip_ordering(key: &str) -> &str {
    let mut text = key.trim_end();
    for suffix in ["nulls first", "nulls last", "asc", "desc"] {
        let lowered = text.to_ascii_lowercase();
        if lowered.ends_with(suffix) {
            let cut = text.len() - suffix.len();
            let before = text.get(..cut).unwrap_or("");
            if before.ends_with(char::is_whitespace) || before.ends_with(')') {
                text = before.trim_end();
            }
        }
    }
    text
}

/// `(inner)` → `inner` when the parentheses enclose the whole text.
fn strip_outer_parentheses(text: &str) -> &str {
    if !text.starts_with('(') || !text.ends_with(')') {
        return text;
    }
    let mut depth = 0i32;
    let mut in_quote: Option<char> = None;
    for (index, character) in text.char_indices() {
        match in_quote {
            Some(quote) => {
                if character == quote {
                    in_quote = None;
                }
            }
            None => match character {
                '\'' | '"' => in_quote = Some(character),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && index + 1 != text.len() {
                        return text;
                    }
                }
                _ => {}
            },
        }
    }
    text.get(1..text.len() - 1).unwrap_or(text)
}

/// `expr::type` at the top level → (`expr`, `type`), on the last `::`.
fn split_last_cast(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut in_quote: Option<char> = None;
    let mut last = None;
    let bytes = text.as_bytes();
    for (index, character) in text.char_indices() {
        match in_quote {
            Some(quote) => {
                if character == quote {
                    in_quote = None;
                }
            }
            None => match character {
                '\'' | '"' => in_quote = Some(character),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ':' if depth == 0 && bytes.get(index + 1) == Some(&b':') => last = Some(index),
                _ => {}
            },
        }
    }
    let index = last?;
    Some((text.get(..index)?.trim(), text.get(index + 2..)?.trim()))
}

/// The last identifier of a type name such as `pg_catalog.text` or
/// `character varying(10)`.
fn last_identifier_of(type_name: &str) -> Option<String> {
    let stem = type_name.split(['(', '[']).next().unwrap_or("").trim();
    let (path, _) = leading_qualified_name(stem)?;
    path.last().cloned()
}

/// A leading `a.b."C"` name: its parts (unquoted ones lowercased, as
/// PostgreSQL folds them) and the text after it.
pub(crate) fn leading_qualified_name(text: &str) -> Option<(Vec<String>, &str)> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let (part, after) = leading_identifier(rest)?;
        parts.push(part);
        rest = after;
        match rest.strip_prefix('.') {
            Some(after_dot) => rest = after_dot,
            None => return Some((parts, rest)),
        }
    }
}

fn leading_identifier(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut characters = quoted.char_indices().peekable();
        while let Some((index, character)) = characters.next() {
            if character == '"' {
                if characters.peek().is_some_and(|(_, next)| *next == '"') {
                    name.push('"');
                    characters.next();
                    continue;
                }
                return Some((name, quoted.get(index + 1..)?));
            }
            name.push(character);
        }
        return None;
    }
    let first = text.chars().next()?;
    if !(first.is_alphabetic() || first == '_') {
        return None;
    }
    let end = text
        .char_indices()
        .find(|(_, character)| {
            !(character.is_alphanumeric() || *character == '_' || *character == '$')
        })
        .map_or(text.len(), |(index, _)| index);
    Some((text.get(..end)?.to_lowercase(), text.get(end..)?))
}

/// Splits `a, lower(b), c` on the commas outside parentheses and quotes.
pub fn split_top_level_commas(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut in_quote: Option<char> = None;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match in_quote {
            Some(quote) => {
                if character == quote {
                    in_quote = None;
                }
            }
            None => match character {
                '\'' | '"' => in_quote = Some(character),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(text.get(start..index).unwrap_or(""));
                    start = index + 1;
                }
                _ => {}
            },
        }
    }
    parts.push(text.get(start..).unwrap_or(""));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn snake_case_of_rust_names() {
        let cases = [
            ("BlogPost", "blog_post"),
            ("HTTPRequest", "http_request"),
            ("InReview", "in_review"),
            ("User", "user"),
            ("ABC", "abc"),
            ("Version2Beta", "version2_beta"),
            ("already_snake", "already_snake"),
            ("r#type", "type"),
            ("Order_Item", "order_item"),
            ("ÉtéHiver", "été_hiver"),
        ];
        for (input, expected) in cases {
            assert_eq!(snake_case(input), expected, "{input}");
        }
    }

    #[test]
    fn default_names_follow_postgresql() {
        assert_eq!(primary_key_name("users"), "users_pkey");
        assert_eq!(
            unique_constraint_name("users", &columns(&["org_id", "email"])),
            "users_org_id_email_key"
        );
        assert_eq!(
            foreign_key_name("posts", &columns(&["author_id"])),
            "posts_author_id_fkey"
        );
        assert_eq!(
            index_name("users", &columns(&["created_at"])),
            "users_created_at_idx"
        );
        assert_eq!(
            expression_index_name("users", "lower(email)"),
            "users_lower_idx"
        );
        assert_eq!(expression_index_name("users", "(a + b)"), "users_expr_idx");
        assert_eq!(
            expression_index_name("users", "lower(email), name"),
            "users_lower_name_idx"
        );
        assert_eq!(
            expression_index_name("users", "public.f(x) DESC"),
            "users_f_idx"
        );
        assert_eq!(expression_index_name("t", "(data ->> 'k')"), "t_expr_idx");
        assert_eq!(expression_index_name("t", "(data::text)"), "t_data_idx");
        assert_eq!(expression_index_name("t", "((a + 1)::text)"), "t_text_idx");
        assert_eq!(
            expression_index_name("t", "CASE WHEN a THEN 1 END"),
            "t_case_idx"
        );
    }

    #[test]
    fn long_names_shorten_the_longer_part_first() {
        // Checked against PostgreSQL 16: CREATE TABLE with a 60-character
        // name and a unique column `email`.
        let table = "a".repeat(60);
        let name = unique_constraint_name(&table, &columns(&["email"]));
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_email_key", "a".repeat(53)));
        let column = "c".repeat(40);
        let name = index_name(&"t".repeat(40), &columns(&[&column]));
        assert_eq!(name, format!("{}_{}_idx", "t".repeat(29), "c".repeat(29)));
        assert_eq!(
            primary_key_name(&"p".repeat(70)),
            format!("{}_pkey", "p".repeat(58))
        );
    }

    #[test]
    fn truncation_never_splits_a_character() {
        let table = "é".repeat(40);
        let name = primary_key_name(&table);
        assert!(name.len() <= 63);
        assert_eq!(name, format!("{}_pkey", "é".repeat(29)));
        assert_eq!(truncate_identifier(&"ü".repeat(40)), "ü".repeat(31));
    }

    proptest::proptest! {
        #[test]
        fn default_names_fit_in_63_bytes(table in "\\PC{0,80}", column_names in proptest::collection::vec("\\PC{0,70}", 1..4)) {
            let column_names: Vec<String> = column_names;
            for name in [
                primary_key_name(&table),
                unique_constraint_name(&table, &column_names),
                foreign_key_name(&table, &column_names),
                index_name(&table, &column_names),
                expression_index_name(&table, &column_names.join(", ")),
            ] {
                proptest::prop_assert!(name.len() <= MAX_IDENTIFIER_BYTES, "{name}");
            }
        }
    }

    #[test]
    fn taken_names_get_a_number() {
        let taken = [
            "users_lower_idx".to_string(),
            "users_lower_idx1".to_string(),
        ];
        let name = choose_unused_name("users", Some("lower"), "idx", |candidate| {
            taken.iter().any(|t| t == candidate)
        });
        assert_eq!(name, "users_lower_idx2");
    }
}
