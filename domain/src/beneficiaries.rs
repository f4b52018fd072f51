//! Beneficiaries (beneficiari): who they are as far as the PUA knows, their documents, and the
//! rules on codice fiscale, names, age and guardians.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::iso::{parse_country, parse_language};
use crate::validation::{Email, Violation, Violations, check_label};
use crate::vocabulary;

vocabulary! {
    pub enum Gender as "genders" {
        Male => ("male", "Uomo", "Man"),
        Female => ("female", "Donna", "Woman"),
        NonBinary => ("non_binary", "Non binario", "Non-binary"),
        Undisclosed => ("undisclosed", "Non dichiarato", "Undisclosed"),
    }
}

vocabulary! {
    /// The title under which the person stays in Italy (permesso di soggiorno).
    pub enum PermitKind as "permit_kinds" {
        Work => ("work", "Lavoro", "Work"),
        Family => ("family", "Motivi familiari", "Family"),
        Study => ("study", "Studio", "Study"),
        InternationalProtection => ("international_protection", "Protezione internazionale", "International protection"),
        SpecialProtection => ("special_protection", "Protezione speciale", "Special protection"),
        Art18 => ("art18", "Art. 18 TUI (protezione sociale)", "Art. 18 TUI (social protection)"),
        Art18ter => ("art18ter", "Art. 18-ter TUI (sfruttamento lavorativo)", "Art. 18-ter TUI (labour exploitation)"),
        AwaitingRenewal => ("awaiting_renewal", "In attesa di rinnovo (ricevuta)", "Awaiting renewal (receipt)"),
        Other => ("other", "Altro", "Other"),
        None => ("none", "Nessuno", "None"),
    }
}

vocabulary! {
    /// The documents that most often block access to regular work.
    pub enum DocumentKind as "document_kinds" {
        CodiceFiscale => ("codice_fiscale", "Codice fiscale", "Tax code"),
        TesseraSanitaria => ("tessera_sanitaria", "Tessera sanitaria", "Health card"),
        ResidenceCertificate => ("residence_certificate", "Certificato di residenza", "Residence certificate"),
        HospitalityDeclaration => ("hospitality_declaration", "Dichiarazione di ospitalità", "Hospitality declaration"),
        FamilyDoctor => ("family_doctor", "Medico di base", "Family doctor"),
        Spid => ("spid", "SPID", "SPID digital identity"),
        Did => ("did", "DID qualificata", "Qualified DID (availability for work)"),
    }
}

vocabulary! {
    pub enum DocumentStatus as "document_statuses" {
        Missing => ("missing", "Mancante", "Missing"),
        InProgress => ("in_progress", "In corso", "In progress"),
        Obtained => ("obtained", "Ottenuto", "Obtained"),
    }
}

/// The residence permit as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permit {
    pub kind: Option<PermitKind>,
    pub number: Option<String>,
    pub expires_on: Option<NaiveDate>,
}

/// Who answers for a minor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    pub name: String,
    pub relation: String,
    pub contact: Option<String>,
}

/// One line of the documents checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentEntry {
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    /// When the status was reached.
    pub on: Option<NaiveDate>,
}

/// What is recorded of a person, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeneficiaryData {
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    /// Given alone when only the year is known; derived from `birth_date` otherwise.
    pub birth_year: Option<i32>,
    /// `None`: not known yet. `Some([])`: stateless.
    pub citizenships: Option<Vec<String>>,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub municipality: Option<String>,
    pub arrival_year: Option<i32>,
    pub permit: Permit,
    pub codice_fiscale: Option<String>,
    pub guardian: Option<Guardian>,
    /// Every document kind, in checklist order.
    pub documents: Vec<DocumentEntry>,
}

/// A stored beneficiary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    pub id: Uuid,
    /// The district that registered the person.
    pub district: DistrictCode,
    pub data: BeneficiaryData,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When their identifiers and free texts were erased (see `crate::erasure`).
    pub erased_at: Option<DateTime<Utc>>,
}

