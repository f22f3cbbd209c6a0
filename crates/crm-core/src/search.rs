//! The search form of names and titles: what a stored search column holds and what a search
//! fragment is turned into before it is matched.
//!
//! Matching is case-insensitive for every alphabet (Unicode lower case, so Cyrillic too) and
//! treats `ё` as `е`, since Russian text is written both ways ("Семёнова" and "Семенова" are
//! one person). The stored column and the fragment go through the same function.

/// The search form of `text`: Unicode lower case with `ё` folded to `е`.
pub fn search_key(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

#[cfg(test)]
mod tests {
    use super::search_key;

    #[test]
    fn lower_cases_every_alphabet_and_folds_yo() {
        assert_eq!(search_key("Семёнова ЁЛКА"), "семенова елка");
        assert_eq!(search_key("Anna PETROVA"), "anna petrova");
        assert_eq!(search_key(""), "");
    }
}
