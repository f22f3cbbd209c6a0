//! Configuration from the environment (and an optional `.env`), checked once at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `APP_ENV` | `development` | `production` makes missing or weak secrets fatal |
//! | `HOST`, `PORT` | `127.0.0.1`, `8000` | where the server listens |
//! | `DATABASE_URL` | `./data/app.db` | SQLite file: a path, `sqlite://path`, `sqlite:///rel/path`, `sqlite:////abs/path` |
//! | `DB_POOL_SIZE` | `8` | pooled SQLite connections |
//! | `TELEGRAM_BOT_TOKEN` | unset | the bot's token; without it initData sign-in answers 503 |
//! | `JWT_SECRET` | generated into `data/jwt_secret` | HS256 secret, at least 32 characters |
//! | `JWT_TTL_SECONDS` | `86400` | access token lifetime |
//! | `INIT_DATA_MAX_AGE_SECONDS` | `86400` | oldest initData accepted |
//! | `OWNER_TELEGRAM_IDS` | empty | comma-separated Telegram ids that become owners on first sign-in |
//! | `CORS_ALLOW_ORIGINS` | empty (same origin only) | comma-separated origins, or `*` |
//! | `BODY_LIMIT_BYTES` | `262144` | largest JSON body |
//! | `WORKERS` | CPU count | HTTP worker threads |
//! | `SIGN_INS_PER_MINUTE` | `30` | sign-in attempts per peer address and minute |
//! | `APP_WRITES_PER_MINUTE` | `60` | Mini App writes per client and minute |
//! | `RUST_LOG`, `LOG_FORMAT` | `info`, `text` | log filter; `json` for structured logs |

use std::path::{Path, PathBuf};

/// Shortest JWT secret accepted in production.
pub const MIN_SECRET_CHARS: usize = 32;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable has a value that cannot be used.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Production mode without a required secret.
    #[error("{0}")]
    MissingSecret(String),
    /// The generated secret could not be kept under data/.
    #[error("cannot keep the generated JWT secret at {path}: {message}")]
    SecretFile {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Production mode.
    pub production: bool,
    /// Listen address.
    pub host: String,
    /// Listen port.
    pub port: u16,
    /// `DATABASE_URL` as given.
    pub database_url: Option<String>,
    /// Pool size.
    pub db_pool_size: u32,
    /// The bot token, if configured.
    pub telegram_bot_token: Option<String>,
    /// The JWT secret, if given in the environment (else resolved by [`resolve_jwt_secret`]).
    pub jwt_secret: Option<String>,
    /// Token lifetime.
    pub jwt_ttl_seconds: i64,
    /// initData maximum age.
    pub init_data_max_age_seconds: i64,
    /// Owner bootstrap list.
    pub owner_telegram_ids: Vec<i64>,
    /// Allowed CORS origins (`*` for any).
    pub cors_allow_origins: Vec<String>,
    /// JSON body limit.
    pub body_limit_bytes: usize,
    /// Worker threads.
    pub workers: Option<usize>,
    /// Sign-in attempts per peer address and minute.
    pub sign_ins_per_minute: usize,
    /// Mini App writes per client and minute.
    pub app_writes_per_minute: usize,
    /// `json` logs.
    pub json_logs: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn number<T>(name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<T>() {
            Ok(v) if v >= min && v <= max => Ok(v),
            _ => Err(ConfigError::Invalid {
                name,
                message: format!("must be a number from {min} to {max}, got {raw:?}"),
            }),
        },
    }
}

impl Config {
    /// Reads the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let production = match var("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => false,
            Some("production") | Some("prod") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "APP_ENV",
                    message: format!("must be development or production, got {other:?}"),
                })
            }
        };
        let owner_telegram_ids = match var("OWNER_TELEGRAM_IDS") {
            None => Vec::new(),
            Some(raw) => parse_ids(&raw).map_err(|message| ConfigError::Invalid {
                name: "OWNER_TELEGRAM_IDS",
                message,
            })?,
        };
        let cors_allow_origins = match var("CORS_ALLOW_ORIGINS") {
            None => Vec::new(),
            Some(raw) => parse_origins(&raw).map_err(|message| ConfigError::Invalid {
                name: "CORS_ALLOW_ORIGINS",
                message,
            })?,
        };
        let config = Config {
            production,
            host: var("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: number("PORT", 8000u16, 1, u16::MAX)?,
            database_url: var("DATABASE_URL"),
            db_pool_size: number("DB_POOL_SIZE", 8u32, 1, 64)?,
            telegram_bot_token: var("TELEGRAM_BOT_TOKEN"),
            jwt_secret: var("JWT_SECRET"),
            jwt_ttl_seconds: number("JWT_TTL_SECONDS", 86_400i64, 60, 30 * 86_400)?,
            init_data_max_age_seconds: number(
                "INIT_DATA_MAX_AGE_SECONDS",
                86_400i64,
                60,
                30 * 86_400,
            )?,
            owner_telegram_ids,
            cors_allow_origins,
            body_limit_bytes: number("BODY_LIMIT_BYTES", 262_144usize, 1_024, 16 * 1_024 * 1_024)?,
            workers: var("WORKERS")
                .map(|_| number("WORKERS", 2usize, 1, 256))
                .transpose()?,
            sign_ins_per_minute: number(
                "SIGN_INS_PER_MINUTE",
                crate::rate_limit::SIGN_INS_PER_ADDRESS,
                1,
                1_000_000,
            )?,
            app_writes_per_minute: number(
                "APP_WRITES_PER_MINUTE",
                crate::rate_limit::APP_WRITES_PER_CLIENT,
                1,
                1_000_000,
            )?,
            json_logs: var("LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
        };
        config.check_production()?;
        Ok(config)
    }

    /// In production a missing or weak secret stops start-up.
    fn check_production(&self) -> Result<(), ConfigError> {
        if !self.production {
            return Ok(());
        }
        match &self.jwt_secret {
            None => {
                return Err(ConfigError::MissingSecret(
                    "APP_ENV=production requires JWT_SECRET (at least 32 random characters)".into(),
                ))
            }
            Some(secret) if is_weak(secret) => {
                return Err(ConfigError::MissingSecret(format!(
                    "JWT_SECRET is too weak for production: use at least {MIN_SECRET_CHARS} random characters"
                )))
            }
            Some(_) => {}
        }
        match &self.telegram_bot_token {
            Some(token) if looks_like_bot_token(token) => Ok(()),
            Some(_) => Err(ConfigError::MissingSecret(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (<bot id>:<secret>)".into(),
            )),
            None => Err(ConfigError::MissingSecret(
                "APP_ENV=production requires TELEGRAM_BOT_TOKEN".into(),
            )),
        }
    }
}

