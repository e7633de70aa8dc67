//! Which service implementations can run here: web calls (Flowable's HTTP task, Camunda's
//! http-connector, SOAP) and external tasks fetched by workers. Java code (`class`,
//! `delegateExpression`, `expression`) cannot: a service task, a send task or a message throw
//! event naming it is refused at deploy, with the two ways to make it run.

use crate::bpmn::model::{FlowNode, NodeKind, ServiceTask};
use crate::text::Text;

/// Why the service implementation of `node` cannot run, if it cannot.
pub(super) fn service_problem(node: &FlowNode) -> Option<Text> {
    let task = match &node.kind {
        NodeKind::ServiceTask(t) => t,
        NodeKind::SendTask(t) if t.names_implementation() => t,
        _ => node.message_service.as_deref()?,
    };
    if task.is_external() {
        return task.external_topic().is_none().then(|| Text::new("check.external_without_topic"));
    }
    let java = java_implementation(task)?;
    Some(Text::new("check.service_java").with("java", java))
}

/// The Java implementation a task names, as written (`class="org.Foo"`), unless something
/// runnable (a type, a connector) goes with it.
fn java_implementation(task: &ServiceTask) -> Option<String> {
    if task.task_type.is_some() || task.connector_id.is_some() {
        return None;
    }
    let named =
        [("class", &task.class), ("delegateExpression", &task.delegate_expression), ("expression", &task.expression)];
    named.into_iter().find_map(|(attr, value)| value.as_deref().map(|v| format!("{attr}=\"{}\"", v.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: NodeKind) -> FlowNode {
        FlowNode { tag: "serviceTask".into(), ..FlowNode::bare("n", None, kind) }
    }

    fn service(t: ServiceTask) -> FlowNode {
        node(NodeKind::ServiceTask(t))
    }

    #[test]
    fn java_implementations_are_refused_with_both_ways_out() {
        for (t, shown) in [
            (ServiceTask { class: Some("org.Foo".into()), ..Default::default() }, "class=\"org.Foo\""),
            (
                ServiceTask { delegate_expression: Some("${bean}".into()), ..Default::default() },
                "delegateExpression=\"${bean}\"",
            ),
            (
                ServiceTask { expression: Some("${svc.run()}".into()), ..Default::default() },
                "expression=\"${svc.run()}\"",
            ),
        ] {
            let why = service_problem(&service(t)).expect("refused").english();
            assert!(why.contains(shown), "{why}");
            assert!(why.contains("camunda:type=\"external\" camunda:topic") && why.contains("flowable:type=\"http\""));
        }
    }

    #[test]
    fn external_tasks_need_a_topic_and_web_calls_pass() {
        let ext = |topic: Option<&str>, ty: &str| ServiceTask {
            task_type: Some(ty.into()),
            topic: topic.map(Into::into),
            ..Default::default()
        };
        assert_eq!(service_problem(&service(ext(Some("pay"), "external"))), None);
        assert_eq!(service_problem(&service(ext(Some("pay"), "external-worker"))), None);
        assert!(service_problem(&service(ext(None, "external"))).is_some_and(|w| w.english().contains("camunda:topic")));
        assert!(service_problem(&service(ext(Some("  "), "external"))).is_some());
        assert_eq!(
            service_problem(&service(ServiceTask { task_type: Some("http".into()), ..Default::default() })),
            None
        );
        // A send task naming nothing passes through; naming a class it is refused.
        assert_eq!(service_problem(&node(NodeKind::SendTask(ServiceTask::default()))), None);
        let send = ServiceTask { class: Some("org.Send".into()), ..Default::default() };
        assert!(service_problem(&node(NodeKind::SendTask(send.clone()))).is_some());
        let mut throw = node(NodeKind::Task);
        throw.message_service = Some(Box::new(send));
        assert!(service_problem(&throw).is_some());
    }
}
