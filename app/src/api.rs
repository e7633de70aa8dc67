//! Server functions and the wire types they exchange with the browser. Each function is thin:
//! it takes the engine and the caller from the request context, calls one engine method and
//! maps the result to a wire type. Database rows never reach the browser.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The encoding of the console's resources (the data a page loads, sent inside the server's
/// HTML and read again by the browser when it hydrates): JSON, read from bytes as the server
/// functions read their answers. serde_json builds its reader once per kind of input; with
/// Leptos' default codec the browser read resources from `&str` and answers from `&[u8]`, and
/// carried two readers of every type (a tenth of the wasm).
pub struct JsonBytes;

impl<T: Serialize> leptos::server::codee::Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: serde::de::DeserializeOwned> leptos::server::codee::Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource of the console ([`JsonBytes`]).
pub type Res<T> = Resource<T, JsonBytes>;

/// [`Resource::new`] with [`JsonBytes`].
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    T: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// The header the console's own requests that are not JSON (uploads) carry: a state change
/// carried by the session cookie must be JSON or carry it, which a form or a simple request
/// from another site cannot do.
pub const REQUEST_HEADER: &str = "X-BPM-Request";

/// The signed-in user and the tenants they can switch between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The tenant chosen in the header (`None` = all tenants, administrators only).
    pub tenant_id: Option<String>,
    pub tenants: Vec<Tenant>,
}

pub use bpmn_core::identity::{ApiToken, OrgUnit, Person, Tenant};

/// The page sizes a list offers (the first is the default).
pub const PAGE_SIZES: &[(i64, &str)] = &[(20, "20"), (50, "50"), (100, "100")];

/// The rows per page the browser asked for, when it is one of [`PAGE_SIZES`]; else the default.
pub fn page_limit(size: i64) -> i64 {
    PAGE_SIZES.iter().map(|(n, _)| *n).find(|n| *n == size).unwrap_or(PAGE_SIZES[0].0)
}

/// A catalog node with its depth in the tree, listed parents first (kept: `depth` is computed here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub code: String,
    pub revision: i64,
    pub depth: usize,
}

/// Counts for the overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub running: i64,
    pub suspended: i64,
    pub open_incidents: i64,
    pub overdue_tasks: i64,
    pub failed_jobs: i64,
    pub tenants: i64,
    pub units: i64,
    pub people: i64,
    pub catalog_nodes: i64,
}

/// An organisation unit or person, for the organisation page and the person picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgTree {
    pub units: Vec<OrgUnit>,
    pub people: Vec<Person>,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;
    use engine::catalog::CatalogNode;

    /// Depth of each node in a parents-first list.
    pub fn catalog_rows(nodes: Vec<CatalogNode>) -> Vec<CatalogRow> {
        let mut depth_of: std::collections::HashMap<String, usize> = Default::default();
        nodes
            .into_iter()
            .map(|n| {
                let depth = n.parent_id.as_ref().and_then(|p| depth_of.get(p)).map_or(0, |d| d + 1);
                depth_of.insert(n.id.clone(), depth);
                CatalogRow { id: n.id, parent_id: n.parent_id, name: n.name, code: n.code, revision: n.revision, depth }
            })
            .collect()
    }
}

/// Signs in and sets the session cookie, then sends the browser to `next` (or home).
#[server(endpoint = "login")]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{client_addr, engine, set_session_cookie};
    let (token, _) = engine()?.sign_in_from(&username, &password, client_addr()).await?;
    set_session_cookie(&token);
    // Only local paths: an absolute URL here would make the login page an open redirect.
    let target = next.filter(|n| n.starts_with('/') && !n.starts_with("//")).unwrap_or_else(|| "/".into());
    leptos_axum::redirect(&target);
    Ok(())
}

/// Ends the session and clears its cookie.
#[server(endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{clear_session_cookie, current, engine};
    let s = current()?;
    engine()?.sign_out(&s.token).await?;
    clear_session_cookie();
    Ok(())
}

/// Ends every session of the signed-in account, on every browser, this one included.
#[server(endpoint = "logout_everywhere", input = Json)]
pub async fn logout_everywhere() -> Result<u64, AppError> {
    use crate::ssr::{clear_session_cookie, current, engine};
    let s = current()?;
    let ended = engine()?.sign_out_everywhere(&s.session.account).await?;
    clear_session_cookie();
    Ok(ended)
}

/// Who is signed in, and the tenants the header's switcher offers.
#[server(endpoint = "me", input = Json)]
pub async fn whoami() -> Result<Me, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let tenants = engine()?.list_tenants(&s.session.account).await?;
    let a = &s.session.account;
    Ok(Me {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        is_admin: a.tenant_scope().is_none(),
        tenant_id: s.session.tenant_id.clone(),
        tenants,
    })
}

/// Chooses the tenant the session works in (empty = all tenants).
#[server(endpoint = "switch_tenant", input = Json)]
pub async fn switch_tenant(tenant_id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let t = (!tenant_id.is_empty()).then_some(tenant_id.as_str());
    Ok(engine()?.switch_tenant(&s.token, &s.session.account, t).await?)
}

