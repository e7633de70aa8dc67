//! Events: message and signal catch events, receive tasks and boundary events, the
//! event-based gateway, throw events (signal, message, link, escalation), send tasks.

use serde_json::json;

use super::*;

/// The process of a file whose `<process id="P">` holds `body`, with `defs` (messages,
/// signals, errors, escalations) beside it.
pub(super) fn with_defs(body: &str, defs: &str) -> Process {
    let xml = format!("{HEAD}{body}\n</bpmn:process>\n{defs}\n</bpmn:definitions>\n");
    let mut def = parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    def.processes.remove(0)
}

pub(super) const DEFS: &str = r#"<bpmn:message id="m_paid" name="${orderId}-paid"/>
<bpmn:message id="m_cancel" name="cancel"/>
<bpmn:message id="m_reply" name="reply"/>
<bpmn:signal id="s_alarm" name="alarm"/>
<bpmn:error id="e_fail" errorCode="FAIL"/>
<bpmn:error id="e_other" errorCode="OTHER"/>
<bpmn:escalation id="x_late" escalationCode="LATE"/>"#;

pub(super) fn msg(r: &str) -> String {
    format!(r#"<bpmn:messageEventDefinition messageRef="{r}"/>"#)
}

pub(super) fn sig(r: &str) -> String {
    format!(r#"<bpmn:signalEventDefinition signalRef="{r}"/>"#)
}

pub(super) fn deliver(token: TokenId, v: Value) -> Command {
    Command::Deliver { token, variables: vars(v) }
}

fn subscribe(token: TokenId, node: usize, kind: SubscriptionKind, name: &str) -> Effect {
    Effect::Subscribe { token, node, kind, name: name.into() }
}

/// start → `activity` (id `id`) → after (user task) → end, with `extra` elements and `DEFS`.
fn around_defs(id: &str, activity: &str, extra: &[&str]) -> Process {
    let mut parts = vec![
        r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/><bpmn:endEvent id="end"/>"#.to_owned(),
        activity.to_owned(),
        flow("f1", "start", id, ""),
        flow("f2", id, "after", ""),
        flow("f3", "after", "end", ""),
    ];
    parts.extend(extra.iter().map(|e| (*e).to_owned()));
    with_defs(&parts.join("\n"), DEFS)
}

// ----- message and signal catch events ---------------------------------------------------------

#[test]
fn a_message_catch_event_subscribes_under_its_resolved_name_and_a_delivery_moves_on() {
    let p = around_defs(
        "wait",
        &format!(r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#, msg("m_paid")),
        &[],
    );
    let (wait, after) = (node(&p, "wait"), node(&p, "after"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"orderId": "A7"})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:wait"]);
    assert_eq!(actions(&effects), [subscribe(0, wait, SubscriptionKind::Message, "A7-paid")]);
    assert_eq!(s.tokens, [tok(0, wait, None, TokenState::WaitingMessage)]);
    assert_eq!(active_activities(&p, &s), [(0, wait)]);
    assert_eq!(waiting_events(&p, &s), [(0, wait, Some(SubscriptionKind::Message))]);

    assert_eq!(
        step(&p, s.clone(), complete(0, json!({})), 1),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "wait".into(), expected: "a task to complete" })
    );
    assert_eq!(
        step(&p, s.clone(), Command::FireTimer { token: 0 }, 1),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "wait".into(), expected: "a timer" })
    );

    let (s, effects) = ok(&p, s, deliver(0, json!({"amount": 12})), 2);
    assert_eq!(history(&effects), ["ended:wait", "started:after"]);
    assert_eq!(actions(&effects), [Effect::Unsubscribe { token: 0, node: wait }, plain_task(0, after)]);
    assert_eq!(s.variables.get("amount"), Some(&json!(12)));

    assert_eq!(
        step(&p, s, deliver(0, json!({})), 3),
        Err(RuntimeError::NotWaiting { token: 0, node_id: "after".into(), expected: "a message or signal" })
    );
}

