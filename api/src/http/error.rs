//! The one place errors become HTTP: [`ApiError`] for what operations return, and
//! [`json_errors`] for what the framework answers by itself (bad JSON, missing auth, unknown
//! route), so that every error has the same JSON shape.

use poem::http::{header, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::app::AppError;

/// The body of every error response.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// A stable, machine-readable code: `bad_request`, `unauthorized`, `not_found`, ...
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, where there is one.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
}

/// Errors an operation can answer with.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed: it breaks the schema (a value outside a field's or a
    /// parameter's rules, a body field or query parameter the operation does not take, ...).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No credentials, or wrong ones.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// You may see this, but not change it.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource, or not yours to see.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The request conflicts with the current state (a name in use, ...).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The request body is too large.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The request body is not JSON (`Content-Type: application/json`).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Well-formed, as the schema says, but not allowed: a reference that names nothing (an
    /// unknown plan, team, database...), a name the engines keep for themselves, `port_min`
    /// above `port_max`, a rule of the deployment (the allow-list, a quota, a limit the engine
    /// cannot enforce), a cursor this API did not give out, or a missing or wrong
    /// `current_password`. `field` names the field at fault, where there is one.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Something broke on our side.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A backing service is down; nothing was changed, try again.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

fn body(code: &str, message: String, field: Option<&str>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code: code.into(),
        message,
        field: field.map(Into::into),
    })
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let message = e.to_string();
        match e {
            AppError::Invalid { field, .. } => ApiError::BadRequest(body("bad_request", message, field)),
            AppError::Unprocessable { field, .. } => ApiError::Unprocessable(body("unprocessable", message, field)),
            AppError::Forbidden(_) => ApiError::Forbidden(body("forbidden", message, None)),
            AppError::NotFound(_) => ApiError::NotFound(body("not_found", message, None)),
            AppError::Conflict(_) => ApiError::Conflict(body("conflict", message, None)),
            AppError::Unavailable(_) => {
                tracing::warn!(error = %message, "backing service unavailable");
                ApiError::Unavailable(body("unavailable", message, None))
            }
            AppError::Internal(_) => {
                // The detail goes to the log; the client gets no internals.
                tracing::error!(error = %message, "internal error");
                ApiError::Internal(body("internal", "internal error".into(), None))
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

/// The field or parameter poem-openapi names in its own refusals: "field `name` verification
/// failed. ...", "failed to parse parameter `page_size`: ...".
fn field_named(message: &str) -> Option<String> {
    ["field `", "parameter `"].iter().find_map(|marker| {
        let start = message.find(marker)? + marker.len();
        let len = message[start..].find('`')?;
        Some(message[start..start + len].to_owned()).filter(|name| !name.is_empty())
    })
}

const REALM: &str = "Basic realm=\"dbaas\", charset=\"UTF-8\"";

/// Wraps an endpoint so that every error answer is JSON and every 401 says how to log in.
pub fn json_errors<E: Endpoint + 'static>(ep: E) -> impl Endpoint<Output = Response> {
    poem::EndpointExt::around(ep, |ep, req: Request| async move {
        let response = match ep.call(req).await {
            Ok(output) => output.into_response(),
            Err(e) => e.into_response(),
        };
        let status = response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return Ok(response);
        }
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let mut response = if is_json {
            response
        } else {
            let (parts, body) = response.into_parts();
            let text = body.into_string().await.unwrap_or_default();
            let message = if text.trim().is_empty() {
                status.canonical_reason().unwrap_or("error").to_owned()
            } else {
                text
            };
            let field = if status == StatusCode::BAD_REQUEST {
                field_named(&message)
            } else {
                None
            };
            let mut rebuilt = Json(ErrorBody {
                code: code_for(status).into(),
                message,
                field,
            })
            .into_response();
            rebuilt.set_status(status);
            for (name, value) in parts.headers.iter() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    rebuilt.headers_mut().insert(name.clone(), value.clone());
                }
            }
            rebuilt
        };
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(REALM));
        }
        Ok(response)
    })
}

#[cfg(test)]
mod tests {
    use super::field_named;

    #[test]
    fn the_field_of_a_framework_refusal() {
        assert_eq!(
            field_named("parse request payload error: failed to parse \"TeamCreate\": field `name` verification failed. maxLength(64)").as_deref(),
            Some("name")
        );
        assert_eq!(
            field_named("failed to parse parameter `page_size`: verification failed. minimum(1, exclusive: false)")
                .as_deref(),
            Some("page_size")
        );
        assert_eq!(field_named("no field here"), None);
    }
}
