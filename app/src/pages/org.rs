//! 机构 Organisation, in the tenant chosen in the header: units and their people as one tree
//! (one Tab stop; arrow keys, Home and End move, Enter or Space chooses). A chosen unit is
//! renamed, moved or deactivated and lists its people; a chosen person is edited (name, unit,
//! groups) or deactivated. Deactivated units and people stay in the tree, dimmed with a 已停用
//! badge, and no picker offers them. Units and people are added below.
//!
//! [`OrgTreeView`] with `pick` is the person picker of the reassign dialog: units open and
//! close (`details`), each unit's active people are a list (arrow keys, Enter or Space picks).

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::custom_attribute;

use crate::api::org::{move_org_unit, rename_org_unit, set_org_unit_active, set_person_active, update_person};
use crate::api::{create_org_unit, create_person, load_org, OrgTree, OrgUnit, Person};
use crate::components::{loaded, target_tenant_name, use_ask, use_flash, Ask, FlashCtx, MeResource};
use crate::error::AppError;
use crate::{use_t, I18n};

/// What the organisation tree has chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgPick {
    Unit(String),
    Person(String),
}

#[component]
pub fn OrgPage() -> impl IntoView {
    let t = use_t();
    let data = crate::api::resource(|| (), |_| load_org(None));
    let selected = RwSignal::new(None::<OrgPick>);
    let me = use_context::<MeResource>();
    let tenant_name = move || me.and_then(|m| m.0.get()).and_then(Result::ok).map(|m| target_tenant_name(&m));
    view! {
        <h1>{move || t("org.title")}</h1>
        <p class="muted" data-testid="org-target">
            {move || t("org.target")} ": " <strong><Transition fallback=|| ()>{tenant_name}</Transition></strong>
        </p>
        <div class="split">
            <section class="panel tree-panel">
                {loaded(data, move |tree| view! { <OrgTreeView tree=tree selected=selected /> })}
            </section>
            <section class="panel org-forms">
                {loaded(data, move |tree| view! {
                    <Chosen tree=tree.clone() selected=selected on_done=move || data.refetch() />
                    <UnitForm tree=tree.clone() on_done=move || data.refetch() />
                    <PersonForm tree=tree on_done=move || data.refetch() />
                })}
            </section>
        </div>
    }
}

/// The organisation tree. With `pick`, the person picker of the reassign dialog: only active
/// units and people, the top units open. Otherwise every unit and person, one row each, with
/// `selected` the chosen one.
#[component]
pub fn OrgTreeView(
    tree: OrgTree,
    #[prop(optional)] pick: Option<RwSignal<Option<String>>>,
    #[prop(optional)] selected: Option<RwSignal<Option<OrgPick>>>,
) -> impl IntoView {
    match pick {
        Some(picked) => {
            view! { <ul class="tree org" data-testid="org-tree">{picker_units(&tree, None, 0, picked)}</ul> }.into_any()
        }
        None => tree_rows(&tree, selected.unwrap_or_else(|| RwSignal::new(None))).into_any(),
    }
}

/// One row of the organisation tree.
struct Row {
    pick: OrgPick,
    label: String,
    depth: usize,
    active: bool,
}

/// The rows under `parent`, parents first: a unit, its people, then its sub-units.
fn rows_under(tree: &OrgTree, parent: Option<&str>, depth: usize, out: &mut Vec<Row>) {
    for u in tree.units.iter().filter(|u| u.parent_id.as_deref() == parent) {
        out.push(Row { pick: OrgPick::Unit(u.id.clone()), label: u.name.clone(), depth, active: u.active });
        for p in tree.people.iter().filter(|p| p.unit_id == u.id) {
            let label = format!("{} ({})", p.name, p.id);
            out.push(Row { pick: OrgPick::Person(p.id.clone()), label, depth: depth + 1, active: p.active });
        }
        rows_under(tree, Some(&u.id), depth + 1, out);
    }
}

