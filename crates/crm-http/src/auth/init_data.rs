//! Verification of Telegram Mini App `initData`, exactly as Telegram specifies.
//!
//! 1. Parse the string as a URL query (percent-decoding, `+` is a space); take out `hash`.
//! 2. The data-check string is every other field — `signature` included — as `key=value` with
//!    the decoded value, sorted by key, joined by `\n`.
//! 3. `secret = HMAC_SHA256(key = "WebAppData", msg = bot_token)`.
//! 4. `hash` must equal `hex(HMAC_SHA256(key = secret, msg = data_check_string))`, compared in
//!    constant time (`ring::hmac::verify`).
//! 5. `auth_date` must be an integer, not older than the configured maximum age and not more
//!    than [`MAX_CLOCK_SKEW_SECONDS`] in the future. `user` is parsed only after the signature
//!    holds.

use crm_core::Timestamp;
use ring::hmac;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How far in the future an `auth_date` may be (clock skew between Telegram and us).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 60;
/// Longest `initData` accepted; Telegram's are well under 4 KiB.
pub const MAX_INIT_DATA_BYTES: usize = 8 * 1024;

/// Why `initData` was refused; each maps to a 401 with its own code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    /// Empty, too long, or a field repeated.
    #[error("initData is malformed: {0}")]
    Malformed(&'static str),
    /// No `hash` field.
    #[error("initData carries no hash")]
    HashMissing,
    /// The hash does not match the data: tampered, or signed for another bot.
    #[error("initData signature is invalid")]
    SignatureInvalid,
    /// `auth_date` missing or not an integer.
    #[error("initData auth_date is missing or invalid")]
    AuthDateInvalid,
    /// Older than the allowed age.
    #[error("initData has expired")]
    Expired,
    /// Dated in the future.
    #[error("initData auth_date is in the future")]
    FromTheFuture,
    /// Signed, but the `user` field is missing or unreadable.
    #[error("initData carries no valid user")]
    UserInvalid,
}

impl InitDataError {
    /// The stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            InitDataError::Malformed(_) => "init_data_malformed",
            InitDataError::HashMissing => "init_data_hash_missing",
            InitDataError::SignatureInvalid => "init_data_signature_invalid",
            InitDataError::AuthDateInvalid => "init_data_auth_date_invalid",
            InitDataError::Expired => "init_data_expired",
            InitDataError::FromTheFuture => "init_data_from_the_future",
            InitDataError::UserInvalid => "init_data_user_invalid",
        }
    }
}

/// The Telegram user described by `initData`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TelegramUser {
    /// Telegram user id.
    pub id: i64,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// @username without the @.
    #[serde(default)]
    pub username: Option<String>,
    /// IETF language tag of the user's client.
    #[serde(default)]
    pub language_code: Option<String>,
}

/// `initData` whose signature and age hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedInitData {
    /// The user.
    pub user: TelegramUser,
    /// When Telegram issued it.
    pub auth_date: Timestamp,
    /// The Mini App's start parameter, if any.
    pub start_param: Option<String>,
}

/// Verifies `initData` against a bot token at `now`, allowing `max_age_seconds`.
pub fn verify(
    init_data: &str,
    bot_token: &str,
    now: Timestamp,
    max_age_seconds: i64,
) -> Result<VerifiedInitData, InitDataError> {
    let init_data = init_data.trim();
    if init_data.is_empty() {
        return Err(InitDataError::Malformed("empty"));
    }
    if init_data.len() > MAX_INIT_DATA_BYTES {
        return Err(InitDataError::Malformed("too long"));
    }
    let mut fields = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(init_data.as_bytes()) {
        if fields
            .insert(key.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(InitDataError::Malformed("a field is repeated"));
        }
    }
    let hash = fields.remove("hash").ok_or(InitDataError::HashMissing)?;
    let data_check_string = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let expected = hex::decode(hash.trim()).map_err(|_| InitDataError::SignatureInvalid)?;
    let secret = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData"),
        bot_token.as_bytes(),
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref());
    hmac::verify(&key, data_check_string.as_bytes(), &expected)
        .map_err(|_| InitDataError::SignatureInvalid)?;

    let auth_date = fields
        .get("auth_date")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(Timestamp::from_unix_seconds)
        .ok_or(InitDataError::AuthDateInvalid)?;
    let age = now.unix_seconds() - auth_date.unix_seconds();
    if age < -MAX_CLOCK_SKEW_SECONDS {
        return Err(InitDataError::FromTheFuture);
    }
    if age > max_age_seconds {
        return Err(InitDataError::Expired);
    }
    let user: TelegramUser = fields
        .get("user")
        .and_then(|u| serde_json::from_str(u).ok())
        .filter(|u: &TelegramUser| u.id > 0)
        .ok_or(InitDataError::UserInvalid)?;
    Ok(VerifiedInitData {
        user,
        auth_date,
        start_param: fields.get("start_param").cloned(),
    })
}

