//! Gift certificates: the types the business sells (a nominal for a price, valid so many days)
//! and the certificates it has issued, each with a unique code, an optional owner and a balance
//! that purchases spend. The status (`active`, `redeemed`, `expired`) is derived from the
//! balance and the time of reading, never stored, so it is never stale. Selling a certificate
//! is income (`sold_total` of the list); redeeming one in a purchase asks [`redeemable`] first.

pub mod code;
pub mod error;
pub mod model;
pub mod ports;
pub mod redemption;
pub mod service;

pub use code::CertificateCode;
pub use error::CertificateError;
pub use model::{
    Certificate, CertificateCard, CertificateFilter, CertificateList, CertificateSale,
    CertificateStatus, CertificateType, CertificateTypeDefinition, CertificateTypeUpdate,
};
pub use ports::{CertificateCodes, CertificateRepository};
pub use redemption::{redeemable, CertificateRefusal};
pub use service::Certificates;
