//! The system settings of the business (company profile and loyalty rules), their audit trail,
//! and the commands that change them and the loyalty levels.

use crate::loyalty::levels::{Level, LevelThreshold};
use crate::loyalty::LoyaltyRules;
use crate::model::{Email, Patch};
use crm_core::{Actor, FieldError, Money, Percent, Phone, Points, Timestamp};
use serde_json::Value;

/// The timezone of a new business.
pub const DEFAULT_TIMEZONE: &str = "Europe/Moscow";
/// The currency of a new business.
pub const DEFAULT_CURRENCY: &str = "RUB";
/// Longest company name, legal name or website accepted.
pub const MAX_COMPANY_TEXT_CHARS: usize = 200;
/// Longest address accepted.
pub const MAX_ADDRESS_CHARS: usize = 500;

/// An IANA timezone name such as `Europe/Moscow`, known to the bundled tz database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timezone(String);

impl Timezone {
    /// Checks a name against the tz database, spelled exactly as IANA does (`Europe/Moscow`,
    /// `UTC`; not `europe/moscow` or `MSK`). The database also knows Windows names
    /// (`Russian Standard Time`); those have spaces, which no IANA name has, and are refused.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let known = !name.is_empty()
            && !name.contains(char::is_whitespace)
            && time_tz::timezones::get_by_name(name).is_some();
        if known {
            Ok(Self(name.to_owned()))
        } else {
            Err(FieldError::new(
                "timezone",
                "must be an IANA timezone name such as Europe/Moscow",
            ))
        }
    }

    /// Rebuilds a stored name.
    pub fn from_trusted(name: String) -> Self {
        Self(name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Timezone {
    fn default() -> Self {
        Self(DEFAULT_TIMEZONE.to_owned())
    }
}

/// An ISO 4217 currency code: three capital Latin letters (`RUB`, `USD`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    /// Checks the shape of a code.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(FieldError::new(
                "currency",
                "must be an ISO 4217 code of three capital letters such as RUB",
            ))
        }
    }

    /// Rebuilds a stored code.
    pub fn from_trusted(code: String) -> Self {
        Self(code)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self(DEFAULT_CURRENCY.to_owned())
    }
}

/// Who the business is, as its documents and the Mini App show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyProfile {
    /// The name people know (empty until the owner fills it in).
    pub name: String,
    /// Legal name for documents.
    pub legal_name: Option<String>,
    /// Contact phone.
    pub phone: Option<Phone>,
    /// Contact e-mail.
    pub email: Option<Email>,
    /// Address.
    pub address: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// The business's timezone: "today" and every period boundary are in it.
    pub timezone: Timezone,
    /// The currency amounts are in.
    pub currency: Currency,
}

/// Most advertising messages per client per period accepted (0 = no cap).
pub const MAX_MARKETING_TOUCH_CAP: u32 = 1_000;
/// Longest touch-frequency period, days.
pub const MAX_MARKETING_TOUCH_PERIOD_DAYS: u32 = 365;
/// Longest purchase attribution window, hours (90 days).
pub const MAX_CONVERSION_WINDOW_HOURS: u32 = 2_160;

/// The communication settings campaigns read: the touch-frequency cap and the conversion window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommunicationSettings {
    /// Most advertising messages per client per period (0–1000; 0 = no cap).
    pub marketing_touch_cap: u32,
    /// The cap's period, days (1–365).
    pub marketing_touch_period_days: u32,
    /// A purchase within this many hours after a delivery is the campaign's conversion
    /// (1–2160).
    pub conversion_window_hours: u32,
}

impl Default for CommunicationSettings {
    fn default() -> Self {
        Self {
            marketing_touch_cap: 3,
            marketing_touch_period_days: 7,
            conversion_window_hours: 72,
        }
    }
}

/// Command: change the communication settings. Only what is named changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommunicationUpdate {
    /// Touch cap.
    pub marketing_touch_cap: Option<u32>,
    /// Touch period, days.
    pub marketing_touch_period_days: Option<u32>,
    /// Conversion window, hours.
    pub conversion_window_hours: Option<u32>,
}

