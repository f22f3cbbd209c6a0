//! [`RandomCertificateCodes`]: certificate codes drawn from the operating system's CSPRNG,
//! implementing [`crm_clients::certificates::CertificateCodes`].

use crm_clients::certificates::code::CODE_RANDOM_BYTES;
use crm_clients::certificates::{CertificateCode, CertificateCodes};
use ring::rand::{SecureRandom, SystemRandom};

/// Draws 80 random bits per code from [`SystemRandom`] and spells them in the code alphabet.
#[derive(Debug, Clone)]
pub struct RandomCertificateCodes {
    rng: SystemRandom,
}

impl RandomCertificateCodes {
    /// A code source over the system's random generator.
    pub fn new() -> Self {
        Self {
            rng: SystemRandom::new(),
        }
    }
}

impl Default for RandomCertificateCodes {
    fn default() -> Self {
        Self::new()
    }
}

impl CertificateCodes for RandomCertificateCodes {
    /// A fresh code; an empty string (a failed draw, which the sale retries and then reports)
    /// when the system's random generator fails.
    fn new_code(&self) -> String {
        let mut bytes = [0u8; CODE_RANDOM_BYTES];
        match self.rng.fill(&mut bytes) {
            Ok(()) => CertificateCode::from_random_bytes(&bytes)
                .as_str()
                .to_owned(),
            Err(_) => {
                tracing::error!("the system random generator failed to draw a certificate code");
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_well_formed_and_do_not_repeat() {
        let codes = RandomCertificateCodes::new();
        let drawn: HashSet<String> = (0..1_000).map(|_| codes.new_code()).collect();
        assert_eq!(drawn.len(), 1_000);
        for code in &drawn {
            let parsed = CertificateCode::parse(code).expect("well-formed");
            assert_eq!(parsed.as_str(), code);
        }
    }
}
