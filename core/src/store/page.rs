//! Keyset pagination: pages are cut by id, so they stay stable while rows are added.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Start,
    /// The rows after this id.
    After(i64),
    /// The rows before this id (a "previous" link).
    Before(i64),
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub cursor: Cursor,
    pub size: i64,
}

/// One page of rows, with what is needed to link to its neighbours.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// All rows matching the filters, on every page.
    pub total: i64,
    /// The cursor of the next page, if there is one.
    pub next: Option<Cursor>,
    /// The cursor of the previous page, if there is one.
    pub previous: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `size + 1` rows in ascending id order (one more than asked
    /// tells whether more follow in the direction of travel).
    pub fn from_rows(mut rows: Vec<T>, total: i64, request: &PageRequest, id: impl Fn(&T) -> i64) -> Self {
        let size = usize::try_from(request.size).unwrap_or(0);
        let more = rows.len() > size;
        match request.cursor {
            Cursor::Before(_) => {
                if more {
                    rows.remove(0);
                }
            }
            _ => rows.truncate(size),
        }
        let first = rows.first().map(&id);
        let last = rows.last().map(&id);
        let (next, previous) = match request.cursor {
            Cursor::Start => (more.then_some(()).and(last.map(Cursor::After)), None),
            Cursor::After(_) => (
                more.then_some(()).and(last.map(Cursor::After)),
                first.map(Cursor::Before),
            ),
            Cursor::Before(before) => (
                Some(last.map_or(Cursor::Before(before + 1), Cursor::After)),
                more.then_some(()).and(first.map(Cursor::Before)),
            ),
        };
        Page {
            items: rows,
            total,
            next,
            previous,
        }
    }

    /// The same page over other items (one for each of this page's, in order).
    pub fn map_with<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            total: self.total,
            next: self.next,
            previous: self.previous,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next: self.next,
            previous: self.previous,
        }
    }
}

/// How many rows a page's query asks for at most, written into its SQL: the fewest of these
/// that holds `size + 1` rows (the extra ones are dropped).
const ROW_LIMITS: [i64; 7] = [11, 26, 51, 101, 201, 501, 1001];

/// A query with its `LIMIT` written into the SQL instead of bound as a parameter, from a few
/// values ([`ROW_LIMITS`]).
///
/// Why: the pool's connections keep each query as a prepared statement, and Postgres plans a
/// prepared statement afresh on every execution (a "custom" plan) until the plan that ignores
/// the parameters (the "generic" one) looks no dearer. For a generic plan a bound `LIMIT` is an
/// unknown one, which Postgres takes for a tenth of the rows: the generic plan then looked far
/// dearer than it is, so a page was planned on every request, and planning a page's six-table
/// join took several times as long as running it. With the limit written out the generic plan
/// is costed as it runs, and after five executions a connection stops planning the query.
#[derive(Debug, Clone, Copy)]
pub struct Limited<Q> {
    query: Q,
    limit: i64,
}

impl<Q> Limited<Q> {
    /// `query` limited to at least `rows` rows (at most the largest of [`ROW_LIMITS`]).
    pub fn new(query: Q, rows: i64) -> Self {
        let limit = ROW_LIMITS
            .iter()
            .copied()
            .find(|&limit| limit >= rows)
            .unwrap_or(ROW_LIMITS[ROW_LIMITS.len() - 1]);
        Self { query, limit }
    }
}

impl<Q: Query> Query for Limited<Q> {
    type SqlType = Q::SqlType;
}

/// Not a static id: the SQL depends on the limit, so the statement cache keys it by its text.
impl<Q> QueryId for Limited<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Limited<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

/// Loads the rows of one page, up to `size + 1` in ascending id order (what
/// [`Page::from_rows`] takes): `$query` is a closure giving the filtered, boxed, unselected
/// query; `$id` the id column; `$select` what to select.
macro_rules! load_rows {
    ($conn:expr, $query:expr, $id:expr, $select:expr, $request:expr) => {{
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use $crate::store::page::{Cursor, Limited};
        let request = $request;
        let limit = request.size + 1;
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        match request.cursor {
            Cursor::Start => {
                let mut rows: Vec<_> = Limited::new($query().select($select).order($id.asc()), limit)
                    .load($conn)
                    .await?;
                rows.truncate(take);
                rows
            }
            Cursor::After(after) => {
                let mut rows: Vec<_> =
                    Limited::new($query().filter($id.gt(after)).select($select).order($id.asc()), limit)
                        .load($conn)
                        .await?;
                rows.truncate(take);
                rows
            }
            Cursor::Before(before) => {
                let mut rows: Vec<_> =
                    Limited::new($query().filter($id.lt(before)).select($select).order($id.desc()), limit)
                        .load($conn)
                        .await?;
                rows.truncate(take);
                rows.reverse();
                rows
            }
        }
    }};
}
pub(crate) use load_rows;

/// Loads one page and counts every row matching the filters: the arguments of
/// [`load_rows`], and how to tell a row's id.
macro_rules! load_page {
    ($conn:expr, $query:expr, $id:expr, $select:expr, $request:expr, $row_id:expr) => {{
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let request = $request;
        let total: i64 = $query().count().get_result($conn).await?;
        let rows = $crate::store::page::load_rows!($conn, $query, $id, $select, request);
        $crate::store::page::Page::from_rows(rows, total, &request, $row_id)
    }};
}
pub(crate) use load_page;

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: &[i64], cursor: Cursor, size: i64) -> Page<i64> {
        Page::from_rows(rows.to_vec(), 10, &PageRequest { cursor, size }, |r| *r)
    }

    #[test]
    fn a_limit_is_written_from_a_few_values() {
        use diesel::prelude::*;

        use crate::schema::plans;
        let sql = |rows| diesel::debug_query::<Pg, _>(&Limited::new(plans::table.select(plans::id), rows)).to_string();
        assert!(sql(3).contains(" LIMIT 11 "), "{}", sql(3));
        assert!(sql(101).contains(" LIMIT 101 "), "{}", sql(101));
        assert!(sql(102).contains(" LIMIT 201 "), "{}", sql(102));
        assert!(sql(5000).contains(" LIMIT 1001 "), "{}", sql(5000));
    }

    #[test]
    fn first_page_links_forward_only() {
        let p = page(&[1, 2, 3], Cursor::Start, 2);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next, Some(Cursor::After(2)));
        assert_eq!(p.previous, None);
    }

    #[test]
    fn last_page_has_no_next() {
        let p = page(&[3, 4], Cursor::After(2), 2);
        assert_eq!(p.items, vec![3, 4]);
        assert_eq!(p.next, None);
        assert_eq!(p.previous, Some(Cursor::Before(3)));
    }

    #[test]
    fn going_back_keeps_the_rows_nearest_the_cursor() {
        // Rows before id 5, ascending, one more than the page holds.
        let p = page(&[2, 3, 4], Cursor::Before(5), 2);
        assert_eq!(p.items, vec![3, 4]);
        assert_eq!(p.previous, Some(Cursor::Before(3)));
        assert_eq!(p.next, Some(Cursor::After(4)));
        let p = page(&[1], Cursor::Before(2), 2);
        assert_eq!(p.items, vec![1]);
        assert_eq!(p.previous, None);
    }
}
