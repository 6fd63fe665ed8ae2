//! Word-level clean-up of the character-cleaned text: letters written apart ("k i l l",
//! "a s   a   d o c t o r") or dotted ("k.i.l.l") are joined, look-alike letters from
//! other scripts are read as Latin (TR39 skeletons) inside Latin text, and runs of one
//! repeated lowercase letter are shortened to the word the lexicon knows. Whitespace comes
//! out single-spaced.

use super::{Change, Lexicon};
use unicode_script::{Script, UnicodeScript};
use unicode_security::skeleton;

/// Single characters in a row (separated by single spaces) that read as a spaced word.
const MIN_SPACED: usize = 4;
/// Single letters in a row (separated by a dot or dash) that read as a dotted word.
const MIN_DOTTED: usize = 3;
/// Drawn-out runs in one word whose every shortening is looked up; more are shortened by rule.
const MAX_RUNS_LOOKED_UP: usize = 6;
/// Separators of dotted letters.
const DOTS: [char; 6] = ['.', '-', '_', '*', '·', '•'];

/// Cleans the words of `text` (gaps as `characters::clean` leaves them).
pub fn clean(text: &str, lexicon: Lexicon, changes: &mut Vec<Change>) -> String {
    let words = unspace(text, changes);
    let latin_text = mostly_latin(text);
    // Once a text dots its words, its dotted numbers are part of the disguise too.
    let dotting = words.iter().any(|word| undot(word, false).is_some());
    let mut out = String::with_capacity(text.len());
    for word in words {
        let mut word = unconfuse(&word, latin_text, changes);
        if let Some(joined) = undot(&word, dotting) {
            changes.push(Change::Dotted);
            word = joined;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&shorten_runs(&word, lexicon, changes));
    }
    out
}

/// The words of `text`, with runs of single characters joined: inside a run, a single
/// space joins and a wider gap separates words; a run with only single spaces is one word.
fn unspace(text: &str, changes: &mut Vec<Change>) -> Vec<String> {
    // Each token with the gap that follows it.
    let mut tokens: Vec<(&str, &str)> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (token, after) = rest.split_at(end);
        let gap_end = after.find(|c: char| !c.is_whitespace()).unwrap_or(after.len());
        tokens.push((token, &after[..gap_end]));
        rest = &after[gap_end..];
    }
    let single = |(token, _): &(&str, &str)| token.chars().count() == 1;
    let mut words = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let mut end = i;
        while end < tokens.len() && single(&tokens[end]) && (end == i || !tokens[end - 1].1.contains('\n')) {
            end += 1;
        }
        let run = &tokens[i..end.max(i + 1)];
        let letters = run.iter().filter(|(t, _)| t.chars().all(char::is_alphabetic)).count();
        if run.len() >= MIN_SPACED && letters >= MIN_DOTTED {
            changes.push(Change::Spaced);
            let inner = &run[..run.len() - 1];
            let wide = inner.iter().any(|(_, gap)| *gap != " ");
            let mut word = String::new();
            for (token, gap) in run {
                word.push_str(token);
                if wide && *gap != " " {
                    words.push(std::mem::take(&mut word));
                }
            }
            if !word.is_empty() {
                words.push(word);
            }
        } else {
            words.extend(run.iter().map(|(t, _)| t.to_string()));
        }
        i += run.len();
    }
    words
}

/// Whether most letters of `text` are Latin.
fn mostly_latin(text: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if c.script() == Script::Latin { latin += 1 } else { other += 1 }
    }
    latin > other
}

/// The Latin letter(s) a non-Latin letter is confusable with, if any.
fn latin_lookalike(c: char) -> Option<String> {
    if !c.is_alphabetic() || matches!(c.script(), Script::Latin | Script::Common | Script::Inherited) {
        return None;
    }
    let prototype: String = skeleton(c.encode_utf8(&mut [0; 4])).collect();
    prototype.chars().all(|p| p.is_ascii_alphabetic()).then_some(prototype)
}

