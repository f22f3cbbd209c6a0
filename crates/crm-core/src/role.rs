//! [`Role`]: who is acting — a staff role or a client.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A role carried by a token. Staff roles are ordered by what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(paperclip::actix::Apiv2Schema))]
pub enum Role {
    /// Owns the business: everything.
    Owner,
    /// Runs the system: everything an owner can, including finance and payroll.
    Admin,
    /// Manages clients, goods, campaigns and staff schedules; not finance or payroll.
    Manager,
    /// Records operations and reads clients.
    Cashier,
    /// A master (specialist) who serves appointments.
    Master,
    /// A client of the business using the Mini App.
    Client,
}

impl Role {
    /// Every staff role.
    pub const STAFF: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Cashier,
        Role::Master,
    ];

    /// The snake_case code used in JSON, tokens and storage.
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Cashier => "cashier",
            Role::Master => "master",
            Role::Client => "client",
        }
    }

    /// Reads a code back; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::STAFF
            .into_iter()
            .chain([Role::Client])
            .find(|r| r.code() == code)
    }

    /// Any staff role (everything but `client`).
    pub fn is_staff(self) -> bool {
        self != Role::Client
    }

    /// Finance, payroll, employees' pay and system settings: owner and admin only.
    pub fn manages_finance(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Managing the client base, goods, campaigns and schedules: owner, admin, manager.
    pub fn manages_business(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Manager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_rights_are_ordered() {
        for role in Role::STAFF.into_iter().chain([Role::Client]) {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
        assert!(Role::Owner.manages_finance() && Role::Admin.manages_finance());
        assert!(!Role::Manager.manages_finance() && !Role::Cashier.manages_finance());
        assert!(Role::Manager.manages_business() && !Role::Cashier.manages_business());
        assert!(Role::Master.is_staff() && !Role::Client.is_staff());
    }
}
