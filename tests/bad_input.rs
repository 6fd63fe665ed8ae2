//! Bad input gives a typed error or a correct result, never a panic or a hang:
//! empty and whitespace-only text, a megabyte of text, control characters, and
//! corrupt, truncated or foreign model files.

use nacre::{BackendRequest, ErrorCode, Nacre};

fn model_bytes() -> Vec<u8> {
    let path = std::env::var("NACRE_BASE_MODEL")
        .unwrap_or_else(|_| format!("{}/www/model/encoder-int8.nacre", env!("CARGO_MANIFEST_DIR")));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run ./build.sh model first)"))
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
