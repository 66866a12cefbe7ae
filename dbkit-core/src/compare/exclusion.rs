//! The canonical form of an exclusion constraint's elements.
//!
//! Elements are SQL text, `room WITH =, during WITH &&`, which PostgreSQL
//! prints back from its catalog (`pg_get_indexdef` of each key and the
//! operator's name). Each element's expression goes through the canonical
//! expression form ([`normalize_expression`]), its operator is trimmed;
//! text that does not split into elements is compared as a whole, with its
//! whitespace and case outside quotes normalised by the same function.

use super::normalize_expression;

/// `room WITH =, during WITH &&` in canonical form.
pub(super) fn canonical_elements(text: &str) -> String {
    let elements: Option<Vec<String>> = split_top_level(text, ',')
        .iter()
        .map(|element| canonical_element(element))
        .collect();
    match elements {
        Some(elements) => elements.join(", "),
        None => normalize_expression(text),
    }
}

/// `expression WITH operator`, or `None` when the element has no `WITH`.
fn canonical_element(element: &str) -> Option<String> {
    let lower = element.to_ascii_lowercase();
    let at = find_last_top_level_with(&lower)?;
    let expression = element.get(..at)?.trim();
    let operator = element.get(at + " with ".len()..)?.trim();
    if expression.is_empty() || operator.is_empty() {
        return None;
    }
    Some(format!(
        "{} WITH {}",
        normalize_expression(expression),
        operator
    ))
}

/// The byte position of the last ` with ` outside parentheses and quotes.
fn find_last_top_level_with(lower: &str) -> Option<usize> {
    let bytes = lower.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut found = None;
    for (position, byte) in bytes.iter().enumerate() {
        match quote {
            Some(open) if *byte == open => quote = None,
            Some(_) => {}
            None => match byte {
                b'\'' | b'"' => quote = Some(*byte),
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                c if c.is_ascii_whitespace()
                    && depth == 0
                    && lower.get(position + 1..).is_some_and(|rest| {
                        rest.starts_with("with")
                            && rest.as_bytes().get(4).is_some_and(u8::is_ascii_whitespace)
                    }) =>
                {
                    found = Some(position);
                }
                _ => {}
            },
        }
    }
    // `position` is the whitespace before `with`; the operator follows
    // `with` and one more whitespace.
    found.filter(|position| lower.get(*position..*position + 6).is_some())
}

/// `text` cut at each `separator` outside parentheses, brackets and quotes.
fn split_top_level(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for character in text.chars() {
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => {}
            None => match character {
                '\'' | '"' => quote = Some(character),
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                c if c == separator && depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            },
        }
        current.push(character);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::canonical_elements;

    #[test]
    fn declared_and_printed_elements_are_equal() {
        assert_eq!(
            canonical_elements("room WITH =, during  with &&"),
            canonical_elements("room WITH =, during WITH &&")
        );
        assert_eq!(
            canonical_elements("lower(name) WITH ="),
            canonical_elements("lower((name)::text) WITH =")
        );
        assert_ne!(
            canonical_elements("room WITH ="),
            canonical_elements("room WITH <>")
        );
    }
}
