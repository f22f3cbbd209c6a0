//! The reminder model: offsets, rules with their templates (placeholders, limits), what is due,
//! what a run records and what it reports.

use crate::delivery::NewDelivery;
use crm_core::{AppointmentId, Channel, ClientId, Timestamp, Validation};

/// The placeholders a reminder template may use.
pub const PLACEHOLDERS: [&str; 5] = ["client_name", "service", "master", "time", "address"];

/// How long before an appointment's start a reminder goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReminderOffset {
    /// One hour before.
    Hour,
    /// Four hours before.
    FourHours,
    /// One day before.
    Day,
    /// One week before.
    Week,
}

impl ReminderOffset {
    /// Every offset, shortest first.
    pub const ALL: [ReminderOffset; 4] = [Self::Hour, Self::FourHours, Self::Day, Self::Week];

    /// The code stored and shown: `1h`, `4h`, `1d`, `1w`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::FourHours => "4h",
            Self::Day => "1d",
            Self::Week => "1w",
        }
    }

    /// Reads a code back; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }

    /// The offset in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Self::Hour => 3_600,
            Self::FourHours => 4 * 3_600,
            Self::Day => 86_400,
            Self::Week => 7 * 86_400,
        }
    }

    /// The offset in milliseconds.
    pub fn millis(self) -> i64 {
        self.seconds() * 1_000
    }

    /// The next shorter offset of the ladder 1w > 1d > 4h > 1h; `None` for 1 h (the start
    /// itself ends its window). Whether that shorter rule is enabled does not matter.
    pub fn next_shorter(self) -> Option<Self> {
        match self {
            Self::Hour => None,
            Self::FourHours => Some(Self::Hour),
            Self::Day => Some(Self::FourHours),
            Self::Week => Some(Self::Day),
        }
    }

    /// How long before the start this offset's window closes, in milliseconds: the next shorter
    /// offset, or 0 for 1 h.
    pub fn window_end_millis(self) -> i64 {
        self.next_shorter().map_or(0, Self::millis)
    }
}

/// A reminder rule: whether the reminder at this offset goes, through which channel, with
/// which text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRule {
    /// The offset before the start.
    pub offset: ReminderOffset,
    /// Whether reminders at this offset go out.
    pub enabled: bool,
    /// The channel they go through.
    pub channel: Channel,
    /// The text with placeholders.
    pub template: String,
    /// Who changed the rule last (`None` for the seeded rule).
    pub updated_by: Option<String>,
    /// When it was changed last.
    pub updated_at: Option<Timestamp>,
}

/// A partial change of one rule: only the given parts change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// The rule to change.
    pub offset: ReminderOffset,
    /// New enabled flag.
    pub enabled: Option<bool>,
    /// New channel.
    pub channel: Option<Channel>,
    /// New template.
    pub template: Option<String>,
}

/// Longest text a reminder may have on a channel: the one table every message uses.
pub use crate::campaigns::model::text_limit;

/// The `{name}` placeholders of a template that are not known, in order of appearance. Braces
/// around anything but a plain lower-case name are ordinary text.
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['}', '{']) {
            Some(close) if after[close..].starts_with('}') => {
                let name = &after[..close];
                let is_name =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if is_name && !PLACEHOLDERS.contains(&name) && !unknown.iter().any(|u| u == name) {
                    unknown.push(name.to_owned());
                }
                rest = &after[close + 1..];
            }
            Some(close) => rest = &after[close..],
            None => break,
        }
    }
    unknown
}

/// Checks a template for a channel: not empty, within the channel's limit, known placeholders
/// only. Errors name `field`.
pub fn validate_template(template: &str, channel: Channel, field: &str, v: &mut Validation) {
    let chars = template.trim().chars().count();
    let limit = text_limit(channel);
    if chars == 0 {
        v.add(field, "must not be empty");
    } else if chars > limit {
        v.add(
            field,
            format!(
                "is {chars} characters; at most {limit} fit the {} channel",
                channel.code()
            ),
        );
    }
    let unknown = unknown_placeholders(template);
    if !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|u| format!("{{{u}}}"))
            .collect::<Vec<_>>()
            .join(", ");
        v.add(
            field,
            format!(
                "unknown placeholder {list}; known: {{client_name}}, {{service}}, {{master}}, \
                 {{time}}, {{address}}"
            ),
        );
    }
}

/// A wall-clock time in the business's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
}

impl LocalTime {
    /// `25.11.2026 14:00`.
    pub fn format(&self) -> String {
        format!(
            "{:02}.{:02}.{:04} {:02}:{:02}",
            self.day, self.month, self.year, self.hour, self.minute
        )
    }
}

