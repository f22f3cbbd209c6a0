//! System settings bodies: the settings as the API shows them, the partial update, and the
//! audit trail.

use crate::dto::common::{double_option, DecimalInput, FieldErrors};
use crm_clients::loyalty::LoyaltyRules;
use crm_clients::model::Email;
use crm_clients::settings::model::{
    BookingSettings, BookingUpdate, MAX_ADDRESS_CHARS, MAX_BOOKING_HORIZON_DAYS,
    MAX_BOOKING_MIN_NOTICE_MINUTES, MAX_BOOKING_SLOT_STEP_MINUTES, MAX_COMPANY_TEXT_CHARS,
    MAX_CONVERSION_WINDOW_HOURS, MAX_MARKETING_TOUCH_CAP, MAX_MARKETING_TOUCH_PERIOD_DAYS,
    MIN_BOOKING_SLOT_STEP_MINUTES,
};
use crm_clients::settings::{
    CommunicationSettings, CommunicationUpdate, CompanyProfile, CompanyUpdate, Currency,
    LoyaltyRulesUpdate, SettingChangeRecord, SettingsUpdate, SystemSettings, Timezone,
};
use crm_core::{FieldError, Page, Percent, Phone, Points, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// The company profile.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CompanyResponse {
    /// Name people know (empty until filled in).
    pub name: String,
    /// Legal name.
    pub legal_name: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// IANA timezone name; "today" and every period are in it.
    pub timezone: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

impl From<CompanyProfile> for CompanyResponse {
    fn from(c: CompanyProfile) -> Self {
        Self {
            name: c.name,
            legal_name: c.legal_name,
            phone: c.phone.map(|p| p.as_str().to_owned()),
            email: c.email.map(|e| e.as_str().to_owned()),
            address: c.address,
            website: c.website,
            timezone: c.timezone.as_str().to_owned(),
            currency: c.currency.as_str().to_owned(),
        }
    }
}

/// The loyalty rules of the programme.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LoyaltyRulesResponse {
    /// Cashback for clients without a level, percent.
    pub base_cashback: Percent,
    /// Largest share of a check payable with points, percent.
    pub max_points_share: Percent,
    /// Points given once on registration.
    pub welcome_bonus: Points,
    /// Days after which earned points expire; `null` = never.
    pub points_expiry_days: Option<u32>,
    /// Days before earned points can be spent.
    pub points_deferral_days: u32,
    /// Whether a refund takes referral rewards back.
    pub refund_claws_back_referrals: bool,
}

impl From<LoyaltyRules> for LoyaltyRulesResponse {
    fn from(l: LoyaltyRules) -> Self {
        Self {
            base_cashback: l.base_cashback,
            max_points_share: l.max_points_share,
            welcome_bonus: l.welcome_bonus,
            points_expiry_days: l.points_expiry_days,
            points_deferral_days: l.points_deferral_days,
            refund_claws_back_referrals: l.refund_claws_back_referrals,
        }
    }
}

/// The communication settings campaigns apply.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CommunicationsResponse {
    /// Most advertising messages per client per period; 0 = no cap.
    pub marketing_touch_cap: u32,
    /// The cap's period, days.
    pub marketing_touch_period_days: u32,
    /// A purchase within this many hours after a delivery counts as the campaign's conversion.
    pub conversion_window_hours: u32,
}

impl From<CommunicationSettings> for CommunicationsResponse {
    fn from(c: CommunicationSettings) -> Self {
        Self {
            marketing_touch_cap: c.marketing_touch_cap,
            marketing_touch_period_days: c.marketing_touch_period_days,
            conversion_window_hours: c.conversion_window_hours,
        }
    }
}

/// The online booking settings.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct BookingResponse {
    /// Least time between now and a start booked from the app, minutes.
    pub min_notice_minutes: u32,
    /// How many days ahead a client may book from the app.
    pub horizon_days: u32,
    /// Step between the free starts the app offers, minutes.
    pub slot_step_minutes: u32,
}