impl CommunicationSettings {
    /// The settings with an update applied.
    pub fn updated(&self, update: CommunicationUpdate) -> CommunicationSettings {
        CommunicationSettings {
            marketing_touch_cap: update
                .marketing_touch_cap
                .unwrap_or(self.marketing_touch_cap),
            marketing_touch_period_days: update
                .marketing_touch_period_days
                .unwrap_or(self.marketing_touch_period_days),
            conversion_window_hours: update
                .conversion_window_hours
                .unwrap_or(self.conversion_window_hours),
        }
    }

    /// Checks the ranges; fields are named `communications.<field>`.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, value: u32, min: u32, max: u32| {
            if !(min..=max).contains(&value) {
                errors.push(FieldError::new(
                    format!("communications.{field}"),
                    format!("must be between {min} and {max}"),
                ));
            }
        };
        check(
            "marketing_touch_cap",
            self.marketing_touch_cap,
            0,
            MAX_MARKETING_TOUCH_CAP,
        );
        check(
            "marketing_touch_period_days",
            self.marketing_touch_period_days,
            1,
            MAX_MARKETING_TOUCH_PERIOD_DAYS,
        );
        check(
            "conversion_window_hours",
            self.conversion_window_hours,
            1,
            MAX_CONVERSION_WINDOW_HOURS,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The fields that differ between two communication settings (`communications.<field>`), in a
/// stable order, with their JSON values.
pub fn changed_communications(
    before: &CommunicationSettings,
    after: &CommunicationSettings,
) -> Vec<SettingChange> {
    [
        (
            "communications.marketing_touch_cap",
            before.marketing_touch_cap,
            after.marketing_touch_cap,
        ),
        (
            "communications.marketing_touch_period_days",
            before.marketing_touch_period_days,
            after.marketing_touch_period_days,
        ),
        (
            "communications.conversion_window_hours",
            before.conversion_window_hours,
            after.conversion_window_hours,
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .map(|(field, old, new)| SettingChange {
        field: field.to_owned(),
        old_value: Value::from(old),
        new_value: Value::from(new),
    })
    .collect()
}

/// Longest minimum notice of an online booking, minutes (one week).
pub const MAX_BOOKING_MIN_NOTICE_MINUTES: u32 = 10_080;
/// Longest online booking horizon, days.
pub const MAX_BOOKING_HORIZON_DAYS: u32 = 365;
/// Shortest step between offered booking slots, minutes.
pub const MIN_BOOKING_SLOT_STEP_MINUTES: u32 = 5;
/// Longest step between offered booking slots, minutes.
pub const MAX_BOOKING_SLOT_STEP_MINUTES: u32 = 240;

/// The online booking settings: the least notice, the horizon and the slot step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingSettings {
    /// Least time between now and a start booked from the app, minutes (0–10080).
    pub min_notice_minutes: u32,
    /// How many days ahead a client may book from the app (1–365).
    pub horizon_days: u32,
    /// Step between the free starts the app offers, minutes (5–240).
    pub slot_step_minutes: u32,
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self {
            min_notice_minutes: 60,
            horizon_days: 60,
            slot_step_minutes: 15,
        }
    }
}

/// Command: change the online booking settings. Only what is named changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookingUpdate {
    /// Minimum notice, minutes.
    pub min_notice_minutes: Option<u32>,
    /// Horizon, days.
    pub horizon_days: Option<u32>,
    /// Slot step, minutes.
    pub slot_step_minutes: Option<u32>,
}

impl BookingSettings {
    /// The settings with an update applied.
    pub fn updated(&self, update: BookingUpdate) -> BookingSettings {
        BookingSettings {
            min_notice_minutes: update.min_notice_minutes.unwrap_or(self.min_notice_minutes),
            horizon_days: update.horizon_days.unwrap_or(self.horizon_days),
            slot_step_minutes: update.slot_step_minutes.unwrap_or(self.slot_step_minutes),
        }
    }

