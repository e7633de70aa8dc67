//! The statements of event subscription rows (`event_subscriptions`): a token's subscription
//! inserted by the step that makes it wait and deleted by the step that makes it leave, an
//! ended instance's removed, a definition's start event subscriptions replaced at deploy; and
//! the reads of correlation (a message by name, business key, instance), of a signal's
//! receivers (in batches) and of the subscription lists.

use super::sql::{bind_all, insert_many, push_search, Arg, Cells, Where};
use super::writes::Cascade;
use super::{Store, Tx};
use crate::error::Result;
use crate::events::{EventSubscription, SubscriptionKind};
use crate::instances::InstanceStatus;

/// A new subscription row: of a token (`instance_id` and `token` set) or of a definition's
/// start event (both `None`).
#[derive(Debug, Clone)]
pub(crate) struct NewSubscription {
    pub id: String,
    pub tenant_id: String,
    pub kind: SubscriptionKind,
    pub name: String,
    pub instance_id: Option<String>,
    pub token: Option<i64>,
    pub definition_id: String,
    pub definition_name: String,
    pub activity_id: String,
    pub activity_name: String,
    pub business_key: Option<String>,
    pub created_at: i64,
}

impl NewSubscription {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "kind",
        "name",
        "instance_id",
        "token",
        "definition_id",
        "definition_name",
        "activity_id",
        "activity_name",
        "business_key",
        "created_at",
    ];

    /// The statements inserting `rows` (see [`insert_many`]).
    pub(super) fn insert(rows: Vec<NewSubscription>) -> Vec<(String, Vec<Arg>)> {
        insert_many("event_subscriptions", Self::COLUMNS, rows.into_iter().map(Self::into_args).collect())
    }

    fn into_args(self) -> Vec<Arg> {
        vec![
            Arg::Text(self.id),
            Arg::Text(self.tenant_id),
            Arg::Text(self.kind.as_str().to_owned()),
            Arg::Text(self.name),
            Arg::OptText(self.instance_id),
            Arg::OptInt(self.token),
            Arg::Text(self.definition_id),
            Arg::Text(self.definition_name),
            Arg::Text(self.activity_id),
            Arg::Text(self.activity_name),
            Arg::OptText(self.business_key),
            Arg::Int(self.created_at),
        ]
    }
}

/// Deletes the subscription of a token.
pub(super) fn delete_token(instance_id: String, token: i64) -> (String, Vec<Arg>) {
    (
        "DELETE FROM event_subscriptions WHERE instance_id = $1 AND token = $2".into(),
        vec![Arg::Text(instance_id), Arg::Int(token)],
    )
}

/// Deletes every subscription of an instance (it ended).
pub(super) fn delete_instance(instance_id: String) -> (String, Vec<Arg>) {
    ("DELETE FROM event_subscriptions WHERE instance_id = $1".into(), vec![Arg::Text(instance_id)])
}

/// The columns of [`EventSubscription`] (table alias `s`).
const COLUMNS: &str = "s.id, s.tenant_id, s.kind, s.name, s.instance_id, s.token, s.definition_id, \
     s.definition_name, s.activity_id, s.activity_name, s.business_key, s.created_at";

/// A subscription row as read, with its token.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionRow {
    pub sub: EventSubscription,
    pub token: Option<i64>,
}

fn read(r: &dyn Cells) -> Result<SubscriptionRow> {
    let kind: String = r.try_get("kind")?;
    Ok(SubscriptionRow {
        sub: EventSubscription {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            kind: SubscriptionKind::parse(&kind).unwrap_or(SubscriptionKind::Message),
            name: r.try_get("name")?,
            instance_id: r.try_get("instance_id")?,
            definition_id: r.try_get("definition_id")?,
            definition_name: r.try_get("definition_name")?,
            activity_id: r.try_get("activity_id")?,
            activity_name: r.try_get("activity_name")?,
            business_key: r.try_get("business_key")?,
            created: r.try_get("created_at")?,
        },
        token: r.try_get("token")?,
    })
}

/// A waiting token's subscription with the state of its instance, for correlation.
#[derive(Debug, Clone)]
pub(crate) struct Receiver {
    pub row: SubscriptionRow,
    pub status: InstanceStatus,
}

