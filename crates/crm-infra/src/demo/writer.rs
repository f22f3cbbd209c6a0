//! The bulk writer: multi-row `INSERT` statements with bound parameters, flushed in
//! foreign-key order inside the caller's transaction.
//!
//! Rows are kept as values (no SQL text per row). A flush writes them in statements of 256
//! rows, and the remainder in statements of 128, 64, … 1 rows, so each table needs at most nine
//! different statements: the connection prepares each once and reuses it for the whole load
//! (the statement is cached by its text and the types of its parameters; a column's NULLs are
//! bound with the column's type so the types stay the same from statement to statement).

use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryResult, RunQueryDsl};

/// Rows per full `INSERT` statement (a power of two; 256 rows × 26 columns stay well under
/// SQLite's limit of bound parameters).
const ROWS_PER_STATEMENT: usize = 256;

/// One value of a generated row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    /// An integer.
    I(i64),
    /// A text.
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

/// A stored value: texts live in one buffer of the table.
#[derive(Debug, Clone, Copy)]
enum Value {
    I(i64),
    T(usize, usize),
    Null,
}

/// The type a column binds with (learned from its first non-NULL value; integer until then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Long,
    Text,
}

static NO_TEXT: Option<&'static str> = None;
static NO_INTEGER: Option<i64> = None;

/// One statement: its SQL around the values it binds, in order. Diesel writes the `?` of
/// each bound value itself.
struct Statement<'q> {
    /// `INSERT INTO t (columns) VALUES ` followed by rows of `width` values; or, without a
    /// width, the SQL pieces between the values (one more piece than values).
    head: &'q str,
    pieces: &'q [&'q str],
    width: usize,
    values: &'q [Value],
    text: &'q str,
    kinds: &'q [Kind],
}

impl Statement<'_> {
    fn bind<'b>(&'b self, i: usize, out: &mut AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        match &self.values[i] {
            Value::I(n) => out.push_bind_param::<BigInt, i64>(n),
            Value::T(from, to) => {
                out.push_bind_param::<Text, str>(self.text.get(*from..*to).unwrap_or(""))
            }
            Value::Null => match self.kinds.get(i % self.width.max(1)) {
                Some(Kind::Text) => out.push_bind_param::<Nullable<Text>, _>(&NO_TEXT),
                _ => out.push_bind_param::<Nullable<BigInt>, _>(&NO_INTEGER),
            },
        }
    }
}

impl QueryFragment<Sqlite> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        if self.width == 0 {
            for (i, piece) in self.pieces.iter().enumerate() {
                out.push_sql(piece);
                if i < self.values.len() {
                    self.bind(i, &mut out)?;
                }
            }
            return Ok(());
        }
        out.push_sql(self.head);
        for i in 0..self.values.len() {
            let column = i % self.width;
            out.push_sql(match (column, i) {
                (0, 0) => "(",
                (0, _) => "),(",
                _ => ",",
            });
            self.bind(i, &mut out)?;
        }
        out.push_sql(")");
        Ok(())
    }
}

impl QueryId for Statement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<SqliteConnection> for Statement<'_> {}

/// Runs one statement with integer parameters (`pieces` are the SQL around them: one more
/// than `values`) through the connection's statement cache: prepared once, reused for every
/// later call with the same text.
pub(crate) fn execute_ints(
    conn: &mut SqliteConnection,
    pieces: &[&str],
    values: &[i64],
) -> QueryResult<usize> {
    let values: Vec<Value> = values.iter().map(|&v| Value::I(v)).collect();
    Statement {
        head: "",
        pieces,
        width: 0,
        values: &values,
        text: "",
        kinds: &[],
    }
    .execute(conn)
}

/// Rows waiting for one table.
#[derive(Debug)]
pub(crate) struct Insert {
    head: String,
    width: usize,
    kinds: Vec<Kind>,
    values: Vec<Value>,
    text: String,
    rows: usize,
}

impl Insert {
    /// Rows for `table (columns)`.
    pub(crate) fn new(table: &str, columns: &str) -> Self {
        let width = columns.split(',').count();
        Self {
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            width,
            kinds: vec![Kind::Long; width],
            values: Vec::with_capacity(ROWS_PER_STATEMENT * width),
            text: String::with_capacity(64 * 1024),
            rows: 0,
        }
    }

    /// Adds a row (as many values as columns).
    pub(crate) fn row(&mut self, values: &[V<'_>]) {
        debug_assert_eq!(values.len(), self.width);
        for (i, value) in values.iter().enumerate() {
            self.values.push(match value {
                V::I(n) => Value::I(*n),
                V::T(text) => {
                    if let Some(kind) = self.kinds.get_mut(i) {
                        *kind = Kind::Text;
                    }
                    let from = self.text.len();
                    self.text.push_str(text);
                    Value::T(from, self.text.len())
                }
                V::Null => Value::Null,
            });
        }
        self.rows += 1;
    }

    /// Whether a statement's worth of rows waits.
    pub(crate) fn full(&self) -> bool {
        self.rows >= ROWS_PER_STATEMENT
    }

    /// Writes what waits.
    pub(crate) fn flush(&mut self, conn: &mut SqliteConnection) -> QueryResult<()> {
        let mut done = 0;
        while done < self.rows {
            let left = self.rows - done;
            let rows = if left >= ROWS_PER_STATEMENT {
                ROWS_PER_STATEMENT
            } else {
                1 << (usize::BITS - 1 - left.leading_zeros())
            };
            let from = done * self.width;
            let to = (done + rows) * self.width;
            Statement {
                head: &self.head,
                pieces: &[],
                width: self.width,
                values: &self.values[from..to],
                text: &self.text,
                kinds: &self.kinds,
            }
            .execute(conn)?;
            done += rows;
        }
        self.values.clear();
        self.text.clear();
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
    pub(crate) fn maybe_flush(&mut self, conn: &mut SqliteConnection) -> QueryResult<()> {
        if self.tables.iter().any(Insert::full) {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Flushes every table, parents first.
    pub(crate) fn flush(&mut self, conn: &mut SqliteConnection) -> QueryResult<()> {
        for t in &mut self.tables {
            t.flush(conn)?;
        }
        Ok(())
    }
}
