//! Multi-instance activities: parallel and sequential instances, collections and loop
//! cardinalities, completion conditions, local variables, boundary timers on the body, and
//! the incidents of a multi-instance activity that cannot run.

use serde_json::json;

use super::*;

/// An approval by everyone in `approvers`, done when half of them have approved.
const HALF_OF_APPROVERS: &str = r#"<bpmn:userTask id="approve" camunda:assignee="${assignee}">
  <bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}" camunda:elementVariable="assignee">
    <bpmn:completionCondition>${nrOfCompletedInstances/nrOfInstances >= 0.5}</bpmn:completionCondition>
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>"#;

fn counters(instances: u64, completed: u64, active: u64) -> Map<String, Value> {
    vars(json!({"nrOfInstances": instances, "nrOfCompletedInstances": completed, "nrOfActiveInstances": active}))
}

#[test]
fn parallel_instances_from_a_collection_until_the_completion_condition_holds() {
    let p = around("approve", HALF_OF_APPROVERS, &[]);
    let (approve, after) = (node(&p, "approve"), node(&p, "after"));
    let v = json!({"approvers": ["ann", "bob", "cid", "dan"], "assignee": "boss"});
    let (s, effects) = ok(&p, InstanceState::default(), start(v), 0);
    assert_eq!(
        history_t(&effects),
        [
            "started:start#0",
            "ended:start#0",
            "started:approve#0",
            "started:approve#1",
            "started:approve#2",
            "started:approve#3",
            "started:approve#4"
        ]
    );
    // The element variable shadows the instance variable of the same name.
    let names = ["ann", "bob", "cid", "dan"];
    assert_eq!(created(&effects), (1..=4).zip(names).map(|(t, n)| (t, Some(n.to_owned()))).collect::<Vec<_>>());
    assert_eq!(actions(&effects).len(), 4);
    let body = Token { vars: counters(4, 0, 4), ..tok(0, approve, None, TokenState::MultiInstanceBody) };
    let first = Token {
        vars: vars(json!({"loopCounter": 0, "assignee": "ann"})),
        ..tok(1, approve, Some(0), TokenState::WaitingTask)
    };
    assert_eq!(s.tokens[..2], [body, first]);
    assert_eq!(active_activities(&p, &s), [(0, approve)], "the body stands for its instances");

    let (s, effects) = ok(&p, s, complete(2, json!({"bobSays": "yes"})), 1);
    assert_eq!(history_t(&effects), ["ended:approve#2"]);
    assert!(actions(&effects).is_empty());
    assert_eq!(s.tokens[0].vars, counters(4, 1, 3));
    assert_eq!(s.variables.get("bobSays"), Some(&json!("yes")), "a new name goes to the instance");

    // Half are done: the other two instances are cancelled and the body leaves.
    let (s, effects) = ok(&p, s, complete(4, json!({"assignee": "zed"})), 2);
    assert_eq!(
        history_t(&effects),
        ["ended:approve#4", "cancelled:approve#1", "cancelled:approve#3", "ended:approve#0", "started:after#0"]
    );
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 1, node: approve },
            Effect::CancelTask { token: 3, node: approve },
            plain_task(0, after)
        ]
    );
    assert_eq!(s.variables.get("assignee"), Some(&json!("boss")), "a local name updates the local variable");
    assert_eq!(s.tokens, [tok(0, after, None, TokenState::WaitingTask)], "the body's counters stay behind");
}

