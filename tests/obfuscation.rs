//! The obfuscation corpus (`data/obfuscation_corpus.jsonl`: 400 disguised variants of
//! test-split messages, malicious and benign, each with its plain form) on the shipped
//! model at its own flag threshold: disguised malicious messages are caught at least 95%
//! as often as their plain forms, and disguised benign ones are not flagged more often.

use nacre::{BackendRequest, Nacre};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Variant {
    text: String,
    plain: String,
    kind: String,
    user_type: String,
}

/// Texts per model call.
const BATCH: usize = 32;

fn flagged(nacre: &Nacre, texts: &[&str], threshold: f32) -> Vec<bool> {
    texts
        .chunks(BATCH)
        .flat_map(|chunk| {
            let prepared: Vec<_> = chunk.iter().map(|t| nacre.prepare(t).unwrap()).collect();
            pollster::block_on(nacre.assess_prepared(&prepared)).unwrap()
        })
        .map(|a| a.risk > threshold)
        .collect()
}

#[test]
fn disguised_messages_are_judged_like_their_plain_forms() {
    // cargo runs integration tests in the package root
    let corpus: Vec<Variant> = std::fs::read_to_string("data/obfuscation_corpus.jsonl")
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let malicious = corpus.iter().filter(|v| v.user_type == "malicious").count();
    assert!(malicious >= 200 && corpus.len() - malicious >= 200, "the corpus has 200 of each");

    let bytes = std::fs::read("www/model/nacre-student.nacre").expect("run ./build.sh model first");
    let nacre = pollster::block_on(Nacre::load(&bytes, BackendRequest::Cpu)).unwrap();
    let threshold = nacre.calibration().unwrap().flag_threshold;
    let disguised = flagged(&nacre, &corpus.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(), threshold);
    let plain = flagged(&nacre, &corpus.iter().map(|v| v.plain.as_str()).collect::<Vec<_>>(), threshold);

    // Per (malicious?, kind): [variants, disguised flagged, plain flagged].
    let mut counts: BTreeMap<(bool, &str), [usize; 3]> = BTreeMap::new();
    for (i, v) in corpus.iter().enumerate() {
        let c = counts.entry((v.user_type == "malicious", v.kind.as_str())).or_default();
        c[0] += 1;
        c[1] += usize::from(disguised[i]);
        c[2] += usize::from(plain[i]);
    }
    let total = |malicious: bool| {
        counts.iter().filter(|((m, _), _)| *m == malicious).fold([0; 3], |t, (_, c)| [t[0] + c[0], t[1] + c[1], t[2] + c[2]])
    };
    let (bad, good) = (total(true), total(false));
    let report = format!("threshold {threshold}; [variants, disguised flagged, plain flagged] by kind: {counts:?}");
    assert!(bad[2] > 0, "the model catches none of the plain malicious messages: {report}");
    assert!(bad[1] as f32 >= 0.95 * bad[2] as f32, "malicious: {} disguised caught vs {} plain; {report}", bad[1], bad[2]);
    assert!(good[1] <= good[2], "benign: {} disguised flagged vs {} plain; {report}", good[1], good[2]);
    eprintln!("malicious caught {}/{} disguised, {}/{} plain; benign flagged {} disguised, {} plain", bad[1], bad[0], bad[2], bad[0], good[1], good[2]);
}