#[test]
fn a_message_name_that_cannot_be_resolved_is_an_incident_and_a_retry_subscribes() {
    let p = around_defs(
        "wait",
        &format!(r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#, msg("m_paid")),
        &[],
    );
    let wait = node(&p, "wait");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: wait,
            message: "element `wait`: expression `${orderId}-paid`: unknown variable `orderId`".into()
        }]
    );
    let mut s = s;
    s.variables.insert("orderId".into(), json!(9));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert_eq!(history(&effects), Vec::<String>::new());
    assert_eq!(
        actions(&effects),
        [Effect::ResolveIncident { token: 0 }, subscribe(0, wait, SubscriptionKind::Message, "9-paid")]
    );
    assert_eq!(s.tokens, [tok(0, wait, None, TokenState::WaitingMessage)]);

    // A catch event without a message reference names no message at all.
    let p = around_defs(
        "wait",
        r#"<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>"#,
        &[],
    );
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: wait,
            message: "element `wait`: the message has no name; give the message a name in the model".into()
        }]
    );
}

#[test]
fn a_signal_catch_event_waits_for_its_signal() {
    let p = around_defs(
        "wait",
        &format!(r#"<bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>"#, sig("s_alarm")),
        &[],
    );
    let wait = node(&p, "wait");
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(actions(&effects), [subscribe(0, wait, SubscriptionKind::Signal, "alarm")]);
    assert_eq!(s.tokens, [tok(0, wait, None, TokenState::WaitingSignal)]);
    let (_, effects) = ok(&p, s, deliver(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:wait", "started:after"]);
}

// ----- receive tasks and message/signal boundary events -----------------------------------------

/// A receive task with an interrupting message boundary (`cancel` → `cancelled` end) and a
/// non-interrupting signal boundary (`alarm` → `note` task → end).
fn receive_with_boundaries() -> Process {
    around_defs(
        "recv",
        r#"<bpmn:receiveTask id="recv" messageRef="m_reply"/>"#,
        &[
            &format!(
                r#"<bpmn:boundaryEvent id="cancel" attachedToRef="recv">{}</bpmn:boundaryEvent>"#,
                msg("m_cancel")
            ),
            &format!(
                r#"<bpmn:boundaryEvent id="alarm" attachedToRef="recv" cancelActivity="false">{}</bpmn:boundaryEvent>"#,
                sig("s_alarm")
            ),
            r#"<bpmn:endEvent id="cancelled"/><bpmn:userTask id="note"/><bpmn:endEvent id="noted"/>"#,
            &flow("f4", "cancel", "cancelled", ""),
            &flow("f5", "alarm", "note", ""),
            &flow("f6", "note", "noted", ""),
        ],
    )
}

#[test]
fn a_receive_task_subscribes_with_its_boundaries_and_completing_it_unsubscribes_them() {
    let p = receive_with_boundaries();
    let (recv, cancel, alarm) = (node(&p, "recv"), node(&p, "cancel"), node(&p, "alarm"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:recv"]);
    assert_eq!(
        actions(&effects),
        [
            subscribe(0, recv, SubscriptionKind::Message, "reply"),
            subscribe(1, cancel, SubscriptionKind::Message, "cancel"),
            subscribe(2, alarm, SubscriptionKind::Signal, "alarm"),
        ]
    );
    assert_eq!(active_activities(&p, &s), [(0, recv)]);
    assert_eq!(
        waiting_events(&p, &s),
        [(1, cancel, Some(SubscriptionKind::Message)), (2, alarm, Some(SubscriptionKind::Signal))]
    );

    // The non-interrupting signal fires twice: two new tokens, the task and the boundary wait on.
    let (s, effects) = ok(&p, s, deliver(2, json!({})), 1);
    assert_eq!(history_t(&effects), ["started:alarm#3", "ended:alarm#3", "started:note#3"]);
    assert_eq!(actions(&effects), [plain_task(3, node(&p, "note"))]);
    let (s, effects) = ok(&p, s, deliver(2, json!({})), 2);
    assert_eq!(history_t(&effects), ["started:alarm#4", "ended:alarm#4", "started:note#4"]);
    assert!(s.tokens.iter().any(|t| t.id == 2 && t.state == TokenState::WaitingSignal));

    let (s, effects) = ok(&p, s, deliver(0, json!({"answer": "yes"})), 3);
    assert_eq!(history(&effects), ["ended:recv", "started:after"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 0, node: recv },
            Effect::Unsubscribe { token: 1, node: cancel },
            Effect::Unsubscribe { token: 2, node: alarm },
            plain_task(0, node(&p, "after")),
        ]
    );
    assert_eq!(s.variables.get("answer"), Some(&json!("yes")));
    assert_eq!(s.tokens.len(), 3, "after, and the two notes");
}

#[test]
fn an_interrupting_message_boundary_cancels_the_receive_task() {
    let p = receive_with_boundaries();
    let (recv, cancel, alarm) = (node(&p, "recv"), node(&p, "cancel"), node(&p, "alarm"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, deliver(1, json!({"why": "late"})), 1);
    assert_eq!(
        history(&effects),
        ["cancelled:recv", "started:cancel", "ended:cancel", "started:cancelled", "ended:cancelled"]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: cancel },
            Effect::Unsubscribe { token: 0, node: recv },
            Effect::Unsubscribe { token: 2, node: alarm },
            Effect::InstanceCompleted,
        ]
    );
    assert!(s.ended);
    assert_eq!(s.variables.get("why"), Some(&json!("late")));
}

#[test]
fn a_message_boundary_on_a_sub_process_cancels_everything_inside() {
    let sub = r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/><bpmn:userTask id="inner"/><bpmn:endEvent id="s_end"/><bpmn:sequenceFlow id="sf1" sourceRef="s_start" targetRef="inner"/><bpmn:sequenceFlow id="sf2" sourceRef="inner" targetRef="s_end"/></bpmn:subProcess>"#;
    let p = around_defs(
        "sub",
        sub,
        &[
            &format!(r#"<bpmn:boundaryEvent id="cancel" attachedToRef="sub">{}</bpmn:boundaryEvent>"#, msg("m_cancel")),
            r#"<bpmn:endEvent id="cancelled"/>"#,
            &flow("f4", "cancel", "cancelled", ""),
        ],
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:sub", "started:s_start", "ended:s_start", "started:inner"]
    );
    assert_eq!(
        actions(&effects),
        [subscribe(1, node(&p, "cancel"), SubscriptionKind::Message, "cancel"), plain_task(2, node(&p, "inner"))]
    );
    let (s, effects) = ok(&p, s, deliver(1, json!({})), 1);
    assert_eq!(
        history(&effects),
        ["cancelled:sub", "cancelled:inner", "started:cancel", "ended:cancel", "started:cancelled", "ended:cancelled"]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: node(&p, "cancel") },
            Effect::CancelTask { token: 2, node: node(&p, "inner") },
            Effect::InstanceCompleted
        ]
    );
    assert!(s.ended);
}

#[test]
fn a_message_boundary_on_a_call_activity_cancels_the_child_and_completing_the_task_unsubscribes() {
    let p = around_defs(
        "call",
        r#"<bpmn:callActivity id="call" calledElement="billing"/>"#,
        &[
            &format!(
                r#"<bpmn:boundaryEvent id="cancel" attachedToRef="call">{}</bpmn:boundaryEvent>"#,
                msg("m_cancel")
            ),
            &flow("f4", "cancel", "end", ""),
        ],
    );
    let (call, cancel) = (node(&p, "call"), node(&p, "cancel"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (_, effects) = ok(&p, s.clone(), deliver(1, json!({})), 1);
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: cancel },
            Effect::CancelChild { token: 0, node: call },
            Effect::InstanceCompleted
        ]
    );
    let (_, effects) = ok(&p, s, Command::ChildCompleted { token: 0, variables: Map::new() }, 1);
    assert_eq!(actions(&effects), [Effect::Unsubscribe { token: 1, node: cancel }, plain_task(0, node(&p, "after"))]);
}

#[test]
fn boundary_kinds_that_do_not_run_are_reported_on_the_boundary() {
    let p = around_defs(
        "task",
        r#"<bpmn:userTask id="task"/>"#,
        &[
            r#"<bpmn:boundaryEvent id="cond" attachedToRef="task"><bpmn:conditionalEventDefinition><bpmn:condition>${x}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:boundaryEvent>"#,
        ],
    );
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "task"),
            message: "element `cond` (conditional boundary event) cannot be executed yet".into()
        }]
    );
}