/// Restricts `s.tenant_id` to `tenant`; without one, to every tenant through the tenants
/// table, so that the correlation index (which leads with the tenant) still serves.
fn tenant_of(w: &mut Where, tenant: Option<&str>) {
    match tenant {
        Some(t) => {
            let p = w.text(t);
            w.push(format!("s.tenant_id = {p}"));
        }
        None => w.push("s.tenant_id IN (SELECT id FROM tenants)"),
    }
}

/// The filters of the subscription list.
pub(crate) struct ListFilter<'a> {
    pub tenant: Option<&'a str>,
    pub name: Option<&'a str>,
    pub instance_id: Option<&'a str>,
    pub kind: Option<SubscriptionKind>,
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

impl Store {
    /// One page of subscriptions (instances' and definitions'), oldest first: `limit + 1`
    /// rows, so the caller sees whether there is a next page.
    pub(crate) async fn subscriptions_page(&self, f: ListFilter<'_>) -> Result<Vec<EventSubscription>> {
        let mut w = Where::default();
        if let Some(t) = f.tenant {
            let p = w.text(t);
            w.push(format!("s.tenant_id = {p}"));
        }
        if let Some(n) = f.name.filter(|n| !n.trim().is_empty()) {
            push_search(&mut w, "LOWER(s.name)", n);
        }
        if let Some(i) = f.instance_id.filter(|i| !i.is_empty()) {
            let p = w.text(i);
            w.push(format!("s.instance_id = {p}"));
        }
        if let Some(k) = f.kind {
            let p = w.text(k.as_str());
            w.push(format!("s.kind = {p}"));
        }
        if let Some((t, id)) = f.after {
            let (t1, t2, i1) = (w.int(t), w.int(t), w.text(id));
            w.push(format!("(s.created_at > {t1} OR (s.created_at = {t2} AND s.id > {i1}))"));
        }
        let l = w.int(f.limit + 1);
        let sql =
            format!("SELECT {COLUMNS} FROM event_subscriptions s{} ORDER BY s.created_at, s.id LIMIT {l}", w.sql());
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| read(r).map(|s| s.sub)).collect()
    }

    /// The subscriptions of one instance, oldest first.
    pub(crate) async fn instance_subscriptions(&self, instance_id: &str) -> Result<Vec<EventSubscription>> {
        let sql =
            format!("SELECT {COLUMNS} FROM event_subscriptions s WHERE s.instance_id = $1 ORDER BY s.created_at, s.id");
        Ok(self.fetch(&sql, vec![Arg::from(instance_id)], read).await?.into_iter().map(|s| s.sub).collect())
    }

    /// One subscription by id.
    pub(crate) async fn subscription(&self, id: &str) -> Result<Option<SubscriptionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM event_subscriptions s WHERE s.id = $1");
        self.fetch_optional(&sql, vec![Arg::from(id)], read).await
    }

    /// The tokens waiting for message `name` in `tenant` (every tenant when `None`), of the
    /// business key and instance when given, oldest first, with their instance's state.
    pub(crate) async fn message_receivers(
        &self,
        tenant: Option<&str>,
        name: &str,
        business_key: Option<&str>,
        instance_id: Option<&str>,
    ) -> Result<Vec<Receiver>> {
        let (sql, args) = receivers_query(tenant, name, business_key, instance_id);
        self.fetch(&sql, args, |r| {
            let status: String = r.try_get("i_state")?;
            Ok(Receiver { row: read(r)?, status: InstanceStatus::parse(&status) })
        })
        .await
    }

    /// The start event subscriptions of `kind` and `name` in `tenant` (every tenant when
    /// `None`): the definitions a message or signal starts.
    pub(crate) async fn start_subscriptions(
        &self,
        tenant: Option<&str>,
        kind: SubscriptionKind,
        name: &str,
    ) -> Result<Vec<SubscriptionRow>> {
        let (sql, args) = start_query(tenant, kind, name);
        self.fetch(&sql, args, read).await
    }

    /// A batch of the signal `name`'s receivers in `tenant` whose instance is running, after
    /// subscription id `after` and up to id `bound`, by id: subscription id, instance id, token.
    pub(crate) async fn signal_receivers(
        &self,
        tenant: Option<&str>,
        name: &str,
        after: Option<&str>,
        bound: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>> {
        let mut w = Where::default();
        tenant_of(&mut w, tenant);
        w.push("s.kind = 'signal'");
        let p = w.text(name);
        w.push(format!("s.name = {p}"));
        w.push("s.instance_id IS NOT NULL");
        let p = w.text(bound);
        w.push(format!("s.id <= {p}"));
        if let Some(a) = after {
            let p = w.text(a);
            w.push(format!("s.id > {p}"));
        }
        w.push("i.state = 'running'");
        let l = w.int(limit);
        let sql = format!(
            "SELECT s.id, s.instance_id, s.token FROM event_subscriptions s \
             JOIN process_instances i ON i.id = s.instance_id{} ORDER BY s.id LIMIT {l}",
            w.sql()
        );
        let rows = w.bind(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r: &dyn Cells = r;
                Ok((r.try_get("id")?, r.try_get("instance_id")?, r.try_get("token")?))
            })
            .collect()
    }
}

