//! [`Certificates`]: the use cases of certificate types and sales.

use crate::certificates::code::CertificateCode;
use crate::certificates::error::CertificateError;
use crate::certificates::model::{
    sale_comment, CertificateCard, CertificateFilter, CertificateList, CertificateSale,
    CertificateType, CertificateTypeDefinition, CertificateTypeUpdate, NewCertificateRecord,
    NewCertificateTypeRecord,
};
use crate::certificates::ports::{CertificateCodes, CertificateRepository};
use crm_core::{CertificateTypeId, Clock, Page, PageRequest, RepoError};

/// How many codes a sale draws before it gives up. With 80 random bits a single clash is
/// already vanishingly rare; more than one means the generator is broken.
pub const CODE_ATTEMPTS: usize = 5;

/// Certificates: define, change and archive types; sell, look up and list certificates.
pub struct Certificates<R, G, C> {
    repo: R,
    codes: G,
    clock: C,
}

fn trimmed(definition: CertificateTypeDefinition) -> CertificateTypeDefinition {
    CertificateTypeDefinition {
        name: definition.name.trim().to_owned(),
        ..definition
    }
}

impl<R: CertificateRepository, G: CertificateCodes, C: Clock> Certificates<R, G, C> {
    /// The use cases over a repository, a code source and a clock.
    pub fn new(repo: R, codes: G, clock: C) -> Self {
        Self { repo, codes, clock }
    }

