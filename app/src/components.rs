//! The console frame (header, navigation) and small shared pieces.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::api::{logout, logout_everywhere, switch_tenant, whoami};
use crate::browser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::{use_say, use_t, I18n};

/// The outcome of the last action, shown in a bar above the page content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flash {
    Done(String),
    Failed(AppError),
}

/// The flash signal of the current page.
#[derive(Debug, Clone, Copy)]
pub struct FlashCtx(pub RwSignal<Option<Flash>>);

impl FlashCtx {
    /// Reports a finished action: "操作成功" with `what`, or "操作失败" with the reason.
    pub fn report<T>(&self, what: &str, result: &Result<T, AppError>) {
        self.0.set(Some(match result {
            Ok(_) => Flash::Done(what.to_string()),
            Err(e) => Flash::Failed(e.clone()),
        }));
    }
}

/// The flash context (provided by the layout).
pub fn use_flash() -> FlashCtx {
    expect_context::<FlashCtx>()
}

/// How long a success message stays (an error stays until it is dismissed).
#[cfg(feature = "hydrate")]
const DONE_SHOWN_MS: u32 = 6_000;

/// The message bar: over the page's top right corner, so that it pushes nothing around; a
/// success closes by itself, an error stays until dismissed.
#[component]
pub fn FlashBar() -> impl IntoView {
    let flash = use_flash();
    let t = use_t();
    let say = use_say();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let shown = flash.0.get();
        if matches!(shown, Some(Flash::Done(_))) {
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(DONE_SHOWN_MS).await;
                if flash.0.try_get_untracked().flatten() == shown {
                    flash.0.set(None);
                }
            });
        }
    });
    move || {
        flash.0.get().map(|f| {
            let (class, head, text) = match f {
                Flash::Done(m) => ("flash flash-ok", t("common.done"), m),
                Flash::Failed(e) => ("flash flash-err", t("common.failed"), say(&e)),
            };
            view! {
                <div class=class role="status" data-testid="flash">
                    <strong>{head}</strong>
                    " "
                    <span>{text}</span>
                    <button class="flash-close" on:click=move |_| flash.0.set(None) aria-label=move || t("common.close")>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

/// The signed-in user, loaded once by the layout and shared with the pages.
#[derive(Debug, Clone, Copy)]
pub struct MeResource(pub crate::api::Res<Result<crate::api::Me, AppError>>);

/// The name of the tenant new data goes into: the one chosen in the header, else the default.
pub fn target_tenant_name(me: &crate::api::Me) -> String {
    let id = me.tenant_id.as_deref().unwrap_or("default");
    me.tenants.iter().find(|t| t.id == id).map(|t| t.name.clone()).unwrap_or_else(|| id.to_string())
}

/// Whether the header's tenant is 全部租户 (administrators only): lists then say whose each
/// row is.
fn all_tenants(me: &crate::api::Me) -> bool {
    me.is_admin && me.tenant_id.is_none()
}

/// What only administrators may do (the engine's `Account::require_admin`: create tenants,
/// change the catalog), not offered to a tenant manager, who sees `otherwise` (if any)
/// instead. Inside a Transition, like every read of the signed-in user.
#[component]
pub fn AdminOnly(children: ChildrenFn, #[prop(optional, into)] otherwise: Option<ViewFn>) -> impl IntoView {
    let me = expect_context::<MeResource>().0;
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(Result::ok).map(|m| match (m.is_admin, &otherwise) {
                (true, _) => children().into_any(),
                (false, Some(o)) => o.run(),
                (false, None) => ().into_any(),
            })}
        </Transition>
    }
}

/// The tenant column's head, shown under 全部租户 only. Inside a Transition, like every read
/// of the signed-in user: the server renders it once the caller is known, so the browser
/// hydrates the same cells.
#[component]
pub fn TenantHead() -> impl IntoView {
    let t = use_t();
    let me = expect_context::<MeResource>().0;
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(Result::ok).filter(all_tenants).map(|_| view! { <th>{move || t("def.tenant")}</th> })}
        </Transition>
    }
}

/// The name of tenant `id` as the signed-in user knows it (the id when unknown).
fn tenant_name(me: &crate::api::Me, id: &str) -> String {
    me.tenants.iter().find(|t| t.id == id).map_or_else(|| id.to_string(), |t| t.name.clone())
}

