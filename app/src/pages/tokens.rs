//! API令牌 API tokens: create (the secret is shown once), list, revoke.

use crate::error::AppError;
use leptos::prelude::*;

use crate::api::{create_token, list_tokens, revoke_token, NewToken};
use crate::clock::Time;
use crate::components::Ask;
use crate::components::{loaded, use_flash};
use crate::use_t;

#[component]
pub fn TokensPage() -> impl IntoView {
    let ask = crate::components::use_ask();
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let tokens = crate::api::resource(|| (), |_| list_tokens());
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<NewToken>);
    let error = RwSignal::new(None::<AppError>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            match create_token(name.get_untracked()).await {
                Ok(token) => {
                    name.set(String::new());
                    error.set(None);
                    created.set(Some(token));
                    tokens.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let revoke = move |id: String, label: String| {
        let title = format!("{} · {label}", t("tokens.revoke"));
        ask.set(Some(Ask::destructive(title, t("tokens.confirm_revoke").to_string(), "tokens.revoke", move || {
            let (id, label) = (id.clone(), label.clone());
            leptos::task::spawn_local(async move {
                let result = revoke_token(id).await;
                flash.report(&label, &result);
                tokens.refetch();
            });
        })));
    };

    view! {
        <h1>{move || t("tokens.title")}</h1>
        <p class="muted">{move || t("tokens.hint")}</p>
        <form class="inline-form" on:submit=create data-testid="token-create">
            <strong>{move || t("tokens.new")}</strong>
            <label>
                <span>{move || t("common.name")}</span>
                <input name="name" placeholder="ERP" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                {move || error.get().map(|m| view! { <span class="field-error">{say(&m)}</span> })}
            </label>
            <button type="submit" class="primary">{move || t("common.add")}</button>
        </form>
        {move || created.get().map(|c| view! {
            <div class="flash flash-ok" data-testid="token-secret">
                <span>{t("tokens.secret")}</span>
                " "
                <code class="mono secret">{c.secret}</code>
            </div>
        })}
        {loaded(tokens, move |rows| view! {
                    <div class="table-wrap"><table class="grid" data-testid="token-table">
                        <thead><tr>
                            <th>{move || t("common.name")}</th>
                            <th>{move || t("header.tenant")}</th>
                            <th>{move || t("tokens.created_by")}</th>
                            <th>{move || t("common.created")}</th>
                            <th>{move || t("tokens.last_used")}</th>
                            <th>{move || t("tokens.status")}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let (id, label) = (row.id.clone(), row.name.clone());
                                view! {
                                    <tr data-token=row.name.clone()>
                                        <td>{row.name.clone()}</td>
                                        <td>{row.tenant_id.clone().unwrap_or_else(|| t("tokens.all_tenants").into())}</td>
                                        <td>{row.created_by.clone()}</td>
                                        <td><Time at=row.created_at /></td>
                                        <td>{row.last_used_at.map(|at| view! { <Time at=at /> })}</td>
                                        <td>{if row.revoked_at.is_some() { t("tokens.revoked") } else { t("tokens.active") }}</td>
                                        <td>
                                            {(row.revoked_at.is_none()).then(|| view! {
                                                <button class="danger small" on:click=move |_| revoke(id.clone(), label.clone())>{move || t("tokens.revoke")}</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
        })}
    }
}
