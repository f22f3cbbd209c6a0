//! Certificate types (what the business sells: a nominal for a price, valid so many days) and
//! issued certificates (a code, an owner, a balance), with the status derived from the balance
//! and the time of reading so that it is never stale.

use crate::certificates::code::CertificateCode;
use crate::model::bounded_text;
use crm_core::{
    CertificateId, CertificateTypeId, ClientId, EmployeeId, FieldError, Money, Page, Timestamp,
    Validation,
};

/// Longest type name accepted.
pub const MAX_TYPE_NAME_CHARS: usize = 100;
/// Shortest validity of a certificate, in days.
pub const MIN_VALIDITY_DAYS: i64 = 1;
/// Longest validity of a certificate, in days (ten years).
pub const MAX_VALIDITY_DAYS: i64 = 3650;
/// Longest comment on a sale.
pub const MAX_COMMENT_CHARS: usize = 500;
const SECONDS_PER_DAY: i64 = 86_400;

/// What the business says about a kind of certificate it sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateTypeDefinition {
    /// Name shown to people, 1–100 characters.
    pub name: String,
    /// What a certificate of this type is worth at the till; above zero.
    pub nominal: Money,
    /// What the buyer pays for it; zero or more (a gift may be free, a promotion cheaper).
    pub price: Money,
    /// How many days a certificate stays valid after it is issued, 1–3650.
    pub validity_days: i64,
}

impl CertificateTypeDefinition {
    /// The definition with an update applied.
    pub fn updated(&self, update: CertificateTypeUpdate) -> Self {
        Self {
            name: update.name.unwrap_or_else(|| self.name.clone()),
            nominal: update.nominal.unwrap_or(self.nominal),
            price: update.price.unwrap_or(self.price),
            validity_days: update.validity_days.unwrap_or(self.validity_days),
        }
    }

    /// Checks every field: a name of 1–100 characters without control characters, a nominal
    /// above zero, a price not below zero, a validity of 1–3650 days.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::new();
        match bounded_text("name", &self.name, MAX_TYPE_NAME_CHARS, false) {
            Ok(Some(_)) => {}
            Ok(None) => v.add("name", "must not be empty"),
            Err(e) => v.add("name", e.message),
        }
        if self.nominal.is_negative() || self.nominal.is_zero() {
            v.add("nominal", "must be greater than 0");
        }
        if self.price.is_negative() {
            v.add("price", "must not be negative");
        }
        if !(MIN_VALIDITY_DAYS..=MAX_VALIDITY_DAYS).contains(&self.validity_days) {
            v.add("validity_days", "must be between 1 and 3650");
        }
        v.finish()
    }

    /// When a certificate of this type issued at `issued_at` expires: `validity_days` whole
    /// days later, to the second.
    pub fn expiry_for(&self, issued_at: Timestamp) -> Timestamp {
        issued_at.plus_seconds(self.validity_days.saturating_mul(SECONDS_PER_DAY))
    }
}

/// A stored certificate type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateType {
    /// Id.
    pub id: CertificateTypeId,
    /// Definition.
    pub definition: CertificateTypeDefinition,
    /// When archived; `None` while on sale. Archived types cannot be sold; certificates
    /// already issued keep working.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// Command: change a certificate type. Only what is named changes; certificates already issued
/// keep the nominal, price and expiry they were sold with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateTypeUpdate {
    /// Name.
    pub name: Option<String>,
    /// Nominal.
    pub nominal: Option<Money>,
    /// Price.
    pub price: Option<Money>,
    /// Validity in days.
    pub validity_days: Option<i64>,
}

/// What a repository stores for a new certificate type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificateTypeRecord {
    /// The definition.
    pub definition: CertificateTypeDefinition,
    /// When.
    pub at: Timestamp,
}

/// Where a certificate stands. Derived, never stored: see [`Certificate::status_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// Has a balance and has not expired.
    Active,
    /// The whole nominal has been spent (balance 0), whatever the date.
    Redeemed,
    /// Has a balance but its time is up (`expires_at <= now`).
    Expired,
}