// ----- event-based gateway ---------------------------------------------------------------------

/// start → gw; gw → reply (receive task) → after → end; gw → timeout (timer) → late → end;
/// gw → alarm (signal catch) → end.
fn race() -> Process {
    with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:eventBasedGateway id="gw"/>"#,
            r#"<bpmn:receiveTask id="reply" messageRef="m_reply"/>"#,
            &format!(
                r#"<bpmn:intermediateCatchEvent id="timeout">{}</bpmn:intermediateCatchEvent>"#,
                timer_def("timeDuration", "PT1H")
            ),
            &format!(r#"<bpmn:intermediateCatchEvent id="alarm">{}</bpmn:intermediateCatchEvent>"#, sig("s_alarm")),
            r#"<bpmn:userTask id="after"/><bpmn:userTask id="late"/><bpmn:endEvent id="end"/>"#,
            &flow("f1", "start", "gw", ""),
            &flow("f2", "gw", "reply", ""),
            &flow("f3", "gw", "timeout", ""),
            &flow("f4", "gw", "alarm", ""),
            &flow("f5", "reply", "after", ""),
            &flow("f6", "timeout", "late", ""),
            &flow("f7", "alarm", "end", ""),
            &flow("f8", "after", "end", ""),
            &flow("f9", "late", "end", ""),
        ]
        .join("\n"),
        DEFS,
    )
}