    /// Checks the ranges; fields are named `booking.<field>`.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = [
            (
                "min_notice_minutes",
                self.min_notice_minutes,
                0,
                MAX_BOOKING_MIN_NOTICE_MINUTES,
            ),
            (
                "horizon_days",
                self.horizon_days,
                1,
                MAX_BOOKING_HORIZON_DAYS,
            ),
            (
                "slot_step_minutes",
                self.slot_step_minutes,
                MIN_BOOKING_SLOT_STEP_MINUTES,
                MAX_BOOKING_SLOT_STEP_MINUTES,
            ),
        ]
        .into_iter()
        .filter(|(_, value, min, max)| !(*min..=*max).contains(value))
        .map(|(field, _, min, max)| {
            FieldError::new(
                format!("booking.{field}"),
                format!("must be between {min} and {max}"),
            )
        })
        .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The fields that differ between two booking settings (`booking.<field>`), in a stable order,
/// with their JSON values.
pub fn changed_booking(before: &BookingSettings, after: &BookingSettings) -> Vec<SettingChange> {
    [
        (
            "booking.min_notice_minutes",
            before.min_notice_minutes,
            after.min_notice_minutes,
        ),
        (
            "booking.horizon_days",
            before.horizon_days,
            after.horizon_days,
        ),
        (
            "booking.slot_step_minutes",
            before.slot_step_minutes,
            after.slot_step_minutes,
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .map(|(field, old, new)| SettingChange {
        field: field.to_owned(),
        old_value: Value::from(old),
        new_value: Value::from(new),
    })
    .collect()
}

/// The one settings record of the business.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemSettings {
    /// Company profile.
    pub company: CompanyProfile,
    /// Loyalty rules.
    pub loyalty: LoyaltyRules,
    /// Communication settings (touch cap, conversion window).
    pub communications: CommunicationSettings,
    /// Online booking settings (notice, horizon, slot step).
    pub booking: BookingSettings,
    /// Bumped by every change; guards concurrent updates.
    pub version: i64,
    /// Last changed; `None` while the defaults were never changed.
    pub updated_at: Option<Timestamp>,
    /// Who changed it last.
    pub updated_by: Option<Actor>,
}

/// Command: change the company profile. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyUpdate {
    /// Name.
    pub name: Option<String>,
    /// Legal name.
    pub legal_name: Patch<String>,
    /// Phone.
    pub phone: Patch<Phone>,
    /// E-mail.
    pub email: Patch<Email>,
    /// Address.
    pub address: Patch<String>,
    /// Website.
    pub website: Patch<String>,
    /// Timezone.
    pub timezone: Option<Timezone>,
    /// Currency.
    pub currency: Option<Currency>,
}

/// Command: change the loyalty rules. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoyaltyRulesUpdate {
    /// Cashback for clients without a level.
    pub base_cashback: Option<Percent>,
    /// Largest share of a check payable with points.
    pub max_points_share: Option<Percent>,
    /// Points given on registration.
    pub welcome_bonus: Option<Points>,
    /// Points lifetime in days; cleared = never expire.
    pub points_expiry_days: Patch<u32>,
    /// Days before earned points can be spent.
    pub points_deferral_days: Option<u32>,
    /// Whether a refund takes referral rewards back.
    pub refund_claws_back_referrals: Option<bool>,
}

/// Command: change the system settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsUpdate {
    /// Company profile changes.
    pub company: CompanyUpdate,
    /// Loyalty rule changes.
    pub loyalty: LoyaltyRulesUpdate,
    /// Communication setting changes.
    pub communications: CommunicationUpdate,
    /// Online booking setting changes.
    pub booking: BookingUpdate,
}

impl CompanyProfile {
    /// The profile with an update applied.
    pub fn updated(&self, update: CompanyUpdate) -> CompanyProfile {
        let p = self.clone();
        CompanyProfile {
            name: update.name.unwrap_or(p.name),
            legal_name: update.legal_name.apply(p.legal_name),
            phone: update.phone.apply(p.phone),
            email: update.email.apply(p.email),
            address: update.address.apply(p.address),
            website: update.website.apply(p.website),
            timezone: update.timezone.unwrap_or(p.timezone),
            currency: update.currency.unwrap_or(p.currency),
        }
    }