/// An appointment whose reminder at an offset has not been recorded yet, with what the
/// template needs and the client's reachability on the rule's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    /// The appointment.
    pub appointment_id: AppointmentId,
    /// The client.
    pub client_id: ClientId,
    /// The client's name.
    pub client_name: String,
    /// Whether the client consents to the processing of personal data.
    pub consent: bool,
    /// The client's address on the rule's channel, if known.
    pub contact: Option<String>,
    /// The service's name.
    pub service: String,
    /// The master's name.
    pub master: String,
    /// The start.
    pub starts_at: Timestamp,
    /// The start in the business's timezone.
    pub local_start: LocalTime,
    /// The location's address, else the company's, if any.
    pub address: Option<String>,
    /// When the appointment was made.
    pub created_at: Timestamp,
}

/// Whether a reminder `offset` before `starts_at` of an appointment made at `created_at` is due
/// at `now`: its moment has come, the next shorter offset's moment has not
/// (`starts_at - offset <= now < starts_at - next_shorter`, the start itself for 1 h), and the
/// appointment existed at the moment. So a run after downtime sends only the reminder of the
/// window it is in, never the longer ones it missed.
pub fn is_due(
    offset: ReminderOffset,
    starts_at: Timestamp,
    created_at: Timestamp,
    now: Timestamp,
) -> bool {
    let start = starts_at.unix_millis();
    let moment = start - offset.millis();
    let now = now.unix_millis();
    moment <= now && now < start - offset.window_end_millis() && created_at.unix_millis() <= moment
}

/// One piece of a template read once: a character of its text or a placeholder's value.
#[derive(Debug, Clone, Copy)]
enum Piece<'a> {
    /// A character of the template's own text.
    Char(char),
    /// The value a placeholder stands for, inserted as is (never read for placeholders again).
    Value(&'a str),
}

/// Reads a template once, left to right: each known `{placeholder}` becomes its value, anything
/// else (unknown names, stray braces) stays text.
fn pieces<'a>(template: &str, value: impl Fn(&str) -> Option<&'a str>) -> Vec<Piece<'a>> {
    let mut out = Vec::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.extend(rest[..open].chars().map(Piece::Char));
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, value(&after[..close])?)))
        {
            Some((close, v)) => {
                out.push(Piece::Value(v));
                rest = &after[close + 1..];
            }
            None => {
                out.push(Piece::Char('{'));
                rest = after;
            }
        }
    }
    out.extend(rest.chars().map(Piece::Char));
    out
}

/// Joins the pieces; with `drop_empty`, a sentence holding a placeholder with an empty value is
/// left out together with the spaces before it. A sentence ends after `.`, `!` or `?` followed
/// by a space or the end of the text, or at a line break.
fn join(pieces: &[Piece<'_>], drop_empty: bool) -> String {
    let mut text = String::new();
    let mut sentence = String::new();
    let mut has_empty = false;
    for (i, piece) in pieces.iter().enumerate() {
        let ends = match *piece {
            Piece::Value(v) => {
                has_empty |= v.trim().is_empty();
                sentence.push_str(v);
                false
            }
            Piece::Char(c) => {
                sentence.push(c);
                let next_is_space = match pieces.get(i + 1) {
                    None => true,
                    Some(Piece::Char(n)) => n.is_whitespace(),
                    Some(Piece::Value(_)) => false,
                };
                c == '\n' || (matches!(c, '.' | '!' | '?') && next_is_space)
            }
        };
        if ends || i + 1 == pieces.len() {
            if !(drop_empty && has_empty) {
                text.push_str(&sentence);
            }
            sentence.clear();
            has_empty = false;
        }
    }
    text.trim().to_owned()
}

/// Fills the placeholders of a template in one pass: each `{placeholder}` becomes its value and
/// a value is never expanded again (a client named `{master}` stays `{master}`). A sentence whose
/// placeholder has an empty value (no address known) is left out, so no "Адрес: ." remains;
/// when that would leave no text at all, the empty placeholders simply render as nothing. A text
/// longer than the channel allows is cut with `…`.
pub fn render(template: &str, due: &DueReminder, channel: Channel) -> String {
    let time = due.local_start.format();
    let address = due.address.as_deref().unwrap_or_default();
    let pieces = pieces(template.trim(), |name| match name {
        "client_name" => Some(due.client_name.as_str()),
        "service" => Some(due.service.as_str()),
        "master" => Some(due.master.as_str()),
        "time" => Some(time.as_str()),
        "address" => Some(address),
        _ => None,
    });
    let mut text = join(&pieces, true);
    if text.is_empty() {
        text = join(&pieces, false);
    }
    let limit = text_limit(channel);
    if text.chars().count() <= limit {
        text
    } else {
        let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Why a due reminder was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// The client gave no consent to the processing of personal data.
    NoConsent,
    /// The client has no address on the rule's channel.
    NoContact,
}

impl SkipReason {
    /// The code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoConsent => "no_consent",
            Self::NoContact => "no_contact",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::NoConsent, Self::NoContact]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// What becomes of one due reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReminderOutcome {
    /// Enqueued as this delivery.
    Queued(NewDelivery),
    /// Not sent, for this reason.
    Skipped(SkipReason),
}

/// One reminder to record, exactly once per appointment and offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSend {
    /// The appointment.
    pub appointment_id: AppointmentId,
    /// The offset.
    pub offset: ReminderOffset,
    /// Queued (with the delivery) or skipped (with the reason).
    pub outcome: ReminderOutcome,
}

