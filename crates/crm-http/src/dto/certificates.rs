//! Certificate bodies: types, sales, the list with its income, look-up by code.

use crate::dto::common::{DecimalInput, FieldErrors};
use crm_clients::certificates::model::MAX_TYPE_NAME_CHARS;
use crm_clients::certificates::{
    CertificateCard, CertificateFilter, CertificateList, CertificateSale, CertificateStatus,
    CertificateType, CertificateTypeDefinition, CertificateTypeUpdate,
};
use crm_core::{
    CertificateId, CertificateTypeId, ClientId, EmployeeId, FieldError, Money, Page, PageRequest,
    Timestamp,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A certificate type.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificateTypeResponse {
    /// Id.
    pub id: CertificateTypeId,
    /// Name.
    pub name: String,
    /// What a certificate of this type is worth at the till.
    pub nominal: Money,
    /// What the buyer pays.
    pub price: Money,
    /// Days a certificate stays valid after it is sold.
    pub validity_days: i64,
    /// When archived (no longer on sale); `null` while on sale.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl From<CertificateType> for CertificateTypeResponse {
    fn from(t: CertificateType) -> Self {
        let d = t.definition;
        Self {
            id: t.id,
            name: d.name,
            nominal: d.nominal,
            price: d.price,
            validity_days: d.validity_days,
            archived_at: t.archived_at,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A page of certificate types.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificateTypePage {
    /// Types of this page.
    pub items: Vec<CertificateTypeResponse>,
    /// Types in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<CertificateType>> for CertificateTypePage {
    fn from(page: Page<CertificateType>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Defines a certificate type.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertificateTypeRequest {
    /// Name, 1–100 characters.
    pub name: String,
    /// Worth at the till, above 0, at most 2 fractional digits.
    pub nominal: DecimalInput,
    /// What the buyer pays, 0 or more, at most 2 fractional digits.
    pub price: DecimalInput,
    /// Days a certificate stays valid after it is sold, 1–3650.
    pub validity_days: i64,
}

/// Changes a certificate type: absent fields stay. Certificates already sold keep their terms.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCertificateTypeRequest {
    /// Name.
    pub name: Option<String>,
    /// Nominal.
    pub nominal: Option<DecimalInput>,
    /// Price.
    pub price: Option<DecimalInput>,
    /// Validity in days.
    pub validity_days: Option<i64>,
}

impl TryFrom<CreateCertificateTypeRequest> for CertificateTypeDefinition {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateCertificateTypeRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let name = f.required_text("name", &r.name, MAX_TYPE_NAME_CHARS);
        let nominal = f.take("nominal", r.nominal.money("nominal"));
        let price = f.take("price", r.price.money("price"));
        f.finish(CertificateTypeDefinition {
            name: name.unwrap_or_default(),
            nominal: nominal.unwrap_or_default(),
            price: price.unwrap_or_default(),
            validity_days: r.validity_days,
        })
    }
}

impl TryFrom<UpdateCertificateTypeRequest> for CertificateTypeUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateCertificateTypeRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let update = CertificateTypeUpdate {
            name: r
                .name
                .and_then(|n| f.required_text("name", &n, MAX_TYPE_NAME_CHARS)),
            nominal: r
                .nominal
                .and_then(|n| f.take("nominal", n.money("nominal"))),
            price: r.price.and_then(|p| f.take("price", p.money("price"))),
            validity_days: r.validity_days,
        };
        f.finish(update)
    }
}

/// The id in `/certificates/types/{type_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct CertificateTypePath {
    /// Certificate type id.
    pub type_id: i64,
}

/// Sells (issues) a certificate: nominal, price and expiry come from the type.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct SellCertificateRequest {
    /// The type sold; it must be on sale (not archived).
    pub type_id: i64,
    /// The client it is sold to; absent or `null` for a bearer certificate.
    pub owner_client_id: Option<i64>,
    /// Note, up to 500 characters.
    pub comment: Option<String>,
}

impl SellCertificateRequest {
    /// The sale, by `seller`.
    pub fn into_sale(self, seller: EmployeeId) -> CertificateSale {
        CertificateSale {
            type_id: CertificateTypeId(self.type_id),
            owner_client_id: self.owner_client_id.map(ClientId),
            comment: self.comment,
            sold_by: seller,
        }
    }
}

/// Where a certificate stands, as of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatusCode {
    /// Has a balance and has not expired.
    Active,
    /// Spent in full.
    Redeemed,
    /// Its time is up with a balance left.
    Expired,
}

impl From<CertificateStatus> for CertificateStatusCode {
    fn from(s: CertificateStatus) -> Self {
        match s {
            CertificateStatus::Active => Self::Active,
            CertificateStatus::Redeemed => Self::Redeemed,
            CertificateStatus::Expired => Self::Expired,
        }
    }
}

