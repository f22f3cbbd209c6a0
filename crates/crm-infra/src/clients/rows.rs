//! How a client is laid out in the `clients`, `client_tags` and `client_consent_events` rows,
//! and the conversions between those rows and the domain types.

use crate::error::{corrupt, stored_time as timestamp};
use crate::schema::{client_consent_events, clients};
use crm_clients::model::{format_date, parse_date};
use crm_clients::{
    Client, ClientProfile, ConsentEvent, ConsentKind, ConsentSet, ConsentState, ContactHandles,
    Email, Gender, LoyaltyFigures, Tag, TelegramId,
};
use crm_core::{
    Actor, ClientId, LevelId, Money, Phone, Points, RepoError, Timestamp, TrafficChannelId,
};
use diesel::prelude::*;

/// A `clients` row as the domain reads it (all but `search_name`, which only search uses).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = clients, check_for_backend(diesel::sqlite::Sqlite))]
pub(super) struct ClientRow {
    pub(super) id: i64,
    full_name: String,
    phone: Option<String>,
    telegram_id: Option<i64>,
    telegram_username: Option<String>,
    email: Option<String>,
    birthday: Option<String>,
    gender: Option<String>,
    vk: Option<String>,
    instagram: Option<String>,
    facebook: Option<String>,
    max_messenger: Option<String>,
    level_id: Option<i64>,
    points_balance: i64,
    total_spent: i64,
    purchase_count: i64,
    first_purchase_at: Option<i64>,
    last_purchase_at: Option<i64>,
    referrer_id: Option<i64>,
    traffic_channel_id: Option<i64>,
    notes: Option<String>,
    consent_personal_data: bool,
    consent_personal_data_at: Option<i64>,
    consent_marketing: bool,
    consent_marketing_at: Option<i64>,
    consent_sms: bool,
    consent_sms_at: Option<i64>,
    consent_app_push: bool,
    consent_app_push_at: Option<i64>,
    consent_email: bool,
    consent_email_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

fn optional_timestamp(
    millis: Option<i64>,
    what: &str,
    id: i64,
) -> Result<Option<Timestamp>, RepoError> {
    millis.map(|ms| timestamp(ms, what, id)).transpose()
}

impl ClientRow {
    /// The domain client, with its tags (loaded separately, sorted).
    pub(super) fn into_client(self, tags: Vec<Tag>) -> Result<Client, RepoError> {
        let id = self.id;
        let consent = |given: bool, at: Option<i64>| -> Result<ConsentState, RepoError> {
            Ok(ConsentState {
                given,
                changed_at: optional_timestamp(at, "consent time", id)?,
            })
        };
        let consents = ConsentSet {
            personal_data: consent(self.consent_personal_data, self.consent_personal_data_at)?,
            marketing: consent(self.consent_marketing, self.consent_marketing_at)?,
            sms: consent(self.consent_sms, self.consent_sms_at)?,
            app_push: consent(self.consent_app_push, self.consent_app_push_at)?,
            email: consent(self.consent_email, self.consent_email_at)?,
        };
        let telegram_id = self
            .telegram_id
            .map(|raw| TelegramId::new(raw).map_err(|_| corrupt("client telegram_id", id)))
            .transpose()?;
        let birthday = self
            .birthday
            .map(|text| parse_date("birthday", &text).map_err(|_| corrupt("client birthday", id)))
            .transpose()?;
        let gender = self
            .gender
            .map(|code| Gender::from_code(&code).ok_or_else(|| corrupt("client gender", id)))
            .transpose()?;
        let profile = ClientProfile {
            full_name: self.full_name,
            phone: self.phone.map(Phone::from_trusted),
            telegram_id,
            telegram_username: self.telegram_username,
            email: self.email.map(Email::from_trusted),
            birthday,
            gender,
            handles: ContactHandles {
                vk: self.vk,
                instagram: self.instagram,
                facebook: self.facebook,
                max: self.max_messenger,
            },
            tags,
            referrer_id: self.referrer_id.map(ClientId),
            traffic_channel_id: self.traffic_channel_id.map(TrafficChannelId),
            notes: self.notes,
        };
        let loyalty = LoyaltyFigures {
            level_id: self.level_id.map(LevelId),
            points_balance: Points::from_minor(self.points_balance),
            total_spent: Money::from_minor(self.total_spent),
            purchase_count: self.purchase_count,
            first_purchase_at: optional_timestamp(self.first_purchase_at, "first purchase", id)?,
            last_purchase_at: optional_timestamp(self.last_purchase_at, "last purchase", id)?,
        };
        Ok(Client {
            id: ClientId(id),
            profile,
            loyalty,
            consents,
            version: self.version,
            created_at: timestamp(self.created_at, "client created_at", id)?,
            updated_at: timestamp(self.updated_at, "client updated_at", id)?,
        })
    }
}

/// The columns a card change writes: the profile, `search_name`, the consents and
/// `updated_at`. Never the loyalty figures, which belong to operations. `None` writes `NULL`,
/// so a cleared field is cleared in storage.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub(super) struct ClientWrite<'a> {
    full_name: &'a str,
    search_name: String,
    phone: Option<&'a str>,
    telegram_id: Option<i64>,
    telegram_username: Option<&'a str>,
    email: Option<&'a str>,
    birthday: Option<String>,
    gender: Option<&'static str>,
    vk: Option<&'a str>,
    instagram: Option<&'a str>,
    facebook: Option<&'a str>,
    max_messenger: Option<&'a str>,
    referrer_id: Option<i64>,
    traffic_channel_id: Option<i64>,
    notes: Option<&'a str>,
    consent_personal_data: bool,
    consent_personal_data_at: Option<i64>,
    consent_marketing: bool,
    consent_marketing_at: Option<i64>,
    consent_sms: bool,
    consent_sms_at: Option<i64>,
    consent_app_push: bool,
    consent_app_push_at: Option<i64>,
    consent_email: bool,
    consent_email_at: Option<i64>,
    updated_at: i64,
}

