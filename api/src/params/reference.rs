//! How a request body names another resource: a URL, an id or a name, written as a JSON
//! string or integer. `app::parse_reference` reads what it says.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// No text field holds a NUL character (`http::screen` refuses one anywhere, 400).
const NO_NUL: &str = r"^[^\x00]*$";

/// A reference to another resource: its URL (`/api/plan/1/`), its id, or its name. In JSON
/// either a string or an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(pub String);

impl Reference {
    pub fn as_text(&self) -> &str {
        &self.0
    }
}

impl Type for Reference {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "Reference".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some(
                "A URL such as /api/plan/1/, an id, or a name. One that names nothing of the kind \
                 the field asks for answers 422.",
            ),
            one_of: vec![
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    pattern: Some(NO_NUL.into()),
                    ..MetaSchema::new("string")
                })),
                MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("integer", "int64"))),
            ],
            ..MetaSchema::ANY
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Reference {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) if !text.contains('\0') => Ok(Reference(text)),
            Some(Value::Number(n)) if n.is_i64() => Ok(Reference(n.to_string())),
            other => Err(ParseError::custom(format!(
                "expected a URL such as /api/plan/1/, an id or a name, found {}",
                other.unwrap_or_default()
            ))),
        }
    }
}

impl ToJSON for Reference {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}
