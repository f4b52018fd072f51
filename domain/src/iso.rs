//! ISO code lists: countries (ISO 3166-1 alpha-2) and languages (ISO 639-1), and the states
//! whose citizens are not third-country nationals (EU, EEA, Switzerland).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::validation::Violation;

/// Every assigned ISO 3166-1 alpha-2 code (from Debian's iso-codes), sorted.
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// Every ISO 639-1 code (from Debian's iso-codes), sorted.
pub const LANGUAGES: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh", "bi", "bm", "bn",
    "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en",
    "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he",
    "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv",
    "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li",
    "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne",
    "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm",
    "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st",
    "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk",
    "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// EU member states, the other EEA states (Iceland, Liechtenstein, Norway) and Switzerland.
pub const EU_EEA_CH: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO", "CH",
];

/// A country code, upper-cased; it must be assigned.
pub fn parse_country(field: &str, raw: &str) -> Result<String, Violation> {
    let code = raw.trim().to_ascii_uppercase();
    if COUNTRIES.binary_search(&code.as_str()).is_ok() {
        Ok(code)
    } else {
        Err(Violation::new(field, "unknown_country", "must be an ISO 3166-1 alpha-2 country code such as `MA`"))
    }
}

/// A language code, lower-cased; it must be assigned.
pub fn parse_language(field: &str, raw: &str) -> Result<String, Violation> {
    let code = raw.trim().to_ascii_lowercase();
    if LANGUAGES.binary_search(&code.as_str()).is_ok() {
        Ok(code)
    } else {
        Err(Violation::new(field, "unknown_language", "must be an ISO 639-1 language code such as `ar`"))
    }
}

/// Whether citizens of this country move freely in Italy (and so are not third-country nationals).
pub fn is_eu_eea_ch(country: &str) -> bool {
    EU_EEA_CH.contains(&country)
}

/// What reports and exports show of a country: its names and its UN M49 regions. From the ISO
/// 3166 data of the `countries` project (through `keshvar`), not a list typed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryFacts {
    pub name_it: &'static str,
    pub name_en: &'static str,
    /// The UN sub-region (`northern-africa`, `southern-asia`, …).
    pub subregion: Option<String>,
    /// The UN region (`africa`, `asia`, `europe`, `americas`, `oceania`).
    pub region: Option<String>,
}

/// The facts of an assigned country code, read once.
pub fn country_facts(code: &str) -> Option<&'static CountryFacts> {
    static FACTS: OnceLock<HashMap<&'static str, CountryFacts>> = OnceLock::new();
    FACTS
        .get_or_init(|| {
            COUNTRIES
                .iter()
                .filter_map(|code| {
                    let country = keshvar::Alpha2::try_from(*code).ok()?.to_country();
                    let name_en = country.translations().get("en").copied().unwrap_or(country.iso_short_name());
                    let facts = CountryFacts {
                        name_it: country.translations().get("it").copied().unwrap_or(name_en),
                        name_en,
                        subregion: country.maybe_subregion().map(|s| s.to_string()),
                        region: country.maybe_region().map(|r| r.to_string()),
                    };
                    Some((*code, facts))
                })
                .collect()
        })
        .get(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert!(LANGUAGES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(COUNTRIES.len(), 249);
        assert!(EU_EEA_CH.iter().all(|c| COUNTRIES.contains(c)));
        assert_eq!(EU_EEA_CH.len(), 31);
    }

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(parse_country("c", " bd ").unwrap(), "BD");
        assert_eq!(parse_country("c", "XX").unwrap_err().code, "unknown_country");
        assert_eq!(parse_country("c", "UK").unwrap_err().code, "unknown_country");
        assert_eq!(parse_language("l", "AR").unwrap(), "ar");
        assert_eq!(parse_language("l", "ara").unwrap_err().code, "unknown_language");
        assert!(is_eu_eea_ch("RO") && is_eu_eea_ch("CH") && !is_eu_eea_ch("AL") && !is_eu_eea_ch("UA"));
    }

    #[test]
    fn countries_have_italian_and_english_names_and_regions() {
        let egypt = country_facts("EG").unwrap();
        assert_eq!((egypt.name_it, egypt.name_en), ("Egitto", "Egypt"));
        assert_eq!((egypt.subregion.as_deref(), egypt.region.as_deref()), (Some("northern-africa"), Some("africa")));
        assert_eq!(country_facts("BD").unwrap().name_it, "Bangladesh");
        assert_eq!(country_facts("PK").unwrap().subregion.as_deref(), Some("southern-asia"));
        assert_eq!(country_facts("CI").unwrap().name_it, "Costa d'Avorio");
        assert_eq!(country_facts("XX"), None);
        let named = COUNTRIES.iter().filter(|c| country_facts(c).is_some()).count();
        assert_eq!(named, COUNTRIES.len(), "every assigned code has names");
    }
}
