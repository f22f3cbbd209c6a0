//! The client card and the commands and queries that act on it.

use crate::consent::{ConsentChange, ConsentChanges, ConsentSet};
use crm_core::{
    Actor, ClientId, FieldError, LevelId, Money, Phone, Points, Timestamp, TrafficChannelId,
};
use time::Date;

/// Longest full name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest contact handle or username accepted.
pub const MAX_HANDLE_CHARS: usize = 100;
/// Longest notes accepted.
pub const MAX_NOTES_CHARS: usize = 5_000;
/// Longest tag accepted.
pub const MAX_TAG_CHARS: usize = 50;
/// Most tags on one client.
pub const MAX_TAGS: usize = 20;

/// A client's gender, when they tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
}

impl Gender {
    /// `male` or `female`.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// A Telegram user id: positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelegramId(i64);

impl TelegramId {
    /// A positive Telegram user id.
    pub fn new(raw: i64) -> Result<Self, FieldError> {
        if raw > 0 {
            Ok(Self(raw))
        } else {
            Err(FieldError::new(
                "telegram_id",
                "must be a positive Telegram user id",
            ))
        }
    }

    /// The raw id.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A plausible e-mail address: one `@`, a dotted domain, no spaces; the domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Checks and normalises an address.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "email",
                "must be an e-mail address such as name@example.com",
            )
        };
        let text = raw.trim();
        if text.chars().count() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = text.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// Rebuilds a stored address.
    pub fn from_trusted(text: String) -> Self {
        Self(text)
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A segment label such as `vip` or `regular`: trimmed, lower-cased, 1–50 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Checks and normalises a tag.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim().to_lowercase();
        if text.is_empty()
            || text.chars().count() > MAX_TAG_CHARS
            || text.chars().any(char::is_control)
        {
            return Err(FieldError::new(
                "tags",
                "each tag must be 1 to 50 characters",
            ));
        }
        Ok(Self(text))
    }

    /// Rebuilds a stored tag.
    pub fn from_trusted(text: String) -> Self {
        Self(text)
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a list of tags: each valid, at most [`MAX_TAGS`], duplicates merged, sorted.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Tag>, FieldError> {
    let mut tags = raw
        .into_iter()
        .map(Tag::parse)
        .collect::<Result<Vec<_>, _>>()?;
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new("tags", "at most 20 tags per client"));
    }
    Ok(tags)
}

/// Trims free text and checks its length; an empty text is `None`. Newlines are allowed only
/// where `multiline`.
pub fn bounded_text(
    field: &str,
    raw: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<Option<String>, FieldError> {
    let text = raw.trim();
    if text.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t' || c == '\r'));
    if !text.chars().all(allowed) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(field: &str, raw: &str) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), &format)
        .map_err(|_| FieldError::new(field, "must be a date in the form YYYY-MM-DD"))
}

/// Renders a calendar date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Contact handles in other messengers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactHandles {
    /// VK page or id.
    pub vk: Option<String>,
    /// Instagram username.
    pub instagram: Option<String>,
    /// Facebook profile.
    pub facebook: Option<String>,
    /// MAX messenger contact.
    pub max: Option<String>,
}

/// What the business knows about a client and may edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    /// Full name as the business writes it (may be empty for an anonymous Mini App user).
    pub full_name: String,
    /// Phone, unique among clients.
    pub phone: Option<Phone>,
    /// Telegram user id, unique among clients.
    pub telegram_id: Option<TelegramId>,
    /// Telegram @username without the @.
    pub telegram_username: Option<String>,
    /// E-mail.
    pub email: Option<Email>,
    /// Birthday.
    pub birthday: Option<Date>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Other messengers.
    pub handles: ContactHandles,
    /// Segment labels.
    pub tags: Vec<Tag>,
    /// Who recommended this client.
    pub referrer_id: Option<ClientId>,
    /// Which traffic channel brought this client.
    pub traffic_channel_id: Option<TrafficChannelId>,
    /// Free notes of the staff.
    pub notes: Option<String>,
}

/// Figures kept up to date by operations; never set through the client card.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoyaltyFigures {
    /// Current loyalty level.
    pub level_id: Option<LevelId>,
    /// Points balance.
    pub points_balance: Points,
    /// Total spent over all purchases (net of refunds).
    pub total_spent: Money,
    /// Number of purchases.
    pub purchase_count: i64,
    /// First purchase.
    pub first_purchase_at: Option<Timestamp>,
    /// Latest purchase.
    pub last_purchase_at: Option<Timestamp>,
}

