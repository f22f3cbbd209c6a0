//! Loyalty level bodies.

use crate::dto::common::{double_option, DecimalInput, FieldErrors};
use crm_clients::loyalty::levels::LevelThreshold;
use crm_clients::settings::{LevelRecord, LevelUpdate, NewLevel, ThresholdKind};
use crm_core::{FieldError, LevelId, Page, Percent, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize, Serializer};

/// Longest level name accepted.
const MAX_LEVEL_NAME_CHARS: usize = 100;

/// A threshold as a JSON number: money (two decimals) for `total_spent`, a whole count
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdValue(pub LevelThreshold);

impl Serialize for ThresholdValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            LevelThreshold::TotalSpent(money) => money.serialize(serializer),
            LevelThreshold::PurchaseCount(n) | LevelThreshold::Referrals(n) => {
                serializer.serialize_i64(n)
            }
        }
    }
}

impl paperclip::v2::schema::TypedData for ThresholdValue {
    fn data_type() -> paperclip::v2::models::DataType {
        paperclip::v2::models::DataType::Number
    }
    fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
        Some(paperclip::v2::models::DataTypeFormat::Double)
    }
}

/// A loyalty level.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelResponse {
    /// Id.
    pub id: LevelId,
    /// Name shown to clients.
    pub name: String,
    /// `total_spent`, `purchase_count` or `referrals`.
    pub threshold_kind: String,
    /// What reaching the level takes: money for `total_spent`, a count otherwise.
    pub threshold: ThresholdValue,
    /// Cashback on the cash part of a purchase, percent.
    pub cashback: Percent,
    /// Largest share of a check payable with points, percent; `null` = the business rule.
    pub max_points_share: Option<Percent>,
    /// When archived; `null` while in use.
    pub archived_at: Option<Timestamp>,
}

impl From<LevelRecord> for LevelResponse {
    fn from(r: LevelRecord) -> Self {
        let l = r.level;
        Self {
            id: l.id,
            name: l.name,
            threshold_kind: ThresholdKind::of(l.threshold).code().to_owned(),
            threshold: ThresholdValue(l.threshold),
            cashback: l.cashback,
            max_points_share: l.max_points_share,
            archived_at: r.archived_at,
        }
    }
}

/// A page of levels.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LevelPage {
    /// Levels of this page.
    pub items: Vec<LevelResponse>,
    /// Levels in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<LevelRecord>> for LevelPage {
    fn from(page: Page<LevelRecord>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Defines a level.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateLevelRequest {
    /// Name, 1–100 characters.
    pub name: String,
    /// `total_spent`, `purchase_count` or `referrals`.
    pub threshold_kind: String,
    /// Money for `total_spent` (two decimals), a whole count otherwise.
    pub threshold: DecimalInput,
    /// Cashback, percent (0–100, two decimals).
    pub cashback: DecimalInput,
    /// Own largest share of a check payable with points, percent; absent or `null` = the
    /// business rule.
    pub max_points_share: Option<DecimalInput>,
}

/// Changes a level: absent fields stay. A new `threshold_kind` needs a `threshold`.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLevelRequest {
    /// Name, 1–100 characters.
    pub name: Option<String>,
    /// `total_spent`, `purchase_count` or `referrals`.
    pub threshold_kind: Option<String>,
    /// Money for `total_spent`, a whole count otherwise.
    pub threshold: Option<DecimalInput>,
    /// Cashback, percent.
    pub cashback: Option<DecimalInput>,
    /// Own largest points share, percent; `null` = the business rule.
    #[serde(default, deserialize_with = "double_option")]
    pub max_points_share: Option<Option<DecimalInput>>,
}

fn kind(raw: &str) -> Result<ThresholdKind, FieldError> {
    ThresholdKind::from_code(raw.trim()).ok_or_else(|| {
        FieldError::new(
            "threshold_kind",
            "must be total_spent, purchase_count or referrals",
        )
    })
}

impl TryFrom<CreateLevelRequest> for NewLevel {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateLevelRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let name = f.required_text("name", &r.name, MAX_LEVEL_NAME_CHARS);
        let kind = f.take("threshold_kind", kind(&r.threshold_kind));
        let value = f.take("threshold", r.threshold.money("threshold"));
        let threshold = match (kind, value) {
            (Some(kind), Some(value)) => f.take("threshold", kind.threshold(value)),
            _ => None,
        };
        let cashback = f.take("cashback", r.cashback.percent("cashback"));
        let max_points_share = r
            .max_points_share
            .and_then(|v| f.take("max_points_share", v.percent("max_points_share")));
        match (name, threshold, cashback) {
            (Some(name), Some(threshold), Some(cashback)) => f.finish(NewLevel {
                name,
                threshold,
                cashback,
                max_points_share,
            }),
            _ => Err(f.finish(()).err().unwrap_or_default()),
        }
    }
}

impl TryFrom<UpdateLevelRequest> for LevelUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateLevelRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let update = LevelUpdate {
            name: r
                .name
                .and_then(|n| f.required_text("name", &n, MAX_LEVEL_NAME_CHARS)),
            threshold_kind: r
                .threshold_kind
                .and_then(|k| f.take("threshold_kind", kind(&k))),
            threshold: r
                .threshold
                .and_then(|v| f.take("threshold", v.money("threshold"))),
            cashback: r
                .cashback
                .and_then(|v| f.take("cashback", v.percent("cashback"))),
            max_points_share: f.patch("max_points_share", r.max_points_share, |v| {
                v.percent("max_points_share")
            }),
        };
        f.finish(update)
    }
}

/// The id in `/loyalty-levels/{level_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct LevelPath {
    /// Level id.
    pub level_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::Money;

    #[test]
    fn a_create_request_reports_every_bad_field() {
        let request: CreateLevelRequest = serde_json::from_value(serde_json::json!({
            "name": "", "threshold_kind": "visits", "threshold": 1.005,
            "cashback": 101, "max_points_share": -5
        }))
        .expect("shape");
        let errors = NewLevel::try_from(request).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "threshold_kind",
                "threshold",
                "cashback",
                "max_points_share"
            ]
        );
    }

    #[test]
    fn thresholds_serialise_as_money_or_counts() {
        let request: CreateLevelRequest = serde_json::from_value(serde_json::json!({
            "name": "Золото", "threshold_kind": "total_spent", "threshold": "10000.5",
            "cashback": 7.5
        }))
        .expect("shape");
        let level = NewLevel::try_from(request).expect("valid");
        assert_eq!(
            level.threshold,
            LevelThreshold::TotalSpent(Money::from_minor(1_000_050))
        );
        assert_eq!(level.max_points_share, None);
        assert_eq!(
            serde_json::to_value(ThresholdValue(level.threshold)).expect("json"),
            serde_json::json!(10000.5)
        );
        assert_eq!(
            serde_json::to_value(ThresholdValue(LevelThreshold::PurchaseCount(5))).expect("json"),
            serde_json::json!(5)
        );
    }
}