/// The whole tree as rows with levels, like the catalog tree: one Tab stop (the chosen row,
/// else the first), arrow keys, Home and End move, Enter or Space chooses.
fn tree_rows(tree: &OrgTree, selected: RwSignal<Option<OrgPick>>) -> impl IntoView {
    let t = use_t();
    let mut rows = Vec::new();
    rows_under(tree, None, 0, &mut rows);
    let first = rows.first().map(|r| r.pick.clone());
    view! {
        <ul class="tree org" role="tree" data-testid="org-tree" aria-label=move || t("org.tree")>
            {rows.into_iter().map(|row| {
                let is_first = first.as_ref() == Some(&row.pick);
                let unit = matches!(row.pick, OrgPick::Unit(_));
                let pick = StoredValue::new(row.pick);
                let is_sel = move || selected.with(|s| pick.with_value(|p| s.as_ref() == Some(p)));
                let reachable = move || is_sel() || (is_first && selected.with(Option::is_none));
                // Integer arithmetic only: formatting a float would add its code to the wasm.
                let pad = format!("padding-left: calc(.5rem + {} * 1.25rem)", row.depth);
                let level = (row.depth + 1).to_string();
                let label = if unit { view! { <strong>{row.label}</strong> }.into_any() } else { row.label.into_any() };
                view! {
                    <li role="treeitem" class=if unit { "unit" } else { "person" } class:muted=!row.active
                        class:selected=is_sel style=pad aria-selected=move || is_sel().to_string()
                        tabindex=move || if reachable() { "0" } else { "-1" }
                        on:click=move |_| selected.set(Some(pick.get_value()))
                        on:keydown=move |ev| if crate::focus::tree_key(&ev) { selected.set(Some(pick.get_value())); }>
                        {label}
                        {(!row.active).then(|| view! { <span class="badge badge-pending">{move || t("org.inactive")}</span> })}
                    </li>
                }
                // tachys has no typed `aria-level` (and `attr:` on an element is taken literally).
                .add_any_attr(custom_attribute("aria-level", level))
            }).collect_view()}
        </ul>
    }
}

/// The picker's units under `parent` that are active, each with its active people (a list:
/// one Tab stop, the picked person or else the first; arrow keys move, Enter or Space picks)
/// and its sub-units.
fn picker_units(tree: &OrgTree, parent: Option<&str>, depth: usize, picked: RwSignal<Option<String>>) -> Vec<AnyView> {
    tree.units
        .iter()
        .filter(|u| u.active && u.parent_id.as_deref() == parent)
        .map(|u| {
            let people: Vec<&Person> = tree.people.iter().filter(|p| p.active && p.unit_id == u.id).collect();
            let ids = StoredValue::new(people.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
            let options = people
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let id = StoredValue::new(p.id.clone());
                    let is_picked = move || picked.with(|s| id.with_value(|id| s.as_deref() == Some(id.as_str())));
                    let picked_here =
                        move || picked.with(|s| ids.with_value(|ids| s.as_ref().is_some_and(|s| ids.contains(s))));
                    let reachable = move || is_picked() || (i == 0 && !picked_here());
                    view! {
                        <li class="person pickable" role="option" aria-selected=move || is_picked().to_string()
                            class:selected=is_picked tabindex=move || if reachable() { "0" } else { "-1" }
                            on:click=move |_| picked.set(Some(id.get_value()))
                            on:keydown=move |ev| if crate::focus::tree_key(&ev) { picked.set(Some(id.get_value())); }>
                            {format!("{} ({})", p.name, p.id)}
                        </li>
                    }
                })
                .collect_view();
            let children = picker_units(tree, Some(&u.id), depth + 1, picked);
            let name = u.name.clone();
            view! {
                <li class="unit">
                    <details open=depth == 0>
                        <summary>{u.name.clone()}</summary>
                        {(!people.is_empty()).then(|| view! { <ul role="listbox" aria-label=name>{options}</ul> })}
                        {(!children.is_empty()).then(|| view! { <ul>{children}</ul> })}
                    </details>
                </li>
            }
            .into_any()
        })
        .collect()
}

/// Units a picker offers, as select options indented by depth, parents first: the active
/// ones, and `keep` (the current value) whatever its state; nothing within `except` (a unit
/// cannot move under itself).
fn unit_options(
    tree: &OrgTree,
    parent: Option<&str>,
    depth: usize,
    keep: Option<&str>,
    except: Option<&str>,
    out: &mut Vec<(String, String)>,
) {
    for u in tree.units.iter().filter(|u| u.parent_id.as_deref() == parent) {
        if except == Some(u.id.as_str()) {
            continue;
        }
        if u.active || keep == Some(u.id.as_str()) {
            out.push((u.id.clone(), format!("{}{}", "\u{3000}".repeat(depth), u.name)));
        }
        unit_options(tree, Some(&u.id), depth + 1, keep, except, out);
    }
}

