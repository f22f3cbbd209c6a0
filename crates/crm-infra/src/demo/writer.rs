//! The bulk writer: multi-row `INSERT` statements built from generated values, flushed in
//! foreign-key order inside the caller's transaction.

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use std::fmt::Write as _;

/// Rows per `INSERT` statement.
const ROWS_PER_STATEMENT: usize = 400;

/// One value of a generated row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    /// An integer.
    I(i64),
    /// A text (quoted and escaped on the way out).
    T(&'a str),
    /// NULL.
    Null,
}

impl V<'_> {
    /// An optional integer.
    pub(crate) fn oi(value: Option<i64>) -> V<'static> {
        value.map_or(V::Null, V::I)
    }
}

/// Rows waiting for one table.
#[derive(Debug)]
pub(crate) struct Insert {
    head: String,
    values: String,
    rows: usize,
}

impl Insert {
    /// Rows for `table (columns)`.
    pub(crate) fn new(table: &str, columns: &str) -> Self {
        Self {
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            values: String::with_capacity(64 * 1024),
            rows: 0,
        }
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, values: &[V<'_>]) {
        if self.rows > 0 {
            self.values.push(',');
        }
        self.values.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.values.push(',');
            }
            match value {
                V::I(n) => {
                    let _ = write!(self.values, "{n}");
                }
                V::T(text) => {
                    self.values.push('\'');
                    for c in text.chars() {
                        if c == '\'' {
                            self.values.push('\'');
                        }
                        self.values.push(c);
                    }
                    self.values.push('\'');
                }
                V::Null => self.values.push_str("NULL"),
            }
        }
        self.values.push(')');
        self.rows += 1;
    }

    /// Whether a statement's worth of rows waits.
    pub(crate) fn full(&self) -> bool {
        self.rows >= ROWS_PER_STATEMENT
    }

    /// Writes what waits.
    pub(crate) fn flush(&mut self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut sql = String::with_capacity(self.head.len() + self.values.len());
        sql.push_str(&self.head);
        sql.push_str(&self.values);
        conn.batch_execute(&sql)?;
        self.values.clear();
        self.rows = 0;
        Ok(())
    }
}

/// Several tables' rows, flushed together in the order they were named (parents first).
#[derive(Debug, Default)]
pub(crate) struct Writer {
    tables: Vec<Insert>,
}

impl Writer {
    /// Adds a table; returns its index.
    pub(crate) fn table(&mut self, table: &str, columns: &str) -> usize {
        self.tables.push(Insert::new(table, columns));
        self.tables.len() - 1
    }

    /// Adds a row to the table at `index`.
    pub(crate) fn row(&mut self, index: usize, values: &[V<'_>]) {
        if let Some(t) = self.tables.get_mut(index) {
            t.row(values);
        }
    }

    /// Flushes every table when one of them holds a statement's worth of rows.
    pub(crate) fn maybe_flush(&mut self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        if self.tables.iter().any(Insert::full) {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Flushes every table, parents first.
    pub(crate) fn flush(&mut self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        for t in &mut self.tables {
            t.flush(conn)?;
        }
        Ok(())
    }
}