impl From<BookingSettings> for BookingResponse {
    fn from(b: BookingSettings) -> Self {
        Self {
            min_notice_minutes: b.min_notice_minutes,
            horizon_days: b.horizon_days,
            slot_step_minutes: b.slot_step_minutes,
        }
    }
}

/// The system settings.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SettingsResponse {
    /// Company profile.
    pub company: CompanyResponse,
    /// Loyalty rules.
    pub loyalty: LoyaltyRulesResponse,
    /// Communication settings: touch-frequency cap and conversion window.
    pub communications: CommunicationsResponse,
    /// Online booking settings: minimum notice, horizon, slot step.
    pub booking: BookingResponse,
    /// Last changed; `null` while the defaults were never changed.
    pub updated_at: Option<Timestamp>,
    /// Who changed them last: `employee:<id>`.
    pub updated_by: Option<String>,
}

impl From<SystemSettings> for SettingsResponse {
    fn from(s: SystemSettings) -> Self {
        Self {
            company: s.company.into(),
            loyalty: s.loyalty.into(),
            communications: s.communications.into(),
            booking: s.booking.into(),
            updated_at: s.updated_at,
            updated_by: s.updated_by.map(|a| a.to_string()),
        }
    }
}

/// Changes to the company profile: absent fields stay, `null` clears, a value sets.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRequest {
    /// Name, 1–200 characters.
    pub name: Option<String>,
    /// Legal name.
    #[serde(default, deserialize_with = "double_option")]
    pub legal_name: Option<Option<String>>,
    /// Phone; normalised to E.164.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    /// E-mail.
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Address.
    #[serde(default, deserialize_with = "double_option")]
    pub address: Option<Option<String>>,
    /// Website.
    #[serde(default, deserialize_with = "double_option")]
    pub website: Option<Option<String>>,
    /// IANA timezone name, e.g. `Europe/Moscow`.
    pub timezone: Option<String>,
    /// ISO 4217 code of three capital letters, e.g. `RUB`.
    pub currency: Option<String>,
}

/// Changes to the loyalty rules: absent fields stay.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyRulesRequest {
    /// Cashback for clients without a level, percent (0–100, two decimals).
    pub base_cashback: Option<DecimalInput>,
    /// Largest share of a check payable with points, percent (0–100, two decimals).
    pub max_points_share: Option<DecimalInput>,
    /// Points given once on registration.
    pub welcome_bonus: Option<DecimalInput>,
    /// Days after which points expire (1–3650); `null` = never.
    #[serde(default, deserialize_with = "double_option")]
    pub points_expiry_days: Option<Option<i64>>,
    /// Days before earned points can be spent (0–365).
    pub points_deferral_days: Option<i64>,
    /// Whether a refund takes referral rewards back.
    pub refund_claws_back_referrals: Option<bool>,
}

/// Changes to the communication settings: absent fields stay.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CommunicationsRequest {
    /// Most advertising messages per client per period (0–1000; 0 = no cap).
    pub marketing_touch_cap: Option<i64>,
    /// The cap's period, days (1–365).
    pub marketing_touch_period_days: Option<i64>,
    /// Purchase attribution window, hours (1–2160).
    pub conversion_window_hours: Option<i64>,
}

/// Changes to the online booking settings: absent fields stay.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// Least notice of an app booking, minutes (0–10080).
    pub min_notice_minutes: Option<i64>,
    /// How many days ahead the app books (1–365).
    pub horizon_days: Option<i64>,
    /// Step between offered free starts, minutes (5–240).
    pub slot_step_minutes: Option<i64>,
}

/// Changes the system settings; only the named fields change. Every changed field is audited.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettingsRequest {
    /// Company profile changes.
    pub company: Option<CompanyRequest>,
    /// Loyalty rule changes.
    pub loyalty: Option<LoyaltyRulesRequest>,
    /// Communication setting changes.
    pub communications: Option<CommunicationsRequest>,
    /// Online booking setting changes.
    pub booking: Option<BookingRequest>,
}

