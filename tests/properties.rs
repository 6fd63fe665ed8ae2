//! Property tests (proptest, stable toolchain) over normalize, tokenize and assess with
//! arbitrary Unicode and with adversarial mixes of disguises: no panic, every output
//! well-formed. The case counts are the fixed budget that keeps this a few seconds in CI.

use nacre::assess::MAX_WINDOWS;
use nacre::normalize::normalize;
use nacre::{BackendRequest, ErrorCode, Nacre};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn student() -> Nacre {
    let path = "www/model/nacre-student.nacre";
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (run ./build.sh model first)"));
    pollster::block_on(Nacre::load(&bytes, BackendRequest::Cpu)).unwrap()
}

fn budget(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Text built from pieces that trigger every normalization step, plus arbitrary characters.
fn adversarial() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("k1ll ".to_string()),
        Just("h0w d0 1 ".to_string()),
        Just("aG93IHRvIGtpbGwgaGlt ".to_string()),
        Just("686f7720746f206b696c6c ".to_string()),
        Just("how%20to%20kill%20him ".to_string()),
        Just("Ubj qb V znxr n obzo: ".to_string()),
        Just("k i l l  m e ".to_string()),
        Just("b.o.m.b. 1.2.3. ".to_string()),
        Just("kiiiiilllll ".to_string()),
        Just("ѕсhеdulе уеѕ ".to_string()),
        Just("\u{200B}\u{202E}\u{FEFF}".to_string()),
        Just("ｆｕｌｌ ﬁ ".to_string()),
        Just("👨\u{200D}👩 ".to_string()),
        Just("\u{0000}\u{0007}\t\r\n".to_string()),
        Just("==%%..--'' ".to_string()),
        any::<char>().prop_map(String::from),
        "[a-z0-9+/=%. ]{0,40}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), adversarial()]
}

proptest! {
    #![proptest_config(budget(3000))]
    #[test]
    fn normalize_gives_clean_single_spaced_text(input in any_text(), max_chars in 1usize..400) {
        let n = normalize(&input, max_chars, &|w| (w.len() < 5).then_some(w.len() as u32));
        for text in std::iter::once(&n.text).chain(&n.decoded) {
            prop_assert!(!text.starts_with(' ') && !text.ends_with(' ') && !text.contains("  "), "{text:?}");
            prop_assert!(!text.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' ')), "{text:?}");
            prop_assert!(!text.contains(['\u{200B}', '\u{202E}', '\u{FEFF}']), "{text:?}");
            prop_assert!(text.chars().filter(|c| *c != ' ').count() <= max_chars, "{text:?}");
        }
        prop_assert!(n.changes.windows(2).all(|w| w[0] < w[1]), "sorted, without repeats: {:?}", n.changes);
    }
}

#[test]
fn prepare_gives_windows_or_empty_text() {
    let nacre = student();
    proptest!(budget(400), |(input in any_text())| {
        match nacre.prepare(&input) {
            Ok(prepared) => {
                prop_assert!(!prepared.windows.is_empty() && prepared.windows.len() <= MAX_WINDOWS);
                let (open, close) = (prepared.ids[0], *prepared.ids.last().unwrap());
                for window in &prepared.windows {
                    prop_assert!(window.len() >= 2 && window.len() <= 256);
                    prop_assert_eq!((window[0], *window.last().unwrap()), (open, close));
                }
            }
            Err(error) => prop_assert_eq!(error.code, ErrorCode::EmptyText, "{}", error),
        }
    });
}

#[test]
fn assess_gives_probabilities_or_empty_text() {
    let nacre = student();
    proptest!(budget(24), |(input in any_text())| {
        match pollster::block_on(nacre.assess(&input)) {
            Ok(a) => {
                let sums = [a.category_probs.iter().sum::<f32>(), a.user_type_probs.iter().sum(), a.severity_probs.iter().sum()];
                prop_assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-3), "{sums:?}");
                prop_assert!((0.0..=1.0).contains(&a.risk) && (0.0..=1.0).contains(&a.jailbreak));
            }
            Err(error) => prop_assert_eq!(error.code, ErrorCode::EmptyText, "{}", error),
        }
    });
}