#[test]
fn an_event_based_gateway_waits_for_all_its_events() {
    let p = race();
    let (gw, reply, timeout, alarm) = (node(&p, "gw"), node(&p, "reply"), node(&p, "timeout"), node(&p, "alarm"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:gw"]);
    assert_eq!(
        actions(&effects),
        [
            subscribe(1, reply, SubscriptionKind::Message, "reply"),
            Effect::ScheduleTimer { token: 2, node: timeout, kind: TimerKind::Duration, definition: "PT1H".into() },
            subscribe(3, alarm, SubscriptionKind::Signal, "alarm"),
        ]
    );
    assert_eq!(s.tokens[0], tok(0, gw, None, TokenState::WaitingEvent));
    assert_eq!(s.tokens[1].attached_to, Some(0));
    assert_eq!(active_activities(&p, &s), [(0, gw)]);
    assert_eq!(
        waiting_events(&p, &s),
        [(2, timeout, None), (3, alarm, Some(SubscriptionKind::Signal))],
        "the receive task is an activity, not an event"
    );
}

#[test]
fn the_message_wins_the_race_and_cancels_the_timer() {
    let p = race();
    let (gw, timeout, alarm) = (node(&p, "gw"), node(&p, "timeout"), node(&p, "alarm"));
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, deliver(1, json!({"ok": true})), 1);
    assert_eq!(history_t(&effects), ["ended:gw#0", "started:reply#1", "ended:reply#1", "started:after#1"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: node(&p, "reply") },
            Effect::CancelTimer { token: 2, node: timeout },
            Effect::Unsubscribe { token: 3, node: alarm },
            plain_task(1, node(&p, "after")),
        ]
    );
    assert_eq!(s.tokens, [tok(1, node(&p, "after"), None, TokenState::WaitingTask)]);
    assert_eq!(s.variables.get("ok"), Some(&json!(true)));
    let _ = gw;
}

#[test]
fn the_timer_wins_the_race_and_cancels_the_subscriptions() {
    let p = race();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (s, effects) = ok(&p, s, Command::FireTimer { token: 2 }, 1);
    assert_eq!(history_t(&effects), ["ended:gw#0", "started:timeout#2", "ended:timeout#2", "started:late#2"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: node(&p, "reply") },
            Effect::Unsubscribe { token: 3, node: node(&p, "alarm") },
            plain_task(2, node(&p, "late")),
        ]
    );
    assert_eq!(s.tokens.len(), 1);
    // The losers are gone: a late message is refused.
    assert_eq!(step(&p, s, deliver(1, json!({})), 2), Err(RuntimeError::UnknownToken { token: 1 }));
}

