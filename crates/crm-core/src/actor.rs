//! [`Actor`]: who made a change, for audit trails.

use crate::{ClientId, EmployeeId};
use serde::{Serialize, Serializer};
use std::fmt;

/// The author of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A staff member through the admin panel.
    Employee(EmployeeId),
    /// The client themself through the Mini App.
    Client(ClientId),
    /// The system (a scheduled job, a CLI command, sign-in).
    System,
}

impl Actor {
    /// Reads the stored form (`employee:3`, `client:7`, `system`) back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.split_once(':') {
            Some(("employee", id)) => id.parse().ok().map(|id| Actor::Employee(EmployeeId(id))),
            Some(("client", id)) => id.parse().ok().map(|id| Actor::Client(ClientId(id))),
            None if code == "system" => Some(Actor::System),
            _ => None,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Employee(id) => write!(f, "employee:{id}"),
            Actor::Client(id) => write!(f, "client:{id}"),
            Actor::System => f.write_str("system"),
        }
    }
}

impl Serialize for Actor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips() {
        for actor in [
            Actor::Employee(EmployeeId(3)),
            Actor::Client(ClientId(7)),
            Actor::System,
        ] {
            assert_eq!(Actor::from_code(&actor.to_string()), Some(actor));
        }
        assert_eq!(Actor::from_code("employee:x"), None);
        assert_eq!(Actor::from_code("robot"), None);
    }
}
