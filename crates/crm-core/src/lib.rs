//! Shared kernel of the CRM.
//!
//! The few value types every part of the product speaks in: typed ids, exact [`Money`] and
//! [`Points`] in integer minor units, [`Percent`] in basis points, RFC 3339 [`Timestamp`]s,
//! normalised [`Phone`] numbers, paging, staff and client [`Role`]s, messaging [`Channel`]s, the
//! [`Clock`] port and the [`RepoError`] that storage ports return. Nothing here does I/O.
//!
//! With the `openapi` feature each value type also describes itself to paperclip, so the HTTP
//! layer can expose it in `/openapi.json` as a plain string or number.

pub mod actor;
pub mod amount;
pub mod channel;
pub mod clock;
pub mod error;
pub mod ids;
pub mod paging;
pub mod percent;
pub mod phone;
pub mod role;
pub mod search;
pub mod timestamp;
pub mod validation;

pub use actor::Actor;
pub use amount::{AmountError, Money, Points};
pub use channel::Channel;
pub use clock::{Clock, FixedClock};
pub use error::RepoError;
pub use ids::*;
pub use paging::{Page, PageRequest};
pub use percent::Percent;
pub use phone::{Phone, PhoneError};
pub use role::Role;
pub use search::search_key;
pub use timestamp::Timestamp;
pub use validation::{FieldError, Validation};
