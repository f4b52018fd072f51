//! Code lists: stable snake_case codes with Italian and English labels.
//!
//! Every code list of the system is declared with [`vocabulary!`], so that each one parses,
//! prints, serialises and is served at `/api/v1/vocabularies` in the same way.

use std::fmt;

/// A closed list of codes with Italian and English labels.
pub trait Vocabulary: Sized + Copy + 'static {
    /// The name under which the list is published (snake_case, plural).
    const NAME: &'static str;
    /// Every member, in presentation order.
    const ALL: &'static [Self];
    /// The stable code stored in the database and used in the API.
    fn code(self) -> &'static str;
    /// Italian label.
    fn label_it(self) -> &'static str;
    /// English label.
    fn label_en(self) -> &'static str;

    /// Parses a code; the error names the accepted codes.
    fn parse(code: &str) -> Result<Self, UnknownCode> {
        Self::ALL.iter().copied().find(|member| member.code() == code).ok_or_else(|| UnknownCode::new::<Self>(code))
    }

    /// All codes, in presentation order.
    fn codes() -> Vec<&'static str> {
        Self::ALL.iter().map(|member| member.code()).collect()
    }
}

/// A code that is not a member of its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} code `{code}`; expected one of: {expected}")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub code: String,
    pub expected: String,
}

impl UnknownCode {
    pub fn new<V: Vocabulary>(code: &str) -> Self {
        // Echo at most a short prefix: the input may be hostile or huge.
        let shown: String = code.chars().take(64).collect();
        UnknownCode { vocabulary: V::NAME, code: shown, expected: V::codes().join(", ") }
    }
}

/// Declares a vocabulary enum: `Variant => ("code", "etichetta", "label")`.
///
/// The generated type implements [`Vocabulary`], `Display` (the code), `FromStr`, and serde
/// (as the code string).
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $list:literal {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $it:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::vocabulary::Vocabulary for $name {
            const NAME: &'static str = $list;
            const ALL: &'static [Self] = &[ $( $name::$variant ),+ ];
            fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }
            fn label_it(self) -> &'static str {
                match self { $( $name::$variant => $it ),+ }
            }
            fn label_en(self) -> &'static str {
                match self { $( $name::$variant => $en ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::vocabulary::Vocabulary::code(*self))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownCode;
            fn from_str(code: &str) -> Result<Self, Self::Err> {
                <$name as $crate::vocabulary::Vocabulary>::parse(code)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::vocabulary::Vocabulary::code(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::vocabulary::CodeVisitor::<$name>::new())
            }
        }
    };
}

/// Serde visitor shared by every vocabulary (kept out of the macro so it is compiled once).
pub struct CodeVisitor<V>(std::marker::PhantomData<V>);

impl<V> CodeVisitor<V> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CodeVisitor(std::marker::PhantomData)
    }
}

impl<V: Vocabulary> serde::de::Visitor<'_> for CodeVisitor<V> {
    type Value = V;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of: {}", V::codes().join(", "))
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<V, E> {
        V::parse(value).map_err(|err| E::custom(err.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    vocabulary! {
        /// A test list.
        pub enum Colour as "colours" {
            Red => ("red", "rosso", "red"),
            DarkBlue => ("dark_blue", "blu scuro", "dark blue"),
        }
    }

    #[test]
    fn codes_round_trip_through_parse_display_and_serde() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.code()), Ok(*colour));
            assert_eq!(colour.to_string(), colour.code());
            let json = serde_json::to_string(colour).unwrap();
            assert_eq!(json, format!("\"{}\"", colour.code()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *colour);
        }
        assert_eq!(Colour::DarkBlue.label_it(), "blu scuro");
    }

    #[test]
    fn unknown_code_names_the_accepted_ones_and_truncates_input() {
        let err = Colour::parse("green").unwrap_err();
        assert_eq!(err.vocabulary, "colours");
        assert_eq!(err.expected, "red, dark_blue");
        let long = "x".repeat(1000);
        assert_eq!(Colour::parse(&long).unwrap_err().code.len(), 64);
        let err = serde_json::from_str::<Colour>("\"green\"").unwrap_err();
        assert!(err.to_string().contains("expected one of: red, dark_blue"));
    }
}
