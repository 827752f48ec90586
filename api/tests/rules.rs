//! The spec's keywords and the app's rules (`app::validate`) say the same: for each field, a
//! value fits the schema exactly when the app's check lets it through (or answers 422 for
//! what no schema can say, such as a reserved name).

use dbaas_api::app::{validate, AppError};
use serde_json::Value;

fn spec() -> Value {
    serde_json::from_str(&dbaas_api::spec_json()).unwrap()
}

fn field(spec: &Value, schema: &str, field: &str) -> Value {
    let found = spec["components"]["schemas"][schema]["properties"][field].clone();
    assert!(found.is_object(), "{schema}.{field} is not in the spec");
    found
}

/// Whether a string fits a string schema: its length and its pattern (unanchored, as in
/// JSON Schema and in poem-openapi's validator).
fn fits_text(schema: &Value, value: &str) -> bool {
    let len = value.chars().count() as u64;
    schema["minLength"].as_u64().is_none_or(|min| len >= min)
        && schema["maxLength"].as_u64().is_none_or(|max| len <= max)
        && schema["pattern"]
            .as_str()
            .is_none_or(|p| regex::Regex::new(p).unwrap().is_match(value))
}

fn fits_number(schema: &Value, value: f64) -> bool {
    schema["minimum"].as_f64().is_none_or(|min| value >= min)
        && schema["maximum"].as_f64().is_none_or(|max| value <= max)
}

/// Passes the app's check, or is refused only for what the schema cannot say (422).
fn app_takes(result: Result<(), AppError>) -> bool {
    matches!(result, Ok(()) | Err(AppError::Unprocessable { .. }))
}

fn agree(schema: &Value, samples: &[String], check: impl Fn(&str) -> Result<(), AppError>) {
    for sample in samples {
        assert_eq!(
            fits_text(schema, sample),
            app_takes(check(sample)),
            "{sample:?} against {schema}"
        );
    }
}

fn samples() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        "a",
        "A",
        "z9",
        "42",
        "7up",
        "a b",
        "a.b",
        "a-b",
        "a_b",
        "a@b",
        "a:b",
        "a/b",
        "é",
        "名前",
        "-",
        ".",
        "_",
        "x\n",
        "\nx",
        " x ",
        "\tx",
        "x\u{1}",
        "x\u{7f}",
        "x\u{9f}",
        "x\u{a0}",
        "postgres",
        "Postgres",
        "pg_x",
        " pg_x",
        "admin",
        "root",
        "u_app",
        "App",
        "1app",
        "owner",
        "read-write",
        "read_write",
        "read-only",
        "read_only",
        "readwrite",
        "postgres ",
        "mongodb",
        "mysql",
        "dbaas/postgres:15",
        "has space",
        "unix:///var/run/docker.sock",
        "tcp://127.0.0.1:2376",
        "http://[::1]:2375",
        "https://h",
        "ftp://h",
        "tcp://",
        "unix://",
        "tcp://é",
        "127.0.0.1",
        "[::1]",
        "local-host",
        "a host",
        "queued",
        "ready",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in [
        11, 12, 49, 50, 51, 63, 64, 65, 200, 201, 255, 256, 1000, 1001, 1024, 1025,
    ] {
        out.push("a".repeat(n));
        out.push(format!("a{}", "1".repeat(n - 1)));
        out.push(format!("  a{}  ", "b".repeat(n.saturating_sub(5))));
        out.push(format!("tcp://{}", "h".repeat(n)));
    }
    out
}