/// The correlation query of [`Store::message_receivers`].
pub(super) fn receivers_query(
    tenant: Option<&str>,
    name: &str,
    business_key: Option<&str>,
    instance_id: Option<&str>,
) -> (String, Vec<Arg>) {
    let mut w = Where::default();
    tenant_of(&mut w, tenant);
    w.push("s.kind = 'message'");
    let p = w.text(name);
    w.push(format!("s.name = {p}"));
    if let Some(b) = business_key {
        let p = w.text(b);
        w.push(format!("s.business_key = {p}"));
    }
    match instance_id {
        Some(i) => {
            let p = w.text(i);
            w.push(format!("s.instance_id = {p}"));
        }
        None => w.push("s.instance_id IS NOT NULL"),
    }
    let sql = format!(
        "SELECT {COLUMNS}, i.state AS i_state FROM event_subscriptions s \
         JOIN process_instances i ON i.id = s.instance_id{} ORDER BY s.created_at, s.id",
        w.sql()
    );
    (sql, w.into_args())
}

fn start_query(tenant: Option<&str>, kind: SubscriptionKind, name: &str) -> (String, Vec<Arg>) {
    let mut w = Where::default();
    tenant_of(&mut w, tenant);
    let p = w.text(kind.as_str());
    w.push(format!("s.kind = {p}"));
    let p = w.text(name);
    w.push(format!("s.name = {p}"));
    w.push("s.instance_id IS NULL");
    let sql = format!("SELECT {COLUMNS} FROM event_subscriptions s{} ORDER BY s.created_at, s.id", w.sql());
    (sql, w.into_args())
}

/// The waiting tokens of signal `name` in `tenant` whose instance is running, read inside the
/// caller's transaction (a signal thrown by a step): subscription id, instance id, token.
pub(crate) async fn signal_receivers_in(
    tx: &mut Cascade,
    tenant: &str,
    name: &str,
    limit: i64,
) -> Result<Vec<(String, String, i64)>> {
    let rows = bind_all(
        "SELECT s.id, s.instance_id, s.token FROM event_subscriptions s JOIN process_instances i \
         ON i.id = s.instance_id WHERE s.tenant_id = $1 AND s.kind = 'signal' AND s.name = $2 \
         AND s.instance_id IS NOT NULL AND i.state = 'running' ORDER BY s.id LIMIT $3",
        vec![Arg::from(tenant), Arg::from(name), Arg::Int(limit)],
    )
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let r: &dyn Cells = r;
            Ok((r.try_get("id")?, r.try_get("instance_id")?, r.try_get("token")?))
        })
        .collect()
}

/// The signal start subscriptions of `name` in `tenant`, read inside the caller's transaction.
pub(crate) async fn signal_starts_in(tx: &mut Cascade, tenant: &str, name: &str) -> Result<Vec<SubscriptionRow>> {
    let (sql, args) = start_query(Some(tenant), SubscriptionKind::Signal, name);
    let rows = bind_all(&sql, args).fetch_all(tx.conn()).await?;
    rows.iter().map(|r| read(r)).collect()
}

/// Replaces the start event subscriptions of the versions of `key` in `tenant_id` by `rows`
/// (those of the new latest version), inside a deployment's transaction.
pub(crate) async fn replace_start_subscriptions(
    tx: &mut Tx,
    tenant_id: &str,
    key: &str,
    rows: Vec<NewSubscription>,
) -> Result<()> {
    bind_all(
        "DELETE FROM event_subscriptions WHERE instance_id IS NULL AND definition_id IN \
         (SELECT id FROM process_definitions WHERE tenant_id = $1 AND process_key = $2)",
        vec![Arg::from(tenant_id), Arg::from(key)],
    )
    .execute(&mut **tx)
    .await?;
    for (sql, args) in NewSubscription::insert(rows) {
        bind_all(&sql, args).execute(&mut **tx).await?;
    }
    Ok(())
}
