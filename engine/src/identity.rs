//! Identity: tenants, console accounts and their sessions, and the organisation tree
//! (units and people) that tasks are assigned within.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit;
use crate::error::{unique_violation, EngineError, Result};
use crate::store::new_id;
use crate::Engine;

/// How long a console session lasts at most: a working day with margin.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// A session not used for this long ends (background refreshes of open lists do not count
/// as use).
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;

/// A session's idle expiry is pushed forward at most this often, so that use costs a write
/// per minute, not per request.
const SESSION_TOUCH_MS: i64 = 60 * 1000;

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
    fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TenantManager => "tenant_manager",
        }
    }

    fn parse(s: &str) -> Role {
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

    /// Refuses unless the account is an administrator.
    pub fn require_admin(&self, what: &str) -> Result<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::TenantManager => {
                Err(EngineError::Forbidden(format!("Only an administrator can {what}; ask an administrator to do it.")))
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

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub revision: i64,
}

/// A signed-in session: the account and the tenant it currently works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    /// The tenant chosen in the header's switcher (`None` = all visible tenants).
    pub tenant_id: Option<String>,
    pub expires_at: i64,
}

/// A unit of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub tenant_id: String,
    pub parent_id: Option<String>,
    pub name: String,
}

/// A person who can be assigned tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub tenant_id: String,
    pub unit_id: String,
    pub name: String,
    pub groups: Vec<String>,
}

/// Checks a tenant name: trimmed, not empty, at most 100 characters.
pub fn parse_tenant_name(raw: &str) -> Result<String> {
    parse_name("name", "tenant name", raw)
}

/// Checks a name given as `field` (`what` names it in the refusal, e.g. "unit name"): trimmed,
/// not empty, at most 100 characters, no NUL character.
pub fn parse_name(field: &'static str, what: &str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(EngineError::invalid(field, format!("The {what} is empty; type a name.")));
    }
    if name.chars().count() > 100 {
        return Err(EngineError::invalid(field, format!("The {what} is longer than 100 characters; shorten it.")));
    }
    check_text(field, name)?;
    Ok(name.to_string())
}

/// Refuses text with the NUL character (U+0000), which PostgreSQL cannot store in a text
/// column and no form can type.
pub fn check_text(field: &'static str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(EngineError::invalid(field, nul_message(field)));
    }
    Ok(())
}

/// The path (`a.b.0`, below `path`) of the first string or key of `value` that holds the NUL
/// character; `None` when there is none.
pub fn nul_in_json(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_in_json(v, &join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_in_json(v, &join(k))
            }
        }),
        _ => None,
    }
}

/// The refusal of a NUL character in `field`.
pub fn nul_message(field: &str) -> String {
    format!("'{field}' contains the NUL character (U+0000), which cannot be stored; remove it and try again.")
}

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| EngineError::Hash(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Session tokens are stored hashed, so a copy of the database does not hand out sessions.
fn token_hash(token: &str) -> String {
    use blake2::{Blake2s256, Digest};
    let digest = Blake2s256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const ACCOUNT_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.tenant_id";

fn account_from_row(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&r.try_get::<String, _>("role")?),
        tenant_id: r.try_get("tenant_id")?,
    })
}

fn tenant_from_row(r: &AnyRow) -> Result<Tenant> {
    Ok(Tenant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revision: r.try_get("revision")?,
    })
}

impl Engine {
    // ---- tenants -------------------------------------------------------------------------