impl<'a> ClientWrite<'a> {
    /// The columns for a card and its consents as of `at`.
    pub(super) fn new(profile: &'a ClientProfile, consents: &ConsentSet, at: Timestamp) -> Self {
        let millis = |state: ConsentState| state.changed_at.map(Timestamp::unix_millis);
        Self {
            full_name: &profile.full_name,
            // SQLite's LIKE folds ASCII only; the Unicode lower case makes Cyrillic searchable.
            search_name: crm_core::search_key(&profile.full_name),
            phone: profile.phone.as_ref().map(Phone::as_str),
            telegram_id: profile.telegram_id.map(TelegramId::get),
            telegram_username: profile.telegram_username.as_deref(),
            email: profile.email.as_ref().map(Email::as_str),
            birthday: profile.birthday.map(format_date),
            gender: profile.gender.map(Gender::code),
            vk: profile.handles.vk.as_deref(),
            instagram: profile.handles.instagram.as_deref(),
            facebook: profile.handles.facebook.as_deref(),
            max_messenger: profile.handles.max.as_deref(),
            referrer_id: profile.referrer_id.map(ClientId::get),
            traffic_channel_id: profile.traffic_channel_id.map(TrafficChannelId::get),
            notes: profile.notes.as_deref(),
            consent_personal_data: consents.personal_data.given,
            consent_personal_data_at: millis(consents.personal_data),
            consent_marketing: consents.marketing.given,
            consent_marketing_at: millis(consents.marketing),
            consent_sms: consents.sms.given,
            consent_sms_at: millis(consents.sms),
            consent_app_push: consents.app_push.given,
            consent_app_push_at: millis(consents.app_push),
            consent_email: consents.email.given,
            consent_email_at: millis(consents.email),
            updated_at: at.unix_millis(),
        }
    }
}

/// A new `clients` row: the card columns plus the columns only an insert sets.
#[derive(Debug, Insertable)]
#[diesel(table_name = clients)]
pub(super) struct NewClientRow<'a> {
    #[diesel(embed)]
    pub(super) card: ClientWrite<'a>,
    pub(super) version: i64,
    pub(super) created_at: i64,
}

/// A new entry of the consent audit trail.
#[derive(Debug, Insertable)]
#[diesel(table_name = client_consent_events)]
pub(super) struct NewConsentEventRow<'a> {
    pub(super) client_id: i64,
    pub(super) consent: &'static str,
    pub(super) given: bool,
    pub(super) actor: &'a str,
    pub(super) source: &'a str,
    pub(super) at: i64,
}

/// A stored entry of the consent audit trail.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = client_consent_events, check_for_backend(diesel::sqlite::Sqlite))]
pub(super) struct ConsentEventRow {
    id: i64,
    consent: String,
    given: bool,
    actor: String,
    source: String,
    at: i64,
}

impl ConsentEventRow {
    /// The domain event.
    pub(super) fn into_event(self) -> Result<ConsentEvent, RepoError> {
        let id = self.id;
        Ok(ConsentEvent {
            kind: ConsentKind::from_code(&self.consent)
                .ok_or_else(|| corrupt("consent event kind", id))?,
            given: self.given,
            actor: Actor::from_code(&self.actor)
                .ok_or_else(|| corrupt("consent event actor", id))?,
            source: self.source,
            at: timestamp(self.at, "consent event time", id)?,
        })
    }
}
