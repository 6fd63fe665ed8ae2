//! Parity of the burn encoder with the sentence-transformers reference on the committed
//! fixture: f32 weights must match to cosine ≥ 0.9999, the shipped int8 artifact to ≥ 0.995.
//! The artifacts come from `./build.sh model` (paths overridable by environment).

use nacre::{BackendRequest, Nacre};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    embedding: Vec<f32>,
}

fn artifact(var: &str, default: &str) -> Vec<u8> {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_string());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run ./build.sh model first)"))
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

fn worst_cosine(model: &[u8]) -> (f32, String) {
    let fixture: Fixture =
        serde_json::from_str(include_str!("fixtures/parity.json")).expect("fixture parses");
    assert!(fixture.cases.len() >= 30);
    let nacre = pollster::block_on(Nacre::load(model, BackendRequest::Cpu)).expect("model loads");
    // Batches of mixed lengths also exercise the padding mask.
    let texts: Vec<&str> = fixture.cases.iter().map(|c| c.text.as_str()).collect();
    let mut worst = (f32::MAX, String::new());
    for (chunk, cases) in texts.chunks(7).zip(fixture.cases.chunks(7)) {
        let got = pollster::block_on(nacre.embed_batch(chunk)).expect("embeds");
        for (vector, case) in got.iter().zip(cases) {
            let c = cosine(vector, &case.embedding);
            if c < worst.0 {
                worst = (c, case.text.chars().take(40).collect());
            }
        }
    }
    worst
}

#[test]
fn f32_encoder_matches_sentence_transformers() {
    let (worst, text) = worst_cosine(&artifact("NACRE_F32_MODEL", "www/model/encoder-f32.nacre"));
    assert!(worst >= 0.9999, "worst cosine {worst} on {text:?}");
}

#[test]
fn int8_artifact_stays_close_to_the_reference() {
    let (worst, text) = worst_cosine(&artifact("NACRE_BASE_MODEL", "www/model/encoder-int8.nacre"));
    assert!(worst >= 0.995, "worst cosine {worst} on {text:?}");
}

#[test]
fn single_and_batched_embeddings_agree() {
    let nacre = pollster::block_on(Nacre::load(
        &artifact("NACRE_F32_MODEL", "www/model/encoder-f32.nacre"),
        BackendRequest::Cpu,
    ))
    .unwrap();
    let texts = ["short", "a much longer sentence that needs padding in a batch with short ones"];
    let batched = pollster::block_on(nacre.embed_batch(&texts)).unwrap();
    for (text, b) in texts.iter().zip(&batched) {
        let single = pollster::block_on(nacre.embed(text)).unwrap();
        assert!(cosine(&single, b) > 0.99999, "{text}");
    }
}
