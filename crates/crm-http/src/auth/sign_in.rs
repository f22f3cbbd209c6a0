//! Sign-in: verified initData becomes a client (created on first sight), possibly a staff
//! member, and an access token.

use crate::auth::init_data::VerifiedInitData;
use crate::auth::jwt::Claims;
use crate::error::ApiError;
use crate::state::AppState;
use crm_clients::{Client, ClientError, TelegramId, TelegramProfile};
use crm_staff::Employee;

/// What a successful sign-in yields.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The access token.
    pub token: String,
    /// Its claims.
    pub claims: Claims,
    /// The client record.
    pub client: Client,
    /// Whether the client was created by this sign-in.
    pub client_created: bool,
    /// The staff record, when the user is an active employee.
    pub employee: Option<Employee>,
}

/// The client-side profile of a verified Mini App user.
pub fn telegram_profile(verified: &VerifiedInitData) -> Result<TelegramProfile, ClientError> {
    let telegram_id =
        TelegramId::new(verified.user.id).map_err(|e| ClientError::Validation(vec![e]))?;
    Ok(TelegramProfile {
        telegram_id,
        first_name: verified.user.first_name.clone(),
        last_name: verified.user.last_name.clone(),
        username: verified.user.username.clone(),
        start_param: verified.start_param.clone(),
    })
}

/// Signs a verified user in. Runs storage calls; call it on the blocking pool.
pub fn sign_in(state: &AppState, verified: &VerifiedInitData) -> Result<SignedIn, ApiError> {
    let profile = telegram_profile(verified)?;
    let telegram_id = profile.telegram_id.get();
    let (mut client, client_created) = state.client_base().sign_in_from_telegram(profile)?;
    if client_created && crate::routes::points::grant_welcome_bonus(state, client.id) {
        // The card returned shows the bonus.
        client = state.clients.get(client.id)?.unwrap_or(client);
    }
    let employee = state.staff_access().sign_in(
        telegram_id,
        &client.profile.full_name,
        &state.auth.owner_telegram_ids,
    )?;
    let now = state.clock.now();
    let issued = match &employee {
        Some(e) => state
            .auth
            .tokens
            .issue_staff(e.id, e.role, Some(client.id), now),
        None => state.auth.tokens.issue_client(client.id, now),
    };
    let (token, claims) = issued.map_err(|_| {
        ApiError::unavailable(
            "token_unavailable",
            "Could not issue a token.",
            "JWT encoding failed",
        )
    })?;
    Ok(SignedIn {
        token,
        claims,
        client,
        client_created,
        employee,
    })
}
