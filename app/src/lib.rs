//! The console's user interface: the HTML shell, routes, layout, pages and the server
//! functions they call. Compiled twice: with `ssr` into the server, with `hydrate` into wasm.

pub mod api;
pub mod browser;
pub mod clock;
pub mod components;
pub mod error;
pub mod focus;
pub mod i18n;
pub mod label;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod url_state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::Layout;
use crate::i18n::Lang;
use crate::pages::*;

/// The page shell rendered on the server around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=initial_lang().code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The language signal every component reads its labels through.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// The label for `key` in the current language (reactive).
    pub fn t(&self, key: &'static str) -> &'static str {
        i18n::t(self.lang.get(), key)
    }
}

/// An error's sentence in the current language, reactive to the language switcher.
pub fn use_say() -> impl Fn(&error::AppError) -> String + Copy {
    let i18n = expect_context::<I18n>();
    move |e| e.say(i18n.lang.get())
}

/// The current language (reactive).
pub fn use_lang() -> impl Fn() -> Lang + Copy {
    let i18n = expect_context::<I18n>();
    move || i18n.lang.get()
}

/// The label for `key`, reactive to the language switcher.
pub fn use_t() -> impl Fn(&'static str) -> &'static str + Copy {
    let i18n = expect_context::<I18n>();
    move |key| i18n.t(key)
}

/// The language the page starts in: the cookie, read on the server when rendering and in
/// the browser when hydrating, so both agree.
fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        ssr::request_lang()
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::cookie_header().map(|c| i18n::lang_from_cookie_header(&c)).unwrap_or_default()
    }
}

/// The application: routes and the shared context.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(I18n { lang: RwSignal::new(initial_lang()) });
    clock::provide_viewer_clock();
    // Effects run in the browser only, once the page is hydrated.
    Effect::new(move |_| browser::mark_hydrated());

    view! {
        <Title text="BPM后台管理 · BPM Console" />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Layout>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("catalog") view=CatalogPage />
                    <Route path=path!("deployments") view=DeploymentsPage />
                    <Route path=path!("deployments/:id") view=DefinitionPage />
                    <Route path=path!("models") view=ModelsPage />
                    <Route path=path!("models/:id/design") view=DesignerPage />
                    <Route path=path!("tasks") view=TasksPage />
                    <Route path=path!("instances") view=InstancesPage />
                    <Route path=path!("instances/:id") view=InstanceDetailPage />
                    <Route path=path!("jobs") view=JobsPage />
                    <Route path=path!("events") view=EventsPage />
                    <Route path=path!("tenants") view=TenantsPage />
                    <Route path=path!("org") view=OrgPage />
                    <Route path=path!("tokens") view=TokensPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
