//! Every code list of the system with its Italian and English labels.

use actix_web::{HttpResponse, get};
use domain::Vocabulary;
use domain::access::Capability;
use domain::organizations::OrganizationKind;
use domain::services::{ServiceCategory, ServiceCategoryGroup};
use domain::users::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_vocabularies);
}

/// One code with its labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyEntry {
    pub code: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
    /// For codes that belong to a family (service categories): the family's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'static str>,
}

/// The code lists, each in presentation order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabularies {
    pub roles: Vec<VocabularyEntry>,
    pub organization_kinds: Vec<VocabularyEntry>,
    pub service_category_groups: Vec<VocabularyEntry>,
    pub service_categories: Vec<VocabularyEntry>,
}

fn entries<V: Vocabulary>(group: impl Fn(V) -> Option<&'static str>) -> Vec<VocabularyEntry> {
    V::ALL
        .iter()
        .map(|member| VocabularyEntry {
            code: member.code(),
            label_it: member.label_it(),
            label_en: member.label_en(),
            group: group(*member),
        })
        .collect()
}

pub fn vocabularies() -> Vocabularies {
    Vocabularies {
        roles: entries::<Role>(|_| None),
        organization_kinds: entries::<OrganizationKind>(|_| None),
        service_category_groups: entries::<ServiceCategoryGroup>(|_| None),
        service_categories: entries::<ServiceCategory>(|category| Some(category.group().code())),
    }
}

/// Every code list with Italian and English labels.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    responses((status = 200, description = "The code lists", body = Vocabularies))
)]
#[get("/vocabularies")]
pub async fn list_vocabularies(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadReferenceData)?;
    Ok(HttpResponse::Ok().json(vocabularies()))
}
