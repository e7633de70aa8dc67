//! The sign-in page: the only page an anonymous visitor can see.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
    // A plain form: before the page is interactive the browser posts it to the server function
    // itself; after, the action sends the same fields (Leptos' `ActionForm` would read them
    // through a query-string parser the browser then carries for this one form).
    let (username, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<Input>| input.get().map(|i| i.value()).unwrap_or_default();
        login.dispatch(Login { username: value(username), password: value(password), next: Some(next()) });
    };

    view! {
        <div class="login-page">
            <div class="login-card">
                <h1>{move || t("app.title")}</h1>
                <h2>{move || t("login.title")}</h2>
                <form method="post" action=Login::url() class="form" data-testid="login-form" on:submit=submit>
                    <input type="hidden" name="next" value=next />
                    <label>
                        <span>{move || t("login.username")}</span>
                        <input type="text" name="username" autocomplete="username" required autofocus node_ref=username />
                    </label>
                    <label>
                        <span>{move || t("login.password")}</span>
                        <input type="password" name="password" autocomplete="current-password" required node_ref=password />
                    </label>
                    {move || error().map(|m| view! { <p class="error-note" role="alert">{m}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || t("login.submit")}
                    </button>
                </form>
            </div>
        </div>
    }
}