/// A client as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// Editable card.
    pub profile: ClientProfile,
    /// Loyalty figures.
    pub loyalty: LoyaltyFigures,
    /// The five consents.
    pub consents: ConsentSet,
    /// Bumped by every change of the card; guards concurrent updates.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A client card with its consent audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCard {
    /// The client.
    pub client: Client,
    /// Latest consent changes, newest first.
    pub consent_history: Vec<crate::ConsentEvent>,
}

/// Command: register a client by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    /// The card.
    pub profile: ClientProfile,
    /// The consents the client gave (or refused) at registration.
    pub consents: ConsentChanges,
}

/// One field of an update: keep the stored value, clear it, or set a new one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave as is.
    #[default]
    Keep,
    /// Remove the value.
    Clear,
    /// Replace the value.
    Set(T),
}

impl<T> Patch<T> {
    /// From a JSON tri-state: absent → keep, `null` → clear, value → set.
    pub fn from_option(value: Option<Option<T>>) -> Self {
        match value {
            None => Patch::Keep,
            Some(None) => Patch::Clear,
            Some(Some(v)) => Patch::Set(v),
        }
    }

    /// Applies the patch to a stored optional value.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

/// Command: change a client card. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientUpdate {
    /// New full name.
    pub full_name: Option<String>,
    /// Phone.
    pub phone: Patch<Phone>,
    /// Telegram id.
    pub telegram_id: Patch<TelegramId>,
    /// Telegram username.
    pub telegram_username: Patch<String>,
    /// E-mail.
    pub email: Patch<Email>,
    /// Birthday.
    pub birthday: Patch<Date>,
    /// Gender.
    pub gender: Patch<Gender>,
    /// VK.
    pub vk: Patch<String>,
    /// Instagram.
    pub instagram: Patch<String>,
    /// Facebook.
    pub facebook: Patch<String>,
    /// MAX.
    pub max: Patch<String>,
    /// Replaces all tags when given.
    pub tags: Option<Vec<Tag>>,
    /// Referrer.
    pub referrer_id: Patch<ClientId>,
    /// Traffic channel.
    pub traffic_channel_id: Patch<TrafficChannelId>,
    /// Notes.
    pub notes: Patch<String>,
    /// Consents to give or withdraw.
    pub consents: ConsentChanges,
}

impl ClientProfile {
    /// The profile with an update applied.
    pub fn updated(&self, update: ClientUpdate) -> ClientProfile {
        let p = self.clone();
        ClientProfile {
            full_name: update.full_name.unwrap_or(p.full_name),
            phone: update.phone.apply(p.phone),
            telegram_id: update.telegram_id.apply(p.telegram_id),
            telegram_username: update.telegram_username.apply(p.telegram_username),
            email: update.email.apply(p.email),
            birthday: update.birthday.apply(p.birthday),
            gender: update.gender.apply(p.gender),
            handles: ContactHandles {
                vk: update.vk.apply(p.handles.vk),
                instagram: update.instagram.apply(p.handles.instagram),
                facebook: update.facebook.apply(p.handles.facebook),
                max: update.max.apply(p.handles.max),
            },
            tags: update.tags.unwrap_or(p.tags),
            referrer_id: update.referrer_id.apply(p.referrer_id),
            traffic_channel_id: update.traffic_channel_id.apply(p.traffic_channel_id),
            notes: update.notes.apply(p.notes),
        }
    }
}

/// What a repository stores for a new client: the card, the consents and their first events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClientRecord {
    /// The card.
    pub profile: ClientProfile,
    /// Consents as they stand after registration.
    pub consents: ConsentSet,
    /// Audit entries to append.
    pub consent_events: Vec<ConsentChange>,
    /// Who registered the client.
    pub actor: Actor,
    /// Through what (`admin`, `mini_app`, ...).
    pub source: String,
    /// When.
    pub at: Timestamp,
}

