//! Words of a text and a stable hash: the small text helpers the policy and the replies
//! share. Words are maximal runs of letters and digits, lowercased.

/// The lowercased words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// 64-bit FNV-1a: a small hash that is the same on every platform and in every build.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_runs_of_letters_and_digits() {
        assert_eq!(words("How do I   reset it? (v2)"), ["how", "do", "i", "reset", "it", "v2"]);
        assert_eq!(words("Größe ÄNDERN"), ["größe", "ändern"]);
        assert!(words(" ?! ").is_empty());
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
