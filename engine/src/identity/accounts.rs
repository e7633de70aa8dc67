//! Console accounts, their roles and tenant scope, and their creation.

use serde::{Deserialize, Serialize};

use super::input::parse_code;
use super::secrets::hash_password;
use crate::error::{EngineError, Result, Text};
use crate::store::error::Written;
use crate::store::new_id;
use crate::Engine;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and manages every tenant.
    Admin,
    /// Sees and manages one tenant only.
    TenantManager,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TenantManager => "tenant_manager",
        }
    }

    pub(crate) fn parse(s: &str) -> Role {
        // The column has a CHECK constraint; anything else cannot be stored.
        if s == "admin" {
            Role::Admin
        } else {
            Role::TenantManager
        }
    }
}

/// A console account: the caller of every engine operation that changes something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The tenant of a tenant manager; `None` for administrators.
    pub tenant_id: Option<String>,
}

impl Account {
    /// `None` when the account sees all tenants, else the one tenant it is limited to.
    pub fn tenant_scope(&self) -> Option<&str> {
        match self.role {
            Role::Admin => None,
            Role::TenantManager => Some(self.tenant_id.as_deref().unwrap_or("")),
        }
    }

    /// Whether the account may see and change data of `tenant_id`.
    pub fn can_access(&self, tenant_id: &str) -> bool {
        self.tenant_scope().is_none_or(|t| t == tenant_id)
    }

    /// Refuses unless the account is an administrator. `what` is the catalog key of the
    /// action refused (`ident.action.create_tenants`), as the refusal names it.
    pub fn require_admin(&self, what: &'static str) -> Result<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::TenantManager => {
                Err(EngineError::forbidden(Text::new("ident.admin_only").with_text("what", Text::new(what))))
            }
        }
    }

    /// The built-in account used for start-up work such as loading demo data.
    pub fn system() -> Account {
        Account {
            id: "system".into(),
            username: "system".into(),
            display_name: "System".into(),
            role: Role::Admin,
            tenant_id: None,
        }
    }
}

/// The shortest password, in characters.
const MIN_PASSWORD_CHARS: usize = 8;

impl Engine {
    /// Creates a console account. A tenant manager must name an existing tenant.
    pub async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        role: Role,
        tenant_id: Option<&str>,
    ) -> Result<Account> {
        let username = parse_code("username", username)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            let text = Text::new("ident.password_too_short").with("min", MIN_PASSWORD_CHARS);
            return Err(EngineError::invalid("password", text));
        }
        if role == Role::TenantManager && tenant_id.is_none() {
            return Err(EngineError::invalid("tenant", Text::new("ident.manager_needs_tenant")));
        }
        let hash = hash_password(password)?;
        let account = Account {
            id: new_id(),
            username,
            display_name: display_name.trim().to_string(),
            role,
            tenant_id: tenant_id.map(str::to_string),
        };
        if matches!(self.store.insert_account(&account, &hash, self.clock.now()).await?, Written::Duplicate(_)) {
            let text = Text::new("ident.username_taken").with("username", &account.username);
            return Err(EngineError::invalid("username", text));
        }
        Ok(account)
    }

    /// Whether an account with this user name exists.
    pub async fn account_exists(&self, username: &str) -> Result<bool> {
        self.store.account_exists(username).await
    }
}
