//! [`QueryText`]: a query parameter's text that the spec gives a `pattern`, checked without a
//! regular expression. poem-openapi's `pattern` validator compiles its regex on every check
//! (`Regex::new` in `poem_openapi::validation::Pattern::check`): for the `cursor` of every page
//! after the first, and every filter, tens of microseconds of each request. The schema and the
//! error are the validator's, word for word.

use std::borrow::Cow;
use std::marker::PhantomData;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

/// What a [`QueryText`] holds: its pattern as the spec states it, and the same rule in code.
pub trait TextRule: Send + Sync {
    const PATTERN: &'static str;
    fn holds(text: &str) -> bool;
}

/// Any text without a NUL character (`http::screen` refuses one anywhere in a request, 400).
pub struct NoNul;

impl TextRule for NoNul {
    const PATTERN: &'static str = r"^[^\x00]*$";

    fn holds(text: &str) -> bool {
        !text.contains('\0')
    }
}

/// A database status a list can filter on.
pub struct DatabaseStatusFilter;

impl TextRule for DatabaseStatusFilter {
    const PATTERN: &'static str = r"^(creating|ready|failed|quarantined|deleted)$";

    fn holds(text: &str) -> bool {
        matches!(text, "creating" | "ready" | "failed" | "quarantined" | "deleted")
    }
}

/// The text of a query parameter that follows `R`.
pub struct QueryText<R>(pub String, PhantomData<R>);

impl<R> std::ops::Deref for QueryText<R> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<R> From<QueryText<R>> for String {
    fn from(text: QueryText<R>) -> Self {
        text.0
    }
}

impl<R: TextRule> Type for QueryText<R> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(R::PATTERN.to_owned()),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<R: TextRule> ParseFromParameter for QueryText<R> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        if R::holds(value) {
            Ok(QueryText(value.to_owned(), PhantomData))
        } else {
            Err(ParseError::custom(format!(
                "verification failed. pattern(\"{}\")",
                R::PATTERN
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    fn agrees<R: TextRule>(samples: &[&str]) {
        let regex = Regex::new(R::PATTERN).expect("a valid pattern");
        for sample in samples {
            assert_eq!(
                R::holds(sample),
                regex.is_match(sample),
                "{:?} against {}",
                sample,
                R::PATTERN
            );
        }
    }

    #[test]
    fn each_rule_says_what_its_pattern_says() {
        let samples = [
            "",
            "ready",
            "deleted",
            "Ready",
            "ready ",
            "readyx",
            "creating",
            "failed",
            "quarantined",
            "quarantining",
            "a\0b",
            "\0",
            "YTEw",
            "é",
            "ready\n",
        ];
        agrees::<NoNul>(&samples);
        agrees::<DatabaseStatusFilter>(&samples);
    }
}
