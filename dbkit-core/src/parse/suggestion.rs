//! "Did you mean …?": the closest known word to a misspelt one, by edit
//! distance: strsim's optimal string alignment, Levenshtein's insertions,
//! deletions and substitutions plus swaps of two neighbouring characters
//! (`tabel` → `table` is one edit), counted in characters.

use strsim::osa_distance;

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: at most a third of the word's length away (at least one edit), or
/// equal ignoring case, `_`, `-` and spaces.
pub fn closest_match<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let simplified = simplify(word);
    if let Some(exact) = candidates
        .iter()
        .find(|candidate| simplify(candidate) == simplified)
    {
        return Some(exact);
    }
    if word.chars().count() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|candidate| (osa_distance(&word.to_lowercase(), candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn simplify(word: &str) -> String {
    word.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (left, right, expected) in [
            ("", "", 0),
            ("abc", "", 3),
            ("", "abc", 3),
            ("primary_kee", "primary_key", 1),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
            ("tabel", "table", 1),
            ("ca", "abc", 3),
            ("é", "e", 1),
        ] {
            assert_eq!(osa_distance(left, right), expected, "{left} / {right}");
        }
    }

    #[test]
    fn suggestions() {
        let candidates = [
            "primary_key",
            "identity",
            "serial",
            "unique",
            "index",
            "set null",
            "cascade",
        ];
        for (word, expected) in [
            ("primary_kee", Some("primary_key")),
            ("primarykey", Some("primary_key")),
            ("PRIMARY_KEY", Some("primary_key")),
            ("idx", None),
            ("indx", Some("index")),
            ("set_null", Some("set null")),
            ("cascde", Some("cascade")),
            ("completely_different", None),
        ] {
            assert_eq!(closest_match(word, &candidates), expected, "{word}");
        }
    }
}
