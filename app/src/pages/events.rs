//! 事件 Events: the message and signal subscriptions that wait, across instances (search by
//! name, filter by type, paging, live refresh), each row linking to its instance, or marked
//! 启动事件 for a definition's message or signal start event. Below the list, the 发送消息 form
//! (correlate a message by name and business key) and the 广播信号 form (broadcast a signal),
//! each showing what happened or why it was refused.
//!
//! The instance page's 等待的事件 section shares the rows and the 发送消息 / 发送信号 dialog:
//! variables as a JSON object (checked in place), a confirmation, then the delivery.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::events::{
    broadcast_signal, correlate_message, deliver_label, deliver_subscription, list_subscriptions, variables_count,
    variables_problem, Correlated, EventSubscription, KindFilter,
};
use crate::clock::Time;
use crate::components::{live_refresh, loaded, use_flash, Ask, AskDialog, MeResource, Modal, Pager, SearchBox, Tabs};
use crate::error::AppError;
use crate::label::Label;
use crate::url_state::{keep_in_url, UrlField};
use crate::{use_t, I18n};

/// Why an event operation was refused, in the user's language: the engine's sentence says
/// what was refused (naming the message, the instances concerned) and what to do.
#[component]
pub fn EventRefusal(error: AppError) -> impl IntoView {
    let lang = expect_context::<I18n>().lang;
    view! {
        <div class="field-error refusal" role="alert" data-testid="event-refusal">
            {move || error.say(lang.get())}
        </div>
    }
}

/// The open delivery dialog and what to do after a delivery. Provided by the 事件 page and the
/// instance page, used by [`DeliverButton`].
#[derive(Clone, Copy)]
pub struct EventOps {
    deliver: RwSignal<Option<EventSubscription>>,
    done: Callback<()>,
}

/// Provides the event operations; `done` runs after each delivery (reload).
pub fn provide_event_ops(done: Callback<()>) -> EventOps {
    let ops = EventOps { deliver: RwSignal::new(None), done };
    provide_context(ops);
    ops
}

/// The dialog of the event operations (render once per page).
#[component]
pub fn EventDialogs() -> impl IntoView {
    let ops = expect_context::<EventOps>();
    move || ops.deliver.get().map(|sub| view! { <DeliverDialog sub=sub /> })
}

