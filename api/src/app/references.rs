//! References to other resources as requests write them: a URL (`/api/plan/1/`, or absolute),
//! an id (`1` or `"1"`), or a name (`"postgres-small"`).

use dbaas_core::model::Ref;

use super::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Database,
    Plan,
    Environment,
    Project,
    Team,
}

impl ResourceKind {
    pub fn path_segment(self) -> &'static str {
        match self {
            ResourceKind::Database => "database",
            ResourceKind::Plan => "plan",
            ResourceKind::Environment => "environment",
            ResourceKind::Project => "project",
            ResourceKind::Team => "team",
        }
    }
}

/// Parses a textual reference to a resource of `kind`; `field` names it in errors. Any JSON
/// string is a well-formed reference (the spec says no more), so one that cannot name a
/// resource of `kind` (blank, another kind's URL, a path that is no URL of ours) is
/// unprocessable, as a reference to nothing is: 422.
pub fn parse_reference(kind: ResourceKind, field: &'static str, raw: &str) -> Result<Ref, AppError> {
    let raw = raw.trim();
    let invalid = |message: String| AppError::Unprocessable {
        field: Some(field),
        message,
    };
    if raw.is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(Ref::Id(id));
    }
    if raw.contains('/') {
        // Absolute URLs are accepted whatever their host: only the path names the resource.
        let path = match raw.find("://") {
            Some(scheme_end) => {
                let rest = &raw[scheme_end + 3..];
                rest.find('/').map_or("", |i| &rest[i..])
            }
            None => raw,
        };
        let mut segments = path.trim_matches('/').split('/');
        let (api, segment, id, extra) = (segments.next(), segments.next(), segments.next(), segments.next());
        if api == Some("api") && extra.is_none() {
            if segment != Some(kind.path_segment()) {
                return Err(invalid(format!(
                    "'{raw}' is not a {} (expected /api/{}/<id>/)",
                    kind.path_segment(),
                    kind.path_segment()
                )));
            }
            if let Some(Ok(id)) = id.map(str::parse::<i64>) {
                return Ok(Ref::Id(id));
            }
        }
        return Err(invalid(format!(
            "'{raw}' is not a {kind} reference: use /api/{kind}/<id>/, an id or a name",
            kind = kind.path_segment()
        )));
    }
    Ok(Ref::Name(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_urls_ids_and_names() {
        let plan = |raw| parse_reference(ResourceKind::Plan, "plan", raw);
        assert_eq!(plan("/api/plan/1/").unwrap(), Ref::Id(1));
        assert_eq!(plan("/api/plan/12").unwrap(), Ref::Id(12));
        assert_eq!(plan("http://localhost:8000/api/plan/3/").unwrap(), Ref::Id(3));
        assert_eq!(plan("7").unwrap(), Ref::Id(7));
        assert_eq!(plan("postgres-small").unwrap(), Ref::Name("postgres-small".into()));
    }

    #[test]
    fn refuses_references_to_something_else() {
        let plan = |raw| parse_reference(ResourceKind::Plan, "plan", raw);
        assert!(plan("/api/environment/1/").is_err());
        assert!(plan("/api/plan/x/").is_err());
        assert!(plan("/api/plan/1/extra/").is_err());
        assert!(plan("/etc/passwd").is_err());
        assert!(plan(" ").is_err());
    }
}
