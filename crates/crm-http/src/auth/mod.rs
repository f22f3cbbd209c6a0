//! Authentication and authorisation: Telegram initData, access tokens, the extractors that
//! guard routes, and sign-in.
//!
//! - Admin routes (`/api/v1/admin/...`) take `Authorization: Bearer <staff token>`; the
//!   employee is re-read on every request, so archiving someone or changing their role takes
//!   effect at once.
//! - App routes (`/api/v1/app/...`, `/api/v1/feedback/app/...`) take a client token or
//!   `Authorization: tma <initData>` (the Telegram Mini Apps convention).

pub mod extract;
pub mod init_data;
pub mod jwt;
pub mod sign_in;

pub use extract::{AppUser, StaffUser};