/// 发送消息 / 发送信号: opens the delivery dialog of one subscription.
#[component]
pub fn DeliverButton(sub: EventSubscription) -> impl IntoView {
    let t = use_t();
    let ops = expect_context::<EventOps>();
    let label = deliver_label(sub.kind);
    let sub = StoredValue::new(sub);
    view! {
        <button class="small" data-action="deliver" on:click=move |_| ops.deliver.set(Some(sub.get_value()))>
            {move || t(label)}
        </button>
    }
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// Delivers by hand to one subscription: the variables (a JSON object, checked here with the
/// mistake told in place), then a confirmation that says what will happen, then the delivery;
/// success is flashed and the page reloads, a refusal stays in the dialog in the console's words.
#[component]
fn DeliverDialog(sub: EventSubscription) -> impl IntoView {
    let t = use_t();
    let flash = use_flash();
    let ops = expect_context::<EventOps>();
    let kind = sub.kind;
    let label = deliver_label(kind);
    let sub = StoredValue::new(sub);
    let variables = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let close = move || ops.deliver.set(None);
    let next = move |_| {
        error.set(None);
        match variables_problem(t, &variables.get_untracked()) {
            Some(p) => problem.set(Some(p)),
            None => {
                problem.set(None);
                confirming.set(true);
            }
        }
    };
    let send = move |_| {
        busy.set(true);
        let s = sub.get_value();
        leptos::task::spawn_local(async move {
            let result = deliver_subscription(s.id.clone(), variables.get_untracked()).await;
            busy.set(false);
            match &result {
                Ok(answer) => {
                    let started = answer.iter().any(|c| c.started);
                    let what = t(if started { "ev.started_instance" } else { "ev.delivered" });
                    flash.report(&format!("{} · {}：{what}", t(label), s.name), &result);
                    close();
                    ops.done.run(());
                }
                Err(e) => {
                    // A subscription that is gone or an instance that changed: the page behind
                    // shows the current state.
                    if e.code == "not_found" || e.reason.is_some() {
                        ops.done.run(());
                    }
                    error.set(Some(e.clone()));
                    confirming.set(false);
                }
            }
        });
    };
    let question = move || {
        let s = sub.get_value();
        let count = variables_count(&variables.get()).to_string();
        let values = [
            ("kind", t(kind.label())),
            ("name", s.name.as_str()),
            ("activity", s.activity_name.as_str()),
            ("process", s.definition_name.as_str()),
            ("count", count.as_str()),
        ];
        let template = if s.instance_id.is_some() { "ev.confirm_deliver" } else { "ev.confirm_deliver_start" };
        fill(t(template), &values)
    };
    let s = sub.get_value();
    view! {
        <Modal title=Signal::derive(move || format!("{} · {}", t(label), sub.with_value(|s| s.name.clone())))
            on_close=close testid="deliver-dialog">
            <dl class="facts">
                <dt>{move || t("inst.type")}</dt><dd>{move || t(kind.label())}</dd>
                <dt>{move || t("ev.name")}</dt><dd class="mono">{s.name.clone()}</dd>
                <dt>{move || t("ev.waits_at")}</dt>
                <dd>{s.activity_name.clone()} " " <span class="mono muted small">{s.activity_id.clone()}</span></dd>
                <dt>{move || t("task.process")}</dt><dd>{s.definition_name.clone()}</dd>
                {s.business_key.clone().map(|k| view! {
                    <dt>{move || t("ev.key")}</dt><dd class="mono">{k}</dd>
                })}
            </dl>
            <label class="field">
                <span>{move || t("ev.variables")}</span>
                <textarea rows="4" class="mono" data-testid="deliver-variables" placeholder="{\"amount\": 1200}"
                    prop:value=variables disabled=move || confirming.get()
                    on:input=move |ev| { variables.set(event_target_value(&ev)); problem.set(None); }></textarea>
                {move || problem.get().map(|p| view! {
                    <span class="field-error" role="alert" data-testid="deliver-variables-error">{p}</span>
                })}
            </label>
            {move || error.get().map(|e| view! { <EventRefusal error=e /> })}
            {move || if confirming.get() {
                view! {
                    <div class="warn-panel panel" data-testid="deliver-question">{question}</div>
                    <div class="buttons">
                        <button class="primary" data-testid="deliver-confirm" disabled=move || busy.get() on:click=send>
                            {move || t("ev.confirm_send")}
                        </button>
                        <button on:click=move |_| confirming.set(false)>{move || t("ev.back")}</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="buttons">
                        <button class="primary" data-testid="deliver-next" on:click=next>{move || t("ev.send")}</button>
                        <button on:click=move |_| close()>{move || t("common.cancel")}</button>
                    </div>
                }.into_any()
            }}
        </Modal>
    }
}

/// The first characters of an instance id, enough to tell instances apart in a list (the
/// whole id is the link's tooltip and its target).
fn short_id(id: &str) -> String {
    match id.char_indices().nth(SHORT_ID) {
        Some((at, _)) => format!("{}…", &id[..at]),
        None => id.to_owned(),
    }
}

/// How many characters of an instance id the 事件 list shows.
const SHORT_ID: usize = 12;

/// One subscription as a table row. `across` (the 事件 page) adds the process and the
/// instance (or 启动事件 for a definition's start event).
#[component]
pub fn SubscriptionRow(sub: EventSubscription, across: bool, #[prop(optional)] actions: bool) -> impl IntoView {
    let t = use_t();
    let kind = sub.kind;
    let instance = sub.instance_id.clone();
    let (definition_href, definition_name) =
        (format!("/deployments/{}", sub.definition_id), sub.definition_name.clone());
    let deliver = actions.then(|| sub.clone());
    view! {
        <tr data-subscription=sub.id.clone() data-kind=kind.as_str() data-name=sub.name.clone()
            data-instance=instance.clone().unwrap_or_default()>
            <td class="nowrap">{move || t(kind.label())}</td>
            <td class="mono nowrap">{sub.name.clone()}</td>
            <td class="mono nowrap">{sub.business_key.clone().unwrap_or_default()}</td>
            <td>{sub.activity_name.clone()} " " <span class="mono muted small">{sub.activity_id.clone()}</span></td>
            {across.then(|| view! {
                <td><A href=definition_href>{definition_name}</A></td>
                <td>{match instance.clone() {
                    Some(id) => view! {
                        <A href=format!("/instances/{id}")>
                            <span class="mono small" title=id.clone()>{short_id(&id)}</span>
                        </A>
                    }.into_any(),
                    None => view! { <span class="muted" data-testid="start-event">{move || t("ev.start_event")}</span> }.into_any(),
                }}</td>
            })}
            <td class="nowrap"><Time at=sub.created /></td>
            <td class="actions">{deliver.map(|sub| view! { <DeliverButton sub=sub /> })}</td>
        </tr>
    }
}

/// The header row matching [`SubscriptionRow`].
#[component]
pub fn SubscriptionHead(across: bool) -> impl IntoView {
    let t = use_t();
    view! {
        <thead><tr>
            <th>{move || t("inst.type")}</th>
            <th>{move || t("ev.name")}</th>
            <th>{move || t("ev.key")}</th>
            <th>{move || t("inst.activity")}</th>
            {across.then(|| view! {
                <th>{move || t("task.process")}</th>
                <th>{move || t("job.instance")}</th>
            })}
            <th>{move || t("ev.since")}</th>
            <th></th>
        </tr></thead>
    }
}

/// The tabs' words in the address (the first is the default).
const EVENT_TABS: &[(KindFilter, &str)] =
    &[(KindFilter::All, "all"), (KindFilter::Message, "message"), (KindFilter::Signal, "signal")];

#[component]
pub fn EventsPage() -> impl IntoView {
    let t = use_t();
    let kind = RwSignal::new(KindFilter::All);
    let applied = RwSignal::new(String::new());
    let cursors = RwSignal::new(vec![None::<String>]);
    let list = crate::api::resource(
        move || (kind.get(), applied.get(), cursors.with(|c| c.last().cloned().flatten())),
        |(kind, search, cursor)| list_subscriptions(kind, search, cursor),
    );
    let restart = move || cursors.set(vec![None]);
    keep_in_url(vec![
        UrlField::choice("tab", kind, EVENT_TABS),
        UrlField::text("q", applied),
        UrlField::page("after", cursors),
    ]);
    live_refresh(
        move || list.try_get_untracked().flatten().and_then(Result::ok).map(|p| p.token),
        move || list.refetch(),
    );
    let reload = Callback::new(move |_| list.refetch());
    provide_event_ops(reload);

    view! {
        <h1>{move || t("ev.title")}</h1>
        <div class="toolbar">
            <Tabs tabs=vec![
                (KindFilter::All, "ev.tab.all"),
                (KindFilter::Message, "ev.kind.message"),
                (KindFilter::Signal, "ev.kind.signal"),
            ] selected=kind on_select=restart />
            <SearchBox testid="event-search" placeholder="ev.search_ph" applied=applied on_search=move |_| restart() />
        </div>
        {loaded(list, move |page| {
            if page.items.is_empty() {
                return view! { <p class="muted" data-testid="event-empty">{t("ev.empty")}</p> }.into_any();
            }
            view! {
                <div class="table-wrap"><table class="grid" data-testid="event-table">
                    <SubscriptionHead across=true />
                    <tbody>
                        {page.items.into_iter().map(|sub| view! { <SubscriptionRow sub=sub across=true actions=true /> }).collect_view()}
                    </tbody>
                </table></div>
                <Pager cursors=cursors next=page.next />
            }.into_any()
        })}
        <div class="event-forms">
            <MessageForm reload=reload />
            <SignalForm reload=reload />
        </div>
        <EventDialogs />
    }
}

/// The scope a message or signal from the forms reaches: the tenant chosen in the header, or
/// 全部租户 for an administrator who chose none.
fn scope_name(me: &crate::api::Me, all: &'static str) -> String {
    match &me.tenant_id {
        Some(id) => me.tenants.iter().find(|t| &t.id == id).map(|t| t.name.clone()).unwrap_or_else(|| id.clone()),
        None => all.to_owned(),
    }
}

/// The scope line of a form: the tenant chosen in the header, or 全部租户.
#[component]
fn ScopeLine() -> impl IntoView {
    let t = use_t();
    let me = expect_context::<MeResource>().0;
    view! {
        <p class="muted small" data-testid="event-scope">
            {move || t("ev.scope")}
            // Inside a Transition: the server renders it when the caller is known, so the
            // browser hydrates the same text.
            <Transition fallback=|| ()>
                {move || me.get().and_then(Result::ok).map(|m| scope_name(&m, t("ev.scope_all")))}
            </Transition>
        </p>
    }
}

/// The name typed in a form, trimmed, once it and the variables text are fine; otherwise the
/// problem is shown beside the form and nothing is sent.
fn checked_name(
    t: impl Fn(&'static str) -> &'static str + Copy,
    name: RwSignal<String>,
    variables: RwSignal<String>,
    problem: RwSignal<Option<String>>,
) -> Option<String> {
    let n = name.get_untracked().trim().to_owned();
    if n.is_empty() {
        problem.set(Some(t("ev.refusal.name").to_owned()));
        return None;
    }
    if let Some(p) = variables_problem(t, &variables.get_untracked()) {
        problem.set(Some(p));
        return None;
    }
    problem.set(None);
    Some(n)
}

/// Sends a form's call: the button waits meanwhile, the list reloads when it went through, and
/// the answer (or the refusal) is kept under the name it was sent for.
fn send_and_show<T: Send + Sync + 'static>(
    busy: RwSignal<bool>,
    reload: Callback<()>,
    outcome: RwSignal<Option<(String, Result<T, AppError>)>>,
    name: String,
    call: impl std::future::Future<Output = Result<T, AppError>> + 'static,
) {
    busy.set(true);
    leptos::task::spawn_local(async move {
        let result = call.await;
        busy.set(false);
        if result.is_ok() {
            reload.run(());
        }
        outcome.set(Some((name, result)));
    });
}

/// The variables of a form: a JSON object, checked before sending.
#[component]
fn VariablesField(
    testid: &'static str,
    placeholder: &'static str,
    variables: RwSignal<String>,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <label>
            <span>{move || t("ev.variables")}</span>
            <textarea rows="3" class="mono" data-testid=testid placeholder=placeholder
                prop:value=variables on:input=move |ev| { variables.set(event_target_value(&ev)); problem.set(None); }></textarea>
        </label>
    }
}

