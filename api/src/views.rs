//! View types several capabilities show.

use chrono::NaiveDate;
use domain::cases::NotedIndicator;
use domain::exploitation::Indicator;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::schemas;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDto {
    #[schema(value_type = schemas::Indicator)]
    pub indicator: Indicator,
    /// When it was noted.
    pub noted_on: NaiveDate,
}

impl From<&NotedIndicator> for IndicatorDto {
    fn from(noted: &NotedIndicator) -> Self {
        IndicatorDto { indicator: noted.indicator, noted_on: noted.noted_on }
    }
}

impl From<&IndicatorDto> for NotedIndicator {
    fn from(dto: &IndicatorDto) -> Self {
        NotedIndicator { indicator: dto.indicator, noted_on: dto.noted_on }
    }
}
