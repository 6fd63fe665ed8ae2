//! WordPiece tokenizing with the `tokenizers` crate, built from the `tokenizer.json`
//! that travels inside the model artifact. Padding is off (the encoder builds its own
//! attention mask); truncation keeps the first `max_len` tokens, [CLS] and [SEP] included.

use crate::error::{Error, ErrorCode, Result};
use tokenizers::{TruncationDirection, TruncationParams, TruncationStrategy};

/// A tokenizer bound to the model's maximum sequence length.
#[derive(Clone)]
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    max_len: usize,
}

impl Tokenizer {
    /// Builds the tokenizer from the bytes of a `tokenizer.json`.
    pub fn from_json(bytes: &[u8], max_len: usize) -> Result<Self> {
        let mut inner = tokenizers::Tokenizer::from_bytes(bytes)
            .map_err(|e| Error::new(ErrorCode::Tokenizer, format!("bad tokenizer.json: {e}")))?;
        inner.with_padding(None);
        inner
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))?;
        Ok(Self { inner, max_len })
    }

    /// The longest sequence the encoder accepts, special tokens included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Token ids of `text`, with [CLS] and [SEP], at most `max_len` of them.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self
            .inner
            .encode(text, true)
            .map_err(|e| Error::new(ErrorCode::Tokenizer, e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// The vocabulary entry of each id, for showing evidence.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }
}
