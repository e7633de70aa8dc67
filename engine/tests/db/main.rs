//! The engine's database tests, on SQLite and PostgreSQL, in one test binary (one link, one
//! binary on disk): storage of identity, catalog and audit (`store`), deployments and models
//! (`deploy`), running processes (`runtime`), jobs (`jobs`), and messages, signals and errors
//! (`events`), schedules in the engine's time zone (`zones`). `common` holds the helpers of the
//! scenario tests.

mod camunda;
mod common;
mod deploy;
mod events;
mod expressions;
mod external;
mod jobs;
mod orders;
mod rest_queries;
mod runtime;
mod scripts;
mod store;
mod zones;
