//! [`CertificateCode`]: the code printed on a certificate and typed in at the till.
//!
//! 16 characters of Crockford's base32 alphabet (digits and upper-case Latin letters without
//! `I`, `L`, `O` and `U`), so 80 bits of randomness that are hard to guess and hard to misread.
//! People see it grouped (`7K3M-Q9XD-2FHN-W4RT`); it is stored without dashes in upper case.
//! Input is forgiving: any case, with or without dashes or spaces, and Crockford's aliases
//! (`O` → `0`, `I`/`L` → `1`) for what a person may misread from paper.

use crm_core::FieldError;
use std::fmt;

/// The characters of a code, in the order a 5-bit value picks them.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
pub const CODE_CHARS: usize = 16;
/// Random bytes behind a code: 16 characters × 5 bits = 80 bits.
pub const CODE_RANDOM_BYTES: usize = 10;
/// Characters per group in the displayed form.
const GROUP_CHARS: usize = 4;

/// A well-formed certificate code, normalised (upper case, no dashes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateCode(String);

/// The normalised character for one typed character, or `None` when it cannot be part of a
/// code.
fn normalised_char(c: char) -> Option<char> {
    let upper = c.to_ascii_uppercase();
    let mapped = match upper {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    (mapped.is_ascii() && CODE_ALPHABET.contains(&(mapped as u8))).then_some(mapped)
}

impl CertificateCode {
    /// Reads a code as a person typed it: any case, dashes and spaces anywhere, Crockford's
    /// aliases for `0` and `1`. Anything else, or a length other than 16, is refused.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let refused = || {
            FieldError::new(
                "code",
                "must be 16 characters of 0-9 and A-Z without I, L, O and U, such as 7K3M-Q9XD-2FHN-W4RT",
            )
        };
        let mut code = String::with_capacity(CODE_CHARS);
        for c in raw.chars() {
            if c == '-' || c == ' ' {
                continue;
            }
            code.push(normalised_char(c).ok_or_else(refused)?);
            if code.len() > CODE_CHARS {
                return Err(refused());
            }
        }
        if code.len() == CODE_CHARS {
            Ok(Self(code))
        } else {
            Err(refused())
        }
    }

    /// Encodes 80 random bits as a code, 5 bits per character, most significant first. The
    /// randomness itself comes from outside the domain (see
    /// [`crate::certificates::ports::CertificateCodes`]).
    pub fn from_random_bytes(bytes: &[u8; CODE_RANDOM_BYTES]) -> Self {
        let bits = bytes
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
        let code = (0..CODE_CHARS)
            .rev()
            .map(|i| {
                let index = ((bits >> (i * 5)) & 0x1f) as usize;
                char::from(CODE_ALPHABET[index])
            })
            .collect();
        Self(code)
    }

    /// Rebuilds a stored (already normalised) code.
    pub fn from_trusted(code: String) -> Self {
        Self(code)
    }

    /// The normalised code: upper case, no dashes (the stored form).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as people see it: `XXXX-XXXX-XXXX-XXXX`.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(CODE_CHARS + CODE_CHARS / GROUP_CHARS);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % GROUP_CHARS == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_in_any_case_with_or_without_dashes() {
        let code = CertificateCode::parse("7K3M-Q9XD-2FHN-W4RT").expect("valid");
        assert_eq!(code.as_str(), "7K3MQ9XD2FHNW4RT");
        assert_eq!(code.grouped(), "7K3M-Q9XD-2FHN-W4RT");
        assert_eq!(code.to_string(), "7K3M-Q9XD-2FHN-W4RT");
        for spelling in [
            "7k3m-q9xd-2fhn-w4rt",
            "7K3MQ9XD2FHNW4RT",
            " 7k3m q9xd 2fhn w4rt ",
            "7K3M-Q9XD2FHN-W4RT",
        ] {
            assert_eq!(
                CertificateCode::parse(spelling),
                Ok(code.clone()),
                "{spelling}"
            );
        }
    }

    #[test]
    fn misread_letters_become_digits_and_the_rest_is_refused() {
        assert_eq!(
            CertificateCode::parse("oooo-iiii-llll-0000").map(|c| c.0),
            Ok("0000111111110000".into())
        );
        for bad in [
            "",
            "7K3M-Q9XD-2FHN-W4R",
            "7K3M-Q9XD-2FHN-W4RTX",
            "7K3M-Q9XD-2FHN-W4RU",
            "7K3M_Q9XD_2FHN_W4RT",
            "7К3М-Q9XD-2FHN-W4RT",
            "7K3M-Q9XD-2FHN-W4R!",
        ] {
            assert!(CertificateCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_bytes_become_sixteen_alphabet_characters() {
        assert_eq!(
            CertificateCode::from_random_bytes(&[0; CODE_RANDOM_BYTES]).as_str(),
            "0000000000000000"
        );
        assert_eq!(
            CertificateCode::from_random_bytes(&[0xff; CODE_RANDOM_BYTES]).as_str(),
            "ZZZZZZZZZZZZZZZZ"
        );
        // 0x08 0x86 0x42 ... : the first 5 bits are 00001, the next 00010, then 00011 ...
        let code = CertificateCode::from_random_bytes(&[
            0b0000_1000,
            0b1000_0110,
            0b0100_0010,
            0b1001_1000,
            0b1110_1000,
            0,
            0,
            0,
            0,
            0,
        ]);
        assert_eq!(&code.as_str()[..8], "12345678");
        let code = CertificateCode::from_random_bytes(&[1, 35, 69, 103, 137, 171, 205, 239, 7, 99]);
        assert_eq!(code.as_str().len(), CODE_CHARS);
        assert_eq!(CertificateCode::parse(&code.grouped()), Ok(code.clone()));
        assert!(code.as_str().bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }
}
