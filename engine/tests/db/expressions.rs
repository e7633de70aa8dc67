//! Expressions in deployed processes on SQLite and PostgreSQL: JUEL method calls and
//! coercions choose gateway branches, `execution.…` reads the instance's own facts, and a
//! process whose expression does not parse cannot be started, with the element named.

use crate::common::{deploy, flow, history, sys};
use engine::db_test;
use engine::instances::{StartRequest, TaskState};
use engine::testing::TestDb;
use engine::Engine;
use serde_json::{json, Map, Value};

fn cond(id: &str, from: &str, to: &str, c: &str) -> String {
    format!(
        r#"<sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"><conditionExpression xsi:type="tFormalExpression">{c}</conditionExpression></sequenceFlow>"#
    )
}

/// start → route → big (assigned to the business key) | small, the flow to `big` guarded by
/// `condition`.
fn routed(condition: &str) -> String {
    [
        r#"<startEvent id="start"/><exclusiveGateway id="route" default="f_small"/>"#.to_string(),
        r#"<userTask id="big" camunda:assignee="${execution.processBusinessKey}"/><userTask id="small"/>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "route"),
        cond("f_big", "route", "big", condition),
        flow("f_small", "route", "small"),
        flow("f2", "big", "end"),
        flow("f3", "small", "end"),
    ]
    .concat()
}

/// Starts `key` with `variables` and business key `key-n`, and answers the instance and its
/// active tasks as (activity, assignee).
async fn start(e: &Engine, key: &str, n: u32, variables: Value) -> (String, Vec<(String, Option<String>)>) {
    let Value::Object(variables) = variables else { panic!("variables must be an object") };
    let req = StartRequest { business_key: Some(format!("{key}-{n}")), variables, ..Default::default() };
    let id = e.start_instance(&sys(), key, None, req).await.unwrap().id;
    let d = e.instance(&sys(), &id).await.unwrap();
    let tasks = d.tasks.into_iter().filter(|t| t.state == TaskState::Active).map(|t| (t.activity_id, t.assignee));
    (id, tasks.collect())
}

async fn juel_routes(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "amount", &routed("${execution.getVariable('amount') &gt; 1000}")).await;
    let (id, tasks) = start(e, "amount", 1, json!({"amount": 5000})).await;
    assert_eq!(tasks, [("big".to_owned(), Some("amount-1".to_owned()))]);
    assert_eq!(history(e, &id).await, ["start:completed", "route:completed", "big:-"]);
    // JUEL coerces a numeric text for the comparison; a missing variable reads as null.
    assert_eq!(
        start(e, "amount", 2, json!({"amount": "1500"})).await.1,
        [("big".to_owned(), Some("amount-2".to_owned()))]
    );
    assert_eq!(start(e, "amount", 3, json!({"amount": 999})).await.1, [("small".to_owned(), None)]);
    assert_eq!(start(e, "amount", 4, json!({})).await.1, [("small".to_owned(), None)]);

    // Flowable's variable functions, as ruoyi-vue-pro's designer writes them.
    let flowable =
        "${var:equals(approve, true) &amp;&amp; vars:getOrDefault(days, null) &gt; var:convertByType(days, 3)}";
    deploy(e, "leave", &routed(flowable)).await;
    assert_eq!(
        start(e, "leave", 1, json!({"approve": true, "days": 5})).await.1,
        [("big".to_owned(), Some("leave-1".to_owned()))]
    );
    assert_eq!(start(e, "leave", 2, json!({"approve": true, "days": 2})).await.1, [("small".to_owned(), None)]);
    assert_eq!(start(e, "leave", 3, json!({"approve": false, "days": 9})).await.1, [("small".to_owned(), None)]);
}
db_test!(juel_conditions_route_with_the_instances_facts, juel_routes);

async fn bad_expression(db: &TestDb) {
    let e = &db.engine;
    deploy(e, "typo", &routed("${execution.getVariabel('amount') &gt; 1000}")).await;
    let req = StartRequest { variables: Map::new(), ..Default::default() };
    let err = e.start_instance(&sys(), "typo", None, req).await.unwrap_err();
    assert_eq!(err.status(), 409, "{err}");
    let text = err.to_string();
    assert!(text.contains("f_big") && text.contains("getVariabel") && text.contains("at character"), "{text}");
}
db_test!(a_process_with_an_expression_that_does_not_parse_cannot_start, bad_expression);
