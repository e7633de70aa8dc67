//! 机构 Organisation: units and their people as a tree; add a unit (under a chosen parent)
//! and a person, in the tenant chosen in the header.

use leptos::prelude::*;

use crate::api::{create_org_unit, create_person, load_org, OrgTree};
use crate::components::{loaded, target_tenant_name, use_flash, MeResource};
use crate::error::AppError;
use crate::use_t;

#[component]
pub fn OrgPage() -> impl IntoView {
    let t = use_t();
    let data = Resource::new(|| (), |_| load_org(None));
    let me = use_context::<MeResource>();
    let tenant_name = move || me.and_then(|m| m.0.get()).and_then(Result::ok).map(|m| target_tenant_name(&m));
    view! {
        <h1>{move || t("org.title")}</h1>
        <p class="muted" data-testid="org-target">
            {move || t("org.target")} ": " <strong><Transition fallback=|| ()>{tenant_name}</Transition></strong>
        </p>
        <div class="split">
            <section class="panel">
                {loaded(data, |tree| view! { <OrgTreeView tree=tree /> })}
            </section>
            <section class="panel org-forms">
                {loaded(data, move |tree| view! {
                    <UnitForm tree=tree.clone() on_done=move || data.refetch() />
                    <PersonForm tree=tree on_done=move || data.refetch() />
                })}
            </section>
        </div>
    }
}

/// The organisation tree. With `pick`, people are choosable (the reassign dialog) and only
/// the top units start expanded.
#[component]
pub fn OrgTreeView(tree: OrgTree, #[prop(optional)] pick: Option<RwSignal<Option<String>>>) -> impl IntoView {
    view! { <ul class="tree org" data-testid="org-tree">{units(&tree, None, 0, pick)}</ul> }
}

/// The units under `parent`, each with its people and sub-units.
fn units(tree: &OrgTree, parent: Option<&str>, depth: usize, pick: Option<RwSignal<Option<String>>>) -> Vec<AnyView> {
    tree.units
        .iter()
        .filter(|u| u.parent_id.as_deref() == parent)
        .map(|u| {
            let people = tree
                .people
                .iter()
                .filter(|p| p.unit_id == u.id)
                .map(|p| {
                    let label = format!("{} ({})", p.name, p.id);
                    match pick {
                        None => view! { <li class="person">{label}</li> }.into_any(),
                        Some(picked) => {
                            let id = p.id.clone();
                            let is_picked = {
                                let id = id.clone();
                                Signal::derive(move || picked.with(|s| s.as_deref() == Some(id.as_str())))
                            };
                            view! {
                                <li class="person pickable" role="option" aria-selected=move || is_picked.get().to_string()
                                    class:selected=is_picked
                                    on:click=move |_| picked.set(Some(id.clone()))>
                                    {label}
                                </li>
                            }
                            .into_any()
                        }
                    }
                })
                .collect_view();
            let children = units(tree, Some(&u.id), depth + 1, pick);
            let open = pick.is_none() || depth == 0;
            view! {
                <li class="unit">
                    <details open=open>
                        <summary>{u.name.clone()}</summary>
                        <ul>{people}{children}</ul>
                    </details>
                </li>
            }
            .into_any()
        })
        .collect()
}

/// Units as select options, indented by depth, parents first.
fn unit_options(tree: &OrgTree, parent: Option<&str>, depth: usize, out: &mut Vec<(String, String)>) {
    for u in tree.units.iter().filter(|u| u.parent_id.as_deref() == parent) {
        out.push((u.id.clone(), format!("{}{}", "\u{3000}".repeat(depth), u.name)));
        unit_options(tree, Some(&u.id), depth + 1, out);
    }
}

/// The message of `error` for `field`; a refusal about no field shows at `fallback`.
fn error_at(error: &Option<AppError>, field: &str, fallback: &str, lang: crate::i18n::Lang) -> Option<String> {
    error.as_ref().and_then(|e| {
        e.for_field(field, lang).or_else(|| (field == fallback && e.field.is_none()).then(|| e.say(lang)))
    })
}

#[component]
fn UnitForm(tree: OrgTree, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let lang = crate::use_lang();
    let t = use_t();
    let flash = use_flash();
    let parent = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let mut options = Vec::new();
    unit_options(&tree, None, 0, &mut options);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let parent = Some(parent.get_untracked()).filter(|p| !p.is_empty());
            let result = create_org_unit(parent, name.get_untracked()).await;
            match &result {
                Ok(u) => {
                    flash.report(&format!("{} · {}", t("org.new_unit"), u.name), &result);
                    name.set(String::new());
                    error.set(None);
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    view! {
        <form class="form" on:submit=submit data-testid="unit-create">
            <h2>{move || t("org.new_unit")}</h2>
            <label>
                <span>{move || t("org.parent")}</span>
                <select name="parent" on:change=move |ev| parent.set(event_target_value(&ev))>
                    <option value="">{move || t("catalog.root")}</option>
                    {options.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                </select>
            </label>
            <label>
                <span>{move || t("common.name")}</span>
                <input name="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                {move || error.with(|e| error_at(e, "name", "name", lang())).map(|m| view! { <span class="field-error">{m}</span> })}
            </label>
            <div class="buttons"><button type="submit" class="primary">{move || t("common.add")}</button></div>
        </form>
    }
}

#[component]
fn PersonForm(tree: OrgTree, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let lang = crate::use_lang();
    let t = use_t();
    let flash = use_flash();
    let unit = RwSignal::new(String::new());
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let groups = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let mut options = Vec::new();
    unit_options(&tree, None, 0, &mut options);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let result =
                create_person(unit.get_untracked(), id.get_untracked(), name.get_untracked(), groups.get_untracked())
                    .await;
            match &result {
                Ok(p) => {
                    flash.report(&format!("{} · {} ({})", t("org.new_person"), p.name, p.id), &result);
                    id.set(String::new());
                    name.set(String::new());
                    groups.set(String::new());
                    error.set(None);
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let field_error = move |f: &'static str| {
        move || error.with(|e| error_at(e, f, "name", lang())).map(|m| view! { <span class="field-error">{m}</span> })
    };
    view! {
        <form class="form" on:submit=submit data-testid="person-create">
            <h2>{move || t("org.new_person")}</h2>
            <label>
                <span>{move || t("org.unit")}</span>
                <select name="unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    <option value="">{move || t("org.pick_unit")}</option>
                    {options.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                </select>
                {field_error("unit")}
            </label>
            <label>
                <span>{move || t("common.id")}</span>
                <input name="id" placeholder="zhangsan" prop:value=id on:input=move |ev| id.set(event_target_value(&ev)) />
                {field_error("id")}
            </label>
            <label>
                <span>{move || t("common.name")}</span>
                <input name="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                {field_error("name")}
            </label>
            <label>
                <span>{move || t("org.groups")}</span>
                <input name="groups" placeholder=move || t("org.groups_ph") prop:value=groups
                    on:input=move |ev| groups.set(event_target_value(&ev)) />
            </label>
            <div class="buttons"><button type="submit" class="primary">{move || t("common.add")}</button></div>
        </form>
    }
}