/// A beneficiary as submitted, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeneficiaryDraft {
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub citizenships: Option<Vec<String>>,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub municipality: Option<String>,
    pub arrival_year: Option<i32>,
    pub permit: Permit,
    pub codice_fiscale: Option<String>,
    pub guardian: Option<Guardian>,
    pub documents: Vec<DocumentEntry>,
}

/// Changes to a person's record: an absent field (`None`) stays, `Some(None)` clears it.
/// `documents` lists the checklist lines to change; the others stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeneficiaryChanges {
    pub alias: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub gender: Option<Option<Gender>>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub birth_year: Option<Option<i32>>,
    pub citizenships: Option<Option<Vec<String>>>,
    pub languages: Option<Vec<String>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub municipality: Option<Option<String>>,
    pub arrival_year: Option<Option<i32>>,
    pub permit: Option<Option<Permit>>,
    pub codice_fiscale: Option<Option<String>>,
    pub guardian: Option<Option<Guardian>>,
    pub documents: Option<Vec<DocumentEntry>>,
}

impl BeneficiaryChanges {
    /// The stored data with these changes applied, to be checked as a whole.
    pub fn apply(self, data: BeneficiaryData) -> BeneficiaryDraft {
        fn set<T>(field: &mut T, change: Option<T>) {
            if let Some(value) = change {
                *field = value;
            }
        }
        let mut draft = BeneficiaryDraft::from(data);
        set(&mut draft.alias, self.alias);
        set(&mut draft.first_name, self.first_name);
        set(&mut draft.last_name, self.last_name);
        set(&mut draft.gender, self.gender);
        set(&mut draft.birth_date, self.birth_date);
        set(&mut draft.birth_year, self.birth_year);
        set(&mut draft.citizenships, self.citizenships);
        set(&mut draft.languages, self.languages);
        set(&mut draft.phone, self.phone);
        set(&mut draft.email, self.email);
        set(&mut draft.municipality, self.municipality);
        set(&mut draft.arrival_year, self.arrival_year);
        set(&mut draft.permit, self.permit.map(Option::unwrap_or_default));
        set(&mut draft.codice_fiscale, self.codice_fiscale);
        set(&mut draft.guardian, self.guardian);
        for change in self.documents.unwrap_or_default() {
            match draft.documents.iter_mut().find(|d| d.kind == change.kind) {
                Some(line) => *line = change,
                None => draft.documents.push(change),
            }
        }
        draft
    }
}

impl From<BeneficiaryData> for BeneficiaryDraft {
    fn from(data: BeneficiaryData) -> Self {
        BeneficiaryDraft {
            alias: data.alias,
            first_name: data.first_name,
            last_name: data.last_name,
            gender: data.gender,
            birth_date: data.birth_date,
            // A stored year derived from the date is not a separate claim.
            birth_year: if data.birth_date.is_some() { None } else { data.birth_year },
            citizenships: data.citizenships,
            languages: data.languages,
            phone: data.phone,
            email: data.email,
            municipality: data.municipality,
            arrival_year: data.arrival_year,
            permit: data.permit,
            codice_fiscale: data.codice_fiscale,
            guardian: data.guardian,
            documents: data.documents,
        }
    }
}

pub const NAME_MAX_CHARS: usize = 100;
pub const ALIAS_MAX_CHARS: usize = 60;

