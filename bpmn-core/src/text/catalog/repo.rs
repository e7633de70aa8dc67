//! Deployment, models and the catalog: uploads, model keys, catalog nodes.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[];
