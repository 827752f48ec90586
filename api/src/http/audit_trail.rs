//! The audit trail's middleware: which calls are recorded, and when.
//!
//! - **State-changing calls** (POST, PUT, PATCH, DELETE under `/api/`) are recorded once the
//!   caller is authenticated and *before* the handler runs ([`authenticated`], called by
//!   [`super::auth`]'s check): a record with no status yet. If it cannot be written the call
//!   answers 503 and its handler never runs, so nothing changes unrecorded. After the handler,
//!   the status answered is written into it (and, for a create, the created resource's path,
//!   from the answer's `_links.self`); an outcome that cannot be written is logged as an error,
//!   and the record keeps no status.
//! - **Password reads** (`credential_get` answering 200) are recorded after the call; one that
//!   cannot be written is logged as an error and the read is answered all the same.
//! - **Failed logins** (a wrong password or an unknown username, [`login_failed`]) are recorded
//!   with the username as given, never the password, at most [`FAILED_LOGIN_BURST`] at once and
//!   [`FAILED_LOGINS_PER_MINUTE`] a minute per api process (`governor`'s GCRA limiter, lock-free
//!   and well kept), so a flood of guesses cannot fill the catalog's disk; what the limit drops
//!   is counted and logged as a warning at most once a minute.
//!
//! A record holds the caller, their client address, the operation's `operationId` (from the
//! served spec, [`super::allow`]), the method, the path and the status: never a request or
//! response body, so never a password.
//!
//! The middleware puts an [`AuditSlot`] into each API request; the login check fills it in,
//! and the middleware reads it once the handler has answered.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbaas_core::store::Caller;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

use super::allow::AllowTable;
use crate::app::{audit_path, App, AuditCall, LOGIN_FAILED};

/// Failed logins recorded at once, before the rate below applies.
pub const FAILED_LOGIN_BURST: u32 = 100;
/// Failed logins recorded a minute, past the burst.
pub const FAILED_LOGINS_PER_MINUTE: u32 = 60;
/// How often, at most, the failed logins left unrecorded are reported.
const DROPPED_REPORT_EVERY: Duration = Duration::from_secs(60);

/// The one operation whose successful reads are recorded: it shows a password.
const PASSWORD_READ: &str = "credential_get";

/// What the audit of one request knows: shared by the middleware and the login check.
pub struct AuditSlot {
    method: Method,
    /// The request's path as records keep it.
    path: String,
    operation: Option<String>,
    failed_logins: Arc<FailedLogins>,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    caller: Option<Caller>,
    client_address: String,
    /// The record written before the handler ran.
    record_id: Option<i64>,
}

impl AuditSlot {
    fn call(&self, client_address: String, operation: &str) -> AuditCall {
        AuditCall {
            operation: operation.to_owned(),
            method: self.method.as_str().to_owned(),
            resource: self.path.clone(),
            client_address,
        }
    }

    fn operation(&self) -> &str {
        self.operation.as_deref().unwrap_or("unknown")
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().expect("audit slot poisoned")
    }
}

/// The rate limit on recording failed logins, per api process.
pub struct FailedLogins {
    limiter: DefaultDirectRateLimiter,
    dropped: AtomicU64,
    reported: Mutex<Instant>,
}

impl FailedLogins {
    fn new() -> Self {
        let per_minute = NonZeroU32::new(FAILED_LOGINS_PER_MINUTE).expect("a positive rate");
        let burst = NonZeroU32::new(FAILED_LOGIN_BURST).expect("a positive burst");
        Self {
            limiter: RateLimiter::direct(Quota::per_minute(per_minute).allow_burst(burst)),
            dropped: AtomicU64::new(0),
            reported: Mutex::new(Instant::now()),
        }
    }

    /// Whether one more failed login may be recorded now; counts and reports those that may not.
    fn admit(&self) -> bool {
        if self.limiter.check().is_ok() {
            return true;
        }
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        let mut reported = self.reported.lock().expect("audit report time poisoned");
        if dropped == 1 || reported.elapsed() >= DROPPED_REPORT_EVERY {
            *reported = Instant::now();
            tracing::warn!(
                dropped_so_far = dropped,
                "failed logins come faster than the audit trail records them \
                 ({FAILED_LOGINS_PER_MINUTE} a minute past a burst of {FAILED_LOGIN_BURST}): \
                 the others are counted, not recorded"
            );
        }
        false
    }
}