#[test]
fn moving_away_from_an_event_based_gateway_drops_its_events() {
    let p = race();
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let cmd = Command::Move { tokens: vec![0], to: node(&p, "alarm"), reason: EndReason::Moved };
    let (s, effects) = ok(&p, s, cmd, 1);
    assert_eq!(history_t(&effects), ["moved:gw#0", "started:alarm#4"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::Unsubscribe { token: 1, node: node(&p, "reply") },
            Effect::CancelTimer { token: 2, node: node(&p, "timeout") },
            Effect::Unsubscribe { token: 3, node: node(&p, "alarm") },
            subscribe(4, node(&p, "alarm"), SubscriptionKind::Signal, "alarm"),
        ]
    );
    assert_eq!(s.tokens, [tok(4, node(&p, "alarm"), None, TokenState::WaitingSignal)]);
    // And moving out of a catch event unsubscribes it.
    let cmd = Command::Move { tokens: vec![4], to: node(&p, "late"), reason: EndReason::Moved };
    let (_, effects) = ok(&p, s, cmd, 2);
    assert_eq!(history_t(&effects), ["moved:alarm#4", "started:late#5"]);
    assert_eq!(
        actions(&effects),
        [Effect::Unsubscribe { token: 4, node: node(&p, "alarm") }, plain_task(5, node(&p, "late"))]
    );
}

#[test]
fn an_event_based_gateway_before_a_task_is_an_incident() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:eventBasedGateway id="gw"/><bpmn:userTask id="task"/>"#,
            &flow("f1", "start", "gw", ""),
            &flow("f2", "gw", "task", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "gw"),
            message: "element `gw`: an event-based gateway may lead only to timer, message and signal catch events \
                      and receive tasks, not to `task`"
                .into()
        }]
    );
}

// ----- throw events and send tasks -------------------------------------------------------------

#[test]
fn signal_and_message_throw_events_broadcast_and_record_then_pass_on() {
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            &format!(r#"<bpmn:intermediateThrowEvent id="shout">{}</bpmn:intermediateThrowEvent>"#, sig("s_alarm")),
            &format!(r#"<bpmn:intermediateThrowEvent id="tell">{}</bpmn:intermediateThrowEvent>"#, msg("m_paid")),
            r#"<bpmn:sendTask id="send"/>"#,
            r#"<bpmn:sendTask id="http" camunda:class="org.example.Send"/>"#,
            &format!(r#"<bpmn:endEvent id="end">{}</bpmn:endEvent>"#, sig("s_alarm")),
            &flow("f1", "start", "shout", ""),
            &flow("f2", "shout", "tell", ""),
            &flow("f3", "tell", "send", ""),
            &flow("f4", "send", "http", ""),
            &flow("f5", "http", "end", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"orderId": 5})), 0);
    assert_eq!(
        history(&effects),
        [
            "started:start",
            "ended:start",
            "started:shout",
            "ended:shout",
            "started:tell",
            "ended:tell",
            "started:send",
            "ended:send",
            "started:http"
        ]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::BroadcastSignal { token: 0, node: node(&p, "shout"), name: "alarm".into() },
            Effect::MessageThrown { token: 0, node: node(&p, "tell"), name: Some("5-paid".into()) },
            Effect::MessageThrown { token: 0, node: node(&p, "send"), name: None },
            Effect::CallService { token: 0, node: node(&p, "http") },
        ]
    );
    assert_eq!(s.tokens, [tok(0, node(&p, "http"), None, TokenState::WaitingService)]);
    let (s, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:http", "started:end", "ended:end"]);
    assert_eq!(
        actions(&effects),
        [Effect::BroadcastSignal { token: 0, node: node(&p, "end"), name: "alarm".into() }, Effect::InstanceCompleted]
    );
    assert!(s.ended);
}

