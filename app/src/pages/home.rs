//! The overview page, the placeholder of screens still being built, and "not found".

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::load_overview;
use crate::components::loaded;
use crate::use_t;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_t();
    let data = crate::api::resource(|| (), |_| load_overview());
    view! {
        <h1>{move || t("nav.home")}</h1>
        {loaded(data, move |o| view! {
            <h2>{move || t("home.attention")}</h2>
            <div class="cards" data-testid="overview-runtime">
                <Card label="home.running" value=o.running href="/instances?tab=unfinished" />
                <Card label="home.suspended" value=o.suspended href="/instances?tab=suspended" warn=true />
                <Card label="home.incidents" value=o.open_incidents href="/instances?tab=incidents" alert=true />
                <Card label="home.overdue" value=o.overdue_tasks href="/tasks?tab=overdue" alert=true />
                <Card label="home.failed_jobs" value=o.failed_jobs href="/jobs?tab=errors" alert=true />
            </div>
            <h2>{move || t("home.organisation")}</h2>
            <div class="cards" data-testid="overview">
                <Card label="home.tenants" value=o.tenants href="/tenants" />
                <Card label="home.units" value=o.units href="/org" />
                <Card label="home.people" value=o.people href="/org" />
                <Card label="home.catalog" value=o.catalog_nodes href="/catalog" />
            </div>
        })}
    }
}

/// A count that leads to the list it counts. `alert` (red) and `warn` (amber) colour a
/// count that is not zero: something needs attention.
#[component]
fn Card(
    label: &'static str,
    value: i64,
    href: &'static str,
    #[prop(optional)] alert: bool,
    #[prop(optional)] warn: bool,
) -> impl IntoView {
    let t = use_t();
    let lang = crate::use_lang();
    let class = match (value > 0, alert, warn) {
        (true, true, _) => "card card-alert",
        (true, _, true) => "card card-warn",
        _ => "card",
    };
    view! {
        <A href=href attr:class=class attr:data-testid=label>
            <div class="card-value">{move || bpmn_core::time::count_in(lang(), value)}</div>
            <div class="card-label">{move || t(label)}</div>
        </A>
    }
}

/// A screen whose content later work fills in; navigation and layout are already real.
#[component]
pub fn Placeholder(key: &'static str) -> impl IntoView {
    let t = use_t();
    view! {
        <h1>{move || t(key)}</h1>
        <p class="muted">{move || t("common.coming")}</p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="login-page">
            <div class="login-card">
                <h1>"404"</h1>
                <p>"页面不存在 / Page not found"</p>
                <a href="/">"BPM后台管理"</a>
            </div>
        </div>
    }
}
