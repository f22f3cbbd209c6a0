//! The ports the certificates need: storage ([`CertificateRepository`]) and a source of fresh
//! random codes ([`CertificateCodes`], randomness being I/O).

use crate::certificates::model::{
    Certificate, CertificateFilter, CertificateList, CertificateType, CertificateTypeDefinition,
    NewCertificateRecord, NewCertificateTypeRecord,
};
use crm_core::{CertificateTypeId, ClientId, Page, PageRequest, RepoError, Timestamp};

/// Storage of certificate types and issued certificates. Codes are stored normalised (see
/// [`crate::certificates::CertificateCode`]); a clash of codes on insert reports
/// `RepoError::Conflict` naming `code`.
#[cfg_attr(test, mockall::automock)]
pub trait CertificateRepository {
    /// Stores a new certificate type.
    fn insert_type(&self, record: &NewCertificateTypeRecord) -> Result<CertificateType, RepoError>;

    /// One certificate type, archived or not.
    fn get_type(&self, id: CertificateTypeId) -> Result<Option<CertificateType>, RepoError>;

    /// Replaces a type's definition; `Ok(None)` when it does not exist.
    fn update_type(
        &self,
        id: CertificateTypeId,
        definition: &CertificateTypeDefinition,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError>;

    /// Archives a type (keeps an earlier archive time); `Ok(None)` when it does not exist.
    fn archive_type(
        &self,
        id: CertificateTypeId,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError>;

    /// A page of types in id order; archived ones only when asked.
    fn list_types(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<CertificateType>, RepoError>;

    /// Whether a client with this id exists (a certificate's owner must).
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError>;

    /// Stores a new certificate with its full nominal as balance.
    fn insert(&self, record: &NewCertificateRecord) -> Result<Certificate, RepoError>;

    /// The certificate with this code, as a person typed it (any case, with or without dashes);
    /// `Ok(None)` when there is none or the text cannot be a code.
    fn find_by_code(&self, code: &str) -> Result<Option<Certificate>, RepoError>;

    /// A page of certificates matching `filter` (the status as of `now`), newest issue first
    /// (ties by id, descending), with the sum of their prices.
    fn list(
        &self,
        filter: &CertificateFilter,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<CertificateList<Certificate>, RepoError>;
}

impl<T: CertificateRepository + ?Sized> CertificateRepository for std::sync::Arc<T> {
    fn insert_type(&self, record: &NewCertificateTypeRecord) -> Result<CertificateType, RepoError> {
        (**self).insert_type(record)
    }
    fn get_type(&self, id: CertificateTypeId) -> Result<Option<CertificateType>, RepoError> {
        (**self).get_type(id)
    }
    fn update_type(
        &self,
        id: CertificateTypeId,
        definition: &CertificateTypeDefinition,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError> {
        (**self).update_type(id, definition, at)
    }
    fn archive_type(
        &self,
        id: CertificateTypeId,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError> {
        (**self).archive_type(id, at)
    }
    fn list_types(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<CertificateType>, RepoError> {
        (**self).list_types(include_archived, page)
    }
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        (**self).client_exists(id)
    }
    fn insert(&self, record: &NewCertificateRecord) -> Result<Certificate, RepoError> {
        (**self).insert(record)
    }
    fn find_by_code(&self, code: &str) -> Result<Option<Certificate>, RepoError> {
        (**self).find_by_code(code)
    }
    fn list(
        &self,
        filter: &CertificateFilter,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<CertificateList<Certificate>, RepoError> {
        (**self).list(filter, now, page)
    }
}

/// A source of fresh certificate codes: 16 characters of the code alphabet drawn from 80 bits
/// of cryptographic randomness (see [`crate::certificates::CertificateCode::from_random_bytes`]).
/// A code that does not parse (e.g. empty, when the random source failed) counts as a failed
/// draw.
#[cfg_attr(test, mockall::automock)]
pub trait CertificateCodes {
    /// A new random code.
    fn new_code(&self) -> String;
}

impl<T: CertificateCodes + ?Sized> CertificateCodes for std::sync::Arc<T> {
    fn new_code(&self) -> String {
        (**self).new_code()
    }
}
