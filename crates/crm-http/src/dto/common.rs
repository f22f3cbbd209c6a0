//! Small shared pieces of request parsing.

use serde::{Deserialize, Deserializer};

/// Deserialises a field that may be absent (keep), `null` (clear) or a value (set).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
