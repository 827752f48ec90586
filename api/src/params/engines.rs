//! Requests that act on engines.

use poem_openapi::Object;

/// An upgrade of an engine to another image.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EngineUpgrade {
    /// The image to run: of the same engine (its repository's last part, `postgres` in
    /// `dbaas/postgres:15`) and the same major version (the tag's leading number). Another
    /// engine or major version answers 422; an image the engine's Docker host does not have
    /// fails the task, and the engine runs on with its image. Required (422 without): it is
    /// optional in the schema only so that a caller who may not upgrade hears 403 first.
    #[oai(validator(max_length = 255, pattern = r"^[A-Za-z0-9._/:@-]+$"))]
    pub image: Option<String>,
}