/// Validates a draft; `today` bounds dates. A minor's missing guardian is not refused here: the
/// first contact must be recordable with whatever is known. It blocks taking in charge
/// (`guardian_missing`) and raises an alert until a guardian is recorded.
pub fn check(draft: BeneficiaryDraft, today: NaiveDate) -> Result<BeneficiaryData, Violations> {
    let mut v = Violations::new();
    let alias = v.check(check_label("alias", &draft.alias, ALIAS_MAX_CHARS));
    let optional_label = |v: &mut Violations, field: &str, value: Option<String>, max: usize| {
        value.filter(|s| !s.trim().is_empty()).and_then(|s| v.check(check_label(field, &s, max)))
    };
    let first_name = optional_label(&mut v, "first_name", draft.first_name, NAME_MAX_CHARS);
    let last_name = optional_label(&mut v, "last_name", draft.last_name, NAME_MAX_CHARS);
    let municipality = optional_label(&mut v, "municipality", draft.municipality, 120);

    if let Some(date) = draft.birth_date {
        if date > today {
            v.add("birth_date", "in_future", "must not be in the future");
        } else if date.year() < 1900 {
            v.add("birth_date", "too_old", "must be after 1900");
        }
        if draft.birth_year.is_some_and(|year| year != date.year()) {
            v.add("birth_year", "mismatch", "must be the year of birth_date (or be left out)");
        }
    }
    let birth_year = draft.birth_date.map(|d| d.year()).or(draft.birth_year);
    if draft.birth_date.is_none()
        && let Some(year) = draft.birth_year
        && !(1900..=today.year()).contains(&year)
    {
        v.add("birth_year", "out_of_range", format!("must be from 1900 to {}", today.year()));
    }
    if let Some(year) = draft.arrival_year {
        if !(1950..=today.year()).contains(&year) {
            v.add("arrival_year", "out_of_range", format!("must be from 1950 to {}", today.year()));
        } else if birth_year.is_some_and(|born| year < born) {
            v.add("arrival_year", "before_birth", "must not be before the year of birth");
        }
    }

    let citizenships = draft.citizenships.map(|list| {
        let mut codes: Vec<String> = list
            .iter()
            .enumerate()
            .filter_map(|(i, c)| v.check(parse_country(&format!("citizenships[{i}]"), c)))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    });
    let mut languages: Vec<String> = draft
        .languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| v.check(parse_language(&format!("languages[{i}]"), l)))
        .collect();
    languages.sort();
    languages.dedup();

    let phone = draft.phone.filter(|p| !p.trim().is_empty()).and_then(|p| v.check(check_phone("phone", &p)));
    let email = draft
        .email
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| v.check(Email::parse("email", &e)))
        .map(Email::into_string);

    let permit_number = optional_label(&mut v, "permit.number", draft.permit.number, 40);
    let codice_fiscale = draft
        .codice_fiscale
        .filter(|c| !c.trim().is_empty())
        .and_then(|c| v.check(parse_codice_fiscale("codice_fiscale", &c)));

    let guardian = draft.guardian.and_then(|g| {
        let name = v.check(check_label("guardian.name", &g.name, NAME_MAX_CHARS));
        let relation = v.check(check_label("guardian.relation", &g.relation, 60));
        let contact =
            g.contact.filter(|c| !c.trim().is_empty()).and_then(|c| v.check(check_label("guardian.contact", &c, 120)));
        Some(Guardian { name: name?, relation: relation?, contact })
    });
    let mut documents: Vec<DocumentEntry> = <DocumentKind as crate::Vocabulary>::ALL
        .iter()
        .map(|kind| DocumentEntry { kind: *kind, status: DocumentStatus::Missing, on: None })
        .collect();
    for (index, entry) in draft.documents.iter().enumerate() {
        if entry.on.is_some_and(|on| on > today) {
            v.add(format!("documents[{index}].on"), "in_future", "must not be in the future");
        }
        if let Some(slot) = documents.iter_mut().find(|d| d.kind == entry.kind) {
            *slot = *entry;
        }
    }

    let (Some(alias), true) = (alias, v.is_empty()) else {
        return Err(v);
    };
    Ok(BeneficiaryData {
        alias,
        first_name,
        last_name,
        gender: draft.gender,
        birth_date: draft.birth_date,
        birth_year,
        citizenships,
        languages,
        phone,
        email,
        municipality,
        arrival_year: draft.arrival_year,
        permit: Permit { kind: draft.permit.kind, number: permit_number, expires_on: draft.permit.expires_on },
        codice_fiscale,
        guardian,
        documents,
    })
}

