//! `/engine-rest` endpoints: external_tasks.

use axum::Router;

use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