/// What a repository writes for an update, if the client is still at `expected_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientUpdatePlan {
    /// Which client.
    pub id: ClientId,
    /// The version the plan was computed from.
    pub expected_version: i64,
    /// The new card.
    pub profile: ClientProfile,
    /// The new consents.
    pub consents: ConsentSet,
    /// Audit entries to append.
    pub consent_events: Vec<ConsentChange>,
    /// Who changed it.
    pub actor: Actor,
    /// Through what.
    pub source: String,
    /// When.
    pub at: Timestamp,
}

/// How a Mini App user presents themself at sign-in (from verified initData).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramProfile {
    /// Telegram user id.
    pub telegram_id: TelegramId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// @username without the @.
    pub username: Option<String>,
    /// The Mini App's `start_param`: `ref_<client id>` for a recommendation, or a traffic
    /// channel's code.
    pub start_param: Option<String>,
}

/// How recently a client bought something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Bought within the activity window.
    Active,
    /// Bought before, but not within the window.
    Dormant,
    /// Never bought.
    NeverPurchased,
}

/// A sortable column of the client list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSortField {
    /// Registration time (the id order).
    CreatedAt,
    /// Full name.
    FullName,
    /// Total spent.
    TotalSpent,
    /// Latest purchase.
    LastPurchaseAt,
    /// Points balance.
    PointsBalance,
    /// Number of purchases.
    PurchaseCount,
}

/// Order of the client list; ties break by id in the same direction, so paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSort {
    /// Column.
    pub field: ClientSortField,
    /// Descending when true.
    pub descending: bool,
}

impl Default for ClientSort {
    fn default() -> Self {
        Self {
            field: ClientSortField::CreatedAt,
            descending: true,
        }
    }
}

impl ClientSort {
    /// Reads `created_at`, `-total_spent`, ... (a leading `-` means descending).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw),
        };
        let field = match name {
            "created_at" | "id" => ClientSortField::CreatedAt,
            "full_name" | "name" => ClientSortField::FullName,
            "total_spent" => ClientSortField::TotalSpent,
            "last_purchase_at" => ClientSortField::LastPurchaseAt,
            "points_balance" => ClientSortField::PointsBalance,
            "purchase_count" => ClientSortField::PurchaseCount,
            _ => {
                return Err(FieldError::new(
                    "sort",
                    "must be one of created_at, full_name, total_spent, last_purchase_at, \
                     points_balance, purchase_count, optionally prefixed with -",
                ))
            }
        };
        Ok(Self { field, descending })
    }
}

/// Filters of the client list as the staff ask for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFilter {
    /// Free text: part of the name, part of the phone, or an exact Telegram id.
    pub search: Option<String>,
    /// Loyalty level.
    pub level_id: Option<LevelId>,
    /// Segment tag.
    pub tag: Option<Tag>,
    /// Traffic channel.
    pub traffic_channel_id: Option<TrafficChannelId>,
    /// Only clients who gave this consent.
    pub consent: Option<crate::ConsentKind>,
    /// Purchase activity.
    pub activity: Option<Activity>,
    /// The activity window in days (default 90).
    pub activity_days: Option<u32>,
    /// Order.
    pub sort: ClientSort,
}

/// Default activity window in days.
pub const DEFAULT_ACTIVITY_DAYS: u32 = 90;

/// Free-text search decomposed for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSearch {
    /// Lower-cased fragment of the name.
    pub name_fragment: String,
    /// Digits to find inside phones, when the text looks like part of a phone.
    pub phone_digits: Option<String>,
    /// Exact Telegram id, when the text is a number.
    pub telegram_id: Option<i64>,
}

impl ClientSearch {
    /// Decomposes a search text; `None` when it is blank.
    pub fn parse(raw: &str) -> Option<Self> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_digits = (phone_like && digits.len() >= 3).then(|| {
            // A domestic number typed with its leading 8 (`8 903 111`) is stored as +7.
            if digits.len() >= 4 && digits.starts_with('8') && !text.starts_with('+') {
                format!("7{}", &digits[1..])
            } else {
                digits.clone()
            }
        });
        let telegram_id = if text.chars().all(|c| c.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        };
        Some(Self {
            name_fragment: crm_core::search_key(text),
            phone_digits,
            telegram_id,
        })
    }
}