    /// A page of certificate types; archived ones only when asked.
    pub fn list_types(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<CertificateType>, CertificateError> {
        Ok(self.repo.list_types(include_archived, page)?)
    }

    /// Defines a certificate type.
    pub fn create_type(
        &self,
        definition: CertificateTypeDefinition,
    ) -> Result<CertificateType, CertificateError> {
        let definition = trimmed(definition);
        definition
            .validate()
            .map_err(CertificateError::Validation)?;
        Ok(self.repo.insert_type(&NewCertificateTypeRecord {
            definition,
            at: self.clock.now(),
        })?)
    }

    /// Changes the named fields of a type. Certificates already sold keep their terms.
    pub fn update_type(
        &self,
        id: CertificateTypeId,
        update: CertificateTypeUpdate,
    ) -> Result<CertificateType, CertificateError> {
        let current = self
            .repo
            .get_type(id)?
            .ok_or(CertificateError::TypeNotFound)?;
        let definition = trimmed(current.definition.updated(update));
        definition
            .validate()
            .map_err(CertificateError::Validation)?;
        self.repo
            .update_type(id, &definition, self.clock.now())?
            .ok_or(CertificateError::TypeNotFound)
    }

    /// Archives a type: it can no longer be sold; certificates already sold keep working.
    pub fn archive_type(&self, id: CertificateTypeId) -> Result<CertificateType, CertificateError> {
        self.repo
            .archive_type(id, self.clock.now())?
            .ok_or(CertificateError::TypeNotFound)
    }

    /// Sells (issues) a certificate of a type on sale: nominal, price and expiry come from the
    /// type, the code from the code source (drawn again on the rare clash with a code in use).
    pub fn sell(&self, sale: CertificateSale) -> Result<CertificateCard, CertificateError> {
        let comment = sale_comment(sale.comment.as_deref())
            .map_err(|e| CertificateError::Validation(vec![e]))?;
        let kind = self
            .repo
            .get_type(sale.type_id)?
            .ok_or(CertificateError::UnknownType)?;
        if kind.archived_at.is_some() {
            return Err(CertificateError::TypeArchived);
        }
        if let Some(owner) = sale.owner_client_id {
            if !self.repo.client_exists(owner)? {
                return Err(CertificateError::UnknownOwner);
            }
        }
        let now = self.clock.now();
        for _ in 0..CODE_ATTEMPTS {
            let Ok(code) = CertificateCode::parse(&self.codes.new_code()) else {
                continue;
            };
            let record = NewCertificateRecord {
                code,
                type_id: kind.id,
                owner_client_id: sale.owner_client_id,
                nominal: kind.definition.nominal,
                price: kind.definition.price,
                issued_at: now,
                expires_at: kind.definition.expiry_for(now),
                sold_by: Some(sale.sold_by),
                comment: comment.clone(),
            };
            match self.repo.insert(&record) {
                Ok(certificate) => return Ok(CertificateCard::at(certificate, now)),
                Err(RepoError::Conflict {
                    field: Some(field), ..
                }) if field == "code" => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CertificateError::CodeUnavailable)
    }

    /// The certificate with a code typed by a person (any case, dashes optional), with its
    /// status now.
    pub fn find_by_code(&self, code: &str) -> Result<CertificateCard, CertificateError> {
        let code = CertificateCode::parse(code).map_err(|_| CertificateError::NotFound)?;
        let certificate = self
            .repo
            .find_by_code(code.as_str())?
            .ok_or(CertificateError::NotFound)?;
        Ok(CertificateCard::at(certificate, self.clock.now()))
    }

    /// A page of certificates matching the filters, with their status now and the income from
    /// all of them (`sold_total`).
    pub fn list(
        &self,
        filter: &CertificateFilter,
        page: PageRequest,
    ) -> Result<CertificateList<CertificateCard>, CertificateError> {
        let now = self.clock.now();
        let list = self.repo.list(filter, now, page)?;
        Ok(CertificateList {
            page: list.page.map(|c| CertificateCard::at(c, now)),
            sold_total: list.sold_total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::model::{Certificate, CertificateStatus};
    use crate::certificates::ports::{MockCertificateCodes, MockCertificateRepository};
    use crm_core::{CertificateId, ClientId, EmployeeId, FieldError, FixedClock, Money, Timestamp};
    use mockall::predicate::eq;
    use mockall::Sequence;

    const NOW: i64 = 1_790_000_000;
    const DAY: i64 = 86_400;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    fn service(
        repo: MockCertificateRepository,
        codes: MockCertificateCodes,
    ) -> Certificates<MockCertificateRepository, MockCertificateCodes, FixedClock> {
        Certificates::new(repo, codes, FixedClock::new(at(NOW)))
    }

    fn definition() -> CertificateTypeDefinition {
        CertificateTypeDefinition {
            name: " Подарочный 3000 ".into(),
            nominal: Money::from_major(3_000),
            price: Money::from_major(2_700),
            validity_days: 90,
        }
    }

    fn kind(id: i64, archived: bool) -> CertificateType {
        CertificateType {
            id: CertificateTypeId(id),
            definition: trimmed(definition()),
            archived_at: archived.then(|| at(1)),
            created_at: at(1),
            updated_at: at(1),
        }
    }

    fn stored(record: &NewCertificateRecord) -> Certificate {
        Certificate {
            id: CertificateId(11),
            code: record.code.clone(),
            type_id: record.type_id,
            owner_client_id: record.owner_client_id,
            nominal: record.nominal,
            balance: record.nominal,
            price: record.price,
            issued_at: record.issued_at,
            expires_at: record.expires_at,
            sold_by: record.sold_by,
            comment: record.comment.clone(),
        }
    }

    fn sale(type_id: i64, owner: Option<i64>) -> CertificateSale {
        CertificateSale {
            type_id: CertificateTypeId(type_id),
            owner_client_id: owner.map(ClientId),
            comment: Some(" подарок ".into()),
            sold_by: EmployeeId(3),
        }
    }

    fn code_clash() -> RepoError {
        RepoError::Conflict {
            field: Some("code".into()),
            message: "code is already in use".into(),
        }
    }

    #[test]
    fn a_type_is_stored_trimmed_and_validated() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_insert_type()
            .withf(|r| r.definition.name == "Подарочный 3000" && r.at == at(NOW))
            .times(1)
            .returning(|r| {
                Ok(CertificateType {
                    id: CertificateTypeId(1),
                    definition: r.definition.clone(),
                    archived_at: None,
                    created_at: r.at,
                    updated_at: r.at,
                })
            });
        let certificates = service(repo, MockCertificateCodes::new());
        let created = certificates.create_type(definition()).expect("created");
        assert_eq!(created.definition.nominal, Money::from_major(3_000));
        let err = certificates
            .create_type(CertificateTypeDefinition {
                nominal: Money::ZERO,
                validity_days: 0,
                ..definition()
            })
            .expect_err("invalid");
        assert_eq!(
            err,
            CertificateError::Validation(vec![
                FieldError::new("nominal", "must be greater than 0"),
                FieldError::new("validity_days", "must be between 1 and 3650"),
            ])
        );
    }

    #[test]
    fn a_type_update_changes_only_named_fields() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .with(eq(CertificateTypeId(4)))
            .returning(|id| Ok(Some(kind(id.get(), false))));
        repo.expect_get_type().returning(|_| Ok(None));
        repo.expect_update_type()
            .withf(|id, d, when| {
                *id == CertificateTypeId(4)
                    && d.name == "Подарочный 3000"
                    && d.price == Money::from_major(3_000)
                    && d.validity_days == 90
                    && *when == at(NOW)
            })
            .times(1)
            .returning(|id, d, _| {
                Ok(Some(CertificateType {
                    definition: d.clone(),
                    ..kind(id.get(), false)
                }))
            });
        repo.expect_archive_type().returning(|_, _| Ok(None));
        let certificates = service(repo, MockCertificateCodes::new());
        let updated = certificates
            .update_type(
                CertificateTypeId(4),
                CertificateTypeUpdate {
                    price: Some(Money::from_major(3_000)),
                    ..Default::default()
                },
            )
            .expect("updated");
        assert_eq!(updated.definition.price, Money::from_major(3_000));
        let err = certificates
            .update_type(
                CertificateTypeId(4),
                CertificateTypeUpdate {
                    validity_days: Some(3_651),
                    ..Default::default()
                },
            )
            .expect_err("invalid");
        assert!(matches!(err, CertificateError::Validation(e) if e[0].field == "validity_days"));
        assert_eq!(
            certificates.update_type(CertificateTypeId(5), CertificateTypeUpdate::default()),
            Err(CertificateError::TypeNotFound)
        );
        assert_eq!(
            certificates.archive_type(CertificateTypeId(5)),
            Err(CertificateError::TypeNotFound)
        );
    }

    #[test]
    fn a_sale_takes_its_terms_from_the_type() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .returning(|id| Ok(Some(kind(id.get(), false))));
        repo.expect_client_exists()
            .with(eq(ClientId(8)))
            .returning(|_| Ok(true));
        repo.expect_insert()
            .withf(|r| {
                r.code.as_str() == "7K3MQ9XD2FHNW4RT"
                    && r.type_id == CertificateTypeId(2)
                    && r.owner_client_id == Some(ClientId(8))
                    && r.nominal == Money::from_major(3_000)
                    && r.price == Money::from_major(2_700)
                    && r.issued_at == at(NOW)
                    && r.expires_at == at(NOW + 90 * DAY)
                    && r.sold_by == Some(EmployeeId(3))
                    && r.comment.as_deref() == Some("подарок")
            })
            .times(1)
            .returning(|r| Ok(stored(r)));
        let mut codes = MockCertificateCodes::new();
        codes
            .expect_new_code()
            .times(1)
            .returning(|| "7k3m-q9xd-2fhn-w4rt".into());
        let card = service(repo, codes).sell(sale(2, Some(8))).expect("sold");
        assert_eq!(card.status, CertificateStatus::Active);
        assert_eq!(card.certificate.balance, Money::from_major(3_000));
    }

    #[test]
    fn a_code_clash_draws_another_code() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .returning(|id| Ok(Some(kind(id.get(), false))));
        let mut seq = Sequence::new();
        repo.expect_insert()
            .withf(|r| r.code.as_str() == "AAAAAAAAAAAAAAAA")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(code_clash()));
        repo.expect_insert()
            .withf(|r| r.code.as_str() == "BBBBBBBBBBBBBBBB")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|r| Ok(stored(r)));
        let mut codes = MockCertificateCodes::new();
        let mut drawn = ["BBBBBBBBBBBBBBBB", "", "AAAAAAAAAAAAAAAA"]
            .map(String::from)
            .to_vec();
        codes
            .expect_new_code()
            .times(3)
            .returning(move || drawn.pop().unwrap_or_default());
        let card = service(repo, codes).sell(sale(2, None)).expect("sold");
        assert_eq!(card.certificate.code.as_str(), "BBBBBBBBBBBBBBBB");
        assert_eq!(card.certificate.owner_client_id, None);
    }

    #[test]
    fn endless_clashes_give_up_and_other_conflicts_are_not_retried() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .returning(|id| Ok(Some(kind(id.get(), false))));
        repo.expect_insert()
            .times(CODE_ATTEMPTS)
            .returning(|_| Err(code_clash()));
        let mut codes = MockCertificateCodes::new();
        codes
            .expect_new_code()
            .returning(|| "AAAAAAAAAAAAAAAA".into());
        assert_eq!(
            service(repo, codes).sell(sale(2, None)),
            Err(CertificateError::CodeUnavailable)
        );

        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .returning(|id| Ok(Some(kind(id.get(), false))));
        repo.expect_insert().times(1).returning(|_| {
            Err(RepoError::Conflict {
                field: None,
                message: "FOREIGN KEY constraint failed".into(),
            })
        });
        let mut codes = MockCertificateCodes::new();
        codes
            .expect_new_code()
            .returning(|| "AAAAAAAAAAAAAAAA".into());
        assert!(matches!(
            service(repo, codes).sell(sale(2, None)),
            Err(CertificateError::Storage(RepoError::Conflict { .. }))
        ));
    }

    #[test]
    fn unknown_or_archived_types_and_unknown_owners_cannot_be_sold() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_get_type()
            .with(eq(CertificateTypeId(1)))
            .returning(|_| Ok(None));
        repo.expect_get_type()
            .with(eq(CertificateTypeId(2)))
            .returning(|id| Ok(Some(kind(id.get(), true))));
        repo.expect_get_type()
            .with(eq(CertificateTypeId(3)))
            .returning(|id| Ok(Some(kind(id.get(), false))));
        repo.expect_client_exists().returning(|_| Ok(false));
        repo.expect_insert().never();
        let mut codes = MockCertificateCodes::new();
        codes.expect_new_code().never();
        let certificates = service(repo, codes);
        assert_eq!(
            certificates.sell(sale(1, None)),
            Err(CertificateError::UnknownType)
        );
        assert_eq!(
            certificates.sell(sale(2, None)),
            Err(CertificateError::TypeArchived)
        );
        assert_eq!(
            certificates.sell(sale(3, Some(99))),
            Err(CertificateError::UnknownOwner)
        );
        let long = CertificateSale {
            comment: Some("x".repeat(501)),
            ..sale(3, None)
        };
        assert!(matches!(
            certificates.sell(long),
            Err(CertificateError::Validation(e)) if e[0].field == "comment"
        ));
    }

    #[test]
    fn look_up_normalises_the_code_and_reports_the_status_now() {
        let mut repo = MockCertificateRepository::new();
        repo.expect_find_by_code()
            .with(eq("7K3MQ9XD2FHNW4RT"))
            .times(1)
            .returning(|code| {
                let mut c = stored(&NewCertificateRecord {
                    code: CertificateCode::from_trusted(code.to_owned()),
                    type_id: CertificateTypeId(1),
                    owner_client_id: None,
                    nominal: Money::from_major(1_000),
                    price: Money::from_major(1_000),
                    issued_at: at(NOW - 10 * DAY),
                    expires_at: at(NOW),
                    sold_by: None,
                    comment: None,
                });
                c.balance = Money::from_major(10);
                Ok(Some(c))
            });
        repo.expect_find_by_code()
            .with(eq("0000000000000000"))
            .returning(|_| Ok(None));
        let certificates = service(repo, MockCertificateCodes::new());
        let card = certificates
            .find_by_code("7k3m-q9xd-2fhn-w4rt")
            .expect("found");
        assert_eq!(card.status, CertificateStatus::Expired);
        assert_eq!(
            certificates.find_by_code("0000-0000-0000-0000"),
            Err(CertificateError::NotFound)
        );
        // Not a code at all: not found, without asking storage.
        assert_eq!(
            certificates.find_by_code("types"),
            Err(CertificateError::NotFound)
        );
    }

    #[test]
    fn the_list_derives_statuses_at_the_same_instant_it_filters_with() {
        let mut repo = MockCertificateRepository::new();
        let filter = CertificateFilter {
            status: Some(CertificateStatus::Active),
            owner_client_id: Some(ClientId(8)),
            ..Default::default()
        };
        let expected = filter.clone();
        repo.expect_list()
            .withf(move |f, now, page| *f == expected && *now == at(NOW) && page.limit() == 10)
            .times(1)
            .returning(|_, _, page| {
                let record = NewCertificateRecord {
                    code: CertificateCode::from_trusted("AAAAAAAAAAAAAAAA".into()),
                    type_id: CertificateTypeId(1),
                    owner_client_id: Some(ClientId(8)),
                    nominal: Money::from_major(1_000),
                    price: Money::from_major(900),
                    issued_at: at(NOW - DAY),
                    expires_at: at(NOW + DAY),
                    sold_by: None,
                    comment: None,
                };
                Ok(CertificateList {
                    page: Page {
                        items: vec![stored(&record)],
                        total: 3,
                        limit: page.limit(),
                        offset: page.offset(),
                    },
                    sold_total: Money::from_major(2_700),
                })
            });
        let list = service(repo, MockCertificateCodes::new())
            .list(&filter, PageRequest::new(Some(10), None).expect("page"))
            .expect("listed");
        assert_eq!(list.sold_total, Money::from_major(2_700));
        assert_eq!(list.page.total, 3);
        assert_eq!(list.page.items[0].status, CertificateStatus::Active);
    }
}