    /// The tenants the caller may see, by name.
    pub async fn list_tenants(&self, caller: &Account) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, name, created_at, revision FROM tenants ORDER BY name")
            .fetch_all(&self.store.pool)
            .await?;
        let all: Vec<Tenant> = rows.iter().map(tenant_from_row).collect::<Result<_>>()?;
        Ok(all.into_iter().filter(|t| caller.can_access(&t.id)).collect())
    }

    /// One tenant, if the caller may see it.
    pub async fn get_tenant(&self, caller: &Account, id: &str) -> Result<Tenant> {
        let not_found = || EngineError::NotFound { what: "Tenant", id: id.to_string() };
        if !caller.can_access(id) {
            return Err(not_found());
        }
        let row = sqlx::query("SELECT id, name, created_at, revision FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or_else(not_found)?;
        tenant_from_row(&row)
    }

    /// Creates a tenant (administrators only). `id` is optional; a random one is made if absent.
    pub async fn create_tenant(&self, caller: &Account, id: Option<&str>, name: &str) -> Result<Tenant> {
        caller.require_admin("create tenants")?;
        let name = parse_tenant_name(name)?;
        let id = match id.map(str::trim) {
            Some(id) if !id.is_empty() => parse_code("id", id)?,
            _ => new_id(),
        };
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("INSERT INTO tenants (id, name, created_at, revision) VALUES ($1, $2, $3, 1)")
            .bind(&id)
            .bind(&name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                unique_violation(
                    e,
                    "name",
                    format!("A tenant named '{name}' or with id '{id}' already exists; choose another."),
                )
            })?;
        audit::record(&mut tx, now, caller, Some(&id), "tenant.create", &id, &name).await?;
        tx.commit().await?;
        Ok(Tenant { id, name, created_at: now, revision: 1 })
    }

    /// Renames a tenant. `revision` is the one the caller saw; a different current revision
    /// means someone else changed the tenant meanwhile, and the rename is refused.
    pub async fn rename_tenant(&self, caller: &Account, id: &str, name: &str, revision: i64) -> Result<Tenant> {
        let name = parse_tenant_name(name)?;
        let current = self.get_tenant(caller, id).await?;
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        let done = sqlx::query("UPDATE tenants SET name = $1, revision = revision + 1 WHERE id = $2 AND revision = $3")
            .bind(&name)
            .bind(id)
            .bind(revision)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                unique_violation(e, "name", format!("Another tenant is already named '{name}'; choose another name."))
            })?;
        if done.rows_affected() == 0 {
            return Err(EngineError::ChangedMeanwhile { what: "Tenant", id: id.to_string() });
        }
        let detail = format!("{} → {}", current.name, name);
        audit::record(&mut tx, now, caller, Some(id), "tenant.rename", id, &detail).await?;
        tx.commit().await?;
        Ok(Tenant { name, revision: revision + 1, ..current })
    }

    // ---- accounts and sessions -------------------------------------------------------------

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
        if password.chars().count() < 8 {
            return Err(EngineError::invalid(
                "password",
                "The password is shorter than 8 characters; choose a longer one.",
            ));
        }
        if role == Role::TenantManager && tenant_id.is_none() {
            return Err(EngineError::invalid("tenant", "A tenant manager needs a tenant; choose one."));
        }
        let hash = hash_password(password)?;
        let account = Account {
            id: new_id(),
            username,
            display_name: display_name.trim().to_string(),
            role,
            tenant_id: tenant_id.map(str::to_string),
        };
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, tenant_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&account.id)
        .bind(&account.username)
        .bind(&account.display_name)
        .bind(&hash)
        .bind(role.as_str())
        .bind(&account.tenant_id)
        .bind(self.clock.now())
        .execute(&self.store.pool)
        .await
        .map_err(|e| {
            unique_violation(e, "username", format!("The user name '{}' is taken; choose another.", account.username))
        })?;
        Ok(account)
    }

    /// Whether an account with this user name exists.
    pub async fn account_exists(&self, username: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.store.pool)
            .await?;
        Ok(n > 0)
    }

    /// Checks a user name and password and opens a session. Returns the session token (to be
    /// put in a cookie) and the account. Wrong name and wrong password are refused alike.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<(String, Account)> {
        self.sign_in_from(username, password, None).await
    }

    /// [`Engine::sign_in`] from the network address `from`: after several wrong passwords
    /// for the account (or from the address) it refuses for a while without checking
    /// ([`crate::throttle`]); every wrong password is written to the audit log.
    pub async fn sign_in_from(
        &self,
        username: &str,
        password: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<(String, Account)> {
        let username = username.trim();
        let wait = self.throttle.wait(username, from, self.clock.now());
        if wait > 0 {
            return Err(EngineError::Throttled { wait_secs: (wait + 999) / 1000 });
        }
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.store.pool)
            .await?;
        // Hashing takes tens of milliseconds of CPU: off the request threads. A wrong user
        // name is hashed too, so that it takes as long as a wrong password.
        let hash: Option<String> = row.as_ref().map(|r| r.try_get("password_hash")).transpose()?;
        let given = password.to_string();
        let right = tokio::task::spawn_blocking(move || match hash {
            Some(hash) => verify_password(&given, &hash),
            None => {
                let _ = hash_password(&given);
                false
            }
        })
        .await
        .unwrap_or(false);
        let account = row.as_ref().map(account_from_row).transpose()?;
        let now = self.clock.now();
        let account = match account {
            Some(account) if right => account,
            account => {
                let failures = self.throttle.failed(username, from, now);
                let from_text = from.map_or_else(|| "an unknown address".to_string(), |a| a.to_string());
                let detail = format!("wrong user name or password from {from_text} ({failures} in a row)");
                let tenant = account.as_ref().and_then(|a| a.tenant_id.as_deref());
                audit::insert(&self.store.pool, now, username, tenant, "sign_in.failed", username, &detail).await?;
                tracing::warn!(username, from = %from_text, failures, "sign-in failed");
                return Err(EngineError::BadCredentials);
            }
        };
        self.throttle.succeeded(username);
        let token = random_token();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(&account.id)
        .bind(&account.tenant_id)
        .bind(now)
        .bind(now + SESSION_IDLE_MS.min(SESSION_TTL_MS))
        .execute(&self.store.pool)
        .await?;
        // Expired sessions are swept here rather than by a background task: sign-ins are rare.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.store.pool).await?;
        Ok((token, account))
    }

    /// The live session behind a token, or `None` when unknown, expired, or idle for
    /// [`SESSION_IDLE_MS`]. `used` says the request is the user's doing (not a background
    /// refresh): it pushes the idle expiry forward, never past [`SESSION_TTL_MS`] after the
    /// sign-in.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        self.session_used(token, false).await
    }

    /// [`Engine::session`], counting the request as use when `used`.
    pub async fn session_used(&self, token: &str, used: bool) -> Result<Option<Session>> {
        let now = self.clock.now();
        let hash = token_hash(token);
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, s.tenant_id AS session_tenant, s.created_at AS session_created, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.store.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let created: i64 = r.try_get("session_created")?;
        let mut expires_at: i64 = r.try_get("expires_at")?;
        let pushed = (now + SESSION_IDLE_MS).min(created + SESSION_TTL_MS);
        if used && pushed - expires_at >= SESSION_TOUCH_MS {
            sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2 AND expires_at > $3")
                .bind(pushed)
                .bind(&hash)
                .bind(now)
                .execute(&self.store.pool)
                .await?;
            expires_at = pushed;
        }
        Ok(Some(Session { account: account_from_row(&r)?, tenant_id: r.try_get("session_tenant")?, expires_at }))
    }

    /// Chooses the tenant a session works in (`None` = all the account may see).
    pub async fn switch_tenant(&self, token: &str, caller: &Account, tenant_id: Option<&str>) -> Result<()> {
        if let Some(t) = tenant_id {
            self.get_tenant(caller, t).await?;
        } else if caller.tenant_scope().is_some() {
            return Err(EngineError::Forbidden("A tenant manager always works in their own tenant.".into()));
        }
        sqlx::query("UPDATE sessions SET tenant_id = $1 WHERE token_hash = $2")
            .bind(tenant_id)
            .bind(token_hash(token))
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of the caller's account (on every browser), and says how many.
    pub async fn sign_out_everywhere(&self, caller: &Account) -> Result<u64> {
        let mut tx = self.store.pool.begin().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(&caller.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let detail = format!("{ended} sessions ended");
        let now = self.clock.now();
        audit::record(
            &mut tx,
            now,
            caller,
            caller.tenant_id.as_deref(),
            "sign_out.everywhere",
            &caller.username,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    // ---- organisation ----------------------------------------------------------------------

    /// Adds an organisation unit under `parent_id` (or at the top).
    pub async fn create_org_unit(
        &self,
        caller: &Account,
        tenant_id: &str,
        parent_id: Option<&str>,
        name: &str,
    ) -> Result<OrgUnit> {
        self.get_tenant(caller, tenant_id).await?;
        let name = parse_name("name", "unit name", name)?;
        if let Some(parent) = parent_id {
            // A unit of another tenant is refused exactly like a missing one: the answer must
            // not tell whether the id exists elsewhere.
            let unit = self.org_unit(caller, parent).await?;
            if unit.tenant_id != tenant_id {
                return Err(unit_not_found(parent));
            }
        }
        let unit = OrgUnit { id: new_id(), tenant_id: tenant_id.into(), parent_id: parent_id.map(Into::into), name };
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("INSERT INTO org_units (id, tenant_id, parent_id, name) VALUES ($1, $2, $3, $4)")
            .bind(&unit.id)
            .bind(&unit.tenant_id)
            .bind(&unit.parent_id)
            .bind(&unit.name)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, now, caller, Some(tenant_id), "org.unit.create", &unit.id, &unit.name).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Adds a person to a unit.
    pub async fn create_person(
        &self,
        caller: &Account,
        unit_id: &str,
        id: Option<&str>,
        name: &str,
        groups: &[&str],
    ) -> Result<Person> {
        let unit = self.org_unit(caller, unit_id).await?;
        let name = parse_name("name", "person's name", name)?;
        for g in groups {
            check_text("groups", g)?;
        }
        let id = match id {
            Some(id) => parse_code("id", id)?,
            None => new_id(),
        };
        let person = Person {
            id,
            tenant_id: unit.tenant_id.clone(),
            unit_id: unit.id,
            name,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        };
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("INSERT INTO people (id, tenant_id, unit_id, name, groups) VALUES ($1, $2, $3, $4, $5)")
            .bind(&person.id)
            .bind(&person.tenant_id)
            .bind(&person.unit_id)
            .bind(&person.name)
            .bind(person.groups.join(","))
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_violation(e, "id", format!("A person with id '{}' already exists.", person.id)))?;
        audit::record(&mut tx, now, caller, Some(&person.tenant_id), "org.person.create", &person.id, &person.name)
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// A unit the caller may see; a unit of another tenant is answered like a missing one.
    async fn org_unit(&self, caller: &Account, unit_id: &str) -> Result<OrgUnit> {
        let not_found = || unit_not_found(unit_id);
        let row = sqlx::query("SELECT id, tenant_id, parent_id, name FROM org_units WHERE id = $1")
            .bind(unit_id)
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or_else(not_found)?;
        let unit = OrgUnit {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            parent_id: row.try_get("parent_id")?,
            name: row.try_get("name")?,
        };
        if !caller.can_access(&unit.tenant_id) {
            return Err(not_found());
        }
        Ok(unit)
    }

    /// The organisation units of a tenant (flat; `parent_id` gives the tree).
    pub async fn org_units(&self, caller: &Account, tenant_id: &str) -> Result<Vec<OrgUnit>> {
        self.get_tenant(caller, tenant_id).await?;
        let rows = sqlx::query(
            "SELECT id, tenant_id, parent_id, name FROM org_units WHERE tenant_id = $1 ORDER BY sort, name",
        )
        .bind(tenant_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OrgUnit {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    parent_id: r.try_get("parent_id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// The people of a tenant, by name.
    pub async fn people(&self, caller: &Account, tenant_id: &str) -> Result<Vec<Person>> {
        self.get_tenant(caller, tenant_id).await?;
        let rows =
            sqlx::query("SELECT id, tenant_id, unit_id, name, groups FROM people WHERE tenant_id = $1 ORDER BY name")
                .bind(tenant_id)
                .fetch_all(&self.store.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let groups: String = r.try_get("groups")?;
                Ok(Person {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    unit_id: r.try_get("unit_id")?,
                    name: r.try_get("name")?,
                    groups: groups.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect(),
                })
            })
            .collect()
    }
}

fn unit_not_found(id: &str) -> EngineError {
    EngineError::NotFound { what: "Organisation unit", id: id.to_string() }
}

/// Checks an identifier-like value (ids, codes, user names): 1 to 64 characters of letters,
/// digits, `-`, `_` and `.`.
pub fn parse_code(field: &'static str, raw: &str) -> Result<String> {
    let v = raw.trim();
    let ok =
        !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(v.to_string())
    } else {
        Err(EngineError::invalid(
            field,
            format!("'{v}' is not a valid {field}: use 1 to 64 letters, digits, '-', '_' or '.'."),
        ))
    }
}

/// Counts shown on the overview page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub tenants: i64,
    pub units: i64,
    pub people: i64,
    pub catalog_nodes: i64,
}

impl Engine {
    /// Counts within the caller's scope, narrowed to `tenant` when one is chosen.
    pub async fn overview(&self, caller: &Account, tenant: Option<&str>) -> Result<Overview> {
        let scope = caller.tenant_scope().or(tenant);
        let count = |table: &'static str| {
            let pool = self.store.pool.clone();
            let scope = scope.map(str::to_string);
            async move {
                let n: i64 = match scope {
                    Some(t) => {
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"))
                            .bind(t)
                            .fetch_one(&pool)
                            .await?
                    }
                    None => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await?,
                };
                Ok::<i64, EngineError>(n)
            }
        };
        let catalog_nodes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM catalog_nodes").fetch_one(&self.store.pool).await?;
        Ok(Overview {
            tenants: self.list_tenants(caller).await?.len() as i64,
            units: count("org_units").await?,
            people: count("people").await?,
            catalog_nodes,
        })
    }
}

/// A bearer token for the HTTP API, as listed (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// The tenant the token is limited to; `None` = all tenants (created by an administrator).
    pub tenant_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn api_token_from_row(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        tenant_id: r.try_get("tenant_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const API_TOKEN_COLUMNS: &str = "id, name, tenant_id, created_by, created_at, last_used_at, revoked_at";

impl Engine {
    /// Creates an API token acting with the caller's scope: an administrator's token sees all
    /// tenants, a tenant manager's only theirs. Returns the token text, shown this once.
    pub async fn create_api_token(&self, caller: &Account, name: &str) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(EngineError::invalid(
                "name",
                "Give the token a name of 1 to 100 characters, e.g. the application that will use it.",
            ));
        }
        check_text("name", name)?;
        let secret = format!("bpm_{}", random_token());
        let token = ApiToken {
            id: new_id(),
            name: name.to_string(),
            tenant_id: caller.tenant_scope().map(str::to_string),
            created_by: caller.username.clone(),
            created_at: self.clock.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.store.pool.begin().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, token_hash, tenant_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token.id)
        .bind(&token.name)
        .bind(token_hash(&secret))
        .bind(&token.tenant_id)
        .bind(&token.created_by)
        .bind(token.created_at)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            token.created_at,
            caller,
            token.tenant_id.as_deref(),
            "api_token.create",
            &token.id,
            name,
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// The tokens the caller may see, newest first.
    pub async fn list_api_tokens(&self, caller: &Account) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"))
            .fetch_all(&self.store.pool)
            .await?;
        let all: Vec<ApiToken> = rows.iter().map(api_token_from_row).collect::<Result<_>>()?;
        Ok(all
            .into_iter()
            .filter(|t| caller.tenant_scope().is_none() || t.tenant_id.as_deref() == caller.tenant_scope())
            .collect())
    }

    /// Revokes a token: from now on it is refused. Revoking twice is refused with the reason.
    pub async fn revoke_api_token(&self, caller: &Account, id: &str) -> Result<()> {
        let not_found = || EngineError::NotFound { what: "API token", id: id.to_string() };
        let token = self.list_api_tokens(caller).await?.into_iter().find(|t| t.id == id).ok_or_else(not_found)?;
        if token.revoked_at.is_some() {
            return Err(EngineError::Conflict(format!("The token '{}' is already revoked.", token.name)));
        }
        let now = self.clock.now();
        let mut tx = self.store.pool.begin().await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, now, caller, token.tenant_id.as_deref(), "api_token.revoke", id, &token.name).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account an API token acts as, or `None` for an unknown or revoked token.
    pub async fn api_token_account(&self, secret: &str) -> Result<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(token_hash(secret))
        .fetch_optional(&self.store.pool)
        .await?;
        let Some(token) = row.as_ref().map(api_token_from_row).transpose()? else { return Ok(None) };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(self.clock.now())
            .bind(&token.id)
            .execute(&self.store.pool)
            .await?;
        Ok(Some(Account {
            id: format!("token:{}", token.id),
            username: format!("api:{}", token.name),
            display_name: token.name,
            role: if token.tenant_id.is_some() { Role::TenantManager } else { Role::Admin },
            tenant_id: token.tenant_id,
        }))
    }
}
