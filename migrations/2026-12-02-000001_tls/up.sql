-- TLS to the engines. The deployment's certificate authorities: the first is made on first
-- start, a successor when the newest nears its end (see core::tls). Keys are sealed with the
-- control plane's secret key (AES-256-GCM), as engine passwords are.
CREATE TABLE certificate_authorities (
    id BIGSERIAL PRIMARY KEY,
    -- The CA's distinguished name (its CN), unique, so that a successor never shares it.
    subject TEXT NOT NULL UNIQUE,
    cert_pem TEXT NOT NULL,
    key_enc BYTEA NOT NULL,
    not_before TIMESTAMPTZ NOT NULL,
    not_after TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The server certificate of each database's engine, for the address its clients use.
CREATE TABLE engine_certificates (
    database_id BIGINT PRIMARY KEY REFERENCES databases (id) ON DELETE CASCADE,
    authority_id BIGINT NOT NULL REFERENCES certificate_authorities (id),
    address TEXT NOT NULL,
    cert_pem TEXT NOT NULL,
    key_enc BYTEA NOT NULL,
    not_after TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX engine_certificates_not_after ON engine_certificates (not_after);
