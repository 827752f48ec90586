//! Diesel's view of the tables in `migrations/`. Kept by hand: it must match the SQL exactly.

diesel::table! {
    teams (id) {
        id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
        database_limit -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        allowed_plans -> Array<Int8>,
    }
}

diesel::table! {
    api_users (id) {
        id -> Int8,
        username -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamptz,
        is_operator -> Bool,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> Int8,
        user_id -> Int8,
    }
}

diesel::table! {
    environments (id) {
        id -> Int8,
        name -> Text,
        quarantine_days -> Int4,
        created_at -> Timestamptz,
        dump_retention_days -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        development -> Bool,
    }
}

diesel::table! {
    hosts (id) {
        id -> Int8,
        environment_id -> Int8,
        name -> Text,
        docker_endpoint -> Text,
        address -> Text,
        port_min -> Int4,
        port_max -> Int4,
        memory_bytes -> Nullable<Int8>,
        cpu_millis -> Nullable<Int4>,
        max_engines -> Nullable<Int4>,
        state -> Text,
        tls_enc -> Nullable<Bytea>,
        reachable -> Nullable<Bool>,
        health_detail -> Nullable<Text>,
        docker_version -> Nullable<Text>,
        reported_memory_bytes -> Nullable<Int8>,
        reported_cpus -> Nullable<Int4>,
        engines_running -> Nullable<Int4>,
        images -> Nullable<Array<Text>>,
        checked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    plans (id) {
        id -> Int8,
        name -> Text,
        engine -> Text,
        image -> Text,
        memory_bytes -> Int8,
        cpu_millis -> Int4,
        size_bytes -> Int8,
        description -> Text,
        created_at -> Timestamptz,
        auto_recover -> Bool,
        deleted_at -> Nullable<Timestamptz>,
        pool_size -> Int4,
        placement -> Text,
        databases_per_engine -> Int4,
    }
}

diesel::table! {
    projects (id) {
        id -> Int8,
        name -> Text,
        description -> Text,
        created_at -> Timestamptz,
        team_id -> Nullable<Int8>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    databases (id) {
        id -> Int8,
        uid -> Text,
        name -> Text,
        team_id -> Int8,
        plan_id -> Int8,
        environment_id -> Int8,
        project_id -> Nullable<Int8>,
        status -> Text,
        description -> Text,
        quarantine_dt -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        tags -> Array<Text>,
        is_protected -> Bool,
        used_size_bytes -> Nullable<Int8>,
        size_collected_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        quarantine_days -> Nullable<Int4>,
        health -> Text,
        health_detail -> Nullable<Text>,
        health_checked_at -> Nullable<Timestamptz>,
        engine_id -> Nullable<Int8>,
        latest_task_id -> Nullable<Int8>,
    }
}

diesel::table! {
    dumps (id) {
        id -> Int8,
        database_id -> Int8,
        format -> Text,
        size_bytes -> Int8,
        complete -> Bool,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    dump_chunks (dump_id, seq) {
        dump_id -> Int8,
        seq -> Int4,
        offset_bytes -> Int8,
        data -> Bytea,
    }
}

diesel::table! {
    orphans (id) {
        id -> Int8,
        environment_id -> Int8,
        container_name -> Text,
        container_id -> Text,
        database_uid -> Nullable<Text>,
        first_seen -> Timestamptz,
        last_seen -> Timestamptz,
        remove_requested_at -> Nullable<Timestamptz>,
        host_id -> Int8,
    }
}

diesel::table! {
    credentials (id) {
        id -> Int8,
        database_id -> Int8,
        username -> Text,
        privileges -> Text,
        password_enc -> Nullable<Bytea>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        connection_limit -> Nullable<Int4>,
        pending_password_enc -> Nullable<Bytea>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Int8,
        kind -> Text,
        status -> Text,
        database_id -> Nullable<Int8>,
        credential_id -> Nullable<Int8>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        claim_token -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        engine_id -> Nullable<Int8>,
        target_image -> Nullable<Text>,
        target_plan_id -> Nullable<Int8>,
        allow_restart -> Bool,
        target_engine_id -> Nullable<Int8>,
    }
}

diesel::table! {
    engines (id) {
        id -> Int8,
        uid -> Text,
        environment_id -> Int8,
        plan_id -> Int8,
        kind -> Text,
        image -> Text,
        memory_bytes -> Int8,
        cpu_millis -> Int4,
        container_name -> Text,
        volume_name -> Text,
        port -> Nullable<Int4>,
        admin_password_enc -> Nullable<Bytea>,
        pending_admin_password_enc -> Nullable<Bytea>,
        state -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        pooled_at -> Nullable<Timestamptz>,
        assigned_at -> Nullable<Timestamptz>,
        desired -> Text,
        sized_memory_bytes -> Nullable<Int8>,
        host_id -> Int8,
        placement -> Text,
    }
}

diesel::table! {
    audit_records (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        actor_name -> Text,
        client_address -> Text,
        operation -> Text,
        method -> Text,
        resource -> Text,
        team_id -> Nullable<Int8>,
        status -> Nullable<Int4>,
    }
}

diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> api_users (user_id));
diesel::joinable!(databases -> teams (team_id));
diesel::joinable!(projects -> teams (team_id));
diesel::joinable!(databases -> plans (plan_id));
diesel::joinable!(databases -> environments (environment_id));
diesel::joinable!(databases -> projects (project_id));
diesel::joinable!(credentials -> databases (database_id));
diesel::joinable!(tasks -> databases (database_id));
diesel::joinable!(dumps -> databases (database_id));
diesel::joinable!(dump_chunks -> dumps (dump_id));
diesel::joinable!(orphans -> environments (environment_id));
diesel::joinable!(orphans -> hosts (host_id));
diesel::joinable!(databases -> engines (engine_id));
diesel::joinable!(tasks -> engines (engine_id));
diesel::joinable!(engines -> plans (plan_id));
diesel::joinable!(engines -> environments (environment_id));
diesel::joinable!(engines -> hosts (host_id));
diesel::joinable!(hosts -> environments (environment_id));

diesel::table! {
    database_moves (id) {
        id -> Int8,
        database_id -> Int8,
        task_id -> Int8,
        from_engine_id -> Int8,
        to_engine_id -> Int8,
        from_host_id -> Int8,
        to_host_id -> Int8,
        from_endpoint -> Text,
        to_endpoint -> Text,
        bytes -> Int8,
        downtime_ms -> Int8,
        moved_at -> Timestamptz,
    }
}

diesel::joinable!(database_moves -> databases (database_id));

// Idempotency-Key on creates (migration 2026-12-08-000001_idempotency).
diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Int8,
        key -> Text,
        operation -> Text,
        request_hash -> Text,
        database_id -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(idempotency_keys -> databases (database_id));

diesel::allow_tables_to_appear_in_same_query!(
    database_moves,
    idempotency_keys,
    teams,
    api_users,
    team_members,
    environments,
    plans,
    projects,
    databases,
    credentials,
    tasks,
    dumps,
    dump_chunks,
    orphans,
    audit_records,
    engines,
    hosts,
    certificate_authorities,
    engine_certificates,
    engine_observations,
    database_counts,
);

// TLS to the engines (migration 2026-12-02-000001_tls), kept apart from the tables above.
diesel::table! {
    certificate_authorities (id) {
        id -> Int8,
        subject -> Text,
        cert_pem -> Text,
        key_enc -> Bytea,
        not_before -> Timestamptz,
        not_after -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    engine_certificates (engine_id) {
        authority_id -> Int8,
        address -> Text,
        cert_pem -> Text,
        key_enc -> Bytea,
        not_after -> Timestamptz,
        created_at -> Timestamptz,
        engine_id -> Int8,
    }
}

diesel::joinable!(engine_certificates -> engines (engine_id));
diesel::joinable!(engine_certificates -> certificate_authorities (authority_id));

// The engine fleet (migration 2026-12-04-000002_fleet), kept apart from the tables above.
diesel::table! {
    engine_observations (engine_id) {
        engine_id -> Int8,
        host -> Text,
        container_id -> Nullable<Text>,
        container_state -> Text,
        docker_health -> Nullable<Text>,
        image -> Nullable<Text>,
        image_id -> Nullable<Text>,
        restart_count -> Nullable<Int4>,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        exit_code -> Nullable<Int8>,
        oom_killed -> Bool,
        memory_limit_bytes -> Nullable<Int8>,
        nano_cpus -> Nullable<Int8>,
        observed_at -> Timestamptz,
        health -> Text,
        health_detail -> Nullable<Text>,
        drift -> Array<Text>,
        memory_used_bytes -> Nullable<Int8>,
        cpu_percent -> Nullable<Float8>,
        stats_at -> Nullable<Timestamptz>,
        volume_size_bytes -> Nullable<Int8>,
        volume_at -> Nullable<Timestamptz>,
    }
}
diesel::joinable!(engine_observations -> engines (engine_id));

// A list's totals (migration 2026-12-06-000001_database_counts), kept by triggers on
// `databases`; `project_id` 0 is "no project".
diesel::table! {
    database_counts (team_id, environment_id, project_id, status) {
        team_id -> Int8,
        environment_id -> Int8,
        project_id -> Int8,
        status -> Text,
        n -> Int4,
    }
}
