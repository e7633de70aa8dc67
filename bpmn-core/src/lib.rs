//! The pure core of the BPM console, shared by the engine on the server and the app in the
//! browser.
//!
//! `bpmn` parses, checks and draws process files; `runtime` is the execution core (pure
//! functions from model, instance state, command and `now` to new state and effects);
//! `rules` decides what a command may do from loaded data (state requirements, withdrawals);
//! `schedule` reads dates, durations, repeating intervals and cron expressions. The value
//! types both sides exchange live here too: [`definition`], [`instance`], [`task`], [`job`], [`variable`],
//! [`page`], [`refusal`] (why a request is refused), and [`time`] formats instants for display. Nothing here performs I/O, so the
//! crate builds for `wasm32-unknown-unknown`.

pub mod bpmn;
pub mod definition;
pub mod event;
pub mod identity;
pub mod instance;
pub mod job;
pub mod page;
pub mod refusal;
pub mod rules;
pub mod runtime;
pub mod schedule;
pub mod task;
pub mod text;
pub mod time;
pub mod variable;
