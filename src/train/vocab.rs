//! The student's pruned WordPiece vocabulary: which of the teacher's tokens it keeps (the
//! special tokens, the single-character pieces, then the most frequent tokens of a
//! corpus), its `tokenizer.json`, and how well a vocabulary covers a set of texts.
//!
//! Fallback for a dropped token: WordPiece's own longest match splits the word into
//! smaller kept pieces (every kept single character and its `##` form guarantee that a
//! word of kept characters always splits); a word with a character that was not kept
//! becomes `[UNK]`.

use crate::assess::MAX_CHARS;
use crate::error::{Error, Result};
use crate::normalize::normalize;
use crate::tokenize::Tokenizer;
use serde::Serialize;
use serde_json::{Map, Value};

/// Single characters below this code point (Latin, with its accents) are always kept;
/// other scripts' characters only when the corpus has them.
const ALWAYS_KEPT_BELOW: u32 = 0x250;

/// A pruned vocabulary.
pub struct Pruned {
    /// The teacher's ids of the kept tokens, ascending: student id `i` is teacher id `kept[i]`.
    pub kept: Vec<u32>,
    /// The student's `tokenizer.json`.
    pub tokenizer_json: Vec<u8>,
}

/// Token ids of the texts as the model reads them (normalized, no special tokens).
fn token_ids<'a>(tokenizer: &'a Tokenizer, texts: &'a [&str]) -> impl Iterator<Item = Result<Vec<u32>>> + 'a {
    texts.iter().map(|text| tokenizer.tokens(&normalize(text, MAX_CHARS, &|w| tokenizer.word_id(w)).text))
}

/// How often each token id occurs in `texts`.
pub fn count(tokenizer: &Tokenizer, texts: &[&str]) -> Result<Vec<u64>> {
    let mut counts = vec![0u64; tokenizer.vocab_size()];
    for ids in token_ids(tokenizer, texts) {
        ids?.into_iter().for_each(|id| counts[id as usize] += 1);
    }
    Ok(counts)
}

/// Keeps at most `size` tokens of the vocabulary in `tokenizer_json`: the special tokens,
/// single-character pieces (and their `##` forms) that are Latin or occur in `counts`,
/// then the most frequent of the rest (ties by id). Token order is the teacher's.
pub fn prune(tokenizer_json: &[u8], counts: &[u64], size: usize) -> Result<Pruned> {
    let bad = |what: &str| Error::corrupt(format!("tokenizer.json: {what}"));
    let mut json: Value = serde_json::from_slice(tokenizer_json).map_err(|e| bad(&e.to_string()))?;
    let vocab = json["model"]["vocab"].as_object().ok_or_else(|| bad("no WordPiece vocab"))?;
    let mut tokens = vec![String::new(); vocab.len()];
    for (token, id) in vocab {
        let id = id.as_u64().filter(|&id| (id as usize) < tokens.len()).ok_or_else(|| bad("vocab ids"))?;
        tokens[id as usize] = token.clone();
    }
    let special: Vec<u32> = json["added_tokens"]
        .as_array()
        .ok_or_else(|| bad("no added_tokens"))?
        .iter()
        .filter_map(|t| t["id"].as_u64().map(|id| id as u32))
        .collect();
    let seen = |id: usize| counts.get(id).copied().unwrap_or(0);
    let single = |token: &str| {
        let piece = token.strip_prefix("##").unwrap_or(token);
        let mut chars = piece.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if u32::from(c) < ALWAYS_KEPT_BELOW)
    };
    let mut keep = vec![false; tokens.len()];
    for (id, token) in tokens.iter().enumerate() {
        let one_char = token.strip_prefix("##").unwrap_or(token).chars().count() == 1;
        keep[id] = special.contains(&(id as u32)) || single(token) || (one_char && seen(id) > 0);
    }
    let mut rest: Vec<usize> = (0..tokens.len()).filter(|&id| !keep[id] && seen(id) > 0).collect();
    rest.sort_by_key(|&id| (std::cmp::Reverse(seen(id)), id));
    let room = size.saturating_sub(keep.iter().filter(|&&k| k).count());
    rest.into_iter().take(room).for_each(|id| keep[id] = true);
    let kept: Vec<u32> = (0..tokens.len() as u32).filter(|&id| keep[id as usize]).collect();

    let new_id = |old: u64| kept.binary_search(&(old as u32)).map(|i| Value::from(i as u64)).map_err(|_| bad("special token dropped"));
    json["model"]["vocab"] = Value::Object(kept.iter().enumerate().map(|(i, &old)| (tokens[old as usize].clone(), Value::from(i as u64))).collect::<Map<_, _>>());
    for token in json["added_tokens"].as_array_mut().expect("checked above") {
        token["id"] = new_id(token["id"].as_u64().unwrap_or(u64::MAX))?;
    }
    if let Some(specials) = json["post_processor"]["special_tokens"].as_object_mut() {
        for special in specials.values_mut() {
            let ids = special["ids"].as_array().ok_or_else(|| bad("post_processor ids"))?;
            special["ids"] = ids.iter().map(|id| new_id(id.as_u64().unwrap_or(u64::MAX))).collect::<Result<Vec<_>>>()?.into();
        }
    }
    Ok(Pruned { kept, tokenizer_json: serde_json::to_vec(&json).expect("json serializes") })
}

