//! Reads of a client's own changes: a request that may change state (any method but `GET`,
//! `HEAD` and `OPTIONS`) makes this process forget what it remembers of databases when it ends,
//! whether it succeeded or not, before its answer goes out. The client's next read then finds
//! its change, from this process at once; other processes hear of it from the catalog
//! ([`dbaas_core::store::database_memory`]).

use dbaas_core::store::Store;
use poem::http::Method;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

pub fn forgetting_changes<E: Endpoint + 'static>(ep: E, store: Store) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, req: Request| {
        let store = store.clone();
        async move {
            let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            let result = ep.call(req).await.map(IntoResponse::into_response);
            if changes {
                store.forget_databases();
            }
            result
        }
    })
}