/// A phone number: digits with an optional leading `+` and the usual separators.
pub fn check_phone(field: &str, raw: &str) -> Result<String, Violation> {
    let phone = raw.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed =
        phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -./()".contains(c) || (c == '+' && i == 0));
    if allowed && (5..=20).contains(&digits) {
        Ok(phone.to_string())
    } else {
        Err(Violation::new(field, "invalid_phone", "must be a phone number such as +39 333 1234567"))
    }
}

/// Whether a person is a minor on a date, as far as the recorded birth tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Minor {
    Yes,
    /// Only the year is known, and it allows both.
    Possibly,
    No,
    Unknown,
}

pub fn minor_on(birth_date: Option<NaiveDate>, birth_year: Option<i32>, on: NaiveDate) -> Minor {
    if let Some(birth) = birth_date {
        return match on.years_since(birth) {
            Some(age) if age >= 18 => Minor::No,
            _ => Minor::Yes,
        };
    }
    match birth_year.map(|year| on.year() - year) {
        None => Minor::Unknown,
        Some(age) if age < 18 => Minor::Yes,
        Some(18) => Minor::Possibly,
        Some(_) => Minor::No,
    }
}

/// A codice fiscale as stored and compared: upper-cased, without spaces (not validated).
pub fn normalize_codice_fiscale(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Validates a codice fiscale: the 16-character personal code (check character verified,
/// omocodia accepted) or the 11-digit temporary numeric code (check digit verified).
/// Answers it upper-cased, without spaces.
pub fn parse_codice_fiscale(field: &str, raw: &str) -> Result<String, Violation> {
    let code = normalize_codice_fiscale(raw);
    let invalid = |message: &str| Violation::new(field, "invalid_codice_fiscale", message);
    match code.len() {
        11 if code.bytes().all(|b| b.is_ascii_digit()) => {
            if numeric_check_digit(&code[..10]) == code.as_bytes()[10] {
                Ok(code)
            } else {
                Err(invalid("the check digit of the numeric code is wrong"))
            }
        }
        16 => {
            if !personal_code_shape(code.as_bytes()) {
                return Err(invalid("must be 16 characters shaped like RSSMRA85T10A562S, or 11 digits"));
            }
            if personal_check_char(&code.as_bytes()[..15]) == code.as_bytes()[15] {
                Ok(code)
            } else {
                Err(invalid("the check character is wrong"))
            }
        }
        _ => Err(invalid("must be 16 characters (such as RSSMRA85T10A562S) or 11 digits")),
    }
}

/// Letters that replace digits in omocodic codes: L=0, M=1, … V=9.
const OMOCODIA: &[u8] = b"LMNPQRSTUV";
const MONTHS: &[u8] = b"ABCDEHLMPRST";

fn personal_code_shape(code: &[u8]) -> bool {
    let digit_like = |b: u8| b.is_ascii_digit() || OMOCODIA.contains(&b);
    let decode =
        |b: u8| if b.is_ascii_digit() { b - b'0' } else { OMOCODIA.iter().position(|&o| o == b).unwrap_or(0) as u8 };
    let letters =
        code[..6].iter().all(u8::is_ascii_uppercase) && code[11].is_ascii_uppercase() && code[15].is_ascii_uppercase();
    let digits = [6, 7, 9, 10, 12, 13, 14].iter().all(|&i| digit_like(code[i]));
    if !(letters && digits && MONTHS.contains(&code[8])) {
        return false;
    }
    let day = decode(code[9]) * 10 + decode(code[10]);
    (1..=31).contains(&day) || (41..=71).contains(&day)
}

fn personal_check_char(first15: &[u8]) -> u8 {
    // Values of characters in odd positions (1st, 3rd, …): digits map like the letter at the
    // same index.
    const ODD: [u32; 26] =
        [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let index = |b: u8| if b.is_ascii_digit() { (b - b'0') as usize } else { (b - b'A') as usize };
    let sum: u32 =
        first15.iter().enumerate().map(|(i, &b)| if i % 2 == 0 { ODD[index(b)] } else { index(b) as u32 }).sum();
    b'A' + (sum % 26) as u8
}

fn numeric_check_digit(first10: &str) -> u8 {
    let sum: u32 = first10
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let digit = u32::from(b - b'0');
            if i % 2 == 0 {
                digit
            } else if digit * 2 > 9 {
                digit * 2 - 9
            } else {
                digit * 2
            }
        })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Folds text for matching: lower case, accents removed, punctuation as spaces, single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ğ' => 'g',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ł' | 'ľ' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' | 'ș' => 's',
            'ť' | 'ţ' | 'ț' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if base == ' ' {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(base);
        }
    }
    out.trim_end().to_string()
}

