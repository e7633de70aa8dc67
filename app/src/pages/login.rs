//! The sign-in page: the only page an anonymous visitor can see.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::Login;
use crate::use_t;

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_t();
    let login = ServerAction::<Login>::new();
    let next = move || use_query_map().with_untracked(|q| q.get("next")).unwrap_or_else(|| "/".into());
    let say = crate::use_say();
    let error = move || login.value().get().and_then(|r| r.err()).map(|e| say(&e));

    view! {
        <div class="login-page">
            <div class="login-card">
                <h1>{move || t("app.title")}</h1>
                <h2>{move || t("login.title")}</h2>
                <ActionForm action=login attr:class="form" attr:data-testid="login-form">
                    <input type="hidden" name="next" value=next />
                    <label>
                        <span>{move || t("login.username")}</span>
                        <input type="text" name="username" autocomplete="username" required autofocus />
                    </label>
                    <label>
                        <span>{move || t("login.password")}</span>
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    {move || error().map(|m| view! { <p class="error-note" role="alert">{m}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || t("login.submit")}
                    </button>
                </ActionForm>
            </div>
        </div>
    }
}