/// A row's tenant by name (its id as the hint), shown under 全部租户 only.
#[component]
pub fn TenantCell(id: String) -> impl IntoView {
    let me = expect_context::<MeResource>().0;
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(Result::ok).filter(all_tenants).map(|m| {
                view! { <td class="tenant" data-testid="tenant" title=id.clone()>{tenant_name(&m, &id)}</td> }
            })}
        </Transition>
    }
}

/// A tenant by name with its id as the hint, on a detail page.
#[component]
pub fn TenantName(id: String) -> impl IntoView {
    let me = expect_context::<MeResource>().0;
    let hint = id.clone();
    view! {
        <span data-testid="fact-tenant" title=hint>
            <Transition fallback=|| ()>
                {move || me.get().and_then(Result::ok).map(|m| tenant_name(&m, &id))}
            </Transition>
        </span>
    }
}

/// A detail page's trail: the list it belongs to (whose entry the navigation highlights),
/// then the page's own subject.
#[component]
pub fn Breadcrumb(href: &'static str, label: &'static str, current: String) -> impl IntoView {
    let t = use_t();
    view! {
        <nav class="breadcrumb" aria-label=move || t("nav.breadcrumb")>
            <A href=href exact=true>{move || t(label)}</A>
            " / "
            <span aria-current="page">{current}</span>
        </nav>
    }
}

/// The navigation entries: (path, label key).
const NAV: &[(&str, &str)] = &[
    ("/", "nav.home"),
    ("/catalog", "nav.catalog"),
    ("/deployments", "nav.deployments"),
    ("/models", "nav.models"),
    ("/tasks", "nav.tasks"),
    ("/instances", "nav.instances"),
    ("/jobs", "nav.jobs"),
    ("/events", "nav.events"),
    ("/tenants", "nav.tenants"),
    ("/org", "nav.org"),
    ("/tokens", "nav.tokens"),
];

/// Header, left navigation and the page in the middle.
#[component]
pub fn Layout() -> impl IntoView {
    let t = use_t();
    let say = use_say();
    let i18n = expect_context::<I18n>();
    provide_context(FlashCtx(RwSignal::new(None)));
    // The navigation drawer below 1200 px (above, the navigation is always shown).
    let nav_open = RwSignal::new(false);
    let ask = RwSignal::new(None::<Ask>);
    provide_context(AskCtx(ask));
    let me = crate::api::resource(|| (), |_| whoami());
    provide_context(MeResource(me));

    let set_lang = move |lang: Lang| {
        browser::set_lang_cookie(lang.code());
        browser::set_html_lang(lang.code());
        i18n.lang.set(lang);
    };
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = logout().await;
            browser::load("/login");
        });
    };
    let sign_out_everywhere = move |_| {
        ask.set(Some(Ask::destructive(
            t("header.sign_out_everywhere").to_string(),
            t("header.sign_out_everywhere_confirm").to_string(),
            "header.sign_out_everywhere",
            || {
                leptos::task::spawn_local(async move {
                    let _ = logout_everywhere().await;
                    browser::load("/login");
                });
            },
        )));
    };

    view! {
        <a class="skip-link" href="#main">{move || t("common.skip_to_content")}</a>
        <div class="console">
            <header class="topbar">
                <div class="topbar-left">
                    <button
                        class="nav-toggle"
                        aria-controls="sidenav"
                        aria-expanded=move || nav_open.get().to_string()
                        aria-label=move || t("nav.menu")
                        title=move || t("nav.menu")
                        on:click=move |_| nav_open.update(|o| *o = !*o)
                    >
                        "☰"
                    </button>
                    <div class="brand">
                        <span class="brand-name">{move || t("app.title")}</span>
                        <span class="brand-sub">{move || t("app.subtitle")}</span>
                    </div>
                </div>
                <div class="topbar-right">
                    <Transition fallback=|| ()>
                        {move || me.get().map(|r| match r {
                            Ok(me) => view! { <TenantSwitcher me=me.clone() /> <span class="user" data-testid="user">{me.display_name.clone()} " (" {me.username.clone()} ")"</span> }.into_any(),
                            Err(e) => view! { <a class="error" href="/login">{move || say(&e)}</a> }.into_any(),
                        })}
                    </Transition>
                    <div class="lang-switch" role="group" aria-label=move || t("header.language")>
                        <button class:active=move || i18n.lang.get() == Lang::Zh on:click=move |_| set_lang(Lang::Zh)>"中文"</button>
                        <button class:active=move || i18n.lang.get() == Lang::En on:click=move |_| set_lang(Lang::En)>"English"</button>
                    </div>
                    <button class="link" on:click=sign_out>{move || t("header.sign_out")}</button>
                    <button class="link" data-testid="sign-out-everywhere" title=move || t("header.sign_out_everywhere_hint") on:click=sign_out_everywhere>
                        {move || t("header.sign_out_everywhere")}
                    </button>
                </div>
            </header>
            <nav id="sidenav" class="sidenav" class:open=move || nav_open.get() aria-label=move || t("nav.menu")>
                <ul>
                    {NAV.iter().map(|(href, key)| view! {
                        <li on:click=move |_| nav_open.set(false)><A href=*href exact=*href == "/">{move || t(key)}</A></li>
                    }).collect_view()}
                </ul>
            </nav>
            {move || nav_open.get().then(|| view! { <div class="nav-scrim" on:click=move |_| nav_open.set(false)></div> })}
            <main class="content" id="main">
                <FlashBar />
                <Outlet />
            </main>
            <AskDialog ask=ask />
        </div>
    }
}