fn is_weak(secret: &str) -> bool {
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    secret.chars().count() < MIN_SECRET_CHARS || distinct.len() < 8
}

fn looks_like_bot_token(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && secret.len() >= 20
        }
        None => false,
    }
}

/// Parses `1, 2,3` into positive ids.
pub fn parse_ids(raw: &str) -> Result<Vec<i64>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            _ => Err(format!("{s:?} is not a Telegram user id")),
        })
        .collect()
}

/// Parses a comma-separated origin list; `*` alone means any origin.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().trim_end_matches('/').to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    for origin in &origins {
        if origin == "*" {
            continue;
        }
        let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
            && origin.parse::<actix_web::http::Uri>().is_ok();
        if !valid {
            return Err(format!(
                "{origin:?} is not an origin such as https://app.example.com"
            ));
        }
    }
    Ok(origins)
}

/// The JWT secret to use: the environment's, else the one kept in `<data dir>/jwt_secret`,
/// generated (random, 256 bits) on first start. Returns the secret and whether it was made now.
pub fn resolve_jwt_secret(config: &Config, data_dir: &Path) -> Result<(String, bool), ConfigError> {
    if let Some(secret) = &config.jwt_secret {
        if is_weak(secret) {
            tracing::warn!("JWT_SECRET is short or repetitive; use at least {MIN_SECRET_CHARS} random characters");
        }
        return Ok((secret.clone(), false));
    }
    let path: PathBuf = data_dir.join("jwt_secret");
    let file_error = |e: std::io::Error| ConfigError::SecretFile {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if !is_weak(&existing) {
            tracing::warn!(path = %path.display(), "JWT_SECRET is not set; using the secret kept under data/");
            return Ok((existing, false));
        }
    }
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).map_err(|_| {
        ConfigError::SecretFile {
            path: path.display().to_string(),
            message: "no system randomness".into(),
        }
    })?;
    let secret = hex::encode(bytes);
    std::fs::create_dir_all(data_dir).map_err(file_error)?;
    write_private(&path, &secret).map_err(file_error)?;
    tracing::warn!(path = %path.display(), "JWT_SECRET is not set; generated one and kept it under data/");
    Ok((secret, true))
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_strictly() {
        assert_eq!(parse_ids("1, 2,,3 "), Ok(vec![1, 2, 3]));
        assert!(parse_ids("1,abc").is_err());
        assert!(parse_ids("-5").is_err());
        assert_eq!(
            parse_origins("https://a.example, http://localhost:5173/"),
            Ok(vec![
                "https://a.example".to_owned(),
                "http://localhost:5173".to_owned()
            ])
        );
        assert_eq!(parse_origins("*"), Ok(vec!["*".to_owned()]));
        assert!(parse_origins("a.example").is_err());
    }

    #[test]
    fn weak_secrets_and_bad_tokens_are_spotted() {
        assert!(is_weak("secret"));
        assert!(is_weak(&"a".repeat(64)));
        assert!(!is_weak("d3b07384d113edec49eaa6238ad5ff00c86d1b8f"));
        assert!(looks_like_bot_token(
            "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"
        ));
        assert!(!looks_like_bot_token("not-a-token"));
    }

    #[test]
    fn a_generated_secret_is_kept_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            production: false,
            host: "127.0.0.1".into(),
            port: 8000,
            database_url: None,
            db_pool_size: 1,
            telegram_bot_token: None,
            jwt_secret: None,
            jwt_ttl_seconds: 60,
            init_data_max_age_seconds: 60,
            owner_telegram_ids: vec![],
            cors_allow_origins: vec![],
            body_limit_bytes: 1024,
            workers: None,
            sign_ins_per_minute: 30,
            app_writes_per_minute: 60,
            json_logs: false,
        };
        let data_dir = dir.path().join("data");
        let (first, created) = resolve_jwt_secret(&config, &data_dir).expect("generated");
        assert!(created);
        assert_eq!(first.len(), 64);
        let (second, created_again) = resolve_jwt_secret(&config, &data_dir).expect("reused");
        assert!(!created_again);
        assert_eq!(first, second);
    }
}