#[test]
fn sequential_instances_from_a_loop_cardinality_run_one_after_the_other() {
    let sign = r#"<bpmn:userTask id="sign" camunda:assignee="clerk${loopCounter}">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>${copies}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>"#;
    let p = around("sign", sign, &[]);
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"copies": 3})), 0);
    assert_eq!(history_t(&effects), ["started:start#0", "ended:start#0", "started:sign#0", "started:sign#1"]);
    assert_eq!(created(&effects), [(1, Some("clerk0".into()))]);
    assert_eq!(s.tokens[0].vars, counters(3, 0, 1));

    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(history_t(&effects), ["ended:sign#1", "started:sign#2"]);
    assert_eq!(created(&effects), [(2, Some("clerk1".into()))]);
    assert_eq!(s.tokens[0].vars, counters(3, 1, 1));

    let (s, effects) = ok(&p, s, complete(2, json!({})), 2);
    assert_eq!(history_t(&effects), ["ended:sign#2", "started:sign#3"]);
    assert_eq!(created(&effects), [(3, Some("clerk2".into()))]);

    let (s, effects) = ok(&p, s, complete(3, json!({})), 3);
    assert_eq!(history_t(&effects), ["ended:sign#3", "ended:sign#0", "started:after#0"]);
    assert_eq!(created(&effects), [(0, None)]);
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn pass_through_instances_and_empty_collections() {
    let copy = r#"<bpmn:task id="copy"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>"#;
    let p = around("copy", copy, &[]);
    let (_, effects) = ok(&p, InstanceState::default(), start(json!({})), 0);
    assert_eq!(
        history_t(&effects)[2..],
        [
            "started:copy#0",
            "started:copy#1",
            "ended:copy#1",
            "started:copy#2",
            "ended:copy#2",
            "ended:copy#0",
            "started:after#0"
        ]
    );

    // An empty collection (here a plain variable name) or a cardinality of 0: the body
    // leaves at once.
    let plain = r#"<bpmn:userTask id="approve"><bpmn:multiInstanceLoopCharacteristics camunda:collection="approvers"/></bpmn:userTask>"#;
    let zero = r#"<bpmn:userTask id="approve"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"#;
    for (activity, v) in [(plain, json!({"approvers": []})), (zero, json!({"n": 0}))] {
        let p = around("approve", activity, &[]);
        let (s, effects) = ok(&p, InstanceState::default(), start(v), 0);
        assert_eq!(history_t(&effects)[2..], ["started:approve#0", "ended:approve#0", "started:after#0"]);
        assert_eq!(actions(&effects), [plain_task(0, node(&p, "after"))]);
        assert_eq!(s.tokens, [tok(0, node(&p, "after"), None, TokenState::WaitingTask)]);
    }
}

#[test]
fn a_boundary_timer_attaches_to_the_body() {
    let approve = r#"<bpmn:userTask id="approve" camunda:assignee="${assignee}"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}" camunda:elementVariable="assignee"/></bpmn:userTask>"#;
    let late = format!(
        r#"<bpmn:boundaryEvent id="late" attachedToRef="approve">{}</bpmn:boundaryEvent>"#,
        timer_def("timeDuration", "PT1H")
    );
    let p = around(
        "approve",
        approve,
        &[
            &late,
            r#"<bpmn:userTask id="escalate"/>"#,
            &flow("f4", "late", "escalate", ""),
            &flow("f5", "escalate", "end", ""),
        ],
    );
    let (node_of, late_node) = (node(&p, "approve"), node(&p, "late"));
    let (s, effects) = ok(&p, InstanceState::default(), start(json!({"approvers": ["ann", "bob"]})), 0);
    let actions_now = actions(&effects);
    assert_eq!(
        actions_now[0],
        Effect::ScheduleTimer { token: 1, node: late_node, kind: TimerKind::Duration, definition: "PT1H".into() }
    );
    assert_eq!(created(&effects), [(2, Some("ann".into())), (3, Some("bob".into()))]);
    assert_eq!(s.tokens[1].attached_to, Some(0), "the timer belongs to the body");

    let (s, effects) = ok(&p, s, complete(2, json!({})), 1);
    assert_eq!(history_t(&effects), ["ended:approve#2"]);
    assert!(actions(&effects).is_empty(), "the body's timer keeps running: {effects:?}");

    let (s, effects) = ok(&p, s, Command::FireTimer { token: 1 }, 2);
    assert_eq!(
        history_t(&effects),
        ["cancelled:approve#0", "cancelled:approve#3", "started:late#1", "ended:late#1", "started:escalate#1"]
    );
    assert_eq!(
        actions(&effects),
        [Effect::CancelTask { token: 3, node: node_of }, plain_task(1, node(&p, "escalate"))]
    );
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn a_collection_that_is_not_a_list_is_an_incident_and_a_retry_starts_the_instances() {
    let approve = r#"<bpmn:userTask id="approve" camunda:assignee="${assignee}"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}" camunda:elementVariable="assignee"/></bpmn:userTask>"#;
    let p = around("approve", approve, &[]);
    let approve = node(&p, "approve");
    let (mut s, effects) = ok(&p, InstanceState::default(), start(json!({"approvers": "ann"})), 0);
    assert_eq!(history_t(&effects)[2..], ["started:approve#0"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: approve,
            message: "element `approve`: expression `${approvers}`: a multi-instance collection must be a list, but this one is a string".into()
        }]
    );
    assert_eq!(s.tokens, [tok(0, approve, None, TokenState::Failed)]);
    assert_eq!(active_activities(&p, &s), [(0, approve)]);

    // An administrator fixes the variable and retries: the body is not started twice.
    s.variables.insert("approvers".into(), json!(["ann"]));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 1);
    assert_eq!(history_t(&effects), ["started:approve#1"]);
    assert_eq!(effects[0], Effect::ResolveIncident { token: 0 });
    assert_eq!(created(&effects), [(1, Some("ann".into()))]);
    assert_eq!(s.tokens[0].state, TokenState::MultiInstanceBody);
}