/// The delivery's uniqueness key of a reminder: `reminder:{appointment_id}:{offset}`.
pub fn dedupe_key(appointment_id: AppointmentId, offset: ReminderOffset) -> String {
    format!("reminder:{}:{}", appointment_id.get(), offset.code())
}

/// A reminder a run skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedReminder {
    /// The appointment.
    pub appointment_id: AppointmentId,
    /// The offset.
    pub offset: ReminderOffset,
    /// Why.
    pub reason: SkipReason,
}

/// A run's figures for one offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetCounts {
    /// The offset.
    pub offset: ReminderOffset,
    /// Reminders enqueued.
    pub queued: usize,
    /// Reminders skipped.
    pub skipped: usize,
}

/// What a run did: only what this run recorded (a racing run's work is not counted twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// Reminders enqueued.
    pub queued: usize,
    /// Reminders skipped, with the reason.
    pub skipped: Vec<SkippedReminder>,
    /// Per offset, every offset listed.
    pub by_offset: Vec<OffsetCounts>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("time")
    }

    #[test]
    fn offsets_read_back_their_codes() {
        for o in ReminderOffset::ALL {
            assert_eq!(ReminderOffset::from_code(o.code()), Some(o));
        }
        assert_eq!(ReminderOffset::from_code("2h"), None);
        assert_eq!(ReminderOffset::Week.seconds(), 604_800);
    }

    #[test]
    fn a_reminder_is_due_from_its_moment_until_the_start() {
        let start = at(1_000_000);
        let made = at(0);
        let hour = ReminderOffset::Hour;
        assert!(!is_due(hour, start, made, at(1_000_000 - 3_601)));
        assert!(is_due(hour, start, made, at(1_000_000 - 3_600)));
        assert!(is_due(hour, start, made, at(999_999)));
        assert!(!is_due(hour, start, made, at(1_000_000)));
        // Made after the moment had passed: no reminder at that offset.
        assert!(!is_due(hour, start, at(1_000_000 - 3_599), at(999_999)));
        assert!(is_due(hour, start, at(1_000_000 - 3_600), at(999_999)));
    }

    #[test]
    fn a_longer_reminder_closes_when_the_next_shorter_moment_comes() {
        assert_eq!(
            ReminderOffset::Week.next_shorter(),
            Some(ReminderOffset::Day)
        );
        assert_eq!(
            ReminderOffset::Day.next_shorter(),
            Some(ReminderOffset::FourHours)
        );
        assert_eq!(
            ReminderOffset::FourHours.next_shorter(),
            Some(ReminderOffset::Hour)
        );
        assert_eq!(ReminderOffset::Hour.next_shorter(), None);
        let start = at(10_000_000);
        let made = at(0);
        let due_at = |before: i64| {
            ReminderOffset::ALL
                .into_iter()
                .filter(|o| is_due(*o, start, made, at(10_000_000 - before)))
                .collect::<Vec<_>>()
        };
        // Exactly one offset is due at any moment before the start, at most a week ahead.
        assert_eq!(due_at(1_800), [ReminderOffset::Hour]);
        assert_eq!(due_at(3_600), [ReminderOffset::Hour]);
        assert_eq!(due_at(3_601), [ReminderOffset::FourHours]);
        assert_eq!(due_at(5 * 3_600), [ReminderOffset::Day]);
        assert_eq!(due_at(4 * 3_600), [ReminderOffset::FourHours]);
        assert_eq!(due_at(86_400), [ReminderOffset::Day]);
        assert_eq!(due_at(86_401), [ReminderOffset::Week]);
        assert_eq!(due_at(7 * 86_400), [ReminderOffset::Week]);
        assert!(due_at(7 * 86_400 + 1).is_empty());
        assert!(due_at(0).is_empty());
    }

    #[test]
    fn unknown_placeholders_are_found_and_other_braces_are_text() {
        assert!(
            unknown_placeholders("{client_name}, {time} {service} {master} {address}").is_empty()
        );
        assert_eq!(
            unknown_placeholders("{name} {balance} {name}"),
            vec!["name".to_owned(), "balance".to_owned()]
        );
        assert!(unknown_placeholders("{ } {a b} {{ :) }").is_empty());
        assert_eq!(unknown_placeholders("{{x}}"), vec!["x".to_owned()]);
    }

    #[test]
    fn templates_are_checked_for_emptiness_length_and_placeholders() {
        let check = |t: &str, c: Channel| {
            let mut v = Validation::new();
            validate_template(t, c, "rules[0].template", &mut v);
            v.finish().err().unwrap_or_default()
        };
        assert!(check("{client_name}, до встречи {time}", Channel::Telegram).is_empty());
        assert_eq!(check("  ", Channel::Telegram)[0].field, "rules[0].template");
        assert!(check(&"я".repeat(671), Channel::Sms)[0]
            .message
            .contains("670"));
        assert!(check(&"я".repeat(671), Channel::Telegram).is_empty());
        let bad = check("Hi {name}", Channel::Telegram);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.contains("{name}"));
    }

    #[test]
    fn rendering_fills_every_placeholder() {
        let due = DueReminder {
            appointment_id: AppointmentId(3),
            client_id: ClientId(4),
            client_name: "Анна".into(),
            consent: true,
            contact: Some("77".into()),
            service: "Стрижка".into(),
            master: "Ольга".into(),
            starts_at: at(1_000_000),
            local_start: LocalTime {
                year: 2026,
                month: 11,
                day: 5,
                hour: 9,
                minute: 0,
            },
            address: None,
            created_at: at(0),
        };
        assert_eq!(
            render(
                " {client_name}: {service}, {master}, {time}, [{address}] ",
                &due,
                Channel::Telegram
            ),
            "Анна: Стрижка, Ольга, 05.11.2026 09:00, []"
        );
        let long = render(&"я{client_name}".repeat(200), &due, Channel::Sms);
        assert_eq!(long.chars().count(), text_limit(Channel::Sms));
        assert!(long.ends_with('…'));
        assert_eq!(
            dedupe_key(AppointmentId(3), ReminderOffset::Day),
            "reminder:3:1d"
        );
    }

    fn due_of(client_name: &str, master: &str, address: Option<&str>) -> DueReminder {
        DueReminder {
            appointment_id: AppointmentId(3),
            client_id: ClientId(4),
            client_name: client_name.into(),
            consent: true,
            contact: Some("77".into()),
            service: "Стрижка".into(),
            master: master.into(),
            starts_at: at(1_000_000),
            local_start: LocalTime {
                year: 2026,
                month: 11,
                day: 5,
                hour: 9,
                minute: 0,
            },
            address: address.map(str::to_owned),
            created_at: at(0),
        }
    }

    #[test]
    fn rendering_reads_the_template_once_and_never_expands_a_value() {
        let due = due_of("{master}", "{client_name} {address}", Some("{service}"));
        assert_eq!(
            render(
                "{client_name} / {master} / {address} / {service}",
                &due,
                Channel::Telegram
            ),
            "{master} / {client_name} {address} / {service} / Стрижка"
        );
        // Unknown names and stray braces stay text; a placeholder right after a brace works.
        let plain = due_of("Анна", "Ольга", Some("Тверская, 1"));
        assert_eq!(
            render(
                "{{client_name}} {name} { {master}",
                &plain,
                Channel::Telegram
            ),
            "{Анна} {name} { Ольга"
        );
    }

    #[test]
    fn an_empty_address_leaves_out_its_sentence() {
        let template = "{client_name}, ждём вас завтра, {time}, на «{service}». Мастер: {master}. \
                        Адрес: {address}.";
        let with = due_of("Анна", "Ольга", Some("Тверская, 1"));
        assert_eq!(
            render(template, &with, Channel::Telegram),
            "Анна, ждём вас завтра, 05.11.2026 09:00, на «Стрижка». Мастер: Ольга. Адрес: Тверская, 1."
        );
        let without = due_of("Анна", "Ольга", None);
        let text = render(template, &without, Channel::Telegram);
        assert_eq!(
            text,
            "Анна, ждём вас завтра, 05.11.2026 09:00, на «Стрижка». Мастер: Ольга."
        );
        assert!(!text.contains("Адрес"));
        // Also in the middle, and across a line break; the other sentences stay.
        assert_eq!(
            render(
                "Адрес: {address}. Мастер: {master}!\nЖдём вас {time}",
                &without,
                Channel::Telegram
            ),
            "Мастер: Ольга!\nЖдём вас 05.11.2026 09:00"
        );
        assert_eq!(
            render(
                "Ждём вас\nпо адресу {address}\n{time}",
                &without,
                Channel::Telegram
            ),
            "Ждём вас\n05.11.2026 09:00"
        );
        // A template of one sentence keeps its text; the empty value renders as nothing.
        assert_eq!(
            render("{time}, адрес: {address}", &without, Channel::Telegram),
            "05.11.2026 09:00, адрес:"
        );
    }
}
