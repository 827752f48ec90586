//! `/api/database/{id}/dumps/`: final dumps taken before a database was destroyed.

use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BasicAuth;
use super::error::{ApiResult, ErrorBody};
use super::links::Links;
use super::ranges::{answer, RangeAnswer};
use super::views::{DumpList, DumpView};
use super::Tag;
use crate::app::App;

#[derive(Default)]
pub struct Api;

#[derive(ApiResponse)]
pub enum Download {
    /// The whole dump.
    #[oai(status = 200, content_type = "application/octet-stream")]
    Full(
        Binary<Vec<u8>>,
        #[oai(header = "Accept-Ranges")] String,
        #[oai(header = "Content-Disposition")] String,
    ),
    /// The part asked for with `Range`.
    #[oai(status = 206, content_type = "application/octet-stream")]
    Partial(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Range")] String,
        #[oai(header = "Accept-Ranges")] String,
    ),
    /// The range asked for is outside the dump.
    #[oai(status = 416)]
    NotSatisfiable(Json<ErrorBody>, #[oai(header = "Content-Range")] String),
}

#[OpenApi(tag = "Tag::Database")]
impl Api {
    /// List a database's final dumps
    #[oai(path = "/api/database/:id/dumps", method = "get", operation_id = "dump_list")]
    async fn dump_list(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        req: &Request,
        id: Path<i64>,
    ) -> ApiResult<Json<DumpList>> {
        let dumps = app.dump_list(&auth.0, id.0).await?;
        let links = Links::for_request(app, req);
        Ok(Json(DumpList {
            dump: dumps.into_iter().map(|d| DumpView::new(&links, d)).collect(),
        }))
    }

    /// Download a final dump
    ///
    /// Supports `Range: bytes=...` to resume or split a download.
    #[oai(
        path = "/api/database/:id/dumps/:dump_id",
        method = "get",
        operation_id = "dump_download"
    )]
    async fn dump_download(
        &self,
        auth: BasicAuth,
        Data(app): Data<&App>,
        id: Path<i64>,
        dump_id: Path<i64>,
        /// The bytes wanted, to resume or split a download: `bytes=START-END`, `bytes=START-`
        /// or `bytes=-LENGTH` (one range; 206 with the part, 416 outside the dump). A value
        /// that is not one such range is ignored, and the whole dump sent (RFC 9110 §14.2).
        #[oai(name = "Range")]
        range: Header<Option<String>>,
    ) -> ApiResult<Download> {
        let dump = app.dump_get(&auth.0, id.0, dump_id.0).await?;
        let size = dump.size_bytes;
        Ok(match answer(range.0.as_deref(), size) {
            RangeAnswer::Full => {
                let bytes = app.dump_read(&dump, 0, size).await?;
                let name = format!(
                    "attachment; filename=\"database-{}-dump-{}.pgdump\"",
                    dump.database_id, dump.id
                );
                Download::Full(Binary(bytes), "bytes".into(), name)
            }
            RangeAnswer::Part { start, end } => {
                let bytes = app.dump_read(&dump, start, end).await?;
                Download::Partial(
                    Binary(bytes),
                    format!("bytes {start}-{}/{size}", end - 1),
                    "bytes".into(),
                )
            }
            RangeAnswer::Unsatisfiable => Download::NotSatisfiable(
                Json(ErrorBody {
                    code: "range_not_satisfiable".into(),
                    message: format!("the dump has {size} bytes"),
                    field: None,
                }),
                format!("bytes */{size}"),
            ),
        })
    }
}