/// What `q` searches: alias and names, folded.
pub fn search_key(data: &BeneficiaryData) -> String {
    search_key_of(&data.alias, data.first_name.as_deref(), data.last_name.as_deref())
}

/// [`search_key`] from its parts.
pub fn search_key_of(alias: &str, first_name: Option<&str>, last_name: Option<&str>) -> String {
    let parts = [Some(alias), first_name, last_name];
    fold(&parts.iter().flatten().copied().collect::<Vec<_>>().join(" "))
}

/// The key under which two records name the same person: folded name words in sorted order
/// (first and last names are often swapped in transcription). `None` unless both are known.
pub fn name_key(data: &BeneficiaryData) -> Option<String> {
    Some(name_key_of(data.first_name.as_deref()?, data.last_name.as_deref()?))
}

/// [`name_key`] from both names.
pub fn name_key_of(first_name: &str, last_name: &str) -> String {
    let folded = fold(&format!("{first_name} {last_name}"));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn valid_personal_codes_are_accepted_upper_cased() {
        for code in
            ["RSSMRA85T10A562S", "MRTMTT25D09F205Z", "BNCLRA90A41F205I", "rssmra85t10a562s", "RSS MRA 85T10 A562S"]
        {
            assert!(parse_codice_fiscale("cf", code).is_ok(), "{code}");
        }
        assert_eq!(parse_codice_fiscale("cf", "rssmra85t10a562s").unwrap(), "RSSMRA85T10A562S");
    }

    #[test]
    fn omocodic_codes_are_accepted() {
        // The last digit of the municipality code replaced by its letter (2 -> N).
        assert!(parse_codice_fiscale("cf", "RSSMRA85T10A56NH").is_ok());
    }

    #[test]
    fn wrong_check_characters_and_shapes_are_refused() {
        assert_eq!(parse_codice_fiscale("cf", "RSSMRA85T10A562T").unwrap_err().message, "the check character is wrong");
        for bad in
            ["RSSMRA85X10A562S", "RSSMRA85T99A562S", "RSSMR185T10A562S", "RSSMRA85T10A562", "", "RSSMRA85T10A562SS"]
        {
            assert_eq!(parse_codice_fiscale("cf", bad).unwrap_err().code, "invalid_codice_fiscale", "{bad}");
        }
    }

    #[test]
    fn numeric_temporary_codes_check_their_digit() {
        for good in ["01234567897", "12345678903", "80000000002"] {
            assert_eq!(parse_codice_fiscale("cf", good).unwrap(), good);
        }
        assert_eq!(
            parse_codice_fiscale("cf", "01234567890").unwrap_err().message,
            "the check digit of the numeric code is wrong"
        );
    }

    #[test]
    fn minors_by_date_or_year() {
        let on = date("2025-06-01");
        assert_eq!(minor_on(Some(date("2007-06-02")), None, on), Minor::Yes);
        assert_eq!(minor_on(Some(date("2007-06-01")), None, on), Minor::No);
        assert_eq!(minor_on(None, Some(2010), on), Minor::Yes);
        assert_eq!(minor_on(None, Some(2007), on), Minor::Possibly);
        assert_eq!(minor_on(None, Some(2000), on), Minor::No);
        assert_eq!(minor_on(None, None, on), Minor::Unknown);
    }

    fn draft() -> BeneficiaryDraft {
        BeneficiaryDraft { alias: "K.".into(), ..Default::default() }
    }

    #[test]
    fn an_alias_alone_is_enough_and_the_checklist_is_complete() {
        let data = check(draft(), date("2026-03-02")).unwrap();
        assert_eq!(data.alias, "K.");
        assert_eq!(data.citizenships, None);
        assert_eq!(data.documents.len(), 7);
        assert!(data.documents.iter().all(|d| d.status == DocumentStatus::Missing));
    }

    #[test]
    fn a_minor_is_recorded_with_or_without_a_guardian() {
        let minor = BeneficiaryDraft { birth_date: Some(date("2010-01-01")), ..draft() };
        assert_eq!(check(minor.clone(), date("2026-03-02")).unwrap().guardian, None);
        let guarded = BeneficiaryDraft {
            guardian: Some(Guardian { name: "Aisha".into(), relation: "madre".into(), contact: None }),
            ..minor
        };
        assert!(check(guarded, date("2026-03-02")).unwrap().guardian.is_some());
        let incomplete = BeneficiaryDraft {
            guardian: Some(Guardian { name: " ".into(), relation: "madre".into(), contact: None }),
            ..draft()
        };
        assert_eq!(check(incomplete, date("2026-03-02")).unwrap_err().as_slice()[0].field, "guardian.name");
    }

    #[test]
    fn fields_are_normalised_and_checked_together() {
        let input = BeneficiaryDraft {
            alias: "  Sami ".into(),
            first_name: Some("Sami".into()),
            citizenships: Some(vec!["ma".into(), "MA".into(), "tn".into()]),
            languages: vec!["AR".into(), "fr".into()],
            codice_fiscale: Some("rssmra85t10a562s".into()),
            birth_year: Some(1990),
            arrival_year: Some(2016),
            ..draft()
        };
        let data = check(input, date("2026-03-02")).unwrap();
        assert_eq!(data.alias, "Sami");
        assert_eq!(data.citizenships, Some(vec!["MA".to_string(), "TN".to_string()]));
        assert_eq!(data.languages, ["ar", "fr"]);
        assert_eq!(data.codice_fiscale.as_deref(), Some("RSSMRA85T10A562S"));

        let bad = BeneficiaryDraft {
            alias: " ".into(),
            birth_date: Some(date("2030-01-01")),
            citizenships: Some(vec!["XX".into()]),
            languages: vec!["klingon".into()],
            phone: Some("call me".into()),
            arrival_year: Some(1800),
            codice_fiscale: Some("ABC".into()),
            ..draft()
        };
        let codes: Vec<(String, &str)> =
            check(bad, date("2026-03-02")).unwrap_err().into_vec().into_iter().map(|v| (v.field, v.code)).collect();
        assert_eq!(
            codes,
            [
                ("alias".to_string(), "required"),
                ("birth_date".to_string(), "in_future"),
                ("arrival_year".to_string(), "out_of_range"),
                ("citizenships[0]".to_string(), "unknown_country"),
                ("languages[0]".to_string(), "unknown_language"),
                ("phone".to_string(), "invalid_phone"),
                ("codice_fiscale".to_string(), "invalid_codice_fiscale"),
            ]
        );
    }

    #[test]
    fn names_fold_for_search_and_match_in_any_order() {
        assert_eq!(fold("  Müller-Lüdenscheidt, José "), "muller ludenscheidt jose");
        let a = check(
            BeneficiaryDraft { first_name: Some("Mohamed".into()), last_name: Some("El Amrani".into()), ..draft() },
            date("2026-03-02"),
        )
        .unwrap();
        let b = check(
            BeneficiaryDraft { first_name: Some("EL AMRANI".into()), last_name: Some("Mohamed".into()), ..draft() },
            date("2026-03-02"),
        )
        .unwrap();
        assert_eq!(name_key(&a), name_key(&b));
        assert_eq!(name_key(&a).as_deref(), Some("amrani el mohamed"));
        assert_eq!(search_key(&a), "k mohamed el amrani");
        assert_eq!(name_key(&check(draft(), date("2026-03-02")).unwrap()), None);
    }
}

/// The codice fiscale stated generally: every well-shaped code with its check character is
/// accepted (in any case, spaced, omocodic), and a wrong check character never is.
#[cfg(test)]
mod properties;