    /// Checks what the types alone do not carry; fields are named `company.<field>`.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, value: Option<&str>, max: usize, required: bool| {
            let Some(text) = value else { return };
            let chars = text.trim().chars().count();
            if required && chars == 0 {
                errors.push(FieldError::new(field, "must not be empty"));
            } else if chars > max {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ));
            } else if text.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    field,
                    "must not contain control characters",
                ));
            }
        };
        check(
            "company.name",
            Some(&self.name),
            MAX_COMPANY_TEXT_CHARS,
            false,
        );
        check(
            "company.legal_name",
            self.legal_name.as_deref(),
            MAX_COMPANY_TEXT_CHARS,
            true,
        );
        check(
            "company.address",
            self.address.as_deref(),
            MAX_ADDRESS_CHARS,
            true,
        );
        check(
            "company.website",
            self.website.as_deref(),
            MAX_COMPANY_TEXT_CHARS,
            true,
        );
        if self
            .website
            .as_deref()
            .is_some_and(|w| w.chars().any(char::is_whitespace))
        {
            errors.push(FieldError::new(
                "company.website",
                "must be an address without spaces such as https://example.com",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl LoyaltyRules {
    /// The rules with an update applied.
    pub fn updated(&self, update: LoyaltyRulesUpdate) -> LoyaltyRules {
        LoyaltyRules {
            base_cashback: update.base_cashback.unwrap_or(self.base_cashback),
            max_points_share: update.max_points_share.unwrap_or(self.max_points_share),
            welcome_bonus: update.welcome_bonus.unwrap_or(self.welcome_bonus),
            points_expiry_days: update.points_expiry_days.apply(self.points_expiry_days),
            points_deferral_days: update
                .points_deferral_days
                .unwrap_or(self.points_deferral_days),
            refund_claws_back_referrals: update
                .refund_claws_back_referrals
                .unwrap_or(self.refund_claws_back_referrals),
        }
    }
}

/// One changed field of the settings: its path (`loyalty.base_cashback`) and the values before
/// and after, as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingChange {
    /// Field path, e.g. `company.timezone`.
    pub field: String,
    /// Value before.
    pub old_value: Value,
    /// Value after.
    pub new_value: Value,
}

/// A stored entry of the settings audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingChangeRecord {
    /// Entry id (insertion order).
    pub id: i64,
    /// Field path.
    pub field: String,
    /// Value before.
    pub old_value: Value,
    /// Value after.
    pub new_value: Value,
    /// Who changed it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// What a repository writes for a settings change, if the record is still at
/// `expected_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsUpdatePlan {
    /// The version the plan was computed from.
    pub expected_version: i64,
    /// The new company profile.
    pub company: CompanyProfile,
    /// The new loyalty rules.
    pub loyalty: LoyaltyRules,
    /// The new communication settings.
    pub communications: CommunicationSettings,
    /// The new online booking settings.
    pub booking: BookingSettings,
    /// One audit entry per changed field.
    pub changes: Vec<SettingChange>,
    /// Who changed it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.to_owned()))
}

fn json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The fields that differ between two settings, in a stable order, with their JSON values.
pub fn changed_fields(
    before: (&CompanyProfile, &LoyaltyRules),
    after: (&CompanyProfile, &LoyaltyRules),
) -> Vec<SettingChange> {
    let ((oc, ol), (nc, nl)) = (before, after);
    let candidates = [
        ("company.name", text(Some(&oc.name)), text(Some(&nc.name))),
        (
            "company.legal_name",
            text(oc.legal_name.as_deref()),
            text(nc.legal_name.as_deref()),
        ),
        (
            "company.phone",
            text(oc.phone.as_ref().map(Phone::as_str)),
            text(nc.phone.as_ref().map(Phone::as_str)),
        ),
        (
            "company.email",
            text(oc.email.as_ref().map(Email::as_str)),
            text(nc.email.as_ref().map(Email::as_str)),
        ),
        (
            "company.address",
            text(oc.address.as_deref()),
            text(nc.address.as_deref()),
        ),
        (
            "company.website",
            text(oc.website.as_deref()),
            text(nc.website.as_deref()),
        ),
        (
            "company.timezone",
            text(Some(oc.timezone.as_str())),
            text(Some(nc.timezone.as_str())),
        ),
        (
            "company.currency",
            text(Some(oc.currency.as_str())),
            text(Some(nc.currency.as_str())),
        ),
        (
            "loyalty.base_cashback",
            json(ol.base_cashback),
            json(nl.base_cashback),
        ),
        (
            "loyalty.max_points_share",
            json(ol.max_points_share),
            json(nl.max_points_share),
        ),
        (
            "loyalty.welcome_bonus",
            json(ol.welcome_bonus),
            json(nl.welcome_bonus),
        ),
        (
            "loyalty.points_expiry_days",
            json(ol.points_expiry_days),
            json(nl.points_expiry_days),
        ),
        (
            "loyalty.points_deferral_days",
            json(ol.points_deferral_days),
            json(nl.points_deferral_days),
        ),
        (
            "loyalty.refund_claws_back_referrals",
            json(ol.refund_claws_back_referrals),
            json(nl.refund_claws_back_referrals),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old_value, new_value)| SettingChange {
            field: field.to_owned(),
            old_value,
            new_value,
        })
        .collect()
}

/// What a level's threshold counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdKind {
    /// Total cash spent (money).
    TotalSpent,
    /// Number of purchases.
    PurchaseCount,
    /// Number of referred clients who bought something.
    Referrals,
}