/// Reads look-alike letters as Latin in a word that mixes them with Latin letters, or in
/// any word of a mostly Latin text. Words of other scripts in their own text stay.
fn unconfuse(word: &str, latin_text: bool, changes: &mut Vec<Change>) -> String {
    let mixed = word.chars().any(|c| c.is_alphabetic() && c.script() == Script::Latin);
    if !(mixed || latin_text) || word.is_ascii() {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    let mut folded = false;
    for c in word.chars() {
        match latin_lookalike(c) {
            Some(latin) => {
                out.push_str(&latin);
                folded = true;
            }
            None => out.push(c),
        }
    }
    // A word of another script is only read as Latin when every letter of it reads so.
    let whole = out.chars().all(|c| !c.is_alphabetic() || c.script() == Script::Latin);
    if folded && (mixed || whole) {
        changes.push(Change::Confusable);
        out
    } else {
        word.to_string()
    }
}

/// "k.i.l.l" joined: three or more single characters, mostly letters (or digits, when
/// `numbers`), between one kind of separator, punctuation at the ends kept. Short capital
/// acronyms (U.S.A.) stay. `None` when the word is not dotted.
fn undot(word: &str, numbers: bool) -> Option<String> {
    let edge = |c: char| !c.is_alphanumeric();
    let start = word.len() - word.trim_start_matches(edge).len();
    let core = word[start..].trim_end_matches(edge);
    let tail = &word[start + core.len()..];
    let dot = core.chars().find(|c| DOTS.contains(c))?;
    let parts: Vec<&str> = core.split(dot).collect();
    // A dotted word may dot its own hyphen or apostrophe too ("c.h.e.c.k.-.c.a.s.h").
    let kept = |c: char| c.is_alphanumeric() || c == '\'' || (c != dot && DOTS.contains(&c));
    let singles = parts.iter().all(|p| p.chars().count() == 1 && p.chars().all(kept));
    let letters = parts.iter().filter(|p| p.chars().all(char::is_alphabetic)).count();
    let enough = letters >= MIN_DOTTED || (numbers && parts.len() >= MIN_DOTTED);
    let acronym = parts.len() <= 4 && parts.iter().all(|p| p.chars().all(char::is_uppercase));
    (singles && enough && !acronym)
        .then(|| format!("{}{}{}", &word[..start], parts.concat(), tail.strip_prefix(dot).unwrap_or(tail)))
}

/// Shortens runs of three or more of one lowercase letter ("kiiiill", "sooo") to one or
/// two letters: the most common spelling the lexicon knows as a word (its letters before
/// any apostrophe), else all singles. "www" stays.
fn shorten_runs(word: &str, lexicon: Lexicon, changes: &mut Vec<Change>) -> String {
    // The word as pieces: (letter, run length).
    let mut pieces: Vec<(char, usize)> = Vec::new();
    for c in word.chars() {
        match pieces.last_mut() {
            Some((last, run)) if *last == c => *run += 1,
            _ => pieces.push((c, 1)),
        }
    }
    let drawn_out = |&(c, run): &(char, usize)| c.is_lowercase() && run >= 3 && !(c == 'w' && run == 3);
    let runs = pieces.iter().filter(|p| drawn_out(p)).count();
    if runs == 0 {
        return word.to_string();
    }
    changes.push(Change::Repeated);
    let spell = |choose: &dyn Fn(usize) -> usize| -> String {
        let mut k = 0;
        let mut out = String::with_capacity(word.len());
        for piece in &pieces {
            let keep = if drawn_out(piece) {
                k += 1;
                choose(k - 1)
            } else {
                piece.1
            };
            out.extend(std::iter::repeat_n(piece.0, keep));
        }
        out
    };
    let known = (runs <= MAX_RUNS_LOOKED_UP)
        .then(|| {
            (0..1usize << runs)
                .filter_map(|mask| {
                    let candidate = spell(&|k| 1 + (mask >> k & 1));
                    let core: String =
                        candidate.chars().skip_while(|c| !c.is_alphabetic()).take_while(|c| c.is_alphabetic()).collect();
                    lexicon(&core.to_lowercase()).map(|rank| (rank, candidate))
                })
                .min()
        })
        .flatten();
    known.map_or_else(|| spell(&|_| 1), |(_, word)| word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(text: &str) -> (String, Vec<Change>) {
        let mut changes = Vec::new();
        let out = clean(text, &super::super::tests::lexicon, &mut changes);
        changes.dedup();
        (out, changes)
    }

    #[test]
    fn joins_spaced_letters_and_keeps_wide_gaps_as_words() {
        assert_eq!(cleaned("how to k i l l him").0, "how to kill him");
        assert_eq!(cleaned("A s  a  d o c t o r ,  h o w").0, "As a doctor, how");
        assert_eq!(cleaned("a b c").0, "a b c");
        assert_eq!(cleaned("k i l l\nm e").0, "kill m e");
    }

    #[test]
    fn joins_dotted_letters_but_not_acronyms_or_numbers() {
        assert_eq!(cleaned("k.i.l.l. him").0, "kill him");
        assert_eq!(cleaned("(b-o-m-b)").0, "(bomb)");
        assert_eq!(cleaned("d.o.c.t.o.r.'.s").0, "doctor's");
        assert_eq!(cleaned("c.h.e.c.k.-.c.a.s.h.i.n.g s.c.a.m.s").0, "check-cashing scams");
        assert_eq!(cleaned("c.o.d.e 5.5.9.1.").0, "code 5591");
        for plain in ["U.S.A.", "e.g.", "1.2.3.4", "v1.2.3", "well-known", "x-ray"] {
            assert_eq!(cleaned(plain), (plain.to_string(), vec![]), "{plain}");
        }
    }

    #[test]
    fn reads_lookalikes_as_latin_only_in_latin_text() {
        assert_eq!(cleaned("I know yоur ѕchеdulе").0, "I know your schedule");
        assert_eq!(cleaned("see уеѕ there").0, "see yes there");
        assert_eq!(cleaned("Привет, как дела"), ("Привет, как дела".to_string(), vec![]));
        assert_eq!(cleaned("naïve café Straße"), ("naïve café Straße".to_string(), vec![]));
    }

    #[test]
    fn shortens_drawn_out_letters() {
        assert_eq!(cleaned("kiiiiill meeee sooo ggggooood Theeee rrrrace").0, "kill me so good The race");
        assert_eq!(cleaned("www.example.com VIII").0, "www.example.com VIII");
    }
}
