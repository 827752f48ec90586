DROP TABLE engine_certificates;
DROP TABLE certificate_authorities;
