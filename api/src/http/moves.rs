//! Moves of databases between hosts (operators and admins), a database's moves (whoever reads
//! the database), and a host's drain (admins).

use poem::web::Data;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::ApiResult;
use super::links::Links;
use super::responses::Located;
use super::views::{DrainView, MoveList, MoveView, TaskView};
use super::Tag;
use crate::app::App;
use crate::params::DatabaseMoveRequest;

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum MoveAccepted {
    /// Recorded; a worker moves the database. Follow the task.
    #[oai(status = 202)]
    Accepted(Json<TaskView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum DrainAccepted {
    /// The host is draining: the moves started, and the engines that wait.
    #[oai(status = 202)]
    Accepted(Json<DrainView>),
}

#[OpenApi(tag = "Tag::Operations")]
impl Api {
    /// Move a database to another host (operators and admins)
    ///
    /// Its engine stops cleanly, its data is streamed to a new engine on the other host
    /// (`host`, else the one placement chooses, on another Docker engine), which starts,
    /// is checked (the superuser's login, every role of the database), and then serves the
    /// database: its `endpoint` changes to the new host's address and port, and the old one
    /// is recorded in its moves. The database is down from the stop to the new engine's
    /// start. A move that fails leaves the database working where it was. Ready and
    /// quarantined databases only; refused (409) while another task works on the database.
    #[oai(path = "/api/database/:id/move", method = "post", operation_id = "database_move")]
    async fn database_move(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        body: Json<DatabaseMoveRequest>,
    ) -> ApiResult<MoveAccepted> {
        let task = app.database_move(&auth.0, id.0, body.0).await?;
        let view = TaskView::new(&Links::for_request(app, req), task);
        let location = view.location();
        Ok(MoveAccepted::Accepted(Json(view), location))
    }

    /// List a database's moves
    ///
    /// Every move that switched the database to another host, oldest first: the endpoint
    /// before and after, what was copied, and how long the database was down.
    #[oai(path = "/api/database/:id/move", method = "get", operation_id = "database_move_list")]
    async fn database_move_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<MoveList>> {
        let links = Links::for_request(app, req);
        let moves = app.database_move_list(&auth.0, id.0).await?;
        Ok(Json(MoveList {
            moves: moves.into_iter().map(|m| MoveView::new(&links, m)).collect(),
        }))
    }

    /// Drain a host (admins)
    ///
    /// The host takes no new engines (`draining`), its pooled engines are removed, and each
    /// of its other engines moves to another host of the environment with its data, a
    /// `move_database` task each. Engines whose database is busy wait, and the reconciler
    /// starts their moves on its next passes. Once no engine is left the host is
    /// `cordoned`: it can then be deleted, or made `active` again.
    #[oai(
        path = "/api/environment/:id/host/:host_id/drain",
        method = "post",
        operation_id = "host_drain"
    )]
    async fn host_drain(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
        host_id: Path<i64>,
    ) -> ApiResult<DrainAccepted> {
        let drain = app.host_drain(&auth.0, id.0, host_id.0).await?;
        Ok(DrainAccepted::Accepted(Json(DrainView::new(
            &Links::for_request(app, req),
            drain,
        ))))
    }
}
