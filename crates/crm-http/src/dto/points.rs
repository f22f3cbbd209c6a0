//! Points upkeep bodies: manual accruals and withdrawals, and the expiry run's report.

use crate::dto::common::DecimalInput;
use crate::dto::operations::LedgerEntryResponse;
use crm_clients::loyalty::adjustments::{Adjustment, AdjustmentRequest, ExpiryReport};
use crm_core::{AmountError, ClientId, FieldError, Points};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A manual change of a client's points.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AdjustPointsBody {
    /// Signed points with at most 2 decimals, not zero: positive accrues (a lot spendable at
    /// once, expiring per the loyalty rules), negative withdraws (at most the spendable points,
    /// oldest lots first).
    pub amount: DecimalInput,
    /// Why, 3–500 characters; shown in the ledger.
    pub reason: String,
}

impl AdjustPointsBody {
    /// The domain command for `client`.
    pub fn into_request(self, client: ClientId) -> Result<AdjustmentRequest, Vec<FieldError>> {
        let amount = Points::parse_signed(&self.amount.0).map_err(|e| {
            let message = match e {
                AmountError::TooLarge => "must be between -1000000000000 and 1000000000000".into(),
                other => other.to_string(),
            };
            vec![FieldError::new("amount", message)]
        })?;
        Ok(AdjustmentRequest {
            client_id: client,
            amount,
            reason: self.reason,
        })
    }
}

/// A recorded adjustment.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AdjustmentResponse {
    /// The ledger entry written (kind `adjustment`).
    pub entry: LedgerEntryResponse,
    /// The client's balance right after it.
    pub points_balance: Points,
    /// True when this repeats the stored result of an earlier request with the same
    /// `Idempotency-Key`.
    pub replayed: bool,
}

impl AdjustmentResponse {
    /// The response for an adjustment, marked as a replay or not.
    pub fn new(adjustment: Adjustment, replayed: bool) -> Self {
        Self {
            entry: adjustment.entry.into(),
            points_balance: adjustment.points_balance,
            replayed,
        }
    }
}

/// What an expiry run settled.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ExpiryResponse {
    /// Lots emptied (one `expiry` ledger entry each).
    pub lots: u64,
    /// Points they held.
    pub points: Points,
    /// Clients whose balance went down.
    pub clients: u64,
}

impl From<ExpiryReport> for ExpiryResponse {
    fn from(r: ExpiryReport) -> Self {
        Self {
            lots: r.lots,
            points: r.points,
            clients: r.clients,
        }
    }
}
