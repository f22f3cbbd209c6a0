//! Whether a certificate can pay for (part of) a purchase: [`redeemable`], the pure rule the
//! purchase code asks before it spends a certificate's balance.

use crate::certificates::model::Certificate;
use crm_core::{Money, Timestamp};

/// Why a certificate cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefusal {
    /// No certificate has that code (reported by whoever looked it up, never by
    /// [`redeemable`]).
    #[error("no certificate has this code")]
    NotFound,
    /// Its time is up.
    #[error("the certificate expired at {expires_at}")]
    Expired {
        /// When it expired.
        expires_at: Timestamp,
    },
    /// Nothing is left on it.
    #[error("the certificate has been redeemed in full")]
    FullyRedeemed,
}

/// The balance that may be redeemed from `cert` at `now`, or why none may. A certificate spent
/// in full is [`CertificateRefusal::FullyRedeemed`] even after it expires, matching
/// [`Certificate::status_at`]. The caller caps the amount by the purchase's total and spends
/// it with a guard in storage (`balance >= amount`), since the balance may change concurrently.
pub fn redeemable(cert: &Certificate, now: Timestamp) -> Result<Money, CertificateRefusal> {
    if cert.balance.is_zero() || cert.balance.is_negative() {
        Err(CertificateRefusal::FullyRedeemed)
    } else if cert.expires_at <= now {
        Err(CertificateRefusal::Expired {
            expires_at: cert.expires_at,
        })
    } else {
        Ok(cert.balance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::code::CertificateCode;
    use crate::certificates::model::CertificateStatus;
    use crm_core::{CertificateId, CertificateTypeId};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    fn certificate(balance: i64, expires_at: i64) -> Certificate {
        Certificate {
            id: CertificateId(7),
            code: CertificateCode::from_trusted("0000000000000001".into()),
            type_id: CertificateTypeId(1),
            owner_client_id: None,
            nominal: Money::from_minor(300_000),
            balance: Money::from_minor(balance),
            price: Money::from_minor(300_000),
            issued_at: at(0),
            expires_at: at(expires_at),
            sold_by: None,
            comment: None,
        }
    }

    #[test]
    fn an_active_certificate_offers_its_balance() {
        assert_eq!(
            redeemable(&certificate(120_050, 2_000), at(1_999)),
            Ok(Money::from_minor(120_050))
        );
    }

    #[test]
    fn expired_and_spent_certificates_are_refused_with_a_reason() {
        assert_eq!(
            redeemable(&certificate(120_050, 2_000), at(2_000)),
            Err(CertificateRefusal::Expired {
                expires_at: at(2_000)
            })
        );
        assert_eq!(
            redeemable(&certificate(0, 2_000), at(1_000)),
            Err(CertificateRefusal::FullyRedeemed)
        );
        assert_eq!(
            redeemable(&certificate(0, 2_000), at(3_000)),
            Err(CertificateRefusal::FullyRedeemed)
        );
    }

    #[test]
    fn the_rule_agrees_with_the_status() {
        for (balance, expires_at) in [(1, 10), (1, 5), (0, 10), (0, 5), (300_000, 6)] {
            let cert = certificate(balance, expires_at);
            let now = at(5);
            assert_eq!(
                redeemable(&cert, now).is_ok(),
                cert.status_at(now) == CertificateStatus::Active,
                "{balance} {expires_at}"
            );
        }
    }
}
