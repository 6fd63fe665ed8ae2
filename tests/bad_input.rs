//! Bad input gives a typed error or a correct result, never a panic or a hang:
//! empty and whitespace-only text, a megabyte and ten megabytes of text, control
//! characters, corrupt, truncated, foreign or wrong-version model files, and a model
//! whose policy fails validation.

use nacre::normalize::Change;
use nacre::{BackendRequest, ErrorCode, Nacre};
use sha2::{Digest, Sha256};

fn model_bytes() -> Vec<u8> {
    let path = std::env::var("NACRE_BASE_MODEL")
        .unwrap_or_else(|_| "www/model/encoder-int8.nacre".to_string());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run ./build.sh model first)"))
}

fn shipped_bytes() -> Vec<u8> {
    let path = "www/model/nacre-student.nacre";
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (run ./build.sh model first)"))
}

fn load(bytes: &[u8]) -> nacre::Result<Nacre> {
    pollster::block_on(Nacre::load(bytes, BackendRequest::Cpu))
}

#[test]
fn empty_and_blank_text_are_typed_errors() {
    let nacre = load(&model_bytes()).unwrap();
    for text in ["", "   ", "\n\t\r", "\u{200B}\u{FEFF}", "\u{0000}\u{0007}"] {
        let err = pollster::block_on(nacre.embed(text)).unwrap_err();
        assert_eq!(err.code, ErrorCode::EmptyText, "{text:?}");
    }
}

#[test]
fn a_megabyte_of_text_is_embedded() {
    let nacre = load(&model_bytes()).unwrap();
    let huge = "lorem ipsum dolor sit amet ".repeat(40_000);
    assert!(huge.len() > 1_000_000);
    let vector = pollster::block_on(nacre.embed(&huge)).unwrap();
    let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
}

#[test]
fn control_characters_do_not_change_the_meaning() {
    let nacre = load(&model_bytes()).unwrap();
    let clean = pollster::block_on(nacre.embed("how do I reset my password")).unwrap();
    let noisy = pollster::block_on(nacre.embed("how do\u{0001} I re\u{200B}set my\u{0008} password")).unwrap();
    let cosine: f32 = clean.iter().zip(&noisy).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.999, "cosine {cosine}");
}

#[test]
fn damaged_model_files_are_typed_errors() {
    let bytes = model_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated to half", bytes[..bytes.len() / 2].to_vec()),
        ("missing last byte", bytes[..bytes.len() - 1].to_vec()),
        ("not a model", b"<html>404 not found</html>".to_vec()),
        ("flipped payload byte", {
            let mut b = bytes.clone();
            let middle = b.len() / 2;
            b[middle] ^= 0xff;
            b
        }),
    ];
    for (what, damaged) in cases {
        let err = load(&damaged).err().unwrap_or_else(|| panic!("{what} loaded"));
        assert_eq!(err.code, ErrorCode::ModelCorrupt, "{what}: {err}");
    }
}

#[test]
fn webgpu_is_unavailable_natively_and_auto_falls_back() {
    let bytes = model_bytes();
    let err = pollster::block_on(Nacre::load(&bytes, BackendRequest::Webgpu)).err().unwrap();
    assert_eq!(err.code, ErrorCode::BackendUnavailable);
    let nacre = pollster::block_on(Nacre::load(&bytes, BackendRequest::Auto)).unwrap();
    assert_eq!(nacre.backend(), nacre::Backend::Cpu);
}

#[test]
fn ten_megabytes_of_text_are_assessed_and_the_unread_tail_is_reported() {
    let nacre = load(&shipped_bytes()).unwrap();
    let huge = "the quick brown fox jumps over the lazy dog ".repeat(240_000);
    assert!(huge.len() > 10_000_000);
    let assessment = pollster::block_on(nacre.assess(&huge)).unwrap();
    assert!(assessment.changes.contains(&Change::Truncated), "{:?}", assessment.changes);
    assert!((0.0..=1.0).contains(&assessment.risk));
}

#[test]
fn control_characters_are_removed_and_reported() {
    let nacre = load(&shipped_bytes()).unwrap();
    let assessment = pollster::block_on(nacre.assess("what time\u{0000} is it\u{001B}[2J in Tokyo?\u{0007}")).unwrap();
    assert_eq!(assessment.changes, vec![Change::Control]);
}

#[test]
fn another_format_version_is_model_version() {
    let mut bytes = model_bytes();
    bytes[6..8].copy_from_slice(&2u16.to_le_bytes());
    let err = load(&bytes).err().expect("a version 2 file loaded");
    assert_eq!(err.code, ErrorCode::ModelVersion, "{err}");
}

/// The artifact with one of its JSON documents replaced, header and checksum rewritten
/// (layout in src/artifact.rs).
fn with_document(bytes: &[u8], name: &str, value: serde_json::Value) -> Vec<u8> {
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[12..12 + header_len]).unwrap();
    header["documents"][name] = value;
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..8].to_vec();
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&bytes[12 + header_len..bytes.len() - 32]);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

#[test]
fn a_policy_that_fails_validation_is_policy_invalid() {
    let bytes = shipped_bytes();
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[12..12 + header_len]).unwrap();
    let mut policy = header["documents"]["policy"].clone();
    policy["jailbreak_shift"]["value"] = serde_json::json!(7.0);
    let err = load(&with_document(&bytes, "policy", policy)).err().expect("an out-of-range policy loaded");
    assert_eq!(err.code, ErrorCode::PolicyInvalid, "{err}");
    let err = load(&with_document(&bytes, "resources", serde_json::json!({"locales": 3}))).err().unwrap();
    assert_eq!(err.code, ErrorCode::PolicyInvalid, "{err}");
}