fn changes_state(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

fn address_text(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

fn unavailable() -> poem::Error {
    poem::Error::from_string(
        "the audit trail cannot be written, so nothing was done: try again",
        StatusCode::SERVICE_UNAVAILABLE,
    )
}

/// Called by the login check once the caller is known: remembers them for the request, and
/// records a state-changing call before its handler runs (503 if the record cannot be written).
pub async fn authenticated(req: &Request, caller: &Caller, address: Option<IpAddr>) -> poem::Result<()> {
    let (Some(slot), Some(app)) = (req.data::<Arc<AuditSlot>>(), req.data::<App>()) else {
        return Ok(());
    };
    let client_address = address_text(address);
    {
        let mut state = slot.state();
        state.caller = Some(caller.clone());
        state.client_address.clone_from(&client_address);
    }
    if !changes_state(&slot.method) {
        return Ok(());
    }
    match app
        .audit_record(caller, slot.call(client_address, slot.operation()), None)
        .await
    {
        Ok(id) => {
            slot.state().record_id = Some(id);
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, operation = slot.operation(), "cannot write the audit record: the call is refused");
            Err(unavailable())
        }
    }
}

/// Called by the login check after a wrong password or an unknown username: records it (within
/// the rate limit), with the username as given.
pub async fn login_failed(req: &Request, username: &str, address: Option<IpAddr>) {
    let (Some(slot), Some(app)) = (req.data::<Arc<AuditSlot>>(), req.data::<App>()) else {
        return;
    };
    if !slot.failed_logins.admit() {
        return;
    }
    if let Err(e) = app
        .audit_login_failed(username, slot.call(address_text(address), LOGIN_FAILED))
        .await
    {
        tracing::error!(error = %e, "cannot record a failed login in the audit trail");
    }
}

/// The path of what a create made: its answer's `_links.self`, the body put back as it was.
async fn created_resource(response: &mut Response) -> Option<String> {
    let body = response.take_body().into_bytes().await.ok()?;
    response.set_body(body.clone());
    let answer: serde_json::Value = serde_json::from_slice(&body).ok()?;
    audit_path(answer.pointer("/_links/self")?.as_str()?)
}

/// Writes what the audit of a request still owes once it has been answered `status`.
async fn finish(app: &App, slot: &AuditSlot, status: StatusCode, response: Option<&mut Response>) {
    let (caller, record_id, client_address) = {
        let mut state = slot.state();
        (
            state.caller.take(),
            state.record_id,
            std::mem::take(&mut state.client_address),
        )
    };
    let Some(caller) = caller else {
        return;
    };
    if let Some(id) = record_id {
        // A POST to a collection (`/api/database`) creates: the record names what it made.
        let is_create = slot.method == Method::POST && slot.path.matches('/').count() == 2;
        let created = match response {
            Some(response) if is_create && status.is_success() => created_resource(response).await,
            _ => None,
        };
        let resource = created.as_deref().unwrap_or(&slot.path);
        if let Err(e) = app.audit_record_end(&caller, id, resource, status.as_u16()).await {
            tracing::error!(error = %e, record = id, "cannot write the outcome of an audited call");
        }
    } else if slot.operation.as_deref() == Some(PASSWORD_READ) && status == StatusCode::OK {
        if let Err(e) = app
            .audit_record(&caller, slot.call(client_address, PASSWORD_READ), Some(status.as_u16()))
            .await
        {
            tracing::error!(error = %e, resource = %slot.path, "cannot record a password read in the audit trail; answered anyway");
        }
    }
}

/// Wraps the API's routes (inside the path normalisation) with the audit.
pub fn audited<E: Endpoint + 'static>(ep: E, app: App, allow: Arc<AllowTable>) -> impl Endpoint<Output = Response> {
    let failed_logins = Arc::new(FailedLogins::new());
    let app = Arc::new(app);
    ep.around(move |ep, mut req: Request| {
        let (app, allow, failed_logins) = (app.clone(), allow.clone(), failed_logins.clone());
        async move {
            let Some(path) = audit_path(req.uri().path()) else {
                return ep.call(req).await.map(IntoResponse::into_response);
            };
            let slot = Arc::new(AuditSlot {
                method: req.method().clone(),
                operation: allow
                    .operation_id(req.method().as_str(), req.uri().path())
                    .map(str::to_owned),
                path,
                failed_logins,
                state: Mutex::default(),
            });
            req.extensions_mut().insert(slot.clone());
            match ep.call(req).await {
                Ok(output) => {
                    let mut response = output.into_response();
                    finish(&app, &slot, response.status(), Some(&mut response)).await;
                    Ok(response)
                }
                Err(e) => {
                    finish(&app, &slot, e.status(), None).await;
                    Err(e)
                }
            }
        }
    })
}