/// 发送消息: name, business key, variables, "to every matching instance"; the answer lists
/// the instances it reached (started or delivered), a refusal says why in the console's words.
#[component]
fn MessageForm(reload: Callback<()>) -> impl IntoView {
    let t = use_t();
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let variables = RwSignal::new(String::new());
    let all = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<(String, Result<Vec<Correlated>, AppError>)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        let Some(n) = checked_name(t, name, variables, problem) else { return };
        let call = correlate_message(n.clone(), key.get_untracked(), variables.get_untracked(), all.get_untracked());
        send_and_show(busy, reload, outcome, n, call);
    };
    view! {
        <form class="panel form event-form" data-testid="message-form" on:submit=submit>
            <h2>{move || t("ev.message_form")}</h2>
            <p class="muted small">{move || t("ev.message_hint")}</p>
            <ScopeLine />
            <label>
                <span>{move || t("ev.message_name")}</span>
                <input data-testid="message-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{move || t("inst.business_key")}</span>
                <input data-testid="message-key" prop:value=key on:input=move |ev| key.set(event_target_value(&ev)) />
            </label>
            <VariablesField testid="message-variables" placeholder="{\"amount\": 1200}" variables problem />
            <label class="check">
                <input type="checkbox" data-testid="message-all" prop:checked=all
                    on:change=move |ev| all.set(event_target_checked(&ev)) />
                <span>{move || t("ev.all")}</span>
            </label>
            {move || problem.get().map(|p| view! { <span class="field-error" role="alert">{p}</span> })}
            <div class="buttons">
                <button type="submit" class="primary" data-testid="message-send" disabled=move || busy.get()>{move || t("ev.send_message")}</button>
            </div>
            {move || outcome.get().map(|(n, r)| view! {
                <div class="event-result" data-testid="message-result">
                    {match r {
                        Ok(list) => view! {
                            <p>{fill(t("ev.message_sent"), &[("name", n.as_str())])}</p>
                            <ul class="correlated">
                                {list.into_iter().map(|c| {
                                    let state = if c.started { "ev.result_started" } else { "ev.result_delivered" };
                                    let href = format!("/instances/{}", c.instance_id);
                                    let shown = c.instance_id.clone();
                                    view! {
                                        <li data-instance=c.instance_id.clone() data-started=c.started.to_string()>
                                            <span class=if c.started { "badge badge-running" } else { "badge badge-completed" }>
                                                {move || t(state)}
                                            </span> " "
                                            <A href=href><span class="mono small">{shown}</span></A>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! {
                            <strong>{move || t("ev.refused")}</strong>
                            <EventRefusal error=e />
                        }.into_any(),
                    }}
                </div>
            })}
        </form>
    }
}

/// 广播信号: name and variables, after a confirmation that names the scope; the answer says
/// how many instances the signal reached.
#[component]
fn SignalForm(reload: Callback<()>) -> impl IntoView {
    let t = use_t();
    let me = expect_context::<MeResource>().0;
    let name = RwSignal::new(String::new());
    let variables = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<(String, Result<usize, AppError>)>);
    let busy = RwSignal::new(false);
    let ask = RwSignal::new(None::<Ask>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        let Some(n) = checked_name(t, name, variables, problem) else { return };
        let scope = me
            .get_untracked()
            .and_then(Result::ok)
            .map(|m| scope_name(&m, t("ev.scope_all")))
            .unwrap_or_else(|| t("ev.scope_all").to_owned());
        let question = fill(t("ev.confirm_broadcast"), &[("name", n.as_str()), ("scope", scope.as_str())]);
        ask.set(Some(Ask {
            title: format!("{} · {n}", t("ev.broadcast")),
            message: question,
            reason: false,
            danger: None,
            on_ok: Callback::new(move |_| {
                send_and_show(busy, reload, outcome, n.clone(), broadcast_signal(n.clone(), variables.get_untracked()));
            }),
        }));
    };
    view! {
        <form class="panel form event-form" data-testid="signal-form" on:submit=submit>
            <h2>{move || t("ev.signal_form")}</h2>
            <p class="muted small">{move || t("ev.signal_hint")}</p>
            <ScopeLine />
            <label>
                <span>{move || t("ev.signal_name")}</span>
                <input data-testid="signal-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <VariablesField testid="signal-variables" placeholder="{\"reason\": \"recall\"}" variables problem />
            {move || problem.get().map(|p| view! { <span class="field-error" role="alert">{p}</span> })}
            <div class="buttons">
                <button type="submit" class="primary" data-testid="signal-send" disabled=move || busy.get()>{move || t("ev.broadcast")}</button>
            </div>
            {move || outcome.get().map(|(n, r)| view! {
                <div class="event-result" data-testid="signal-result">
                    {match r {
                        Ok(0) => view! {
                            <p class="warn-panel panel" data-count="0">{fill(t("ev.signal_none"), &[("name", n.as_str())])}</p>
                        }.into_any(),
                        Ok(count) => view! {
                            <p data-count=count.to_string()>{fill(t("ev.signal_reached"), &[("name", n.as_str()), ("count", count.to_string().as_str())])}</p>
                        }.into_any(),
                        Err(e) => view! {
                            <strong>{move || t("ev.refused")}</strong>
                            <EventRefusal error=e />
                        }.into_any(),
                    }}
                </div>
            })}
        </form>
        <AskDialog ask=ask />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_shortened_for_the_list() {
        assert_eq!(short_id("01a24f340bf1d428a761fa6fab60"), "01a24f340bf1…");
        assert_eq!(short_id("short"), "short");
        assert_eq!(short_id("012345678901"), "012345678901");
    }

    #[test]
    fn templates_are_filled() {
        assert_eq!(fill("向“{name}”发送 {count} 个", &[("name", "付款"), ("count", "2")]), "向“付款”发送 2 个");
        assert_eq!(fill("{x}{x}", &[("x", "a")]), "aa");
        assert_eq!(fill("none", &[("x", "a")]), "none");
    }
}
