//! Accounts, sessions, tokens, tenants and the organisation.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[];