#[test]
fn string_fields_follow_the_same_rules() {
    let spec = spec();
    let all = samples();
    for schema in ["TeamCreate", "PlanCreate", "EnvironmentCreate", "ProjectCreate"] {
        agree(&field(&spec, schema, "name"), &all, validate::name);
    }
    for schema in ["TeamUpdate", "PlanUpdate", "EnvironmentUpdate", "ProjectUpdate"] {
        agree(&field(&spec, schema, "name"), &all, validate::name);
    }
    agree(&field(&spec, "UserCreate", "username"), &all, validate::username);
    agree(&field(&spec, "UserCreate", "password"), &all, validate::password);
    agree(&field(&spec, "UserUpdate", "password"), &all, validate::password);
    agree(&field(&spec, "CredentialCreate", "user"), &all, validate::user);
    agree(&field(&spec, "CredentialCreate", "privileges"), &all, |v| {
        validate::privileges(v).map(drop)
    });
    agree(&field(&spec, "DatabaseCreate", "name"), &all, |v| {
        validate::database_name(v).map(drop)
    });
    for schema in ["DatabaseCreate", "DatabasePatch", "PlanCreate", "ProjectCreate"] {
        agree(&field(&spec, schema, "description"), &all, validate::description);
    }
    let tag = field(&spec, "DatabaseCreate", "tags")["items"].clone();
    agree(&tag, &all, |v| validate::tags(&[v]));
    agree(&field(&spec, "PlanCreate", "engine"), &all, |v| {
        validate::engine(v).map(drop)
    });
    agree(&field(&spec, "PlanCreate", "image"), &all, validate::image);
    agree(
        &field(&spec, "EnvironmentCreate", "docker_endpoint"),
        &all,
        validate::docker_endpoint,
    );
    agree(
        &field(&spec, "EnvironmentCreate", "host_address"),
        &all,
        validate::host_address,
    );
}

#[test]
fn number_fields_follow_the_same_rules() {
    let spec = spec();
    let ints = [
        i64::from(i32::MIN),
        -2,
        -1,
        0,
        1,
        50,
        51,
        1000,
        3650,
        3651,
        10_000,
        10_001,
        65535,
        65536,
        67_108_863,
        67_108_864,
        i64::from(i32::MAX),
    ];
    let int_agree = |schema: &Value, check: &dyn Fn(i64) -> Result<(), AppError>| {
        for value in ints {
            assert_eq!(
                fits_number(schema, value as f64),
                app_takes(check(value)),
                "{value} against {schema}"
            );
        }
    };
    let as_i32 = |v: i64| i32::try_from(v).unwrap();
    int_agree(&field(&spec, "TeamCreate", "database_limit"), &|v| {
        validate::database_limit(&as_i32(v))
    });
    int_agree(&field(&spec, "EnvironmentCreate", "quarantine_days"), &|v| {
        validate::quarantine_days(&as_i32(v))
    });
    int_agree(&field(&spec, "DatabasePatch", "quarantine_days"), &|v| {
        validate::quarantine_days(&as_i32(v))
    });
    int_agree(&field(&spec, "CredentialCreate", "connection_limit"), &|v| {
        validate::connection_limit(&as_i32(v))
    });
    for bound in ["port_min", "port_max"] {
        int_agree(&field(&spec, "EnvironmentCreate", bound), &|v| {
            validate::port(bound, &as_i32(v))
        });
    }
    int_agree(&field(&spec, "PlanCreate", "memory_bytes"), &|v| {
        validate::memory_bytes(&v)
    });
    int_agree(&field(&spec, "PlanCreate", "size_bytes"), &|v| validate::size_bytes(&v));
    let cpus = field(&spec, "PlanCreate", "cpus");
    for value in [
        0.0, 0.0004, 0.0005, 0.0009, 0.001, 0.0011, 0.5, 1.0, 1024.0, 1024.0001, -1.0,
    ] {
        assert_eq!(
            fits_number(&cpus, value),
            app_takes(validate::cpus(value).map(drop)),
            "{value}"
        );
    }
}

/// The schema of query parameter `name` of `GET path`.
fn query_parameter(spec: &Value, path: &str, name: &str) -> Value {
    let found = spec["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("GET {path} has no parameters"))
        .iter()
        .find(|p| p["name"] == name && p["in"] == "query")
        .map(|p| p["schema"].clone());
    found.unwrap_or_else(|| panic!("GET {path} has no query parameter {name}"))
}

#[test]
fn audit_filters_follow_the_same_rules() {
    let spec = spec();
    let mut all = samples();
    all.extend(
        [
            "/api/database/1/",
            "http://h/api/task/2",
            "database_delete",
            "Drop Table",
        ]
        .map(String::from),
    );
    all.push("u".repeat(257));
    agree(
        &query_parameter(&spec, "/api/audit", "user"),
        &all,
        validate::audit_user,
    );
    agree(&query_parameter(&spec, "/api/audit", "resource"), &all, |v| {
        validate::audit_resource(v).map(drop)
    });
    agree(
        &query_parameter(&spec, "/api/audit", "operation"),
        &all,
        validate::audit_operation,
    );
}