/// Counts for the overview page, within the caller's tenant scope.
#[server(endpoint = "overview", input = Json)]
pub async fn load_overview() -> Result<Overview, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let o = engine()?.overview(&s.session.account, s.session.tenant_id.as_deref()).await?;
    Ok(Overview {
        running: o.running,
        suspended: o.suspended,
        open_incidents: o.open_incidents,
        overdue_tasks: o.overdue_tasks,
        failed_jobs: o.failed_jobs,
        tenants: o.tenants,
        units: o.units,
        people: o.people,
        catalog_nodes: o.catalog_nodes,
    })
}

/// The tenants the caller may see.
#[server(endpoint = "tenants", input = Json)]
pub async fn list_tenants() -> Result<Vec<Tenant>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.list_tenants(&s.session.account).await?)
}

/// Creates a tenant (administrators only).
#[server(endpoint = "tenant_create", input = Json)]
pub async fn create_tenant(id: String, name: String) -> Result<Tenant, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let id = (!id.trim().is_empty()).then_some(id.as_str());
    Ok(engine()?.create_tenant(&s.session.account, id, &name).await?)
}

/// Renames a tenant; `revision` is the one the caller saw.
#[server(endpoint = "tenant_rename", input = Json)]
pub async fn rename_tenant(id: String, name: String, revision: i64) -> Result<Tenant, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.rename_tenant(&s.session.account, &id, &name, revision).await?)
}

/// The catalog tree, parents first.
#[server(endpoint = "catalog", input = Json)]
pub async fn catalog_tree() -> Result<Vec<CatalogRow>, AppError> {
    use crate::ssr::{current, engine};
    current()?;
    Ok(convert::catalog_rows(engine()?.catalog().await?))
}

/// Adds a node (no `id`) or changes one (`id` and the `revision` the caller saw).
#[server(endpoint = "catalog_save", input = Json)]
pub async fn save_catalog_node(
    id: Option<String>,
    parent_id: Option<String>,
    name: String,
    code: String,
    revision: i64,
) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    use engine::catalog::CatalogInput;
    let s = current()?;
    let e = engine()?;
    let input = CatalogInput { name, code };
    let caller = &s.session.account;
    match id.filter(|i| !i.is_empty()) {
        Some(id) => e.update_catalog_node(caller, &id, &input, revision).await?,
        None => e.create_catalog_node(caller, parent_id.as_deref().filter(|p| !p.is_empty()), &input).await?,
    };
    Ok(())
}

/// Deletes an empty catalog node.
#[server(endpoint = "catalog_delete", input = Json)]
pub async fn delete_catalog_node(id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.delete_catalog_node(&s.session.account, &id).await?)
}

/// The tenant whose organisation (or new model) the console shows and adds to: `tenant` when
/// given (the tenant of a task being reassigned), else the one chosen in the header, else the
/// default.
#[cfg(feature = "ssr")]
pub(crate) fn org_tenant(s: &crate::ssr::CurrentSession, tenant: Option<String>) -> String {
    tenant
        .filter(|t| !t.is_empty())
        .or_else(|| s.session.tenant_id.clone())
        .unwrap_or_else(|| engine::demo::DEFAULT_TENANT.to_string())
}

/// The organisation tree of a tenant (see `org_tenant`).
#[server(endpoint = "org", input = Json)]
pub async fn load_org(tenant: Option<String>) -> Result<OrgTree, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let e = engine()?;
    let a = &s.session.account;
    let tenant = org_tenant(&s, tenant);
    let units = e.org_units(a, &tenant).await?;
    let people = e.people(a, &tenant).await?;
    Ok(OrgTree { units, people })
}

/// Adds an organisation unit to the current tenant, under `parent_id` or at the top.
#[server(endpoint = "org_unit_create", input = Json)]
pub async fn create_org_unit(parent_id: Option<String>, name: String) -> Result<OrgUnit, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let tenant = org_tenant(&s, None);
    let parent = parent_id.filter(|p| !p.is_empty());
    Ok(engine()?.create_org_unit(&s.session.account, &tenant, parent.as_deref(), &name).await?)
}

/// Adds a person to a unit; `groups` is comma-separated, `id` empty = generated.
#[server(endpoint = "org_person_create", input = Json)]
pub async fn create_person(unit_id: String, id: String, name: String, groups: String) -> Result<Person, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    if unit_id.trim().is_empty() {
        return Err(AppError::invalid("unit", bpmn_core::text::Text::new("ident.person_needs_unit")));
    }
    let groups: Vec<&str> = groups.split([',', '，']).map(str::trim).filter(|g| !g.is_empty()).collect();
    let id = Some(id.trim()).filter(|i| !i.is_empty());
    Ok(engine()?.create_person(&s.session.account, &unit_id, id, &name, &groups).await?)
}

/// A token just created: its row and the secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub row: ApiToken,
    pub secret: String,
}

/// The API tokens the caller may see.
#[server(endpoint = "tokens", input = Json)]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.list_api_tokens(&s.session.account).await?)
}

/// Creates an API token; the answer holds the secret, which is never shown again.
#[server(endpoint = "token_create", input = Json)]
pub async fn create_token(name: String) -> Result<NewToken, AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    let (row, secret) = engine()?.create_api_token(&s.session.account, &name).await?;
    Ok(NewToken { row, secret })
}

/// Revokes an API token.
#[server(endpoint = "token_revoke", input = Json)]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::ssr::{current, engine};
    let s = current()?;
    Ok(engine()?.revoke_api_token(&s.session.account, &id).await?)
}

pub mod definitions;
pub mod events;
pub mod instances;
pub mod jobs;
pub mod org;
pub mod tasks;