#[test]
fn message_throw_and_end_events_with_an_implementation_run_as_service_calls() {
    let connector = r#"<bpmn:messageEventDefinition messageRef="m_reply"><bpmn:extensionElements>
<camunda:connector><camunda:inputOutput><camunda:inputParameter name="url">https://example.org/reply</camunda:inputParameter>
</camunda:inputOutput><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>
</bpmn:extensionElements></bpmn:messageEventDefinition>"#;
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/>"#,
            r#"<bpmn:intermediateThrowEvent id="notify"><bpmn:messageEventDefinition messageRef="m_paid" camunda:class="org.example.Notify"/></bpmn:intermediateThrowEvent>"#,
            r#"<bpmn:intermediateThrowEvent id="ext"><bpmn:messageEventDefinition messageRef="m_cancel" camunda:type="external" camunda:topic="t"/></bpmn:intermediateThrowEvent>"#,
            &format!(r#"<bpmn:endEvent id="reply">{connector}</bpmn:endEvent>"#),
            &flow("f1", "start", "notify", ""),
            &flow("f2", "notify", "ext", ""),
            &flow("f3", "ext", "reply", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"orderId": 5})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:notify"]);
    assert_eq!(actions(&effects), [Effect::CallService { token: 0, node: node(&p, "notify") }]);
    assert_eq!(s.tokens, [tok(0, node(&p, "notify"), None, TokenState::WaitingService)]);
    // The call's answer moves the token on; an external topic waits for its worker like a
    // call; its completion moves on to the end event with a connector, which calls in turn.
    let (s, effects) = ok(&p, s, complete(0, json!({"sent": true})), 1);
    assert_eq!(history(&effects), ["ended:notify", "started:ext"]);
    assert_eq!(actions(&effects), [Effect::CallService { token: 0, node: node(&p, "ext") }]);
    let (s, effects) = ok(&p, s, complete(0, json!({})), 2);
    assert_eq!(history(&effects), ["ended:ext", "started:reply"]);
    assert_eq!(actions(&effects), [Effect::CallService { token: 0, node: node(&p, "reply") }]);
    assert_eq!(s.tokens, [tok(0, node(&p, "reply"), None, TokenState::WaitingService)]);
    assert!(!s.ended);
    let (s, effects) = ok(&p, s, complete(0, json!({})), 2);
    assert_eq!(history(&effects), ["ended:reply"]);
    assert_eq!(actions(&effects), [Effect::InstanceCompleted]);
    assert!(s.ended && s.tokens.is_empty());
    assert_eq!(s.variables.get("sent"), Some(&json!(true)));
}

#[test]
fn a_link_throw_jumps_to_the_catch_of_the_same_name() {
    let link = |name: &str| format!(r#"<bpmn:linkEventDefinition name="{name}"/>"#);
    let p = with_defs(
        &[
            r#"<bpmn:startEvent id="start"/><bpmn:userTask id="after"/>"#,
            &format!(r#"<bpmn:intermediateThrowEvent id="go">{}</bpmn:intermediateThrowEvent>"#, link("B")),
            &format!(r#"<bpmn:intermediateCatchEvent id="landA">{}</bpmn:intermediateCatchEvent>"#, link("A")),
            &format!(r#"<bpmn:intermediateCatchEvent id="landB">{}</bpmn:intermediateCatchEvent>"#, link("B")),
            &format!(r#"<bpmn:intermediateThrowEvent id="nowhere">{}</bpmn:intermediateThrowEvent>"#, link("Z")),
            &flow("f1", "start", "go", ""),
            &flow("f2", "landB", "after", ""),
            &flow("f3", "landA", "nowhere", ""),
            &flow("f4", "after", "landA", ""),
        ]
        .join("\n"),
        DEFS,
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history(&effects),
        ["started:start", "ended:start", "started:go", "ended:go", "started:landb", "ended:landb", "started:after"]
    );
    let (_, effects) = ok(&p, s, complete(0, json!({})), 1);
    assert_eq!(history(&effects), ["ended:after", "started:landa", "ended:landa", "started:nowhere"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "nowhere"),
            message: "element `nowhere`: no link catch event named `Z` in the same scope".into()
        }]
    );
}

#[test]
fn an_escalation_nothing_catches_is_reported_and_the_token_goes_on() {
    let p = around_defs(
        "esc",
        r#"<bpmn:intermediateThrowEvent id="esc"><bpmn:escalationEventDefinition escalationRef="x_late"/></bpmn:intermediateThrowEvent>"#,
        &[],
    );
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(history(&effects), ["started:start", "ended:start", "started:esc", "ended:esc", "started:after"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::UncaughtEscalation { token: 0, node: node(&p, "esc"), code: Some("LATE".into()) },
            plain_task(0, node(&p, "after")),
        ]
    );
    assert_eq!(s.tokens.len(), 1);
}
