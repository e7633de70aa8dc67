//! 租户 Tenants: list, create, and rename inline (click the name, Enter saves, Esc cancels).

use crate::error::AppError;
use leptos::html::Input;
use leptos::prelude::*;

use crate::api::{create_tenant, list_tenants, rename_tenant, Tenant};
use crate::components::{loaded, use_flash, AdminOnly};
use crate::use_t;

#[component]
pub fn TenantsPage() -> impl IntoView {
    let say = crate::use_say();
    let t = use_t();
    let flash = use_flash();
    let tenants = crate::api::resource(|| (), |_| list_tenants());
    let new_id = RwSignal::new(String::new());
    let new_name = RwSignal::new(String::new());
    let create_error = RwSignal::new(None::<AppError>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let result = create_tenant(new_id.get_untracked(), new_name.get_untracked()).await;
            match &result {
                Ok(row) => {
                    flash.report(&row.name, &result);
                    new_id.set(String::new());
                    new_name.set(String::new());
                    create_error.set(None);
                    tenants.refetch();
                }
                Err(e) => create_error.set(Some(e.clone())),
            }
        });
    };
    let field_error = move |f: &'static str| {
        create_error
            .get()
            .and_then(|e| (e.field.as_deref() == Some(f) || (f == "name" && e.field.is_none())).then(|| say(&e)))
    };

    view! {
        <h1>{move || t("tenants.title")}</h1>
        // Only administrators create tenants (the engine refuses a tenant manager).
        <AdminOnly>
            <form class="inline-form" on:submit=create data-testid="tenant-create">
                <strong>{move || t("tenants.new")}</strong>
                <label>
                    <span>{move || t("common.id")}</span>
                    <input name="id" placeholder="east" prop:value=new_id on:input=move |ev| new_id.set(event_target_value(&ev)) />
                    {move || field_error("id").map(|m| view! { <span class="field-error">{m}</span> })}
                </label>
                <label>
                    <span>{move || t("common.name")}</span>
                    <input name="name" prop:value=new_name on:input=move |ev| new_name.set(event_target_value(&ev)) />
                    {move || field_error("name").map(|m| view! { <span class="field-error">{m}</span> })}
                </label>
                <button type="submit" class="primary">{move || t("common.add")}</button>
            </form>
        </AdminOnly>
        <p class="muted">{move || t("tenants.rename_hint")}</p>
        {loaded(tenants, move |rows| view! {
                    <div class="table-wrap"><table class="grid" data-testid="tenant-table">
                        <thead><tr>
                            <th>{move || t("common.id")}</th>
                            <th>{move || t("common.name")}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let (id, shown) = (row.id.clone(), row.id.clone());
                                view! {
                                    <tr data-tenant=id>
                                        <td class="mono">{shown}</td>
                                        <td><TenantName row=row /></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
        })}
    }
}

/// A tenant's name that turns into an input when clicked.
#[component]
fn TenantName(row: Tenant) -> impl IntoView {
    let say = crate::use_say();
    let flash = use_flash();
    let t = use_t();
    let id = StoredValue::new(row.id);
    let name = RwSignal::new(row.name);
    let revision = RwSignal::new(row.revision);
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let input = NodeRef::<Input>::new();
    // After Enter or Esc, focus goes back to the name (the keyboard's place in the list).
    let button = NodeRef::<leptos::html::Button>::new();
    let refocus = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(el) = button.get() {
            if refocus.get_untracked() {
                refocus.set(false);
                let _ = el.focus();
            }
        }
    });

    Effect::new(move |_| {
        if editing.get() {
            if let Some(el) = input.get() {
                let _ = el.focus();
                el.select();
            }
        }
    });

    let save = move || {
        leptos::task::spawn_local(async move {
            let result = rename_tenant(id.get_value(), draft.get_untracked(), revision.get_untracked()).await;
            match &result {
                Ok(row) => {
                    flash.report(&row.name, &result);
                    name.set(row.name.clone());
                    revision.set(row.revision);
                    error.set(None);
                    refocus.set(true);
                    editing.set(false);
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let cancel = move || {
        error.set(None);
        refocus.set(true);
        editing.set(false);
    };

    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! {
                <button type="button" class="editable" node_ref=button title=move || t("tenants.rename_hint")
                    aria-label=move || format!("{} · {}", t("tenants.rename"), name.get())
                    on:click=move |_| { draft.set(name.get_untracked()); editing.set(true); }>
                    {move || name.get()}
                </button>
            }
        >
            <input class="inline-edit" node_ref=input prop:value=draft aria-label=move || t("common.name")
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| match ev.key().as_str() {
                    "Enter" => save(),
                    "Escape" => cancel(),
                    _ => {}
                } />
            {move || error.get().map(|m| view! { <div class="field-error" role="alert">{say(&m)}</div> })}
        </Show>
    }
}