/// Signs fields as Telegram would (for tests, demo data and tools): returns the `initData`
/// string with `hash` appended.
pub fn sign(fields: &[(&str, &str)], bot_token: &str) -> String {
    let mut sorted: Vec<_> = fields.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let data_check_string = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let secret = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData"),
        bot_token.as_bytes(),
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref());
    let hash = hex::encode(hmac::sign(&key, data_check_string.as_bytes()).as_ref());
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.append_pair("hash", &hash);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN_1: &str = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
    const VECTOR_1: &str = "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2";
    const TOKEN_2: &str = "5768337691:AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU";
    const VECTOR_2: &str = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D&chat_instance=-3788475317572404878&chat_type=private&auth_date=1709144340&hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827";
    const DAY: i64 = 86_400;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid")
    }

    #[test]
    fn published_vector_1_verifies_at_its_time() {
        let data = verify(VECTOR_1, TOKEN_1, at(1_662_771_648 + 5), DAY).expect("valid");
        assert_eq!(data.user.id, 279_058_397);
        assert_eq!(data.user.first_name, "Vladislav");
        assert_eq!(data.user.username.as_deref(), Some("vdkfrost"));
        assert_eq!(data.auth_date, at(1_662_771_648));
    }

    #[test]
    fn published_vector_2_verifies_at_its_time() {
        let data = verify(VECTOR_2, TOKEN_2, at(1_709_144_340), DAY).expect("valid");
        assert_eq!(data.user.id, 279_058_397);
        assert_eq!(data.user.language_code.as_deref(), Some("en"));
    }

    #[test]
    fn the_secret_key_matches_the_published_one() {
        let secret = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData"),
            TOKEN_1.as_bytes(),
        );
        assert_eq!(
            hex::encode(secret.as_ref()),
            "a5c609aa52f63cb5e6d8ceb6e4138726ea82bbc36bb786d64482d445ea38ee5f"
        );
    }

    #[test]
    fn published_negative_cases() {
        let now = at(1_662_771_648 + 5);
        let tampered = VECTOR_1.replace("auth_date=1662771648", "auth_date=1662771648abc");
        assert_eq!(
            verify(&tampered, TOKEN_1, now, DAY),
            Err(InitDataError::SignatureInvalid)
        );
        let tampered_user = VECTOR_1.replace("vdkfrost", "vdkfrostabc");
        assert_eq!(
            verify(&tampered_user, TOKEN_1, now, DAY),
            Err(InitDataError::SignatureInvalid)
        );
        let no_hash = VECTOR_1.split("&hash=").next().expect("has hash");
        assert_eq!(
            verify(no_hash, TOKEN_1, now, DAY),
            Err(InitDataError::HashMissing)
        );
        assert_eq!(
            verify(VECTOR_1, TOKEN_1, at(1_662_771_648 + DAY), 3_600),
            Err(InitDataError::Expired)
        );
        assert_eq!(
            verify(VECTOR_1, TOKEN_2, now, DAY),
            Err(InitDataError::SignatureInvalid)
        );
    }

    #[test]
    fn a_signed_bad_auth_date_is_refused() {
        let data = sign(
            &[
                ("auth_date", "test"),
                ("user", r#"{"id":1,"first_name":"A"}"#),
            ],
            TOKEN_1,
        );
        assert_eq!(
            verify(&data, TOKEN_1, at(1), DAY),
            Err(InitDataError::AuthDateInvalid)
        );
        let no_date = sign(&[("user", r#"{"id":1,"first_name":"A"}"#)], TOKEN_1);
        assert_eq!(
            verify(&no_date, TOKEN_1, at(1), DAY),
            Err(InitDataError::AuthDateInvalid)
        );
    }

    #[test]
    fn future_dates_beyond_the_skew_are_refused() {
        let now = 1_800_000_000;
        let soon = sign(
            &[
                ("auth_date", &(now + 30).to_string()),
                ("user", r#"{"id":1}"#),
            ],
            TOKEN_1,
        );
        assert!(verify(&soon, TOKEN_1, at(now), DAY).is_ok());
        let later = sign(
            &[
                ("auth_date", &(now + 120).to_string()),
                ("user", r#"{"id":1}"#),
            ],
            TOKEN_1,
        );
        assert_eq!(
            verify(&later, TOKEN_1, at(now), DAY),
            Err(InitDataError::FromTheFuture)
        );
    }

    #[test]
    fn the_signature_field_stays_in_the_check_string() {
        let now = 1_800_000_000;
        let fields = [
            ("auth_date", now.to_string()),
            (
                "signature",
                "6fbdaab833d39f54518bd5c3eb3f511d035e68cb".to_owned(),
            ),
            ("user", r#"{"id":42,"first_name":"Ann"}"#.to_owned()),
        ];
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let data = sign(&borrowed, TOKEN_1);
        assert_eq!(
            verify(&data, TOKEN_1, at(now), DAY).map(|d| d.user.id),
            Ok(42)
        );
        // Dropping or changing `signature` breaks the hash: it was part of what was signed.
        let without: String = data
            .split('&')
            .filter(|kv| !kv.starts_with("signature="))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(
            verify(&without, TOKEN_1, at(now), DAY),
            Err(InitDataError::SignatureInvalid)
        );
        let changed = data.replace("signature=6f", "signature=7f");
        assert_eq!(
            verify(&changed, TOKEN_1, at(now), DAY),
            Err(InitDataError::SignatureInvalid)
        );
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        let now = at(1_800_000_000);
        for junk in [
            "",
            "   ",
            "hash",
            "hash=",
            "hash=zz",
            "=&=&",
            "%%%",
            "a=1&a=2&hash=00",
            "hash=00&hash=00",
        ] {
            assert!(verify(junk, TOKEN_1, now, DAY).is_err(), "{junk:?}");
        }
        assert_eq!(
            verify(&"a".repeat(MAX_INIT_DATA_BYTES + 1), TOKEN_1, now, DAY),
            Err(InitDataError::Malformed("too long"))
        );
        let no_user = sign(&[("auth_date", "1800000000")], TOKEN_1);
        assert_eq!(
            verify(&no_user, TOKEN_1, now, DAY),
            Err(InitDataError::UserInvalid)
        );
        let bad_user = sign(
            &[("auth_date", "1800000000"), ("user", "{not json")],
            TOKEN_1,
        );
        assert_eq!(
            verify(&bad_user, TOKEN_1, now, DAY),
            Err(InitDataError::UserInvalid)
        );
    }
}
