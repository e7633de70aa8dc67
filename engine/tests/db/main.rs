//! The engine's database tests, on SQLite and PostgreSQL, in one test binary (one link, one
//! binary on disk): storage of identity, catalog and audit (`store`), deployments and models
//! (`deploy`), running processes (`runtime`), jobs (`jobs`), and messages, signals and errors
//! (`events`), schedules in the engine's time zone (`zones`). `common` holds the helpers of the
//! scenario tests.

mod common;
mod deploy;
mod events;
mod jobs;
mod runtime;
mod store;
mod zones;