impl ThresholdKind {
    /// Every kind.
    pub const ALL: [ThresholdKind; 3] = [
        ThresholdKind::TotalSpent,
        ThresholdKind::PurchaseCount,
        ThresholdKind::Referrals,
    ];

    /// `total_spent`, `purchase_count` or `referrals`.
    pub fn code(self) -> &'static str {
        match self {
            ThresholdKind::TotalSpent => "total_spent",
            ThresholdKind::PurchaseCount => "purchase_count",
            ThresholdKind::Referrals => "referrals",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind of a threshold.
    pub fn of(threshold: LevelThreshold) -> Self {
        match threshold {
            LevelThreshold::TotalSpent(_) => ThresholdKind::TotalSpent,
            LevelThreshold::PurchaseCount(_) => ThresholdKind::PurchaseCount,
            LevelThreshold::Referrals(_) => ThresholdKind::Referrals,
        }
    }

    /// A threshold of this kind from a decimal value: money for `total_spent`, a whole
    /// non-negative number for the counts.
    pub fn threshold(self, value: Money) -> Result<LevelThreshold, FieldError> {
        if value.is_negative() {
            return Err(FieldError::new("threshold", "must not be negative"));
        }
        match self {
            ThresholdKind::TotalSpent => Ok(LevelThreshold::TotalSpent(value)),
            ThresholdKind::PurchaseCount | ThresholdKind::Referrals => {
                if value.minor() % 100 != 0 {
                    return Err(FieldError::new(
                        "threshold",
                        "must be a whole number for purchase_count and referrals",
                    ));
                }
                let count = value.minor() / 100;
                Ok(if self == ThresholdKind::PurchaseCount {
                    LevelThreshold::PurchaseCount(count)
                } else {
                    LevelThreshold::Referrals(count)
                })
            }
        }
    }
}

/// A level as the admin panel manages it: the level and whether it is archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRecord {
    /// The level.
    pub level: Level,
    /// When archived; `None` while in use. Clients keep an archived level until re-evaluated.
    pub archived_at: Option<Timestamp>,
}

/// Command: define a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLevel {
    /// Name.
    pub name: String,
    /// What reaching it takes.
    pub threshold: LevelThreshold,
    /// Cashback rate.
    pub cashback: Percent,
    /// Own largest points share; `None` = the business-wide rule.
    pub max_points_share: Option<Percent>,
}

/// Command: change a level. Only what is named changes. A new `threshold_kind` needs a new
/// `threshold`; a `threshold` alone is read in the level's current kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LevelUpdate {
    /// Name.
    pub name: Option<String>,
    /// Threshold kind.
    pub threshold_kind: Option<ThresholdKind>,
    /// Threshold value (money, or a whole count).
    pub threshold: Option<Money>,
    /// Cashback rate.
    pub cashback: Option<Percent>,
    /// Own largest points share.
    pub max_points_share: Patch<Percent>,
}