#[test]
fn bad_cardinalities_are_incidents() {
    let approve = r#"<bpmn:userTask id="approve"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"#;
    let p = around("approve", approve, &[]);
    let neither = r#"<bpmn:userTask id="approve"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>"#;
    let q = around("approve", neither, &[]);
    let cases = [
        (&p, json!({"n": "many"}), "element `approve`: expression `${n}`: a loop cardinality must be a whole number of at least 0, not `many`"),
        (&p, json!({"n": -1}), "element `approve`: expression `${n}`: a loop cardinality must be a whole number of at least 0, not a number"),
        (&p, json!({"n": 5000}), "element `approve`: the multi-instance activity would have 5000 instances; at most 1000 are allowed"),
        (&q, json!({}), "element `approve`: a multi-instance activity needs a loop cardinality or a collection"),
    ];
    for (p, v, message) in cases {
        let (s, effects) = ok(p, InstanceState::default(), start(v), 0);
        let approve = node(p, "approve");
        assert_eq!(actions(&effects), [Effect::Incident { token: 0, node: approve, message: message.into() }]);
        assert_eq!(s.tokens, [tok(0, approve, None, TokenState::Failed)]);
    }
}

#[test]
fn a_failing_completion_condition_stops_the_body_with_an_incident() {
    let approve = r#"<bpmn:userTask id="approve">
      <bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality>
        <bpmn:completionCondition>${verdict == 'stop'}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>"#;
    let p = around("approve", approve, &[]);
    let approve = node(&p, "approve");
    let (s, _) = ok(&p, InstanceState::default(), start(json!({})), 0);
    let (mut s, effects) = ok(&p, s, complete(1, json!({})), 1);
    // The body's element is still open: no second `started` entry for it.
    assert_eq!(history_t(&effects), ["ended:approve#1", "cancelled:approve#2"]);
    assert_eq!(
        actions(&effects),
        [
            Effect::CancelTask { token: 2, node: approve },
            Effect::Incident {
                token: 0,
                node: approve,
                message: "element `approve`: expression `${verdict == 'stop'}`: unknown variable `verdict`".into()
            }
        ]
    );
    assert_eq!(s.tokens.len(), 1);
    assert_eq!(s.tokens[0].state, TokenState::Failed);

    // Retried with the variable set, the activity runs again from its first instance.
    s.variables.insert("verdict".into(), json!("stop"));
    let (s, effects) = ok(&p, s, Command::Retry { token: 0 }, 2);
    assert_eq!(history_t(&effects), ["started:approve#3", "started:approve#4"]);
    assert_eq!(effects[0], Effect::ResolveIncident { token: 0 });
    let (_, effects) = ok(&p, s, complete(3, json!({})), 3);
    assert_eq!(history_t(&effects), ["ended:approve#3", "cancelled:approve#4", "ended:approve#0", "started:after#0"]);
}

#[test]
fn a_body_that_lost_its_counters_is_an_incident_not_a_panic() {
    let p = around("approve", HALF_OF_APPROVERS, &[]);
    let (mut s, _) = ok(&p, InstanceState::default(), start(json!({"approvers": ["ann"]})), 0);
    s.tokens[0].vars.clear();
    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "approve"),
            message: "element `approve`: the instance state is inconsistent (the multi-instance body has lost its counters); terminate the instance".into()
        }]
    );
    assert_eq!(s.tokens.len(), 1);
}

#[test]
fn a_sequential_collection_that_shrank_stops_the_body_with_an_incident() {
    let approve = r#"<bpmn:userTask id="approve" camunda:assignee="${assignee}"><bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${approvers}" camunda:elementVariable="assignee"/></bpmn:userTask>"#;
    let p = around("approve", approve, &[]);
    let (mut s, effects) = ok(&p, InstanceState::default(), start(json!({"approvers": ["ann", "bob"]})), 0);
    assert_eq!(created(&effects), [(1, Some("ann".into()))]);
    s.variables.insert("approvers".into(), json!(["ann"]));
    let (s, effects) = ok(&p, s, complete(1, json!({})), 1);
    assert_eq!(history_t(&effects), ["ended:approve#1"]);
    assert_eq!(
        actions(&effects),
        [Effect::Incident {
            token: 0,
            node: node(&p, "approve"),
            message: "element `approve`: the collection has fewer than the 2 elements it had at the start".into()
        }]
    );
    assert_eq!(s.tokens.len(), 1);
}