/// An issued certificate.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificateResponse {
    /// Id.
    pub id: CertificateId,
    /// The code, grouped: `XXXX-XXXX-XXXX-XXXX` (look-ups accept any case, dashes optional).
    pub code: String,
    /// The type it was sold as.
    pub type_id: CertificateTypeId,
    /// The client it belongs to; `null` for a bearer certificate.
    pub owner_client_id: Option<ClientId>,
    /// Worth when sold.
    pub nominal: Money,
    /// Left to spend.
    pub balance: Money,
    /// What the buyer paid.
    pub price: Money,
    /// `active`, `redeemed` (balance 0) or `expired` (`expires_at` has passed), as of now.
    pub status: CertificateStatusCode,
    /// Sold.
    pub issued_at: Timestamp,
    /// Valid until (exclusive).
    pub expires_at: Timestamp,
    /// The employee who sold it.
    pub sold_by: Option<EmployeeId>,
    /// Note from the sale.
    pub comment: Option<String>,
}

impl From<CertificateCard> for CertificateResponse {
    fn from(card: CertificateCard) -> Self {
        let c = card.certificate;
        Self {
            id: c.id,
            code: c.code.grouped(),
            type_id: c.type_id,
            owner_client_id: c.owner_client_id,
            nominal: c.nominal,
            balance: c.balance,
            price: c.price,
            status: card.status.into(),
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            sold_by: c.sold_by,
            comment: c.comment,
        }
    }
}

/// A page of certificates with the income from all that match the filters.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CertificatePage {
    /// Certificates of this page, newest sale first.
    pub items: Vec<CertificateResponse>,
    /// Certificates matching the filters.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
    /// Sum of the prices paid for every certificate matching the filters (not just this page).
    pub sold_total: Money,
}

impl From<CertificateList<CertificateCard>> for CertificatePage {
    fn from(list: CertificateList<CertificateCard>) -> Self {
        let page = list.page;
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
            sold_total: list.sold_total,
        }
    }
}

/// Filters and paging of the certificate list.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct CertificatesQuery {
    /// `active`, `redeemed` or `expired` (as of now).
    pub status: Option<String>,
    /// One client's certificates.
    pub owner_client_id: Option<i64>,
    /// Certificates of one type.
    pub type_id: Option<i64>,
    /// Sold at or after this time (RFC 3339, inclusive).
    pub issued_from: Option<Timestamp>,
    /// Sold before this time (RFC 3339, exclusive).
    pub issued_to: Option<Timestamp>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl CertificatesQuery {
    /// The domain filter and page, or a 422 naming each bad parameter.
    pub fn into_filter(self) -> Result<(CertificateFilter, PageRequest), Vec<FieldError>> {
        let mut f = FieldErrors::default();
        let page = PageRequest::new(self.limit, self.offset);
        if page.is_none() {
            f.add("limit", "must be between 1 and 500");
        }
        let status = self.status.as_deref().and_then(|s| {
            let status = CertificateStatus::from_code(s.trim());
            if status.is_none() {
                f.add("status", "must be active, redeemed or expired");
            }
            status
        });
        if let (Some(from), Some(to)) = (self.issued_from, self.issued_to) {
            if to < from {
                f.add("issued_to", "must not be before issued_from");
            }
        }
        f.finish((
            CertificateFilter {
                status,
                owner_client_id: self.owner_client_id.map(ClientId),
                type_id: self.type_id.map(CertificateTypeId),
                issued_from: self.issued_from,
                issued_to: self.issued_to,
            },
            page.unwrap_or_default(),
        ))
    }
}

/// The code in `/certificates/{code}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct CertificateCodePath {
    /// Certificate code, any case, dashes optional (`7K3M-Q9XD-2FHN-W4RT`).
    pub code: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_request_names_every_bad_amount() {
        let request: CreateCertificateTypeRequest = serde_json::from_value(serde_json::json!({
            "name": " ", "nominal": 10.001, "price": "-1", "validity_days": 0
        }))
        .expect("shape");
        let errors = CertificateTypeDefinition::try_from(request).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "nominal", "price"]);

        let request: CreateCertificateTypeRequest = serde_json::from_value(serde_json::json!({
            "name": " На 3000 ", "nominal": 3000, "price": "2999.9", "validity_days": 90
        }))
        .expect("shape");
        let definition = CertificateTypeDefinition::try_from(request).expect("valid");
        assert_eq!(definition.name, "На 3000");
        assert_eq!(definition.price, Money::from_minor(299_990));
    }

    #[test]
    fn the_query_checks_status_dates_and_page() {
        let query = CertificatesQuery {
            status: Some("used".into()),
            limit: Some(0),
            issued_from: Timestamp::from_unix_seconds(10),
            issued_to: Timestamp::from_unix_seconds(5),
            ..Default::default()
        };
        let fields: Vec<_> = query
            .into_filter()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["limit", "status", "issued_to"]);
        let (filter, page) = CertificatesQuery {
            status: Some("expired".into()),
            owner_client_id: Some(3),
            ..Default::default()
        }
        .into_filter()
        .expect("valid");
        assert_eq!(filter.status, Some(CertificateStatus::Expired));
        assert_eq!(filter.owner_client_id, Some(ClientId(3)));
        assert_eq!(page, PageRequest::default());
    }
}
