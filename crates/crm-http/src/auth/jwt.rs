//! Access tokens: HS256 JWTs with `sub`, `role`, `iat` and `exp`, the algorithm pinned.

use crm_core::{ClientId, EmployeeId, Role, Timestamp};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `employee:<id>` for staff tokens, `client:<id>` for client tokens.
    pub sub: String,
    /// The role at issue time (staff roles are re-read from storage on every request).
    pub role: Role,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The client record of the bearer, when they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// The employee record of the bearer, for staff tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<i64>,
}

impl Claims {
    /// The client id, if any.
    pub fn client(&self) -> Option<ClientId> {
        self.client_id.map(ClientId)
    }

    /// The employee id, if any.
    pub fn employee(&self) -> Option<EmployeeId> {
        self.employee_id.map(EmployeeId)
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past its `exp`.
    #[error("token expired")]
    Expired,
    /// Bad signature, wrong algorithm, malformed, or missing claims.
    #[error("token invalid")]
    Invalid,
}

/// Issues and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_seconds: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl_seconds", &self.ttl_seconds)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from a secret; tokens live `ttl_seconds`.
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    /// Token lifetime in seconds.
    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// A token for a staff member (who may also be a client).
    pub fn issue_staff(
        &self,
        employee: EmployeeId,
        role: Role,
        client: Option<ClientId>,
        now: Timestamp,
    ) -> Result<(String, Claims), TokenError> {
        self.issue(Claims {
            sub: format!("employee:{employee}"),
            role,
            iat: now.unix_seconds(),
            exp: now.unix_seconds() + self.ttl_seconds,
            client_id: client.map(ClientId::get),
            employee_id: Some(employee.get()),
        })
    }

    /// A token for a client.
    pub fn issue_client(
        &self,
        client: ClientId,
        now: Timestamp,
    ) -> Result<(String, Claims), TokenError> {
        self.issue(Claims {
            sub: format!("client:{client}"),
            role: Role::Client,
            iat: now.unix_seconds(),
            exp: now.unix_seconds() + self.ttl_seconds,
            client_id: Some(client.get()),
            employee_id: None,
        })
    }

    fn issue(&self, claims: Claims) -> Result<(String, Claims), TokenError> {
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)?;
        Ok((token, claims))
    }

    /// Checks a token at `now`: HS256 only, signature, `exp` (no leeway), required claims, and
    /// that the role matches the ids it carries.
    pub fn check(&self, token: &str, now: Timestamp) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        // Expiry is checked below against our clock, so tests can move time.
        validation.validate_exp = false;
        validation.leeway = 0;
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.exp <= now.unix_seconds() {
            return Err(TokenError::Expired);
        }
        let consistent = if claims.role.is_staff() {
            claims.employee_id.is_some()
                && claims.sub == format!("employee:{}", claims.employee_id.unwrap_or_default())
        } else {
            claims.employee_id.is_none()
                && claims.client_id.is_some()
                && claims.sub == format!("client:{}", claims.client_id.unwrap_or_default())
        };
        if !consistent {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid")
    }

    #[test]
    fn tokens_round_trip_and_expire() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 3_600);
        let (token, claims) = keys
            .issue_staff(EmployeeId(3), Role::Owner, Some(ClientId(9)), at(1_000))
            .expect("issued");
        assert_eq!(claims.exp, 4_600);
        let back = keys.check(&token, at(2_000)).expect("valid");
        assert_eq!(back, claims);
        assert_eq!(back.sub, "employee:3");
        assert_eq!(keys.check(&token, at(4_600)), Err(TokenError::Expired));
    }

    #[test]
    fn other_secrets_algorithms_and_garbage_are_refused() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 3_600);
        let other = TokenKeys::new(b"another-secret-another-secret-xx", 3_600);
        let (token, claims) = other.issue_client(ClientId(1), at(0)).expect("issued");
        assert_eq!(keys.check(&token, at(1)), Err(TokenError::Invalid));
        // alg=none with the same claims.
        let none_header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let body = base64_url(&serde_json::to_vec(&claims).expect("json"));
        assert_eq!(
            keys.check(&format!("{none_header}.{body}."), at(1)),
            Err(TokenError::Invalid)
        );
        // HS512 signed with the right secret is still refused: the algorithm is pinned.
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .expect("encoded");
        assert_eq!(keys.check(&hs512, at(1)), Err(TokenError::Invalid));
        for junk in ["", "a.b.c", "Bearer", "....", "eyJhbGciOiJIUzI1NiJ9.e30.x"] {
            assert_eq!(keys.check(junk, at(1)), Err(TokenError::Invalid), "{junk}");
        }
    }

    #[test]
    fn a_client_token_cannot_claim_staff() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let keys = TokenKeys::new(secret, 3_600);
        let forged = Claims {
            sub: "client:1".into(),
            role: Role::Owner,
            iat: 0,
            exp: 100,
            client_id: Some(1),
            employee_id: None,
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &forged,
            &EncodingKey::from_secret(secret),
        )
        .expect("encoded");
        assert_eq!(keys.check(&token, at(1)), Err(TokenError::Invalid));
    }

    fn base64_url(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