impl CertificateStatus {
    /// Every status.
    pub const ALL: [CertificateStatus; 3] = [
        CertificateStatus::Active,
        CertificateStatus::Redeemed,
        CertificateStatus::Expired,
    ];

    /// The snake_case code used in JSON and queries.
    pub fn code(self) -> &'static str {
        match self {
            CertificateStatus::Active => "active",
            CertificateStatus::Redeemed => "redeemed",
            CertificateStatus::Expired => "expired",
        }
    }

    /// Reads a code back; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// An issued certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Id.
    pub id: CertificateId,
    /// Unique code.
    pub code: CertificateCode,
    /// The type it was sold as.
    pub type_id: CertificateTypeId,
    /// The client it belongs to, if it was sold to a known client; a certificate without an
    /// owner is a bearer certificate.
    pub owner_client_id: Option<ClientId>,
    /// Worth when issued.
    pub nominal: Money,
    /// What is left to spend: `0 ..= nominal`.
    pub balance: Money,
    /// What the buyer paid.
    pub price: Money,
    /// Issued (sold).
    pub issued_at: Timestamp,
    /// Valid until, exclusive: at this instant it has expired.
    pub expires_at: Timestamp,
    /// The employee who sold it.
    pub sold_by: Option<EmployeeId>,
    /// Note from the sale.
    pub comment: Option<String>,
}

impl Certificate {
    /// The status at `now`: redeemed when nothing is left, else expired once `expires_at` is
    /// reached, else active.
    pub fn status_at(&self, now: Timestamp) -> CertificateStatus {
        if self.balance.is_zero() || self.balance.is_negative() {
            CertificateStatus::Redeemed
        } else if self.expires_at <= now {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Active
        }
    }
}

/// A certificate with its status at the time it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateCard {
    /// The certificate.
    pub certificate: Certificate,
    /// Its status when read.
    pub status: CertificateStatus,
}

impl CertificateCard {
    /// The card of a certificate read at `now`.
    pub fn at(certificate: Certificate, now: Timestamp) -> Self {
        let status = certificate.status_at(now);
        Self {
            certificate,
            status,
        }
    }
}

/// Command: sell (issue) a certificate of a type. Nominal, price and expiry come from the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSale {
    /// The type sold.
    pub type_id: CertificateTypeId,
    /// The client it is sold to, if known.
    pub owner_client_id: Option<ClientId>,
    /// Note.
    pub comment: Option<String>,
    /// The employee selling it.
    pub sold_by: EmployeeId,
}

/// What a repository stores for a new certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificateRecord {
    /// Unique code.
    pub code: CertificateCode,
    /// Type.
    pub type_id: CertificateTypeId,
    /// Owner.
    pub owner_client_id: Option<ClientId>,
    /// Nominal (also the opening balance).
    pub nominal: Money,
    /// Price paid.
    pub price: Money,
    /// Issued.
    pub issued_at: Timestamp,
    /// Expires.
    pub expires_at: Timestamp,
    /// Seller.
    pub sold_by: Option<EmployeeId>,
    /// Note.
    pub comment: Option<String>,
}

/// Filters of the certificate list. Every filter is optional; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateFilter {
    /// Only certificates with this status at the time of reading.
    pub status: Option<CertificateStatus>,
    /// Only this client's certificates.
    pub owner_client_id: Option<ClientId>,
    /// Only certificates of this type.
    pub type_id: Option<CertificateTypeId>,
    /// Issued at or after (inclusive).
    pub issued_from: Option<Timestamp>,
    /// Issued before (exclusive).
    pub issued_to: Option<Timestamp>,
}

/// A page of certificates with the income from every certificate matching the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateList<T> {
    /// The page.
    pub page: Page<T>,
    /// Sum of `price` over all rows matching the filters (not just this page): a sale is income.
    pub sold_total: Money,
}