/// The header's tenant select. Switching reloads the page: everything shown belongs to a tenant.
/// A tenant manager works in one tenant only (the engine refuses any other and 全部租户): the
/// header names it, with nothing to choose.
#[component]
fn TenantSwitcher(me: crate::api::Me) -> impl IntoView {
    let t = use_t();
    if !me.is_admin {
        let name = target_tenant_name(&me);
        return view! {
            <span class="tenant-switch" data-testid="tenant-name">
                <span>{move || t("header.tenant")}</span> " " <strong>{name}</strong>
            </span>
        }
        .into_any();
    }
    let current = me.tenant_id.clone().unwrap_or_default();
    let location = leptos_router::hooks::use_location();
    let flash = use_flash();
    let on_change = move |ev| {
        let v = event_target_value(&ev);
        let path = location.pathname.get_untracked();
        leptos::task::spawn_local(async move {
            match switch_tenant(v).await {
                Ok(()) => browser::load(&path),
                Err(e) => flash.report("", &Err::<(), _>(e)),
            }
        });
    };
    view! {
        <label class="tenant-switch">
            <span>{move || t("header.tenant")}</span>
            <select on:change=on_change data-testid="tenant-switch">
                {me.is_admin.then(|| view! { <option value="" selected=current.is_empty()>{move || t("header.all_tenants")}</option> })}
                {me.tenants.iter().map(|tn| view! {
                    <option value=tn.id.clone() selected=tn.id == current>{tn.name.clone()}</option>
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// A short explanation for an error shown where data would be.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let say = use_say();
    view! { <p class="error-note" role="alert">{move || say(&error)}</p> }
}

/// The catalog tree with one selectable node. `with_all` adds a top entry that selects
/// nothing (= every node); `on_select` runs after a click.
#[component]
pub fn CatalogTree(
    tree: crate::api::Res<Result<Vec<crate::api::CatalogRow>, AppError>>,
    selected: RwSignal<Option<crate::api::CatalogRow>>,
    #[prop(optional)] with_all: bool,
    #[prop(optional, into)] on_select: Option<Callback<()>>,
) -> impl IntoView {
    let t = use_t();
    let notify = move || {
        if let Some(cb) = on_select {
            cb.run(());
        }
    };
    view! {
        <Transition fallback=move || view! { <p>{t("common.loading")}</p> }>
            {move || tree.get().map(|r| match r {
                Ok(rows) if rows.is_empty() && !with_all => view! { <p class="muted">{t("catalog.empty")}</p> }.into_any(),
                Ok(rows) => view! {
                    <ul class="tree" role="tree" data-testid="catalog-tree" aria-label=move || t("nav.catalog")>
                        {with_all.then(|| {
                            let all = move || selected.with(Option::is_none);
                            view! {
                                <li role="treeitem" class:selected=all aria-selected=move || all().to_string()
                                    tabindex=move || if all() { "0" } else { "-1" }
                                    on:click=move |_| { selected.set(None); notify(); }
                                    on:keydown=move |ev| if crate::focus::tree_key(&ev) { selected.set(None); notify(); }>
                                    {move || t("catalog.all")}
                                </li>
                            }
                        })}
                        {rows.into_iter().enumerate().map(|(i, row)| {
                            let id = StoredValue::new(row.id.clone());
                            let is_sel = move || {
                                selected.with(|s| id.with_value(|id| s.as_ref().map(|s| s.id.as_str()) == Some(id.as_str())))
                            };
                            // The one item Tab reaches: the selected one, else the first.
                            let reachable = move || is_sel() || (i == 0 && !with_all && selected.with(Option::is_none));
                            // Integer arithmetic only: formatting a float would add its code to the wasm.
                let pad = format!("padding-left: calc(.5rem + {} * 1.25rem)", row.depth);
                            let label = format!("{} ({})", row.name, row.code);
                            let level = row.depth + 1;
                            let pick = StoredValue::new(row);
                            view! {
                                <li role="treeitem" style=pad class:selected=is_sel aria-selected=move || is_sel().to_string()
                                    tabindex=move || if reachable() { "0" } else { "-1" }
                                    on:click=move |_| { selected.set(Some(pick.get_value())); notify(); }
                                    on:keydown=move |ev| if crate::focus::tree_key(&ev) { selected.set(Some(pick.get_value())); notify(); }>
                                    {label}
                                </li>
                            }
                            // tachys has no typed `aria-level` (and `attr:` on an element is taken literally).
                            .add_any_attr(leptos::tachys::html::attribute::custom::custom_attribute("aria-level", level.to_string()))
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </Transition>
    }
}

/// A resource's value shown through `ok`, a loading line while it loads, or the error with
/// its explanation. Keeps the previous value on screen while it reloads.
pub fn loaded<T, V>(
    resource: crate::api::Res<Result<T, AppError>>,
    ok: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    let t = use_t();
    view! {
        <Transition fallback=move || view! { <p>{t("common.loading")}</p> }>
            {move || {
                let ok = ok.clone();
                resource.get().map(move |r| match r {
                    Ok(v) => ok(v).into_any(),
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                })
            }}
        </Transition>
    }
}

/// A one-field search form: typing changes only the box; submitting copies it into `applied`
/// (which the list reads) and runs `on_search` (e.g. to go back to the first page).
#[component]
pub fn SearchBox(
    testid: &'static str,
    placeholder: &'static str,
    applied: RwSignal<String>,
    #[prop(into)] on_search: Callback<()>,
) -> impl IntoView {
    let t = use_t();
    let draft = RwSignal::new(applied.get_untracked());
    // The box shows what the list was asked for, also when the address changed it (Back).
    Effect::new(move |_| draft.set(applied.get()));
    view! {
        <form class="search" on:submit=move |ev| {
            ev.prevent_default();
            applied.set(draft.get_untracked());
            on_search.run(());
        }>
            <input type="search" data-testid=testid aria-label=move || t(placeholder) placeholder=move || t(placeholder)
                prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev)) />
            <button type="submit">{move || t("common.search")}</button>
        </form>
    }
}

/// Quick-category tabs (待办 / 逾期 / …): one button per `(value, label key)`; `on_select`
/// runs after the selection changed (e.g. to go back to the first page).
#[component]
pub fn Tabs<T>(
    tabs: Vec<(T, &'static str)>,
    selected: RwSignal<T>,
    #[prop(optional, into)] on_select: Option<Callback<()>>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let t = use_t();
    view! {
        <div class="tabs" role="tablist">
            {tabs.into_iter().map(|(value, key)| view! {
                <button type="button" role="tab" class="tab" aria-selected=move || (selected.get() == value).to_string()
                    on:click=move |_| {
                        selected.set(value);
                        if let Some(cb) = on_select {
                            cb.run(());
                        }
                    }>
                    {move || t(key)}
                </button>
            }).collect_view()}
        </div>
    }
}

/// Previous / next page over a stack of keyset cursors (the last cursor is the page shown)
/// and, with `size`, the rows per page (a change starts again at the first page).
#[component]
pub fn Pager(
    cursors: RwSignal<Vec<Option<String>>>,
    next: Option<String>,
    #[prop(optional)] size: Option<RwSignal<i64>>,
    /// How many rows the list's filters match (see [`kept_total`]).
    #[prop(optional_no_strip)]
    total: Option<i64>,
    /// The list is searched: its total is counted to a lower cap
    /// ([`bpmn_core::page::total_cap`]).
    #[prop(optional)]
    searched: bool,
) -> impl IntoView {
    let t = use_t();
    let lang = crate::use_lang();
    let last_page = next.is_none();
    view! {
        <div class="pager">
            {total.map(|n| view! {
                <span class="total" data-testid="list-total" aria-live="polite">
                    {move || t("page.total").replace("{n}", &bpmn_core::page::total_in(lang(), n, searched))}
                </span>
            })}
            <button data-testid="page-prev" disabled=move || cursors.with(|c| c.len() <= 1)
                on:click=move |_| cursors.update(|c| { c.pop(); })>{move || t("page.prev")}</button>
            <span>{move || cursors.with(|c| c.len())}</span>
            <button disabled=last_page data-testid="page-next"
                on:click=move |_| { let n = next.clone(); cursors.update(|c| c.push(n)); }>{move || t("page.next")}</button>
            {size.map(|size| view! {
                <label class="page-size">
                    <span>{move || t("page.size")}</span>
                    <select data-testid="page-size" on:change=move |ev| {
                        size.set(crate::api::page_limit(event_target_value(&ev).parse().unwrap_or(0)));
                        cursors.set(vec![None]);
                    }>
                        {crate::api::PAGE_SIZES.iter().map(|(n, label)| view! {
                            <option value=*label selected=move || size.get() == *n>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
        </div>
    }
}

/// The total of a list for its filters `key`: a first page brings it (`Some`), a later page
/// (which the engine does not count again) shows the one kept for the same filters.
pub fn kept_total<K: PartialEq + Send + Sync + 'static>() -> impl Fn(K, Option<i64>) -> Option<i64> + Copy {
    let kept = StoredValue::new(None::<(K, i64)>);
    move |key, total| match total {
        Some(n) => {
            kept.set_value(Some((key, n)));
            Some(n)
        }
        None => kept.with_value(|k| k.as_ref().filter(|(k, _)| *k == key).map(|(_, n)| *n)),
    }
}

/// A column head that sorts the list by it: a button with an arrow, `aria-sort` on the cell.
/// A click sorts by this column (descending first with `desc_first`), a second one the other
/// way; `on_change` runs after each (back to the first page).
#[component]
pub fn SortHead<T>(
    label: &'static str,
    sort: RwSignal<T>,
    asc: T,
    desc: T,
    #[prop(optional)] desc_first: bool,
    testid: &'static str,
    #[prop(into)] on_change: Callback<()>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let t = use_t();
    let state = move || {
        let s = sort.get();
        if s == asc {
            "ascending"
        } else if s == desc {
            "descending"
        } else {
            "none"
        }
    };
    let click = move |_| {
        let next = match state() {
            "ascending" => desc,
            "descending" => asc,
            _ if desc_first => desc,
            _ => asc,
        };
        sort.set(next);
        on_change.run(());
    };
    view! {
        <th aria-sort=state>
            <button type="button" class="sort" data-testid=testid on:click=click
                title=move || t(match state() { "ascending" => "sort.asc", "descending" => "sort.desc", _ => "sort.none" })>
                {move || t(label)}
                {move || match state() { "ascending" => " ↑", "descending" => " ↓", _ => "" }}
            </button>
        </th>
    }
}

/// A dialog over the page: focus moves into it and stays there (Tab, Shift+Tab) until it
/// closes, then goes back to where it was; Esc or the close button call `on_close`.
#[component]
pub fn Modal(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(optional)] testid: &'static str,
    children: Children,
) -> impl IntoView {
    let t = use_t();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Runs once the dialog is in the page (in the browser only).
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            crate::focus::enter(&el);
        }
    });
    on_cleanup(crate::focus::leave);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            on_close.run(());
        } else if let Some(el) = dialog.get_untracked() {
            crate::focus::trap_tab(&ev, &el);
        }
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-label=move || title.get() data-testid=testid
                tabindex="-1" node_ref=dialog on:keydown=on_keydown>
                <div class="modal-head">
                    <h2>{move || title.get()}</h2>
                    <button type="button" class="flash-close" aria-label=move || t("common.close_dialog") on:click=move |_| on_close.run(())>"×"</button>
                </div>
                {children()}
            </div>
        </div>
    }
}

/// A question the user confirms in a dialog (确定 / 取消), optionally with a reason that
/// goes into the operations log. The title names the target (process, business key, task,
/// person); a destructive action's button is red and says what it does.
#[derive(Clone)]
pub struct Ask {
    pub title: String,
    pub message: String,
    /// Offer a reason field.
    pub reason: bool,
    /// The confirm button's label key when it is not 确定 (e.g. `common.delete`), shown in
    /// red: the action destroys something.
    pub danger: Option<&'static str>,
    /// Runs with the reason (empty when none) after 确定.
    pub on_ok: Callback<String>,
}

impl Ask {
    /// A question whose confirmation deletes or ends something: the button is red and says
    /// `action` (a label key); no reason field.
    pub fn destructive(
        title: String,
        message: String,
        action: &'static str,
        on_ok: impl Fn() + Send + Sync + 'static,
    ) -> Ask {
        Ask { title, message, reason: false, danger: Some(action), on_ok: Callback::new(move |_: String| on_ok()) }
    }
}

/// The console's one confirmation dialog, shown by the layout: pages ask through it.
#[derive(Debug, Clone, Copy)]
pub struct AskCtx(pub RwSignal<Option<Ask>>);

/// Asks the user to confirm, in the layout's dialog.
pub fn use_ask() -> RwSignal<Option<Ask>> {
    expect_context::<AskCtx>().0
}

/// The dialog of the pending [`Ask`], if any.
#[component]
pub fn AskDialog(ask: RwSignal<Option<Ask>>) -> impl IntoView {
    let t = use_t();
    move || {
        ask.get().map(|a| {
            let reason = RwSignal::new(String::new());
            let on_ok = a.on_ok;
            view! {
                <Modal title=a.title.clone() on_close=move || ask.set(None) testid="ask-dialog">
                    <p>{a.message.clone()}</p>
                    {a.reason.then(|| view! {
                        <label class="field">
                            <span>{move || t("op.reason")}</span>
                            <textarea rows="2" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                        </label>
                    })}
                    <div class="buttons">
                        <button class=if a.danger.is_some() { "primary danger" } else { "primary" }
                            on:click=move |_| { ask.set(None); on_ok.run(reason.get_untracked()); }>
                            {move || t(a.danger.unwrap_or("common.ok"))}
                        </button>
                        <button on:click=move |_| ask.set(None)>{move || t("common.cancel")}</button>
                    </div>
                </Modal>
            }
        })
    }
}

/// Live refresh of a run-time list: while the page is open, polls the change token every
/// 3 s (one `MAX()` probe on the server, an 8-byte answer) and calls `refetch` only when it
/// differs from `shown`, the token of the data on screen. Inputs, tabs and cursors live in
/// signals outside the list, so they stay as they are.
pub fn live_refresh(shown: impl Fn() -> Option<i64> + 'static, refetch: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use std::cell::Cell;
        use std::rc::Rc;
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        // Shared with the cleanup, which must be Send.
        let alive = Arc::new(AtomicBool::new(true));
        let busy = Rc::new(Cell::new(false));
        let requested = Rc::new(Cell::new(None::<i64>));
        let (shown, refetch) = (Rc::new(shown), Rc::new(refetch));
        let poll = {
            let alive = alive.clone();
            move || {
                if busy.get() || !alive.load(Ordering::Relaxed) {
                    return;
                }
                busy.set(true);
                let (alive, busy, requested, shown, refetch) =
                    (alive.clone(), busy.clone(), requested.clone(), shown.clone(), refetch.clone());
                leptos::task::spawn_local(async move {
                    if let Ok(token) = crate::api::instances::runtime_changed().await {
                        if alive.load(Ordering::Relaxed) {
                            let on_screen = shown();
                            if on_screen.is_some_and(|s| s != token) && requested.get() != Some(token) {
                                requested.set(Some(token));
                                refetch();
                            }
                        }
                    }
                    busy.set(false);
                });
            }
        };
        match set_interval_with_handle(poll, std::time::Duration::from_secs(3)) {
            Ok(handle) => on_cleanup(move || {
                handle.clear();
                alive.store(false, Ordering::Relaxed);
            }),
            Err(e) => leptos::logging::warn!("live refresh is off: {e:?}"),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (shown, refetch);
}
