//! Paged lists: `page_size` (default 100, at most 1000) and an opaque `cursor`, with `next`
//! and `previous` links that keep the request's filters.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use dbaas_core::store::{Cursor, Page, PageRequest};
use poem::Request;

use super::views::ListLinks;
use crate::app::AppError;

pub const DEFAULT_PAGE_SIZE: i64 = 100;
pub const MAX_PAGE_SIZE: i64 = 1000;

fn encode(cursor: Cursor) -> Option<String> {
    let raw = match cursor {
        Cursor::Start => return None,
        Cursor::After(id) => format!("a{id}"),
        Cursor::Before(id) => format!("b{id}"),
    };
    Some(URL_SAFE_NO_PAD.encode(raw))
}

fn decode(text: &str) -> Option<Cursor> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let id: i64 = raw.get(1..)?.parse().ok()?;
    match raw.as_bytes().first()? {
        b'a' => Some(Cursor::After(id)),
        b'b' => Some(Cursor::Before(id)),
        _ => None,
    }
}

/// The page a list request asks for, or why it cannot be served.
pub fn page_request(page_size: Option<i64>, cursor: Option<&str>) -> Result<PageRequest, AppError> {
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(AppError::Invalid {
            field: Some("page_size"),
            message: format!("page_size must be between 1 and {MAX_PAGE_SIZE}"),
        });
    }
    let cursor = match cursor.filter(|c| !c.is_empty()) {
        None => Cursor::Start,
        // Any string is a well-formed cursor for the spec; one we did not give out points
        // nowhere, as a reference to nothing does: 422.
        Some(text) => decode(text).ok_or(AppError::Unprocessable {
            field: Some("cursor"),
            message: "cursor is not one this API gave out: follow the next and previous links".into(),
        })?,
    };
    Ok(PageRequest { cursor, size })
}

/// `_links` of a page: `self` is the URL as requested, `next`/`previous` the same with another
/// cursor.
pub fn list_links<T>(base: &str, req: &Request, page: &Page<T>) -> ListLinks {
    let path = req.uri().path();
    let kept: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| url_pairs(q).into_iter().filter(|(k, _)| k != "cursor").collect())
        .unwrap_or_default();
    let link = |cursor: Option<String>| {
        let mut pairs = kept.clone();
        if let Some(c) = cursor {
            pairs.push(("cursor".into(), c));
        }
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let trailing = if path.ends_with('/') { "" } else { "/" };
        if query.is_empty() {
            format!("{base}{path}{trailing}")
        } else {
            format!("{base}{path}{trailing}?{}", query.join("&"))
        }
    };
    let current = req
        .uri()
        .query()
        .and_then(|q| url_pairs(q).into_iter().find(|(k, _)| k == "cursor"))
        .map(|(_, v)| v);
    ListLinks {
        count: page.total,
        self_: link(current),
        next: page.next.and_then(encode).map(|c| link(Some(c))),
        previous: page.previous.and_then(encode).map(|c| link(Some(c))),
    }
}

/// The query's pairs as sent (still percent-encoded, so they can be sent back as they are).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        for cursor in [Cursor::After(7), Cursor::Before(1)] {
            assert_eq!(decode(&encode(cursor).unwrap()), Some(cursor));
        }
        assert!(page_request(None, Some("junk!")).is_err());
        assert!(page_request(None, Some(&URL_SAFE_NO_PAD.encode("x1"))).is_err());
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(1001), None).is_err());
        assert!(page_request(Some(-5), None).is_err());
        assert_eq!(page_request(None, None).unwrap().size, DEFAULT_PAGE_SIZE);
    }
}
