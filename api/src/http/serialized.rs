//! A JSON answer written straight from its view by serde.
//!
//! poem-openapi's `Json<T>` answers through `ToJSON`, which first builds the whole view as a
//! `serde_json::Value` tree (a map with an owned key for every field of every item) and then
//! writes the tree: for a page of a hundred databases, most of the time spent on the answer.
//! [`Serialized`] writes the same view in one pass. Its schema in the spec is `Json<T>`'s, and
//! a view it answers with derives `Serialize` to the same JSON, byte for byte, as its `ToJSON`
//! (field order, names, nulls and time formats; each such view has a test that says so).

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::ApiResponse;
use serde::Serialize;

/// A view answered as JSON, written by its `Serialize`.
#[derive(Debug, Clone)]
pub struct Serialized<T>(pub T);

/// The spec's side of a JSON answer carrying a view of type `T` (its schema, a 200), the same
/// for [`Serialized`] and [`Written`].
macro_rules! json_answer {
    ($answer:ident) => {
        impl<T: Type> Payload for $answer<T> {
            const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

            fn check_content_type(content_type: &str) -> bool {
                <poem_openapi::payload::Json<T> as Payload>::check_content_type(content_type)
            }

            fn schema_ref() -> MetaSchemaRef {
                T::schema_ref()
            }

            fn register(registry: &mut Registry) {
                T::register(registry);
            }
        }

        impl<T: Type + Serialize + Send> ApiResponse for $answer<T> {
            fn meta() -> MetaResponses {
                MetaResponses {
                    responses: vec![MetaResponse {
                        description: "",
                        status: Some(200),
                        status_range: None,
                        content: vec![MetaMediaType {
                            content_type: Self::CONTENT_TYPE,
                            schema: Self::schema_ref(),
                        }],
                        headers: vec![],
                    }],
                }
            }

            fn register(registry: &mut Registry) {
                T::register(registry);
            }
        }
    };
}

json_answer!(Serialized);
json_answer!(Written);

impl<T: Serialize + Send> IntoResponse for Serialized<T> {
    fn into_response(self) -> Response {
        poem::web::Json(self.0).into_response()
    }
}

/// Times as `ToJSON` writes them (`DateTime::to_rfc3339`: `+00:00`, not serde's `Z`).
pub mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&at.to_rfc3339())
    }

    /// The same for a time that may be null.
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::Serializer;

        pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => super::serialize(at, serializer),
                None => serializer.serialize_none(),
            }
        }
    }
}

/// Asserts that `view` writes the same JSON, byte for byte, through `Serialized` as through
/// poem-openapi's `Json`.
#[cfg(test)]
pub fn assert_same_json<T: Serialize + poem_openapi::types::ToJSON>(view: &T) {
    let direct = serde_json::to_string(view).expect("Serialize");
    let through_value = serde_json::to_string(&view.to_json()).expect("ToJSON");
    assert_eq!(direct, through_value);
}

/// A JSON answer already written, for a view of type `T` (whose schema it has in the spec):
/// a page assembled from its items' JSON, each written once while its database is remembered.
#[derive(Debug, Clone)]
pub struct Written<T>(pub String, std::marker::PhantomData<T>);

impl<T> Written<T> {
    pub fn new(json: String) -> Self {
        Self(json, std::marker::PhantomData)
    }
}

impl<T: Send> IntoResponse for Written<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(self.0)
    }
}