/// What a repository stores for a new level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLevelRecord {
    /// The definition.
    pub level: NewLevel,
    /// When.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_are_checked_against_the_tz_database() {
        assert_eq!(
            Timezone::parse(" Asia/Yekaterinburg ").map(|t| t.0),
            Ok("Asia/Yekaterinburg".into())
        );
        assert!(Timezone::parse("UTC").is_ok());
        for bad in [
            "",
            "Mars/Olympus",
            "MSK",
            "europe/moscow",
            "Russian Standard Time",
        ] {
            assert!(Timezone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Timezone::default().as_str(), "Europe/Moscow");
    }

    #[test]
    fn currencies_are_three_capital_letters() {
        assert_eq!(Currency::parse("USD").map(|c| c.0), Ok("USD".into()));
        for bad in ["rub", "RUBL", "R1B", "", "РУБ"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Currency::default().as_str(), "RUB");
    }

    #[test]
    fn only_changed_fields_are_listed_with_json_values() {
        let company = CompanyProfile::default();
        let rules = LoyaltyRules::default();
        assert!(changed_fields((&company, &rules), (&company, &rules)).is_empty());
        let new_company = company.updated(CompanyUpdate {
            name: Some("Кофейня".into()),
            timezone: Some(Timezone::parse("Asia/Omsk").expect("valid")),
            legal_name: Patch::Clear,
            ..Default::default()
        });
        let new_rules = rules.updated(LoyaltyRulesUpdate {
            base_cashback: Some(Percent::from_basis_points(750).expect("valid")),
            points_expiry_days: Patch::Set(365),
            max_points_share: Some(rules.max_points_share),
            ..Default::default()
        });
        let changes = changed_fields((&company, &rules), (&new_company, &new_rules));
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "company.name",
                "company.timezone",
                "loyalty.base_cashback",
                "loyalty.points_expiry_days"
            ]
        );
        assert_eq!(changes[0].old_value, serde_json::json!(""));
        assert_eq!(changes[0].new_value, serde_json::json!("Кофейня"));
        assert_eq!(changes[2].old_value, serde_json::json!(5.0));
        assert_eq!(changes[2].new_value, serde_json::json!(7.5));
        assert_eq!(changes[3].old_value, Value::Null);
        assert_eq!(changes[3].new_value, serde_json::json!(365));
    }

    #[test]
    fn communication_settings_are_bounded_and_audited_per_field() {
        let before = CommunicationSettings::default();
        let after = before.updated(CommunicationUpdate {
            marketing_touch_cap: Some(0),
            conversion_window_hours: Some(72),
            ..Default::default()
        });
        assert_eq!(after.validate(), Ok(()));
        let changes = changed_communications(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "communications.marketing_touch_cap");
        assert_eq!(changes[0].old_value, serde_json::json!(3));
        assert_eq!(changes[0].new_value, serde_json::json!(0));
        let bad = before.updated(CommunicationUpdate {
            marketing_touch_cap: Some(1_001),
            marketing_touch_period_days: Some(0),
            conversion_window_hours: Some(2_161),
        });
        let fields: Vec<_> = bad
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "communications.marketing_touch_cap",
                "communications.marketing_touch_period_days",
                "communications.conversion_window_hours"
            ]
        );
    }

    #[test]
    fn thresholds_read_money_or_whole_counts() {
        let value = Money::parse("1500.5").expect("valid");
        assert_eq!(
            ThresholdKind::TotalSpent.threshold(value),
            Ok(LevelThreshold::TotalSpent(value))
        );
        assert!(ThresholdKind::PurchaseCount.threshold(value).is_err());
        assert_eq!(
            ThresholdKind::Referrals.threshold(Money::from_major(3)),
            Ok(LevelThreshold::Referrals(3))
        );
        assert!(ThresholdKind::TotalSpent
            .threshold(Money::from_minor(-1))
            .is_err());
        for kind in ThresholdKind::ALL {
            assert_eq!(ThresholdKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn company_texts_are_bounded() {
        let mut company = CompanyProfile {
            legal_name: Some(" ".into()),
            website: Some("my site".into()),
            address: Some("я".repeat(501)),
            ..Default::default()
        };
        let fields: Vec<_> = company
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["company.legal_name", "company.address", "company.website"]
        );
        company.legal_name = None;
        company.website = Some("https://example.com".into());
        company.address = Some("Москва".into());
        assert_eq!(company.validate(), Ok(()));
    }
}
