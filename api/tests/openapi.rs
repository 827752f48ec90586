//! The committed OpenAPI document is the code's: clients are generated from the file, so it
//! must never drift. `UPDATE_OPENAPI=1 cargo test -p dbaas-api --test openapi` (or
//! `make openapi`) rewrites it.

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/dbaas.json");

#[test]
fn the_committed_spec_matches_the_code() {
    let spec = format!("{}\n", dbaas_api::spec_json());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &spec).expect("write openapi/dbaas.json");
    }
    let committed = std::fs::read_to_string(COMMITTED).expect("openapi/dbaas.json is missing: run `make openapi`");
    assert!(
        committed == spec,
        "openapi/dbaas.json differs from the code: run `make openapi` and commit it"
    );
}

#[test]
fn every_operation_is_documented() {
    let spec: serde_json::Value = serde_json::from_str(&dbaas_api::spec_json()).unwrap();
    assert!(spec["components"]["securitySchemes"]["BasicAuth"]["scheme"] == "basic");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(operation["operationId"].is_string(), "{name}: operationId");
            assert!(operation["summary"].is_string(), "{name}: summary");
            assert!(operation["security"].is_array(), "{name}: security");
            for status in ["401", "404", "503"] {
                assert!(operation["responses"][status].is_object(), "{name}: {status} response");
            }
        }
    }
}
