//! Requests to a stack's API: [`ApiClient`] calls it as one user, as the admin or as nobody;
//! `stack.get(..)` and friends are the admin's. Each answers its status and its JSON body; and
//! helpers to read and check answers.

use serde_json::Value;

use crate::TestStack;

/// An answer: its status, its JSON body (or its text as a JSON string) and its `Location`.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

/// Calls the stack's API as one API user, or as nobody.
pub struct ApiClient<'a> {
    stack: &'a TestStack,
    login: Option<(String, String)>,
}

impl TestStack {
    /// Requests with `username`'s credentials.
    pub fn as_user(&self, username: &str, password: &str) -> ApiClient<'_> {
        ApiClient {
            stack: self,
            login: Some((username.to_owned(), password.to_owned())),
        }
    }

    /// Requests as the stack's admin.
    pub fn as_admin(&self) -> ApiClient<'_> {
        self.as_user(&self.admin_user, &self.admin_password)
    }

    /// Requests without credentials.
    pub fn anonymous(&self) -> ApiClient<'_> {
        ApiClient {
            stack: self,
            login: None,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.as_admin().get(path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.as_admin().post(path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.as_admin().patch(path, body).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.as_admin().delete(path).await
    }

    /// Resets a credential's password as the admin (an empty POST body, as curl `-d ''`
    /// sends); the answer must be 200 with the new password. Returns the credential's view.
    pub async fn reset_password(&self, credential_id: i64) -> Value {
        let response = self
            .http
            .post(self.url(&format!("/api/credential/{credential_id}/reset_password/")))
            .basic_auth(&self.admin_user, Some(&self.admin_password))
            .body("")
            .send()
            .await
            .expect("reset_password");
        assert_eq!(response.status(), 200, "reset_password");
        response.json().await.expect("the reset's answer")
    }

    /// The connection URI of a database's owner credential (its first).
    pub async fn owner_uri(&self, database: &Value) -> String {
        let link = database["credentials"][0]["_links"]["self"]
            .as_str()
            .expect("credential link");
        let (_, credential) = self.get(&format!("/api/credential/{}/", id_of(link))).await;
        credential["connection_uri"]
            .as_str()
            .expect("connection_uri")
            .to_owned()
    }
}

impl ApiClient<'_> {
    /// Sends `method` to `path` (or to an absolute URL, such as a `next` link) with an
    /// optional JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.stack.url(path)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.stack.http.request(method.clone(), url);
        if let Some((user, password)) = &self.login {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, location }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.send("GET", path, None).await;
        (reply.status, reply.body)
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let reply = self.send("POST", path, Some(body)).await;
        (reply.status, reply.body)
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        let reply = self.send("PATCH", path, Some(body)).await;
        (reply.status, reply.body)
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let reply = self.send("DELETE", path, None).await;
        (reply.status, reply.body)
    }

    /// The engine serving `database_id`, as this client's fleet list shows it (`None` while
    /// it shows none).
    pub async fn engine_serving(&self, database_id: i64) -> Option<Value> {
        let (status, list) = self.get("/api/engine/?page_size=1000").await;
        assert_eq!(status, 200, "{list}");
        list["engine"]
            .as_array()
            .expect("engine list")
            .iter()
            .find(|e| {
                e["databases"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d["id"] == database_id))
            })
            .cloned()
    }

    /// Creates through the API and checks the 201: `Location` is the object's own link.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let reply = self.send("POST", path, Some(&body)).await;
        assert_eq!(reply.status, 201, "POST {path} {body}: {}", reply.body);
        let link = reply.body["_links"]["self"].as_str().expect("_links.self");
        assert_eq!(reply.location.as_deref(), Some(link), "Location");
        reply.body
    }
}

/// Checks an error answer: its status, and the field it names (if any is expected).
pub fn refused(reply: (u16, Value), status: u16, field: Option<&str>) -> Value {
    let (got, body) = reply;
    assert_eq!(got, status, "{body}");
    assert!(body["code"].is_string(), "errors are JSON: {body}");
    if let Some(field) = field {
        assert_eq!(body["field"], field, "{body}");
    }
    body
}

/// The id at the end of a link such as `http://host/api/task/3/`.
pub fn id_of(link: &str) -> i64 {
    link.trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {link}"))
}

/// The id of a database's latest task.
pub fn task_id(database: &Value) -> i64 {
    id_of(database["_links"]["task"].as_str().expect("_links.task"))
}

/// An object's own path (`/api/...`), from its `_links.self`.
pub fn path_of(object: &Value) -> String {
    let link = object["_links"]["self"].as_str().expect("_links.self");
    link[link.find("/api/").expect("an API link")..].to_owned()
}

/// The `name` of each item in the list under `key` of a list answer.
pub fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}
