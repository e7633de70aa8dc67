//! The server's integration tests, one binary (linking one test binary per file cost minutes
//! and gigabytes): the HTTP surface against a real server on port 0, on SQLite and PostgreSQL.

mod common;
mod engine_rest;
mod engine_rest_external;
mod engine_rest_tasks;
mod events_http;
mod executor;
mod http;
mod input;
mod jobs_http;
mod runtime_http;
mod security;
