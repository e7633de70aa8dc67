//! The overview page, the placeholder of screens still being built, and "not found".

use leptos::prelude::*;

use crate::api::load_overview;
use crate::components::loaded;
use crate::use_t;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_t();
    let data = Resource::new(|| (), |_| load_overview());
    view! {
        <h1>{move || t("nav.home")}</h1>
        {loaded(data, move |o| view! {
                    <div class="cards" data-testid="overview">
                        <Card label="home.tenants" value=o.tenants />
                        <Card label="home.units" value=o.units />
                        <Card label="home.people" value=o.people />
                        <Card label="home.catalog" value=o.catalog_nodes />
                    </div>
        })}
    }
}

#[component]
fn Card(label: &'static str, value: i64) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="card">
            <div class="card-value">{value}</div>
            <div class="card-label">{move || t(label)}</div>
        </div>
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
