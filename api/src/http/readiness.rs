//! `GET /ready` beside `/health`: 200 while the catalog and Redis both answer, 503 (saying
//! which does not, never why) while one does not; `/health` stays 200 as long as the process
//! runs. Outside the tenants' spec, as `/health` is.

use dbaas_core::readiness::Readiness;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{handler, IntoResponse, Response};

use crate::app::App;

#[handler]
pub async fn ready(Data(app): Data<&App>) -> Response {
    let readiness = Readiness::probe(&app.store, &app.queue).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(readiness.body()).with_status(status).into_response()
}
