//! WordPiece tokenizing with the `tokenizers` crate, built from the `tokenizer.json`
//! that travels inside the model artifact. Padding is off (the encoder builds its own
//! attention mask). A text that fits in `max_len` tokens ([CLS] and [SEP] included) is
//! one window; a longer one is its first `max_len` tokens, then overlapping windows of
//! `WINDOW` tokens over the whole of it: short windows, so that one harmful sentence is
//! not averaged away among pages of harmless ones.

use crate::error::{Error, ErrorCode, Result};

/// Tokens in each window over a long text, special tokens included.
pub const WINDOW: usize = 128;
/// Tokens each such window shares with the one before it, so no sentence falls between two.
pub const OVERLAP: usize = 64;

/// A tokenizer bound to the model's maximum sequence length.
#[derive(Clone)]
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    max_len: usize,
    /// The special tokens the model expects before ([CLS]) and after ([SEP]) a text.
    open: Vec<u32>,
    close: Vec<u32>,
}

impl Tokenizer {
    /// Builds the tokenizer from the bytes of a `tokenizer.json`.
    pub fn from_json(bytes: &[u8], max_len: usize) -> Result<Self> {
        let mut inner = tokenizers::Tokenizer::from_bytes(bytes)
            .map_err(|e| Error::new(ErrorCode::Tokenizer, format!("bad tokenizer.json: {e}")))?;
        inner.with_padding(None);
        inner.with_truncation(None).map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))?;
        let mut close = inner
            .encode("", true)
            .map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))?
            .get_ids()
            .to_vec();
        let open: Vec<u32> = close.drain(..close.len().min(1)).collect();
        if max_len < WINDOW {
            return Err(Error::corrupt(format!("max_len {max_len} leaves no room for text")));
        }
        Ok(Self { inner, max_len, open, close })
    }

    /// The longest sequence the encoder accepts, special tokens included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Token ids of `text`, with [CLS] and [SEP], at most `max_len` of them (the start of
    /// a longer text).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let tokens = self.tokens(text)?;
        Ok(self.wrap(&tokens[..tokens.len().min(self.max_len - self.open.len() - self.close.len())]))
    }

    /// The windows of `text` the model reads: the text (at most `max_len` tokens) and,
    /// when it is longer, overlapping windows of `WINDOW` tokens over all of it.
    pub fn windows(&self, text: &str) -> Result<Vec<Vec<u32>>> {
        let tokens = self.tokens(text)?;
        let specials = self.open.len() + self.close.len();
        let first = self.wrap(&tokens[..tokens.len().min(self.max_len - specials)]);
        if tokens.len() + specials <= self.max_len {
            return Ok(vec![first]);
        }
        let (size, step) = (WINDOW - specials, WINDOW - specials - OVERLAP);
        // A model whose first window is one `WINDOW` long has already read the window at 0.
        let from = if self.max_len == WINDOW { step } else { 0 };
        let starts = (from..tokens.len() - size).step_by(step).chain([tokens.len() - size]);
        Ok(std::iter::once(first).chain(starts.map(|start| self.wrap(&tokens[start..start + size]))).collect())
    }

    /// The text of token ids, special tokens left out (WordPiece pieces joined back into words).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner.decode(ids, true).map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))
    }

    /// Token ids of `text` without special tokens.
    pub(crate) fn tokens(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.inner.encode(text, false).map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    fn wrap(&self, tokens: &[u32]) -> Vec<u32> {
        [self.open.as_slice(), tokens, &self.close].concat()
    }

    /// The id of `word` when it is a whole word of the vocabulary (WordPiece vocabularies
    /// list common words first, so a lower id is a more common word).
    pub fn word_id(&self, word: &str) -> Option<u32> {
        self.inner.token_to_id(word)
    }

    /// The number of tokens in the vocabulary, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The vocabulary entry of each id, for showing evidence.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }
}