/// Filters resolved for storage: activity turned into time bounds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientQuery {
    /// Free-text search.
    pub search: Option<ClientSearch>,
    /// Loyalty level.
    pub level_id: Option<LevelId>,
    /// Segment tag.
    pub tag: Option<Tag>,
    /// Traffic channel.
    pub traffic_channel_id: Option<TrafficChannelId>,
    /// Consent given.
    pub consent: Option<crate::ConsentKind>,
    /// Last purchase at or after.
    pub purchased_since: Option<Timestamp>,
    /// Has purchased, but last purchase before.
    pub last_purchase_before: Option<Timestamp>,
    /// Never purchased.
    pub never_purchased: bool,
    /// Order.
    pub sort: ClientSort,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_split_into_name_phone_and_telegram_id() {
        let s = ClientSearch::parse(" 8 916 123-45-67 ").expect("not blank");
        assert_eq!(s.phone_digits.as_deref(), Some("79161234567"));
        assert_eq!(s.telegram_id, None);
        let s = ClientSearch::parse("279058397").expect("not blank");
        assert_eq!(s.telegram_id, Some(279_058_397));
        assert_eq!(s.phone_digits.as_deref(), Some("279058397"));
        let s = ClientSearch::parse("8 903 111").expect("not blank");
        assert_eq!(s.phone_digits.as_deref(), Some("7903111"));
        let s = ClientSearch::parse("+44 20").expect("not blank");
        assert_eq!(s.phone_digits.as_deref(), Some("4420"));
        let s = ClientSearch::parse("Анна").expect("not blank");
        assert_eq!(s.name_fragment, "анна");
        assert_eq!(s.phone_digits, None);
        assert_eq!(ClientSearch::parse("   "), None);
    }

    #[test]
    fn emails_tags_and_text_are_checked() {
        assert_eq!(
            Email::parse(" Anna@Example.COM ").map(|e| e.0),
            Ok("Anna@example.com".into())
        );
        for bad in [
            "anna", "anna@", "@x.ru", "a b@x.ru", "a@x", "a@@x.ru", "a@.ru",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let tags = parse_tags(["VIP", " vip", "Regular"]).expect("valid");
        assert_eq!(tags, vec![Tag("regular".into()), Tag("vip".into())]);
        assert!(parse_tags([""]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(many.iter().map(String::as_str)).is_err());
        assert_eq!(
            bounded_text("notes", "  hi\nthere ", 100, true),
            Ok(Some("hi\nthere".into()))
        );
        assert!(bounded_text("vk", "a\nb", 100, false).is_err());
        assert_eq!(bounded_text("vk", "   ", 100, false), Ok(None));
        assert!(bounded_text("vk", &"я".repeat(101), 100, false).is_err());
        assert!(bounded_text("vk", &"я".repeat(100), 100, false).is_ok());
    }

    #[test]
    fn dates_and_sorts_parse() {
        assert_eq!(
            parse_date("birthday", "1990-02-28").map(format_date),
            Ok("1990-02-28".into())
        );
        assert!(parse_date("birthday", "1990-02-30").is_err());
        assert!(parse_date("birthday", "28.02.1990").is_err());
        assert_eq!(
            ClientSort::parse("-total_spent"),
            Ok(ClientSort {
                field: ClientSortField::TotalSpent,
                descending: true
            })
        );
        assert!(ClientSort::parse("password").is_err());
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let profile = ClientProfile {
            full_name: "Анна".into(),
            phone: Some(Phone::parse("+79161234567").expect("valid")),
            telegram_id: None,
            telegram_username: None,
            email: None,
            birthday: None,
            gender: Some(Gender::Female),
            handles: ContactHandles {
                vk: Some("anna".into()),
                ..Default::default()
            },
            tags: vec![Tag("vip".into())],
            referrer_id: None,
            traffic_channel_id: None,
            notes: Some("likes tea".into()),
        };
        let updated = profile.updated(ClientUpdate {
            full_name: Some("Анна Петрова".into()),
            phone: Patch::Clear,
            notes: Patch::Set("likes coffee".into()),
            ..Default::default()
        });
        assert_eq!(updated.full_name, "Анна Петрова");
        assert_eq!(updated.phone, None);
        assert_eq!(updated.notes.as_deref(), Some("likes coffee"));
        assert_eq!(updated.gender, Some(Gender::Female));
        assert_eq!(updated.handles.vk.as_deref(), Some("anna"));
        assert_eq!(updated.tags, profile.tags);
    }
}
