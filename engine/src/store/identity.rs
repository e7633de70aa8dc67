//! The identity tables: `tenants`, `users` (console accounts), `sessions`, `org_units`,
//! `people` and `api_tokens`. Secrets arrive here already hashed (passwords with Argon2id,
//! session and API tokens with BLAKE2s): the tables never hold one in clear.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use super::error::{written, Written};
use super::sql::Where;
use super::{Store, Tx};
use crate::error::Result;
use crate::identity::{Account, ApiToken, OrgUnit, Person, Role, Tenant};

// ---- tenants -------------------------------------------------------------------------------

fn tenant_from_row(r: &AnyRow) -> Result<Tenant> {
    Ok(Tenant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revision: r.try_get("revision")?,
    })
}

impl Store {
    /// Every tenant, by name.
    pub(crate) async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, name, created_at, revision FROM tenants ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    /// The tenant with this id.
    pub(crate) async fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT id, name, created_at, revision FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    /// Whether a tenant with this id exists.
    pub(crate) async fn tenant_exists(&self, id: &str) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE id = $1").bind(id).fetch_one(&self.pool).await?;
        Ok(n > 0)
    }
}

/// Inserts a new tenant (revision 1); `Duplicate` when its id or name is taken.
pub(crate) async fn insert_tenant(tx: &mut Tx, tenant: &Tenant) -> Result<Written> {
    let done = sqlx::query("INSERT INTO tenants (id, name, created_at, revision) VALUES ($1, $2, $3, 1)")
        .bind(&tenant.id)
        .bind(&tenant.name)
        .bind(tenant.created_at)
        .execute(&mut **tx)
        .await;
    written(done)
}

/// Renames a tenant still at `revision`; `NoRow` when it is not, `Duplicate` when the name is
/// taken.
pub(crate) async fn rename_tenant(tx: &mut Tx, id: &str, name: &str, revision: i64) -> Result<Written> {
    let done = sqlx::query("UPDATE tenants SET name = $1, revision = revision + 1 WHERE id = $2 AND revision = $3")
        .bind(name)
        .bind(id)
        .bind(revision)
        .execute(&mut **tx)
        .await;
    written(done)
}

// ---- accounts and sessions -------------------------------------------------------------------

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

/// A live session as stored: its account and tenant, when it began and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRow {
    pub(crate) account: Account,
    pub(crate) tenant_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
}

/// A session to open.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewSession<'a> {
    pub(crate) token_hash: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) tenant_id: Option<&'a str>,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
}

impl Store {
    /// Inserts an account with its password hash; `Duplicate` when the user name is taken.
    pub(crate) async fn insert_account(
        &self,
        account: &Account,
        password_hash: &str,
        created_at: i64,
    ) -> Result<Written> {
        let done = sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, tenant_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&account.id)
        .bind(&account.username)
        .bind(&account.display_name)
        .bind(password_hash)
        .bind(account.role.as_str())
        .bind(&account.tenant_id)
        .bind(created_at)
        .execute(&self.pool)
        .await;
        written(done)
    }

    /// Whether an account with this user name exists.
    pub(crate) async fn account_exists(&self, username: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The account with this user name and its password hash, for a sign-in.
    pub(crate) async fn account_for_sign_in(&self, username: &str) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((account_from_row(&r)?, r.try_get("password_hash")?))).transpose()
    }

    /// Opens a session.
    pub(crate) async fn insert_session(&self, session: NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.token_hash)
        .bind(session.user_id)
        .bind(session.tenant_id)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes the sessions that ended at `now` or before.
    pub(crate) async fn delete_ended_sessions(&self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(())
    }

    /// The session with this token hash that has not ended at `now`.
    pub(crate) async fn live_session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, s.tenant_id AS session_tenant, s.created_at AS session_created, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            created_at: r.try_get("session_created")?,
            expires_at: r.try_get("expires_at")?,
            account: account_from_row(&r)?,
            tenant_id: r.try_get("session_tenant")?,
        }))
    }

    /// Moves a live session's end to `expires_at`.
    pub(crate) async fn extend_session(&self, token_hash: &str, expires_at: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2 AND expires_at > $3")
            .bind(expires_at)
            .bind(token_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the tenant a session works in.
    pub(crate) async fn set_session_tenant(&self, token_hash: &str, tenant_id: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE sessions SET tenant_id = $1 WHERE token_hash = $2")
            .bind(tenant_id)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes one session.
    pub(crate) async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }
}

/// Deletes every session of an account; returns how many.
pub(crate) async fn delete_account_sessions(tx: &mut Tx, user_id: &str) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?.rows_affected())
}