fn days(field: &str, raw: i64, min: i64, max: i64) -> Result<u32, FieldError> {
    if (min..=max).contains(&raw) {
        u32::try_from(raw).map_err(|_| FieldError::new(field, "out of range"))
    } else {
        Err(FieldError::new(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

fn company_update(f: &mut FieldErrors, r: CompanyRequest) -> CompanyUpdate {
    CompanyUpdate {
        name: r
            .name
            .and_then(|n| f.required_text("company.name", &n, MAX_COMPANY_TEXT_CHARS)),
        legal_name: f.patch_text("company.legal_name", r.legal_name, MAX_COMPANY_TEXT_CHARS),
        phone: f.patch("company.phone", r.phone, |p| {
            Phone::parse(&p).map_err(|e| FieldError::new("company.phone", e.to_string()))
        }),
        email: f.patch("company.email", r.email, |e| Email::parse(&e)),
        address: f.patch_text("company.address", r.address, MAX_ADDRESS_CHARS),
        website: f.patch_text("company.website", r.website, MAX_COMPANY_TEXT_CHARS),
        timezone: r
            .timezone
            .and_then(|t| f.take("company.timezone", Timezone::parse(&t))),
        currency: r
            .currency
            .and_then(|c| f.take("company.currency", Currency::parse(&c))),
    }
}

fn loyalty_update(f: &mut FieldErrors, r: LoyaltyRulesRequest) -> LoyaltyRulesUpdate {
    const EXPIRY: &str = "loyalty.points_expiry_days";
    const DEFERRAL: &str = "loyalty.points_deferral_days";
    LoyaltyRulesUpdate {
        base_cashback: r
            .base_cashback
            .and_then(|v| f.take("loyalty.base_cashback", v.percent("base_cashback"))),
        max_points_share: r
            .max_points_share
            .and_then(|v| f.take("loyalty.max_points_share", v.percent("max_points_share"))),
        welcome_bonus: r
            .welcome_bonus
            .and_then(|v| f.take("loyalty.welcome_bonus", v.points("welcome_bonus"))),
        points_expiry_days: f.patch(EXPIRY, r.points_expiry_days, |d| days(EXPIRY, d, 1, 3_650)),
        points_deferral_days: r
            .points_deferral_days
            .and_then(|d| f.take(DEFERRAL, days(DEFERRAL, d, 0, 365))),
        refund_claws_back_referrals: r.refund_claws_back_referrals,
    }
}

fn communications_update(f: &mut FieldErrors, r: CommunicationsRequest) -> CommunicationUpdate {
    const CAP: &str = "communications.marketing_touch_cap";
    const PERIOD: &str = "communications.marketing_touch_period_days";
    const WINDOW: &str = "communications.conversion_window_hours";
    let max = |m: u32| i64::from(m);
    CommunicationUpdate {
        marketing_touch_cap: r
            .marketing_touch_cap
            .and_then(|v| f.take(CAP, days(CAP, v, 0, max(MAX_MARKETING_TOUCH_CAP)))),
        marketing_touch_period_days: r.marketing_touch_period_days.and_then(|v| {
            f.take(
                PERIOD,
                days(PERIOD, v, 1, max(MAX_MARKETING_TOUCH_PERIOD_DAYS)),
            )
        }),
        conversion_window_hours: r
            .conversion_window_hours
            .and_then(|v| f.take(WINDOW, days(WINDOW, v, 1, max(MAX_CONVERSION_WINDOW_HOURS)))),
    }
}

fn booking_update(f: &mut FieldErrors, r: BookingRequest) -> BookingUpdate {
    const NOTICE: &str = "booking.min_notice_minutes";
    const HORIZON: &str = "booking.horizon_days";
    const STEP: &str = "booking.slot_step_minutes";
    let bound = |m: u32| i64::from(m);
    BookingUpdate {
        min_notice_minutes: r.min_notice_minutes.and_then(|v| {
            f.take(
                NOTICE,
                days(NOTICE, v, 0, bound(MAX_BOOKING_MIN_NOTICE_MINUTES)),
            )
        }),
        horizon_days: r.horizon_days.and_then(|v| {
            f.take(
                HORIZON,
                days(HORIZON, v, 1, bound(MAX_BOOKING_HORIZON_DAYS)),
            )
        }),
        slot_step_minutes: r.slot_step_minutes.and_then(|v| {
            f.take(
                STEP,
                days(
                    STEP,
                    v,
                    bound(MIN_BOOKING_SLOT_STEP_MINUTES),
                    bound(MAX_BOOKING_SLOT_STEP_MINUTES),
                ),
            )
        }),
    }
}

impl TryFrom<UpdateSettingsRequest> for SettingsUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateSettingsRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let update = SettingsUpdate {
            company: company_update(&mut f, r.company.unwrap_or_default()),
            loyalty: loyalty_update(&mut f, r.loyalty.unwrap_or_default()),
            communications: communications_update(&mut f, r.communications.unwrap_or_default()),
            booking: booking_update(&mut f, r.booking.unwrap_or_default()),
        };
        f.finish(update)
    }
}

/// One changed field of the settings.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SettingChangeResponse {
    /// Entry id.
    pub id: i64,
    /// Field path, e.g. `loyalty.base_cashback`.
    pub field: String,
    /// Value before (JSON).
    pub old_value: serde_json::Value,
    /// Value after (JSON).
    pub new_value: serde_json::Value,
    /// Who: `employee:<id>`.
    pub actor: String,
    /// When.
    pub at: Timestamp,
}

impl From<SettingChangeRecord> for SettingChangeResponse {
    fn from(c: SettingChangeRecord) -> Self {
        Self {
            id: c.id,
            field: c.field,
            old_value: c.old_value,
            new_value: c.new_value,
            actor: c.actor.to_string(),
            at: c.at,
        }
    }
}

/// A page of the settings audit trail, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SettingChangePage {
    /// Changes of this page.
    pub items: Vec<SettingChangeResponse>,
    /// Changes in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<SettingChangeRecord>> for SettingChangePage {
    fn from(page: Page<SettingChangeRecord>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_clients::Patch;

    fn convert(body: serde_json::Value) -> Result<SettingsUpdate, Vec<FieldError>> {
        let request: UpdateSettingsRequest = serde_json::from_value(body).expect("shape");
        SettingsUpdate::try_from(request)
    }

    #[test]
    fn every_bad_field_is_named_by_its_path() {
        let errors = convert(serde_json::json!({
            "company": {"name": " ", "phone": "call me", "email": "nope",
                        "timezone": "Mars/Base", "currency": "rub"},
            "loyalty": {"base_cashback": 100.5, "max_points_share": 10.555,
                        "welcome_bonus": -1, "points_expiry_days": 0,
                        "points_deferral_days": 400}
        }))
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "company.name",
                "company.phone",
                "company.email",
                "company.timezone",
                "company.currency",
                "loyalty.base_cashback",
                "loyalty.max_points_share",
                "loyalty.welcome_bonus",
                "loyalty.points_expiry_days",
                "loyalty.points_deferral_days"
            ]
        );
        assert_eq!(errors[5].message, "must be between 0 and 100");
    }

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let update = convert(serde_json::json!({
            "company": {"legal_name": null, "website": "https://example.com"},
            "loyalty": {"base_cashback": "7.5", "points_expiry_days": null}
        }))
        .expect("valid");
        assert_eq!(update.company.legal_name, Patch::Clear);
        assert_eq!(
            update.company.website,
            Patch::Set("https://example.com".into())
        );
        assert_eq!(update.company.address, Patch::Keep);
        assert_eq!(
            update.loyalty.base_cashback.map(Percent::basis_points),
            Some(750)
        );
        assert_eq!(update.loyalty.points_expiry_days, Patch::Clear);
        assert_eq!(update.loyalty.max_points_share, None);
        assert!(serde_json::from_value::<UpdateSettingsRequest>(
            serde_json::json!({"loyalty": {"cashback": 5}})
        )
        .is_err());
    }
}
