//! Client bodies: the card as the API shows it, creation, update, list filters.

use crate::dto::common::double_option;
use crm_clients::model::{
    bounded_text, format_date, parse_date, parse_tags, Activity, ClientFilter, ClientSort, Email,
    Gender, Patch, Tag, TelegramId, MAX_HANDLE_CHARS, MAX_NAME_CHARS, MAX_NOTES_CHARS,
};
use crm_clients::{
    Client, ClientCard, ClientProfile, ClientUpdate, ConsentChanges, ConsentEvent, ConsentKind,
    ContactHandles, NewClient,
};
use crm_core::{
    ClientId, FieldError, LevelId, Money, Page, PageRequest, Phone, Points, Timestamp,
    TrafficChannelId,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A client card.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ClientResponse {
    /// Id.
    pub id: ClientId,
    /// Full name.
    pub full_name: String,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// Telegram user id.
    pub telegram_id: Option<i64>,
    /// Telegram username.
    pub telegram_username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Birthday, YYYY-MM-DD.
    pub birthday: Option<String>,
    /// `male` or `female`.
    pub gender: Option<String>,
    /// VK contact.
    pub vk: Option<String>,
    /// Instagram contact.
    pub instagram: Option<String>,
    /// Facebook contact.
    pub facebook: Option<String>,
    /// MAX messenger contact.
    pub max: Option<String>,
    /// Segment tags.
    pub tags: Vec<String>,
    /// Loyalty level.
    pub level_id: Option<LevelId>,
    /// Points balance.
    pub points_balance: Points,
    /// Total spent.
    pub total_spent: Money,
    /// Number of purchases.
    pub purchase_count: i64,
    /// First purchase.
    pub first_purchase_at: Option<Timestamp>,
    /// Latest purchase.
    pub last_purchase_at: Option<Timestamp>,
    /// Who recommended the client.
    pub referrer_id: Option<ClientId>,
    /// Which traffic channel brought the client.
    pub traffic_channel_id: Option<TrafficChannelId>,
    /// Staff notes.
    pub notes: Option<String>,
    /// Consent to personal data processing.
    pub consent_personal_data: bool,
    /// When it was last given or withdrawn.
    pub consent_personal_data_at: Option<Timestamp>,
    /// Consent to marketing.
    pub consent_marketing: bool,
    /// When it was last given or withdrawn.
    pub consent_marketing_at: Option<Timestamp>,
    /// Consent to SMS.
    pub consent_sms: bool,
    /// When it was last given or withdrawn.
    pub consent_sms_at: Option<Timestamp>,
    /// Consent to app push.
    pub consent_app_push: bool,
    /// When it was last given or withdrawn.
    pub consent_app_push_at: Option<Timestamp>,
    /// Consent to e-mail.
    pub consent_email: bool,
    /// When it was last given or withdrawn.
    pub consent_email_at: Option<Timestamp>,
    /// Latest consent changes, newest first (on a single card only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_history: Option<Vec<ConsentEventResponse>>,
    /// Registered.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// One change of a consent.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ConsentEventResponse {
    /// `personal_data`, `marketing`, `sms`, `app_push` or `email`.
    pub consent: String,
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// Who: `employee:<id>`, `client:<id>` or `system`.
    pub actor: String,
    /// Through what: `admin` or `mini_app`.
    pub source: String,
    /// When.
    pub at: Timestamp,
}

impl From<ConsentEvent> for ConsentEventResponse {
    fn from(e: ConsentEvent) -> Self {
        Self {
            consent: e.kind.code().to_owned(),
            given: e.given,
            actor: e.actor.to_string(),
            source: e.source,
            at: e.at,
        }
    }
}

impl From<Client> for ClientResponse {
    fn from(c: Client) -> Self {
        let p = c.profile;
        Self {
            id: c.id,
            full_name: p.full_name,
            phone: p.phone.map(|x| x.as_str().to_owned()),
            telegram_id: p.telegram_id.map(TelegramId::get),
            telegram_username: p.telegram_username,
            email: p.email.map(|e| e.as_str().to_owned()),
            birthday: p.birthday.map(format_date),
            gender: p.gender.map(|g| g.code().to_owned()),
            vk: p.handles.vk,
            instagram: p.handles.instagram,
            facebook: p.handles.facebook,
            max: p.handles.max,
            tags: p.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            level_id: c.loyalty.level_id,
            points_balance: c.loyalty.points_balance,
            total_spent: c.loyalty.total_spent,
            purchase_count: c.loyalty.purchase_count,
            first_purchase_at: c.loyalty.first_purchase_at,
            last_purchase_at: c.loyalty.last_purchase_at,
            referrer_id: p.referrer_id,
            traffic_channel_id: p.traffic_channel_id,
            notes: p.notes,
            consent_personal_data: c.consents.personal_data.given,
            consent_personal_data_at: c.consents.personal_data.changed_at,
            consent_marketing: c.consents.marketing.given,
            consent_marketing_at: c.consents.marketing.changed_at,
            consent_sms: c.consents.sms.given,
            consent_sms_at: c.consents.sms.changed_at,
            consent_app_push: c.consents.app_push.given,
            consent_app_push_at: c.consents.app_push.changed_at,
            consent_email: c.consents.email.given,
            consent_email_at: c.consents.email.changed_at,
            consent_history: None,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<ClientCard> for ClientResponse {
    fn from(card: ClientCard) -> Self {
        let mut response = ClientResponse::from(card.client);
        response.consent_history = Some(card.consent_history.into_iter().map(Into::into).collect());
        response
    }
}

/// A page of clients.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ClientPage {
    /// Clients of this page.
    pub items: Vec<ClientResponse>,
    /// Clients matching the filters in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<Client>> for ClientPage {
    fn from(page: Page<Client>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Registers a client. Loyalty figures (points, totals, level) are not accepted: operations
/// keep them.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// Full name, 1–200 characters.
    pub full_name: String,
    /// Phone; normalised to E.164 (`8 916 123-45-67` → `+79161234567`).
    pub phone: Option<String>,
    /// Telegram user id.
    pub telegram_id: Option<i64>,
    /// Telegram username (with or without @).
    pub telegram_username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Birthday, YYYY-MM-DD.
    pub birthday: Option<String>,
    /// `male` or `female`.
    pub gender: Option<String>,
    /// VK contact.
    pub vk: Option<String>,
    /// Instagram contact.
    pub instagram: Option<String>,
    /// Facebook contact.
    pub facebook: Option<String>,
    /// MAX messenger contact.
    pub max: Option<String>,
    /// Segment tags (lower-cased, at most 20).
    pub tags: Option<Vec<String>>,
    /// Who recommended the client.
    pub referrer_id: Option<i64>,
    /// Which traffic channel brought the client.
    pub traffic_channel_id: Option<i64>,
    /// Staff notes.
    pub notes: Option<String>,
    /// Consent to personal data processing.
    pub consent_personal_data: Option<bool>,
    /// Consent to marketing.
    pub consent_marketing: Option<bool>,
    /// Consent to SMS.
    pub consent_sms: Option<bool>,
    /// Consent to app push.
    pub consent_app_push: Option<bool>,
    /// Consent to e-mail.
    pub consent_email: Option<bool>,
}

/// Changes a client card: absent fields stay, `null` clears, a value sets. Loyalty figures are
/// not accepted.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    /// Full name, 1–200 characters.
    pub full_name: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    /// Telegram user id.
    #[serde(default, deserialize_with = "double_option")]
    pub telegram_id: Option<Option<i64>>,
    /// Telegram username.
    #[serde(default, deserialize_with = "double_option")]
    pub telegram_username: Option<Option<String>>,
    /// E-mail.
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Birthday, YYYY-MM-DD.
    #[serde(default, deserialize_with = "double_option")]
    pub birthday: Option<Option<String>>,
    /// `male` or `female`.
    #[serde(default, deserialize_with = "double_option")]
    pub gender: Option<Option<String>>,
    /// VK contact.
    #[serde(default, deserialize_with = "double_option")]
    pub vk: Option<Option<String>>,
    /// Instagram contact.
    #[serde(default, deserialize_with = "double_option")]
    pub instagram: Option<Option<String>>,
    /// Facebook contact.
    #[serde(default, deserialize_with = "double_option")]
    pub facebook: Option<Option<String>>,
    /// MAX messenger contact.
    #[serde(default, deserialize_with = "double_option")]
    pub max: Option<Option<String>>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
    /// Who recommended the client.
    #[serde(default, deserialize_with = "double_option")]
    pub referrer_id: Option<Option<i64>>,
    /// Which traffic channel brought the client.
    #[serde(default, deserialize_with = "double_option")]
    pub traffic_channel_id: Option<Option<i64>>,
    /// Staff notes.
    #[serde(default, deserialize_with = "double_option")]
    pub notes: Option<Option<String>>,
    /// Consent to personal data processing.
    pub consent_personal_data: Option<bool>,
    /// Consent to marketing.
    pub consent_marketing: Option<bool>,
    /// Consent to SMS.
    pub consent_sms: Option<bool>,
    /// Consent to app push.
    pub consent_app_push: Option<bool>,
    /// Consent to e-mail.
    pub consent_email: Option<bool>,
}

/// The client's own consents, from the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsRequest {
    /// Consent to personal data processing.
    pub consent_personal_data: Option<bool>,
    /// Consent to marketing.
    pub consent_marketing: Option<bool>,
    /// Consent to SMS.
    pub consent_sms: Option<bool>,
    /// Consent to app push.
    pub consent_app_push: Option<bool>,
    /// Consent to e-mail.
    pub consent_email: Option<bool>,
}

impl From<ConsentsRequest> for ConsentChanges {
    fn from(r: ConsentsRequest) -> Self {
        ConsentChanges {
            personal_data: r.consent_personal_data,
            marketing: r.consent_marketing,
            sms: r.consent_sms,
            app_push: r.consent_app_push,
            email: r.consent_email,
        }
    }
}

/// Collects field errors while converting a request.
#[derive(Default)]
struct Fields(Vec<FieldError>);

impl Fields {
    fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    fn text(
        &mut self,
        field: &str,
        raw: Option<String>,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        raw.and_then(|r| self.take(bounded_text(field, &r, max, multiline)).flatten())
    }

    fn patch_text(
        &mut self,
        field: &str,
        raw: Option<Option<String>>,
        max: usize,
        multiline: bool,
    ) -> Patch<String> {
        match raw {
            None => Patch::Keep,
            Some(None) => Patch::Clear,
            Some(Some(r)) => match self.take(bounded_text(field, &r, max, multiline)) {
                Some(Some(text)) => Patch::Set(text),
                _ => Patch::Clear,
            },
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

fn phone(raw: &str) -> Result<Phone, FieldError> {
    Phone::parse(raw).map_err(|e| FieldError::new("phone", e.to_string()))
}

fn gender(raw: &str) -> Result<Gender, FieldError> {
    Gender::from_code(raw.trim()).ok_or_else(|| FieldError::new("gender", "must be male or female"))
}

fn username(raw: &str) -> Result<Option<String>, FieldError> {
    bounded_text(
        "telegram_username",
        raw.trim().trim_start_matches('@'),
        MAX_HANDLE_CHARS,
        false,
    )
}

fn tags(raw: &[String]) -> Result<Vec<Tag>, FieldError> {
    parse_tags(raw.iter().map(String::as_str))
}

fn positive_id(field: &str, raw: i64) -> Result<i64, FieldError> {
    if raw > 0 {
        Ok(raw)
    } else {
        Err(FieldError::new(field, "must be a positive id"))
    }
}

fn full_name(raw: &str) -> Result<String, FieldError> {
    match bounded_text("full_name", raw, MAX_NAME_CHARS, false)? {
        Some(name) => Ok(name),
        None => Err(FieldError::new("full_name", "must not be empty")),
    }
}

impl TryFrom<CreateClientRequest> for NewClient {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateClientRequest) -> Result<Self, Self::Error> {
        let mut f = Fields::default();
        let profile = ClientProfile {
            full_name: f.take(full_name(&r.full_name)).unwrap_or_default(),
            phone: r.phone.as_deref().and_then(|p| f.take(phone(p))),
            telegram_id: r.telegram_id.and_then(|id| f.take(TelegramId::new(id))),
            telegram_username: r
                .telegram_username
                .and_then(|u| f.take(username(&u)).flatten()),
            email: r.email.as_deref().and_then(|e| f.take(Email::parse(e))),
            birthday: r
                .birthday
                .as_deref()
                .and_then(|d| f.take(parse_date("birthday", d))),
            gender: r.gender.as_deref().and_then(|g| f.take(gender(g))),
            handles: ContactHandles {
                vk: f.text("vk", r.vk, MAX_HANDLE_CHARS, false),
                instagram: f.text("instagram", r.instagram, MAX_HANDLE_CHARS, false),
                facebook: f.text("facebook", r.facebook, MAX_HANDLE_CHARS, false),
                max: f.text("max", r.max, MAX_HANDLE_CHARS, false),
            },
            tags: r
                .tags
                .as_deref()
                .and_then(|t| f.take(tags(t)))
                .unwrap_or_default(),
            referrer_id: r
                .referrer_id
                .and_then(|id| f.take(positive_id("referrer_id", id)))
                .map(ClientId),
            traffic_channel_id: r
                .traffic_channel_id
                .and_then(|id| f.take(positive_id("traffic_channel_id", id)))
                .map(TrafficChannelId),
            notes: f.text("notes", r.notes, MAX_NOTES_CHARS, true),
        };
        let consents = ConsentChanges {
            personal_data: r.consent_personal_data,
            marketing: r.consent_marketing,
            sms: r.consent_sms,
            app_push: r.consent_app_push,
            email: r.consent_email,
        };
        f.finish(NewClient { profile, consents })
    }
}

fn patch<T>(
    f: &mut Fields,
    raw: Option<Option<T>>,
    check: impl FnOnce(T) -> Result<T, FieldError>,
) -> Patch<T> {
    match raw {
        None => Patch::Keep,
        Some(None) => Patch::Clear,
        Some(Some(v)) => f.take(check(v)).map_or(Patch::Keep, Patch::Set),
    }
}

fn patch_parsed<U>(
    f: &mut Fields,
    raw: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<U, FieldError>,
) -> Patch<U> {
    match raw {
        None => Patch::Keep,
        Some(None) => Patch::Clear,
        Some(Some(v)) => f.take(parse(&v)).map_or(Patch::Keep, Patch::Set),
    }
}

impl TryFrom<UpdateClientRequest> for ClientUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateClientRequest) -> Result<Self, Self::Error> {
        let mut f = Fields::default();
        let update = ClientUpdate {
            full_name: r.full_name.as_deref().and_then(|n| f.take(full_name(n))),
            phone: patch_parsed(&mut f, r.phone, phone),
            telegram_id: match r.telegram_id {
                None => Patch::Keep,
                Some(None) => Patch::Clear,
                Some(Some(id)) => f.take(TelegramId::new(id)).map_or(Patch::Keep, Patch::Set),
            },
            telegram_username: match r.telegram_username {
                None => Patch::Keep,
                Some(None) => Patch::Clear,
                Some(Some(u)) => match f.take(username(&u)) {
                    Some(Some(u)) => Patch::Set(u),
                    _ => Patch::Clear,
                },
            },
            email: patch_parsed(&mut f, r.email, Email::parse),
            birthday: patch_parsed(&mut f, r.birthday, |d| parse_date("birthday", d)),
            gender: patch_parsed(&mut f, r.gender, gender),
            vk: f.patch_text("vk", r.vk, MAX_HANDLE_CHARS, false),
            instagram: f.patch_text("instagram", r.instagram, MAX_HANDLE_CHARS, false),
            facebook: f.patch_text("facebook", r.facebook, MAX_HANDLE_CHARS, false),
            max: f.patch_text("max", r.max, MAX_HANDLE_CHARS, false),
            tags: r.tags.as_deref().and_then(|t| f.take(tags(t))),
            referrer_id: match patch(&mut f, r.referrer_id, |id| positive_id("referrer_id", id)) {
                Patch::Set(id) => Patch::Set(ClientId(id)),
                Patch::Clear => Patch::Clear,
                Patch::Keep => Patch::Keep,
            },
            traffic_channel_id: match patch(&mut f, r.traffic_channel_id, |id| {
                positive_id("traffic_channel_id", id)
            }) {
                Patch::Set(id) => Patch::Set(TrafficChannelId(id)),
                Patch::Clear => Patch::Clear,
                Patch::Keep => Patch::Keep,
            },
            notes: f.patch_text("notes", r.notes, MAX_NOTES_CHARS, true),
            consents: ConsentChanges {
                personal_data: r.consent_personal_data,
                marketing: r.consent_marketing,
                sms: r.consent_sms,
                app_push: r.consent_app_push,
                email: r.consent_email,
            },
        };
        f.finish(update)
    }
}

/// Filters, order and paging of the client list.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct ListClientsQuery {
    /// Search: part of the name, part of the phone, or an exact Telegram id.
    pub q: Option<String>,
    /// Same as `q`.
    pub search: Option<String>,
    /// Loyalty level id.
    pub level_id: Option<i64>,
    /// Segment tag, e.g. `vip`.
    pub tag: Option<String>,
    /// Traffic channel id.
    pub traffic_channel_id: Option<i64>,
    /// Only clients who gave this consent: personal_data, marketing, sms, app_push, email.
    pub consent: Option<String>,
    /// `active` (bought within `activity_days`), `dormant` (bought before, not since) or `never`.
    pub activity: Option<String>,
    /// The activity window in days (default 90).
    pub activity_days: Option<u32>,
    /// Order: created_at, full_name, total_spent, last_purchase_at, points_balance,
    /// purchase_count; prefix `-` for descending. Default `-created_at`.
    pub sort: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl ListClientsQuery {
    /// The domain filter and page, or every invalid parameter.
    pub fn into_filter(self) -> Result<(ClientFilter, PageRequest), Vec<FieldError>> {
        let mut f = Fields::default();
        let page = PageRequest::new(self.limit, self.offset);
        if page.is_none() {
            f.0.push(FieldError::new("limit", "must be between 1 and 500"));
        }
        let filter = ClientFilter {
            search: self.q.or(self.search),
            level_id: self.level_id.map(LevelId),
            tag: self.tag.as_deref().and_then(|t| {
                f.take(
                    Tag::parse(t).map_err(|_| FieldError::new("tag", "must be 1 to 50 characters")),
                )
            }),
            traffic_channel_id: self.traffic_channel_id.map(TrafficChannelId),
            consent: self.consent.as_deref().and_then(|c| {
                f.take(ConsentKind::from_code(c.trim()).ok_or_else(|| {
                    FieldError::new(
                        "consent",
                        "must be personal_data, marketing, sms, app_push or email",
                    )
                }))
            }),
            activity: self.activity.as_deref().and_then(|a| {
                f.take(match a.trim() {
                    "active" => Ok(Activity::Active),
                    "dormant" | "inactive" => Ok(Activity::Dormant),
                    "never" | "never_purchased" => Ok(Activity::NeverPurchased),
                    _ => Err(FieldError::new(
                        "activity",
                        "must be active, dormant or never",
                    )),
                })
            }),
            activity_days: self.activity_days,
            sort: self
                .sort
                .as_deref()
                .and_then(|s| f.take(ClientSort::parse(s.trim())))
                .unwrap_or_default(),
        };
        let page = page.unwrap_or_default();
        f.finish((filter, page))
    }
}

/// The id in `/clients/{client_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ClientPath {
    /// Client id.
    pub client_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_request_reports_every_bad_field() {
        let request: CreateClientRequest = serde_json::from_value(serde_json::json!({
            "full_name": " ",
            "phone": "call me",
            "email": "nope",
            "birthday": "31.12.1990",
            "gender": "robot",
            "telegram_id": -1,
            "tags": [""],
            "referrer_id": 0
        }))
        .expect("shape is right");
        let errors = NewClient::try_from(request).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "full_name",
                "phone",
                "telegram_id",
                "email",
                "birthday",
                "gender",
                "tags",
                "referrer_id"
            ]
        );
    }

    #[test]
    fn loyalty_figures_cannot_be_assigned() {
        for field in [
            "points_balance",
            "total_spent",
            "level_id",
            "purchase_count",
            "id",
        ] {
            let body = serde_json::json!({ "full_name": "Анна", field: 1_000_000 });
            assert!(
                serde_json::from_value::<CreateClientRequest>(body.clone()).is_err(),
                "{field}"
            );
            assert!(
                serde_json::from_value::<UpdateClientRequest>(body).is_err(),
                "{field}"
            );
        }
    }

    #[test]
    fn an_update_distinguishes_absent_null_and_value() {
        let request: UpdateClientRequest =
            serde_json::from_value(serde_json::json!({"phone": null, "email": "a@b.ru"}))
                .expect("shape");
        let update = ClientUpdate::try_from(request).expect("valid");
        assert_eq!(update.phone, Patch::Clear);
        assert_eq!(
            update.email,
            Patch::Set(Email::parse("a@b.ru").expect("valid"))
        );
        assert_eq!(update.birthday, Patch::Keep);
    }
}
