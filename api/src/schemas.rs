//! OpenAPI schemas for the domain's vocabularies: each is a string enum of its codes, taken
//! from the domain, so the spec cannot drift from the code lists.

use std::borrow::Cow;

use domain::Vocabulary;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, SchemaFormat};

/// A string schema listing the codes of a vocabulary.
pub fn code_schema<V: Vocabulary>(description: &str) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(V::codes()))
            .description(Some(format!("{description} Labels are served at /api/v1/vocabularies under `{}`.", V::NAME)))
            .build(),
    )
}

macro_rules! vocabulary_schemas {
    ($( $(#[$doc:meta])* $name:ident => $vocabulary:ty ),+ $(,)?) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    RefOr::T(code_schema::<$vocabulary>(concat!(stringify!($name), " code.")))
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )+
    };
}

vocabulary_schemas! {
    /// A user's role.
    Role => domain::users::Role,
    /// The kind of an organisation.
    OrganizationKind => domain::organizations::OrganizationKind,
    /// A family of services.
    ServiceCategoryGroup => domain::services::ServiceCategoryGroup,
    /// A service category.
    ServiceCategory => domain::services::ServiceCategory,
}

/// Dates are ISO 8601 calendar dates.
pub fn date_format() -> SchemaFormat {
    SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)
}
