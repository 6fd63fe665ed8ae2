//! Unlabelled texts for distillation, derived from train-split texts only: one seeded
//! variant of each (words dropped, case changed, cut short, or one sentence cropped out),
//! which the teacher then labels softly.

use super::fit::Rng;

/// Share of words a word-dropout variant loses.
const DROPOUT: u64 = 15;

/// One variant per text that differs from it (a text no variant changes gets none), in order.
pub fn variants(texts: &[&str], seed: u64) -> Vec<String> {
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    texts
        .iter()
        .filter_map(|text| {
            let variant = vary(text, &mut rng);
            (variant.trim() != text.trim() && !variant.trim().is_empty()).then_some(variant)
        })
        .collect()
}

fn vary(text: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    match rng.next() % 4 {
        0 => {
            let kept: Vec<&str> = words.iter().copied().filter(|_| rng.next() % 100 >= DROPOUT).collect();
            if kept.is_empty() { words.join(" ") } else { kept.join(" ") }
        }
        1 => match rng.next() % 3 {
            0 => text.to_uppercase(),
            1 => text.to_lowercase(),
            _ => words.iter().map(|w| capitalized(w)).collect::<Vec<_>>().join(" "),
        },
        2 => {
            // The first 40–80% of the words.
            let share = 40 + rng.next() % 41;
            let keep = ((words.len() as u64 * share).div_ceil(100) as usize).max(1);
            words[..keep.min(words.len())].join(" ")
        }
        _ => {
            let sentences = sentences(text);
            if sentences.len() < 2 {
                return words.join(" ").to_lowercase();
            }
            sentences[(rng.next() % sentences.len() as u64) as usize].to_string()
        }
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The sentences of `text`: split after `.`, `!`, `?` or at a line break.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            let end = i + c.len_utf8();
            out.push(text[start..end].trim());
            start = end;
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| s.split_whitespace().count() >= 3);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_seeded_and_differ_from_their_source() {
        let texts = [
            "How do I reset my router password? It keeps asking me for the old one. Thanks a lot.",
            "Write a short poem about the sea and the wind at night",
            "ok",
        ];
        let a = variants(&texts, 5);
        assert_eq!(a, variants(&texts, 5));
        assert_ne!(a, variants(&texts, 6));
        assert!(!a.is_empty() && a.len() <= texts.len());
        assert!(a.iter().all(|v| !texts.contains(&v.as_str())));
        assert_eq!(sentences(texts[0]).len(), 3);
    }
}
