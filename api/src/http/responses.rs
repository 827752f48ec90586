//! Success answers shared by the resources: 201 with a `Location`, and 204.

use poem_openapi::payload::Json;
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::ApiResponse;

/// A view that knows its own URL.
pub trait Located {
    fn location(&self) -> String;
}

#[derive(ApiResponse)]
pub enum Created<T: ToJSON + Type + Send + Sync> {
    /// Created; `Location` is its URL.
    #[oai(status = 201)]
    Created(Json<T>, #[oai(header = "Location")] String),
}

/// Answers 201 with the new object and its URL.
pub fn created<T: ToJSON + Type + Send + Sync + Located>(view: T) -> Created<T> {
    let location = view.location();
    Created::Created(Json(view), location)
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}