/// The message of `error` for `field`; a refusal about no field shows at `fallback`.
fn error_at(error: &Option<AppError>, field: &str, fallback: &str, lang: crate::i18n::Lang) -> Option<String> {
    error.as_ref().and_then(|e| {
        e.for_field(field, lang).or_else(|| (field == fallback && e.field.is_none()).then(|| e.say(lang)))
    })
}

/// What the changes of the chosen unit or person need: the question dialog, the message bar,
/// the labels, and the reload of the tree after a change.
#[derive(Clone, Copy)]
struct Actions {
    ask: RwSignal<Option<Ask>>,
    flash: FlashCtx,
    i18n: I18n,
    on_done: Callback<()>,
}

impl Actions {
    fn new(on_done: Callback<()>) -> Actions {
        Actions { ask: use_ask(), flash: use_flash(), i18n: expect_context::<I18n>(), on_done }
    }

    /// The label for `key` in the current language, read in an event handler (untracked).
    fn word(self, key: &'static str) -> &'static str {
        crate::i18n::t(self.i18n.lang.get_untracked(), key)
    }

    /// Reports `result` of `action` (a label key) on `subject`; reloads after a success.
    fn report<T>(self, action: &'static str, subject: &str, result: &Result<T, AppError>) {
        self.flash.report(&format!("{} · {subject}", self.word(action)), result);
        if result.is_ok() {
            self.on_done.run(());
        }
    }

    /// Deactivates a person after the console's question, or activates them again.
    fn toggle_person(self, person: &Person) {
        let (id, revision, active) = (person.id.clone(), person.revision, !person.active);
        let call = move || set_person_active(id.clone(), active, revision);
        self.toggle(&person.name, active, "org.confirm_deactivate_person", call);
    }

    /// Deactivates a unit after the console's question, or activates it again.
    fn toggle_unit(self, unit: &OrgUnit) {
        let (id, revision, active) = (unit.id.clone(), unit.revision, !unit.active);
        let call = move || set_org_unit_active(id.clone(), active, revision);
        self.toggle(&unit.name, active, "org.confirm_deactivate_unit", call);
    }

    /// Runs `call` (activate, or deactivate after question `message`) on what `subject` names.
    fn toggle<T: 'static, F: std::future::Future<Output = Result<T, AppError>> + 'static>(
        self,
        subject: &str,
        active: bool,
        message: &'static str,
        call: impl Fn() -> F + Send + Sync + 'static,
    ) {
        let name = subject.to_owned();
        let run = move || {
            let (change, name) = (call(), name.clone());
            leptos::task::spawn_local(async move {
                let result = change.await;
                self.report(if active { "org.activate" } else { "org.deactivate" }, &name, &result);
            });
        };
        self.confirm_unless(active, subject, message, run);
    }

    /// Runs `run` at once when `activating`, else after the question `message` about `subject`.
    fn confirm_unless(
        self,
        activating: bool,
        subject: &str,
        message: &'static str,
        run: impl Fn() + Send + Sync + 'static,
    ) {
        if activating {
            run();
        } else {
            let title = format!("{} · {subject}", self.word("org.deactivate"));
            self.ask.set(Some(Ask::destructive(title, self.word(message).to_string(), "org.deactivate", run)));
        }
    }
}

/// The chosen unit or person, or how to choose one.
#[component]
fn Chosen(tree: OrgTree, selected: RwSignal<Option<OrgPick>>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let t = use_t();
    let actions = Actions::new(on_done);
    let tree = StoredValue::new(tree);
    move || {
        let chosen = selected.get();
        tree.with_value(|tree| match chosen {
            Some(OrgPick::Unit(id)) => tree.units.iter().find(|u| u.id == id).map(|u| {
                view! { <UnitPanel tree=tree.clone() unit=u.clone() selected=selected actions=actions /> }.into_any()
            }),
            Some(OrgPick::Person(id)) => tree
                .people
                .iter()
                .find(|p| p.id == id)
                .map(|p| view! { <PersonPanel tree=tree.clone() person=p.clone() actions=actions /> }.into_any()),
            None => None,
        })
        .unwrap_or_else(|| view! { <p class="muted" data-testid="org-hint">{move || t("org.select")}</p> }.into_any())
    }
}

/// 已停用 after a name, when it is.
fn inactive_badge(active: bool) -> impl IntoView {
    let t = use_t();
    (!active).then(|| view! { <span class="badge badge-pending">{move || t("org.inactive")}</span> })
}

/// The chosen unit: rename, move, deactivate or activate; its people, each to edit or
/// deactivate.
#[component]
fn UnitPanel(tree: OrgTree, unit: OrgUnit, selected: RwSignal<Option<OrgPick>>, actions: Actions) -> impl IntoView {
    let lang = crate::use_lang();
    let t = use_t();
    let id = StoredValue::new(unit.id.clone());
    let revision = unit.revision;
    let name = RwSignal::new(unit.name.clone());
    let parent = RwSignal::new(unit.parent_id.clone().unwrap_or_default());
    let rename_error = RwSignal::new(None::<AppError>);
    let move_error = RwSignal::new(None::<AppError>);
    let mut options = Vec::new();
    unit_options(&tree, None, 0, unit.parent_id.as_deref(), Some(&unit.id), &mut options);
    let current_parent = unit.parent_id.clone().unwrap_or_default();
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let result = rename_org_unit(id.get_value(), name.get_untracked(), revision).await;
            match &result {
                Ok(u) => actions.report("org.rename", &u.name, &result),
                Err(e) => rename_error.set(Some(e.clone())),
            }
        });
    };
    let relocate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let result = move_org_unit(id.get_value(), Some(parent.get_untracked()), revision).await;
            match &result {
                Ok(u) => actions.report("org.move", &u.name, &result),
                Err(e) => move_error.set(Some(e.clone())),
            }
        });
    };
    let toggle = {
        let unit = unit.clone();
        move |_| actions.toggle_unit(&unit)
    };
    let people: Vec<Person> = tree.people.iter().filter(|p| p.unit_id == unit.id).cloned().collect();
    view! {
        <div data-testid="unit-chosen">
          <div class="form">
            <h2 class:muted=!unit.active>{move || t("org.edit_unit")} " · " {unit.name.clone()} {inactive_badge(unit.active)}</h2>
            <form on:submit=rename data-testid="unit-rename">
                <label>
                    <span>{move || t("common.name")}</span>
                    <input name="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                    {move || rename_error.with(|e| error_at(e, "name", "name", lang())).map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                <div class="buttons"><button type="submit" class="primary">{move || t("org.rename")}</button></div>
            </form>
            <form on:submit=relocate data-testid="unit-move">
                <label>
                    <span>{move || t("org.move_to")}</span>
                    <select name="parent" on:change=move |ev| parent.set(event_target_value(&ev))>
                        <option value="" selected=current_parent.is_empty()>{move || t("catalog.root")}</option>
                        {options.into_iter().map(|(id, label)| {
                            let chosen = id == current_parent;
                            view! { <option value=id selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                    {move || move_error.with(|e| error_at(e, "parent", "parent", lang())).map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </label>
                <div class="buttons"><button type="submit">{move || t("org.move")}</button></div>
            </form>
            <div class="buttons">
                <button type="button" class:danger=unit.active data-testid="unit-toggle" on:click=toggle>
                    {move || t(if unit.active { "org.deactivate" } else { "org.activate" })}
                </button>
            </div>
          </div>
            <h3>{move || t("org.people_of")}</h3>
            {if people.is_empty() {
                view! { <p class="muted">{move || t("org.no_people")}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="grid" data-testid="unit-people">
                            <thead><tr>
                                <th>{move || t("common.name")}</th>
                                <th>{move || t("common.id")}</th>
                                <th>{move || t("org.groups")}</th>
                                <th>{move || t("org.actions")}</th>
                            </tr></thead>
                            <tbody>
                                {people.into_iter().map(|p| view! { <PersonRow person=p selected=selected actions=actions /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </div>
    }
}

/// A person of the chosen unit: 编辑 chooses them in the tree, 停用 / 启用 changes their state.
/// The buttons' accessible names say whom they act on (编辑 王芳).
#[component]
fn PersonRow(person: Person, selected: RwSignal<Option<OrgPick>>, actions: Actions) -> impl IntoView {
    let t = use_t();
    let id = StoredValue::new(person.id.clone());
    let name = StoredValue::new(person.name.clone());
    let active = person.active;
    let toggle_label = if active { "org.deactivate" } else { "org.activate" };
    let groups = person.groups.join(", ");
    let pid = person.id.clone();
    view! {
        <tr class:muted=!active data-person=pid>
            <td>{person.name.clone()} {inactive_badge(active)}</td>
            <td class="mono">{person.id.clone()}</td>
            <td>{groups}</td>
            <td class="actions">
                <button type="button" class="small" aria-label=move || format!("{} {}", t("common.edit"), name.get_value())
                    on:click=move |_| selected.set(Some(OrgPick::Person(id.get_value())))>
                    {move || t("common.edit")}
                </button>
                <button type="button" class="small" class:danger=active
                    aria-label=move || format!("{} {}", t(toggle_label), name.get_value())
                    on:click=move |_| actions.toggle_person(&person)>
                    {move || t(toggle_label)}
                </button>
            </td>
        </tr>
    }
}

/// The chosen person: name, unit (a move) and groups; deactivate or activate.
#[component]
fn PersonPanel(tree: OrgTree, person: Person, actions: Actions) -> impl IntoView {
    let lang = crate::use_lang();
    let t = use_t();
    let id = StoredValue::new(person.id.clone());
    let revision = person.revision;
    let name = RwSignal::new(person.name.clone());
    let unit = RwSignal::new(person.unit_id.clone());
    let groups = RwSignal::new(person.groups.join(", "));
    let error = RwSignal::new(None::<AppError>);
    let mut options = Vec::new();
    unit_options(&tree, None, 0, Some(&person.unit_id), None, &mut options);
    let current_unit = person.unit_id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let result = update_person(
                id.get_value(),
                name.get_untracked(),
                unit.get_untracked(),
                groups.get_untracked(),
                revision,
            )
            .await;
            match &result {
                Ok(p) => actions.report("org.edit_person", &format!("{} ({})", p.name, p.id), &result),
                Err(e) => error.set(Some(e.clone())),
            }
        });
    };
    let field_error = move |f: &'static str| {
        move || {
            error
                .with(|e| error_at(e, f, "name", lang()))
                .map(|m| view! { <span class="field-error" role="alert">{m}</span> })
        }
    };
    let active = person.active;
    let toggle = {
        let person = person.clone();
        move |_| actions.toggle_person(&person)
    };
    view! {
        <form class="form" on:submit=save data-testid="person-edit">
            <h2 class:muted=!active>
                {move || t("org.edit_person")} " · " {format!("{} ({})", person.name, person.id)} {inactive_badge(active)}
            </h2>
            <TextField label="common.name" name="name" value=name>{field_error("name")}</TextField>
            <label>
                <span>{move || t("org.unit")}</span>
                <select name="unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    {options.into_iter().map(|(id, label)| {
                        let chosen = id == current_unit;
                        view! { <option value=id selected=chosen>{label}</option> }
                    }).collect_view()}
                </select>
                {field_error("unit")}
            </label>
            <TextField label="org.groups" name="groups" value=groups hint="org.groups_ph" />
            <div class="buttons">
                <button type="submit" class="primary">{move || t("common.save")}</button>
                <button type="button" class:danger=active data-testid="person-toggle" on:click=toggle>
                    {move || t(if active { "org.deactivate" } else { "org.activate" })}
                </button>
            </div>
        </form>
    }
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
    unit_options(&tree, None, 0, None, None, &mut options);
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
                {move || error.with(|e| error_at(e, "parent", "parent", lang())).map(|m| view! { <span class="field-error">{m}</span> })}
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
    unit_options(&tree, None, 0, None, None, &mut options);
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
            <TextField label="common.name" name="name" value=name>{field_error("name")}</TextField>
            <TextField label="org.groups" name="groups" value=groups hint="org.groups_ph" />
            <div class="buttons"><button type="submit" class="primary">{move || t("common.add")}</button></div>
        </form>
    }
}

/// A labelled text input bound to `value`; `hint` is the placeholder's label key; the children
/// (a field's error) follow the input.
#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <label>
            <span>{move || t(label)}</span>
            <input name=name placeholder=move || hint.map(t) prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {children.map(|c| c())}
        </label>
    }
}
