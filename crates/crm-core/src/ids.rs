//! Typed ids: an `i64` row id that cannot be mixed up with another entity's id.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw row id.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        #[cfg(feature = "openapi")]
        impl paperclip::v2::schema::TypedData for $name {
            fn data_type() -> paperclip::v2::models::DataType {
                paperclip::v2::models::DataType::Integer
            }
            fn format() -> Option<paperclip::v2::models::DataTypeFormat> {
                Some(paperclip::v2::models::DataTypeFormat::Int64)
            }
        }
    )*};
}

id_type!(
    /// A client of the business.
    ClientId,
    /// An employee (staff member).
    EmployeeId,
    /// A category of employees.
    EmployeeCategoryId,
    /// A loyalty level.
    LevelId,
    /// A recorded operation (purchase, refund, ...).
    OperationId,
    /// A product or service card.
    ProductId,
    /// A warehouse or point of sale.
    LocationId,
    /// A campaign (communication).
    CampaignId,
    /// A news post.
    NewsPostId,
    /// An appointment.
    AppointmentId,
    /// A traffic channel (source of clients).
    TrafficChannelId,
    /// A certificate type.
    CertificateTypeId,
    /// An issued certificate.
    CertificateId,
    /// A stored message of a dialogue.
    MessageId,
    /// A feedback entry.
    FeedbackId,
);
