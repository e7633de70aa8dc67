//! Helpers shared by the engine's scenario tests: a process file around a body of elements,
//! deployment to the default tenant, and the history as text.

use engine::deploy::DeploymentReport;
use engine::identity::Account;
use engine::Engine;

/// The start of every test file, with the Camunda and Flowable namespaces.
pub const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:flowable="http://flowable.org/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">"#;

pub fn sys() -> Account {
    Account::system()
}

pub fn flow(id: &str, from: &str, to: &str) -> String {
    format!(r#"<sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"/>"#)
}

/// Deploys `<process id=key>` holding `body` to the default tenant.
pub async fn deploy(e: &Engine, key: &str, body: &str) {
    let report = deploy_file(e, key, "", body).await;
    assert!(report.all_ok(), "{report:?}");
}

/// Deploys `<process id=key>` holding `body`, with `defs` (messages, errors) beside it, to the
/// default tenant; the report says how it went.
pub async fn deploy_file(e: &Engine, key: &str, defs: &str, body: &str) -> DeploymentReport {
    e.ensure_default_tenant().await.unwrap();
    let xml = format!(
        r#"{HEAD}{defs}<process id="{key}" name="{key} process" isExecutable="true">{body}</process></definitions>"#
    );
    e.deploy(&sys(), "default", None, vec![(format!("{key}.bpmn"), xml.into_bytes())], &Default::default())
        .await
        .unwrap()
}

/// The history as `activity:outcome` (outcome `-` while active), in order.
pub async fn history(e: &Engine, instance: &str) -> Vec<String> {
    let d = e.instance(&sys(), instance).await.unwrap();
    d.history.iter().map(|h| format!("{}:{}", h.activity_id, h.outcome.as_deref().unwrap_or("-"))).collect()
}
