//! 机构 Organisation: units and their people, as a tree.

use leptos::prelude::*;

use crate::api::{load_org, OrgTree};
use crate::components::loaded;
use crate::use_t;

#[component]
pub fn OrgPage() -> impl IntoView {
    let t = use_t();
    let data = Resource::new(|| (), |_| load_org());
    view! {
        <h1>{move || t("org.title")}</h1>
        {loaded(data, |tree| view! { <ul class="tree org" data-testid="org-tree">{units(&tree, None)}</ul> })}
    }
}

/// The units under `parent`, each with its people and sub-units.
fn units(tree: &OrgTree, parent: Option<&str>) -> Vec<AnyView> {
    tree.units
        .iter()
        .filter(|u| u.parent_id.as_deref() == parent)
        .map(|u| {
            let people = tree
                .people
                .iter()
                .filter(|p| p.unit_id == u.id)
                .map(|p| view! { <li class="person">{format!("{} ({})", p.name, p.id)}</li> })
                .collect_view();
            let children = units(tree, Some(&u.id));
            view! {
                <li class="unit">
                    <details open>
                        <summary>{u.name.clone()}</summary>
                        <ul>{people}{children}</ul>
                    </details>
                </li>
            }
            .into_any()
        })
        .collect()
}
