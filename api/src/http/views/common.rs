//! Links every resource's views share. They serialize (serde) as their `ToJSON` does, for
//! the views answered [`Serialized`](super::super::serialized::Serialized).

use poem_openapi::Object;
use serde::Serialize;

/// A link to the object itself.
#[derive(Debug, Clone, Object, Serialize)]
pub struct SelfLink {
    #[oai(rename = "self")]
    #[serde(rename = "self")]
    pub self_: String,
}

/// Links of an object that has a latest task.
#[derive(Debug, Clone, Object, Serialize)]
pub struct TaskLinks {
    #[oai(rename = "self")]
    #[serde(rename = "self")]
    pub self_: String,
    /// The latest task working on the object.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

/// Links of a list: its size and its pages.
#[derive(Debug, Clone, Object, Serialize)]
pub struct ListLinks {
    pub count: i64,
    #[oai(rename = "self")]
    #[serde(rename = "self")]
    pub self_: String,
    #[oai(nullable)]
    pub previous: Option<String>,
    #[oai(nullable)]
    pub next: Option<String>,
}
