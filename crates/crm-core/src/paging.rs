//! Paging: `limit`/`offset` requests and `items`/`total` pages.

use serde::{Deserialize, Serialize};

/// Default page size when a request names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size a request may ask for.
pub const MAX_LIMIT: u32 = 500;

/// A bounded window into a list: at most [`MAX_LIMIT`] rows from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    offset: u64,
}

impl PageRequest {
    /// A page of `limit` rows (default 50) from `offset` (default 0); `None` when `limit` is 0
    /// or above [`MAX_LIMIT`], or `offset` beyond `i64::MAX`.
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Option<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        if limit == 0 || limit > MAX_LIMIT || offset > i64::MAX as u64 {
            return None;
        }
        Some(Self { limit, offset })
    }

    /// Rows per page.
    pub fn limit(self) -> u32 {
        self.limit
    }

    /// Rows skipped.
    pub fn offset(self) -> u64 {
        self.offset
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of a list with the total count of rows matching the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows of this page, in a stable order.
    pub items: Vec<T>,
    /// How many rows match the filters in all.
    pub total: u64,
    /// The page size used.
    pub limit: u32,
    /// The offset used.
    pub offset: u64,
}

impl<T> Page<T> {
    /// Converts every row, keeping the counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_page_sizes() {
        assert_eq!(PageRequest::new(None, None), Some(PageRequest::default()));
        assert_eq!(
            PageRequest::new(Some(500), Some(10)).map(|p| p.limit()),
            Some(500)
        );
        assert_eq!(PageRequest::new(Some(501), None), None);
        assert_eq!(PageRequest::new(Some(0), None), None);
        assert_eq!(PageRequest::new(None, Some(u64::MAX)), None);
    }
}