// ---- organisation ----------------------------------------------------------------------------

const UNIT_COLUMNS: &str = "id, tenant_id, parent_id, name, active, revision";
const PERSON_COLUMNS: &str = "id, tenant_id, unit_id, name, groups, active, revision";

fn unit_from_row(r: &AnyRow) -> Result<OrgUnit> {
    Ok(OrgUnit {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        parent_id: r.try_get("parent_id")?,
        name: r.try_get("name")?,
        active: r.try_get::<i64, _>("active")? != 0,
        revision: r.try_get("revision")?,
    })
}

fn person_from_row(r: &AnyRow) -> Result<Person> {
    // Stored comma-separated (see `insert_person`).
    let groups: String = r.try_get("groups")?;
    Ok(Person {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        unit_id: r.try_get("unit_id")?,
        name: r.try_get("name")?,
        groups: groups.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect(),
        active: r.try_get::<i64, _>("active")? != 0,
        revision: r.try_get("revision")?,
    })
}

/// The tables [`Store::row_count`] counts, per tenant or in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TenantRows {
    OrgUnits,
    People,
}

impl Store {
    /// The unit with this id, of any tenant.
    pub(crate) async fn org_unit(&self, id: &str) -> Result<Option<OrgUnit>> {
        let row = sqlx::query(&format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// The units of a tenant, by sort and name.
    pub(crate) async fn org_units(&self, tenant_id: &str) -> Result<Vec<OrgUnit>> {
        let rows =
            sqlx::query(&format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE tenant_id = $1 ORDER BY sort, name"))
                .bind(tenant_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// The person with this id, of any tenant.
    pub(crate) async fn person(&self, id: &str) -> Result<Option<Person>> {
        let row = sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    /// The people of a tenant, by name, the deactivated ones included.
    pub(crate) async fn people(&self, tenant_id: &str) -> Result<Vec<Person>> {
        let rows = sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE tenant_id = $1 ORDER BY name"))
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(person_from_row).collect()
    }

    /// The name of person `id` of `tenant_id` when that person is deactivated: someone no task
    /// may be given to. `None` for an active person and for an id that is no person of the
    /// tenant.
    pub(crate) async fn inactive_person_name(&self, tenant_id: &str, id: &str) -> Result<Option<String>> {
        let name = sqlx::query_scalar("SELECT name FROM people WHERE id = $1 AND tenant_id = $2 AND active = 0")
            .bind(id)
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(name)
    }

    /// The names of the people among `logins`, keyed by their tenant and login: one read for
    /// a page of rows that name people (initiators, actors), whatever tenants the rows are of.
    /// A login that is no person (a console account, the engine) is not in the answer.
    pub(crate) async fn people_names(&self, logins: &[&str]) -> Result<HashMap<(String, String), String>> {
        let mut logins = logins.to_vec();
        logins.sort_unstable();
        logins.dedup();
        if logins.is_empty() {
            return Ok(HashMap::new());
        }
        let mut w = Where::default();
        let list: Vec<String> = logins.iter().map(|l| w.text(*l)).collect();
        w.push(format!("id IN ({})", list.join(", ")));
        let sql = format!("SELECT id, tenant_id, name FROM people{}", w.sql());
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(((r.try_get("tenant_id")?, r.try_get("id")?), r.try_get("name")?))).collect()
    }

    /// The groups of person `id` (within `scope`, a tenant manager's tenant), none for an
    /// unknown person.
    pub(crate) async fn person_groups(&self, id: &str, scope: Option<&str>) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT tenant_id, groups FROM people WHERE id = $1").bind(id).fetch_all(&self.pool).await?;
        let mut groups = Vec::new();
        for r in rows {
            let tenant: String = r.try_get("tenant_id")?;
            if scope.is_some_and(|s| s != tenant) {
                continue;
            }
            let stored: String = r.try_get("groups")?;
            groups.extend(stored.split(',').filter(|g| !g.is_empty()).map(str::to_owned));
        }
        groups.sort();
        groups.dedup();
        Ok(groups)
    }

    /// How many active rows `table` has, in one tenant or in all.
    pub(crate) async fn row_count(&self, table: TenantRows, tenant_id: Option<&str>) -> Result<i64> {
        let table = match table {
            TenantRows::OrgUnits => "org_units",
            TenantRows::People => "people",
        };
        let n: i64 = match tenant_id {
            Some(t) => {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1 AND active = 1"))
                    .bind(t)
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE active = 1"))
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        Ok(n)
    }
}

/// Makes the changes of the organisation of `tenant_id` one at a time: takes the write lock of
/// the tenant's row (PostgreSQL) or of the database (SQLite) for the rest of the transaction,
/// so that what the transaction reads next (the tree a move must not make a cycle of, the
/// people a deactivated unit must not hold) stays true until it commits. Nothing changes.
pub(crate) async fn lock_organisation(tx: &mut Tx, tenant_id: &str) -> Result<()> {
    sqlx::query("UPDATE tenants SET revision = revision WHERE id = $1").bind(tenant_id).execute(&mut **tx).await?;
    Ok(())
}

/// The units of a tenant as the transaction sees them (see [`lock_organisation`]).
pub(crate) async fn org_units_in(tx: &mut Tx, tenant_id: &str) -> Result<Vec<OrgUnit>> {
    let rows = sqlx::query(&format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE tenant_id = $1"))
        .bind(tenant_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(unit_from_row).collect()
}

/// The person with this id as the transaction sees it.
pub(crate) async fn person_in(tx: &mut Tx, id: &str) -> Result<Option<Person>> {
    let row = sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

/// How many active people unit `unit_id` holds.
pub(crate) async fn active_people_in(tx: &mut Tx, unit_id: &str) -> Result<i64> {
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE unit_id = $1 AND active = 1")
        .bind(unit_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n)
}

/// Inserts an organisation unit (active, revision 1).
pub(crate) async fn insert_org_unit(tx: &mut Tx, unit: &OrgUnit) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_units (id, tenant_id, parent_id, name, active, revision) VALUES ($1, $2, $3, $4, 1, 1)",
    )
    .bind(&unit.id)
    .bind(&unit.tenant_id)
    .bind(&unit.parent_id)
    .bind(&unit.name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the name, parent and state of `unit` where the row is still at `revision`, and moves
/// the revision on; `NoRow` when it is not.
pub(crate) async fn update_org_unit(tx: &mut Tx, unit: &OrgUnit, revision: i64) -> Result<Written> {
    let done = sqlx::query(
        "UPDATE org_units SET name = $1, parent_id = $2, active = $3, revision = revision + 1 \
         WHERE id = $4 AND revision = $5",
    )
    .bind(&unit.name)
    .bind(&unit.parent_id)
    .bind(i64::from(unit.active))
    .bind(&unit.id)
    .bind(revision)
    .execute(&mut **tx)
    .await;
    written(done)
}

/// Inserts a person (active, revision 1), the groups comma-separated; `Duplicate` when the id
/// is taken.
pub(crate) async fn insert_person(tx: &mut Tx, person: &Person) -> Result<Written> {
    let done = sqlx::query(
        "INSERT INTO people (id, tenant_id, unit_id, name, groups, active, revision) VALUES ($1, $2, $3, $4, $5, 1, 1)",
    )
    .bind(&person.id)
    .bind(&person.tenant_id)
    .bind(&person.unit_id)
    .bind(&person.name)
    .bind(person.groups.join(","))
    .execute(&mut **tx)
    .await;
    written(done)
}

/// Writes the name, unit, groups and state of `person` where the row is still at `revision`,
/// and moves the revision on; `NoRow` when it is not.
pub(crate) async fn update_person(tx: &mut Tx, person: &Person, revision: i64) -> Result<Written> {
    let done = sqlx::query(
        "UPDATE people SET name = $1, unit_id = $2, groups = $3, active = $4, revision = revision + 1 \
         WHERE id = $5 AND revision = $6",
    )
    .bind(&person.name)
    .bind(&person.unit_id)
    .bind(person.groups.join(","))
    .bind(i64::from(person.active))
    .bind(&person.id)
    .bind(revision)
    .execute(&mut **tx)
    .await;
    written(done)
}

// ---- API tokens ------------------------------------------------------------------------------

const API_TOKEN_COLUMNS: &str = "id, name, tenant_id, created_by, created_at, last_used_at, revoked_at";

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

impl Store {
    /// Every API token, newest first.
    pub(crate) async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(api_token_from_row).collect()
    }

    /// The token with this hash, unless revoked.
    pub(crate) async fn live_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(&format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(api_token_from_row).transpose()
    }

    /// Notes that a token was used at `at`.
    pub(crate) async fn touch_api_token(&self, id: &str, at: i64) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Inserts a new token with the hash of its secret.
pub(crate) async fn insert_api_token(tx: &mut Tx, token: &ApiToken, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, name, token_hash, tenant_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.id)
    .bind(&token.name)
    .bind(token_hash)
    .bind(&token.tenant_id)
    .bind(&token.created_by)
    .bind(token.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Revokes a token at `at`, unless it already is.
pub(crate) async fn revoke_api_token(tx: &mut Tx, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