/// How a vocabulary covers a set of texts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coverage {
    /// Share of tokens that are `[UNK]`.
    pub unknown_rate: f32,
    /// Tokens per whitespace-separated word.
    pub tokens_per_word: f32,
}

/// The coverage of `texts` by `tokenizer`'s vocabulary.
pub fn coverage(tokenizer: &Tokenizer, texts: &[&str]) -> Result<Coverage> {
    let unknown = tokenizer.word_id("[UNK]");
    let (mut tokens, mut unknowns) = (0usize, 0usize);
    for ids in token_ids(tokenizer, texts) {
        let ids = ids?;
        tokens += ids.len();
        unknowns += ids.iter().filter(|&&id| Some(id) == unknown).count();
    }
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    Ok(Coverage {
        unknown_rate: unknowns as f32 / tokens.max(1) as f32,
        tokens_per_word: tokens as f32 / words.max(1) as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teacher_tokenizer() -> Option<Vec<u8>> {
        let home = std::env::var("NACRE_CACHE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/nacre"));
        std::fs::read(home.join("base/tokenizer.json")).ok()
    }

    #[test]
    fn a_pruned_vocabulary_still_spells_every_latin_word() {
        let Some(json) = teacher_tokenizer() else { panic!("run ./build.sh model first (base tokenizer missing)") };
        let teacher = Tokenizer::from_json(&json, 256).unwrap();
        let corpus = ["the cat sat on the mat", "the dog barked"];
        let counts = count(&teacher, &corpus).unwrap();
        let pruned = prune(&json, &counts, 400).unwrap();
        let student = Tokenizer::from_json(&pruned.tokenizer_json, 256).unwrap();
        assert!(pruned.kept.len() <= 400 && student.vocab_size() == pruned.kept.len());
        // A kept word keeps its own token; the special tokens frame every text.
        let cat = student.encode("the cat").unwrap();
        assert_eq!(cat.len(), 4);
        assert_eq!(student.id_to_token(cat[0]).as_deref(), Some("[CLS]"));
        assert_eq!(student.id_to_token(cat[2]).as_deref(), Some("cat"));
        // A dropped word falls back to smaller kept pieces, never to [UNK].
        let rare = student.tokens("photosynthesis").unwrap();
        assert!(rare.len() > 1);
        let spelled: String = rare.iter().map(|&id| student.id_to_token(id).unwrap().replace("##", "")).collect();
        assert_eq!(spelled, "photosynthesis");
        // Only a character never seen and not Latin is unknown.
        let before = coverage(&teacher, &["photosynthesis 日本"]).unwrap();
        let after = coverage(&student, &["photosynthesis 日本"]).unwrap();
        assert_eq!(before.unknown_rate, 0.0);
        assert!(after.unknown_rate > 0.0 && after.tokens_per_word > before.tokens_per_word);
    }
}
