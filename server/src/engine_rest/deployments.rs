//! `/engine-rest` endpoints: deployments.

use axum::Router;

use crate::AppState;

pub(super) fn routes(_max_upload: usize) -> Router<AppState> {
    Router::new()
}
