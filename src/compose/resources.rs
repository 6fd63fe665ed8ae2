//! `Resources`: crisis lines and official help by region, loaded from
//! `model/resources.json`, and the choice of region for a BCP-47 locale: its region if
//! we know it, else (when it names no region) its language's default, else the
//! international list. A topic a region lacks falls back to the international entry.

use crate::error::{Error, ErrorCode, Result};
use crate::policy::Topic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The region used when nothing better is known.
pub const INTERNATIONAL: &str = "INTL";

/// One help line or official service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub topic: Topic,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// How to reach it by text message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The official page this entry was taken from.
    pub source: String,
}

/// Help lines for every region we know.
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    pub version: String,
    /// Default region for a bare language subtag, e.g. "de" → "DE".
    languages: BTreeMap<String, String>,
    regions: BTreeMap<String, Vec<Resource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    why: String,
    languages: BTreeMap<String, String>,
    regions: BTreeMap<String, Vec<Resource>>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::PolicyInvalid, message)
}

impl Resources {
    /// Parses and checks a resources file.
    pub fn from_json(json: &str) -> Result<Resources> {
        let file: File = serde_json::from_str(json).map_err(|e| invalid(format!("resources.json: {e}")))?;
        if file.version.trim().is_empty() || file.why.trim().is_empty() {
            return Err(invalid("resources.json: version and why must not be empty".into()));
        }
        for (region, entries) in &file.regions {
            let iso = region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase());
            if !iso && region != INTERNATIONAL {
                return Err(invalid(format!("resources.json: {region:?} is not an ISO 3166 region code")));
            }
            for entry in entries {
                let reachable = entry.phone.is_some() || entry.text.is_some() || entry.url.is_some();
                if entry.name.trim().is_empty() || !reachable || !entry.source.starts_with("http") {
                    return Err(invalid(format!(
                        "resources.json: {region}/{}: needs a name, a phone, text or url, and a source page",
                        entry.name
                    )));
                }
            }
        }
        let international = file.regions.get(INTERNATIONAL).map(Vec::as_slice).unwrap_or_default();
        if let Some(missing) = Topic::ALL.into_iter().find(|t| !international.iter().any(|r| r.topic == *t)) {
            return Err(invalid(format!("resources.json: {INTERNATIONAL} has no entry for {missing:?}")));
        }
        if let Some((language, region)) = file.languages.iter().find(|(_, r)| !file.regions.contains_key(*r)) {
            return Err(invalid(format!("resources.json: language {language:?} points to unknown region {region:?}")));
        }
        Ok(Resources { version: file.version, languages: file.languages, regions: file.regions })
    }

    /// The region whose resources serve `locale` (for example "en-GB" → "GB", "de" → "DE",
    /// "pt-BR" → "INTL" while Brazil has no entries).
    pub fn region(&self, locale: &str) -> &str {
        let mut subtags = locale.split(['-', '_']).filter(|s| !s.is_empty());
        let language = subtags.next().unwrap_or_default().to_ascii_lowercase();
        let region =
            subtags.find(|s| s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic())).map(str::to_ascii_uppercase);
        let chosen = match region {
            Some(region) => self.regions.get_key_value(region.as_str()),
            None => self.languages.get(&language).and_then(|r| self.regions.get_key_value(r.as_str())),
        };
        chosen.map_or(INTERNATIONAL, |(key, _)| key.as_str())
    }

    /// The resources for `topics` in the region of `locale`, in topic order.
    pub fn for_locale(&self, locale: &str, topics: &[Topic]) -> Vec<Resource> {
        let of = |region: &str, topic: Topic| -> Vec<Resource> {
            self.regions.get(region).into_iter().flatten().filter(|r| r.topic == topic).cloned().collect()
        };
        let region = self.region(locale);
        topics
            .iter()
            .flat_map(|&topic| {
                let local = of(region, topic);
                if local.is_empty() { of(INTERNATIONAL, topic) } else { local }
            })
            .collect()
    }
}

/// The shipped resources, for tests across the crate.
#[cfg(test)]
pub(crate) fn shipped() -> Resources {
    Resources::from_json(include_str!("../../model/resources.json")).expect("model/resources.json is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_region_has_every_topic_with_a_source() {
        let resources = shipped();
        for region in ["US", "GB", "CA", "AU", "IE", "NZ", "IN", "DE", "FR", "ES", "JP", "CN", INTERNATIONAL] {
            let entries = &resources.regions[region];
            for topic in Topic::ALL {
                assert!(entries.iter().any(|r| r.topic == topic), "{region} lacks {topic:?}");
            }
            assert!(entries.iter().all(|r| r.source.starts_with("http")), "{region}");
        }
    }

    #[test]
    fn locales_resolve_to_region_then_language_then_international() {
        let resources = shipped();
        for (locale, region) in [
            ("en-GB", "GB"),
            ("en_gb", "GB"),
            ("fr-CA", "CA"),
            ("de", "DE"),
            ("de-DE", "DE"),
            ("en", "US"),
            ("ja-JP", "JP"),
            ("zh-Hans-CN", "CN"),
            ("zh", "CN"),
            ("en-IN", "IN"),
            ("pt-BR", INTERNATIONAL),
            ("pt", INTERNATIONAL),
            ("", INTERNATIONAL),
            ("not a locale", INTERNATIONAL),
        ] {
            assert_eq!(resources.region(locale), region, "{locale}");
        }
    }

    #[test]
    fn lookup_keeps_topic_order_and_falls_back_per_topic() {
        let resources = shipped();
        let found = resources.for_locale("en-GB", &[Topic::Emergency, Topic::Crisis]);
        assert_eq!(found[0].phone.as_deref(), Some("999"));
        assert!(found.iter().any(|r| r.name == "Samaritans"));
        let abroad = resources.for_locale("pt-BR", &[Topic::ChildAbuse]);
        assert_eq!(
            abroad,
            resources.regions[INTERNATIONAL]
                .iter()
                .filter(|r| r.topic == Topic::ChildAbuse)
                .cloned()
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let mut value: serde_json::Value = serde_json::from_str(include_str!("../../model/resources.json")).unwrap();
        value["regions"]["US"][0]["source"] = "".into();
        let err = Resources::from_json(&value.to_string()).unwrap_err();
        assert_eq!(err.code, ErrorCode::PolicyInvalid);
        assert!(err.message.contains("US"), "{}", err.message);
        value["regions"]["US"][0]["source"] = "https://www.911.gov".into();
        value["languages"]["it"] = "IT".into();
        assert!(Resources::from_json(&value.to_string()).unwrap_err().message.contains("IT"));
        assert!(Resources::from_json("[]").is_err());
    }
}
