//! Unlabelled texts for distillation, derived from train-split texts only: seeded variants
//! of each (words dropped, cut short, one sentence cropped out, or a sentence of another
//! text spliced in), which the teacher then labels softly. The tokenizer lowercases, so a
//! variant must differ from its text in more than case to count.

use super::fit::Rng;

/// Share of words a word-dropout variant loses.
const DROPOUT: u64 = 15;

/// Up to `per_text` distinct variants of each text (fewer where draws repeat or change
/// nothing but case), in text order.
pub fn variants(texts: &[&str], seed: u64, per_text: usize) -> Vec<String> {
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let mut out = Vec::new();
    for text in texts {
        let mut seen = vec![text.trim().to_lowercase()];
        for _ in 0..per_text {
            let variant = vary(text, texts, &mut rng);
            let key = variant.trim().to_lowercase();
            if !key.is_empty() && !seen.contains(&key) {
                seen.push(key);
                out.push(variant);
            }
        }
    }
    out
}

fn vary(text: &str, texts: &[&str], rng: &mut Rng) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    match rng.next() % 4 {
        0 => dropped(&words, rng),
        1 => {
            // The first 40–80% of the words.
            let share = 40 + rng.next() % 41;
            let keep = ((words.len() as u64 * share).div_ceil(100) as usize).max(1);
            words[..keep.min(words.len())].join(" ")
        }
        2 => {
            let sentences = sentences(text);
            if sentences.len() < 2 {
                return dropped(&words, rng);
            }
            sentences[(rng.next() % sentences.len() as u64) as usize].to_string()
        }
        _ => {
            let other = sentences(texts[(rng.next() % texts.len() as u64) as usize]);
            let Some(&sentence) = other.get((rng.next() % other.len().max(1) as u64) as usize) else {
                return dropped(&words, rng);
            };
            if rng.next() % 2 == 0 { format!("{sentence} {text}") } else { format!("{text} {sentence}") }
        }
    }
}

/// The words with `DROPOUT`% of them left out (all of them kept if none would be).
fn dropped(words: &[&str], rng: &mut Rng) -> String {
    let kept: Vec<&str> = words.iter().copied().filter(|_| rng.next() % 100 >= DROPOUT).collect();
    if kept.is_empty() { words.join(" ") } else { kept.join(" ") }
}

/// The sentences of `text` of three words or more: split after `.`, `!`, `?` or at a line break.
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

    const TEXTS: [&str; 4] = [
        "How do I reset my router password? It keeps asking me for the old one. Thanks a lot.",
        "Write a short poem about the sea and the wind at night",
        "My cat knocked a glass off the table again. Why do cats do that?",
        "ok",
    ];

    #[test]
    fn variants_are_seeded_and_differ_from_their_source_beyond_case() {
        let a = variants(&TEXTS, 5, 1);
        assert_eq!(a, variants(&TEXTS, 5, 1));
        assert_ne!(a, variants(&TEXTS, 6, 1));
        assert!(!a.is_empty() && a.len() <= TEXTS.len());
        let sources: Vec<String> = TEXTS.iter().map(|t| t.to_lowercase()).collect();
        assert!(a.iter().all(|v| !sources.contains(&v.trim().to_lowercase())));
        assert_eq!(sentences(TEXTS[0]).len(), 3);
    }

    #[test]
    fn more_draws_give_more_distinct_variants() {
        let (one, three) = (variants(&TEXTS, 5, 1), variants(&TEXTS, 5, 3));
        assert!(three.len() > one.len(), "{} against {}", three.len(), one.len());
        let mut distinct = three.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), three.len());
    }

    #[test]
    fn a_spliced_variant_is_its_text_and_a_sentence_of_the_texts() {
        let all: Vec<&str> = TEXTS.iter().flat_map(|t| sentences(t)).collect();
        let rests: Vec<String> = variants(&TEXTS, 11, 8)
            .iter()
            .filter(|v| v.contains(TEXTS[1]) && v.len() > TEXTS[1].len())
            .map(|v| v.replacen(TEXTS[1], "", 1).trim().to_string())
            .collect();
        assert!(!rests.is_empty());
        // What is left is the spliced sentence, or (where TEXTS[1] was the sentence) the text it joined.
        assert!(rests.iter().all(|rest| all.contains(&rest.as_str()) || TEXTS.contains(&rest.as_str())), "{rests:?}");
    }
}