/// Trims a sale's comment; blank is none, more than 500 characters is refused.
pub(crate) fn sale_comment(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(text) => bounded_text("comment", text, MAX_COMMENT_CHARS, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    fn definition() -> CertificateTypeDefinition {
        CertificateTypeDefinition {
            name: "Подарочный 5000".into(),
            nominal: Money::from_major(5_000),
            price: Money::from_major(4_500),
            validity_days: 365,
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_type_needs_a_name_a_positive_nominal_and_a_sane_validity() {
        assert_eq!(definition().validate(), Ok(()));
        let free = CertificateTypeDefinition {
            price: Money::ZERO,
            validity_days: 1,
            ..definition()
        };
        assert_eq!(free.validate(), Ok(()));
        assert_eq!(
            CertificateTypeDefinition {
                validity_days: 3650,
                name: "x".repeat(100),
                ..definition()
            }
            .validate(),
            Ok(())
        );
        let bad = CertificateTypeDefinition {
            name: "  ".into(),
            nominal: Money::ZERO,
            price: Money::from_minor(-1),
            validity_days: 0,
        };
        assert_eq!(
            fields(bad.validate().expect_err("invalid")),
            ["name", "nominal", "price", "validity_days"]
        );
        let bad = CertificateTypeDefinition {
            name: "x".repeat(101),
            nominal: Money::from_minor(-100),
            validity_days: 3651,
            ..definition()
        };
        assert_eq!(
            fields(bad.validate().expect_err("invalid")),
            ["name", "nominal", "validity_days"]
        );
    }

    #[test]
    fn an_update_changes_only_named_fields() {
        let updated = definition().updated(CertificateTypeUpdate {
            price: Some(Money::from_major(5_000)),
            validity_days: Some(30),
            ..Default::default()
        });
        assert_eq!(updated.name, "Подарочный 5000");
        assert_eq!(updated.nominal, Money::from_major(5_000));
        assert_eq!(updated.price, Money::from_major(5_000));
        assert_eq!(updated.validity_days, 30);
    }

    #[test]
    fn expiry_is_whole_days_after_issue() {
        let d = CertificateTypeDefinition {
            validity_days: 2,
            ..definition()
        };
        assert_eq!(d.expiry_for(at(1_000)), at(1_000 + 2 * 86_400));
    }

    fn certificate(balance: i64, expires_at: i64) -> Certificate {
        Certificate {
            id: CertificateId(1),
            code: CertificateCode::from_trusted("7K3MQ9XD2FHNW4RT".into()),
            type_id: CertificateTypeId(1),
            owner_client_id: None,
            nominal: Money::from_minor(500_000),
            balance: Money::from_minor(balance),
            price: Money::from_minor(450_000),
            issued_at: at(0),
            expires_at: at(expires_at),
            sold_by: None,
            comment: None,
        }
    }

    #[test]
    fn the_status_is_derived_from_balance_and_time() {
        let now = 1_000;
        assert_eq!(
            certificate(1, now + 1).status_at(at(now)),
            CertificateStatus::Active
        );
        assert_eq!(
            certificate(1, now).status_at(at(now)),
            CertificateStatus::Expired
        );
        assert_eq!(
            certificate(500_000, now - 1).status_at(at(now)),
            CertificateStatus::Expired
        );
        // Spent in full: redeemed, even once its time is up.
        assert_eq!(
            certificate(0, now + 1).status_at(at(now)),
            CertificateStatus::Redeemed
        );
        assert_eq!(
            certificate(0, now - 1).status_at(at(now)),
            CertificateStatus::Redeemed
        );
        let card = CertificateCard::at(certificate(1, now + 10), at(now + 10));
        assert_eq!(card.status, CertificateStatus::Expired);
    }

    #[test]
    fn status_codes_round_trip() {
        for status in CertificateStatus::ALL {
            assert_eq!(CertificateStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(CertificateStatus::from_code("used"), None);
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(sale_comment(None), Ok(None));
        assert_eq!(sale_comment(Some("  ")), Ok(None));
        assert_eq!(
            sale_comment(Some(" на день рождения\nот Ани ")),
            Ok(Some("на день рождения\nот Ани".into()))
        );
        assert_eq!(
            sale_comment(Some(&"x".repeat(501))).map_err(|e| e.field),
            Err("comment".into())
        );
    }
}
