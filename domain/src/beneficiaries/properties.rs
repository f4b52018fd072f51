use proptest::prelude::*;
use proptest::sample::select;

use super::*;

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

prop_compose! {
    /// The first fifteen characters of a personal code: surname and name letters, year,
    /// month letter, day (plus 40 for women), the place's letter and digits; each digit
    /// possibly replaced by its omocodia letter.
    fn first15()(
        letters in proptest::collection::vec(select(LETTERS), 6),
        year in 0u8..100,
        month in select(MONTHS),
        day in prop_oneof![1u8..=31, 41u8..=71],
        place in select(LETTERS),
        place_digits in 0u16..1000,
        omocodic in proptest::collection::vec(any::<bool>(), 7),
    ) -> Vec<u8> {
        let mut code: Vec<u8> = letters;
        code.extend(format!("{year:02}").bytes());
        code.push(month);
        code.extend(format!("{day:02}").bytes());
        code.push(place);
        code.extend(format!("{place_digits:03}").bytes());
        for (position, swap) in [6, 7, 9, 10, 12, 13, 14].into_iter().zip(omocodic) {
            if swap {
                code[position] = OMOCODIA[usize::from(code[position] - b'0')];
            }
        }
        code
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn a_personal_code_is_accepted_with_its_check_character_and_only_with_it(
        first in first15(),
        wrong in select(LETTERS),
        spaced in any::<bool>(),
        lower in any::<bool>(),
    ) {
        let check = personal_check_char(&first);
        let code = String::from_utf8(first.iter().copied().chain([check]).collect()).unwrap_or_default();
        let mut written = if lower { code.to_ascii_lowercase() } else { code.clone() };
        if spaced {
            written.insert(6, ' ');
        }
        prop_assert_eq!(parse_codice_fiscale("cf", &written), Ok(code.clone()));
        if wrong != check {
            let mut broken = code.clone().into_bytes();
            broken[15] = wrong;
            let broken = String::from_utf8(broken).unwrap_or_default();
            prop_assert!(parse_codice_fiscale("cf", &broken).is_err(), "{}", broken);
        }
    }

    #[test]
    fn a_numeric_code_is_accepted_with_its_check_digit_and_only_with_it(first in "[0-9]{10}", wrong in 0u8..10) {
        let check = numeric_check_digit(&first);
        let code = format!("{first}{}", char::from(check));
        prop_assert_eq!(parse_codice_fiscale("cf", &code), Ok(code.clone()));
        if b'0' + wrong != check {
            let broken = format!("{first}{wrong}");
            prop_assert!(parse_codice_fiscale("cf", &broken).is_err());
        }
    }
}
