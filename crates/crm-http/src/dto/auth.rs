//! Sign-in bodies.

use crate::dto::clients::ClientResponse;
use crm_core::{EmployeeId, Role, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// The Mini App's raw `initData` (`window.Telegram.WebApp.initData`).
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct VerifyRequest {
    /// The raw initData query string, exactly as Telegram gave it.
    #[serde(alias = "initData")]
    pub init_data: String,
}

/// The staff side of a signed-in user.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StaffSummary {
    /// Employee id.
    pub employee_id: EmployeeId,
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: Role,
}

/// A signed-in user and their access token.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct VerifyResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Expiry time.
    pub expires_at: Timestamp,
    /// The token's role: a staff role, or `client`.
    pub role: Role,
    /// The client record (created on first sign-in).
    pub client: ClientResponse,
    /// Whether this sign-in created the client.
    pub client_created: bool,
    /// The staff record, if the user is an active employee.
    pub staff: Option<StaffSummary>,
}
