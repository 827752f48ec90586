//! The API client, generated at build time from `openapi/dbaas.json` by progenitor
//! (`build.rs`), and the one place it is given the login: progenitor ignores the spec's
//! security schemes, so every request carries a Basic `Authorization` header set here.

#[allow(dead_code, clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

use std::time::Duration;

use base64::Engine as _;
pub use generated::{types, Client};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use crate::error::CliError;
use crate::login::Login;

/// How long one request may take; streams (`engine logs -f`, dump downloads) have none.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of the API at `login.url`, as `login.user`. `streaming` drops the request time
/// limit, for answers that last (log follow, large dumps).
pub fn connect(login: &Login, streaming: bool) -> Result<Client, CliError> {
    // reqwest is built without a bundled crypto provider: rustls with ring, as the workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", login.user, login.password));
    let mut value = HeaderValue::from_str(&format!("Basic {token}"))
        .map_err(|_| CliError::Login("the user name cannot be sent in a header".into()))?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let mut builder = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("dbaas-cli/", env!("CARGO_PKG_VERSION")));
    if !streaming {
        builder = builder.timeout(REQUEST_TIMEOUT);
    }
    let http = builder.build().map_err(CliError::other)?;
    Ok(Client::new_with_client(login.url.trim_end_matches('/'), http))
}

/// The id at the end of an API URL (`http://.../api/task/12/` is 12).
pub fn id_in(url: &str) -> Option<i64> {
    url.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

/// The cursor of a list's `next` link, to ask for the following page.
pub fn cursor_of(link: Option<&str>) -> Option<String> {
    let url = reqwest::Url::parse(link?).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

/// Every item of a list, page after page: `fetch` reads the page at a cursor (the first page
/// at none) and answers its items and its `next` link.
pub async fn every_page<C, T, F, Fut>(mut fetch: F) -> Result<Vec<T>, CliError>
where
    C: std::str::FromStr,
    C::Err: std::fmt::Display,
    F: FnMut(Option<C>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), CliError>>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = fetch(cursor.take()).await?;
        items.extend(page);
        match cursor_of(next.as_deref()) {
            Some(next) => cursor = Some(arg("cursor", &next)?),
            None => return Ok(items),
        }
    }
}

/// A command-line value as the generated type of that parameter, which checks it as the
/// spec says (a pattern, a range); a value it refuses is a usage error naming the field.
pub fn arg<T>(field: &str, value: &str) -> Result<T, CliError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| CliError::Usage(format!("{field}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_cursors_come_from_links() {
        assert_eq!(id_in("http://h/api/task/12/"), Some(12));
        assert_eq!(id_in("http://h/api/task/12"), Some(12));
        assert_eq!(id_in("http://h/api/task/"), None);
        assert_eq!(
            cursor_of(Some("http://h/api/database/?page_size=2&cursor=a%2Bb")).as_deref(),
            Some("a+b")
        );
        assert_eq!(cursor_of(None), None);
    }
}
