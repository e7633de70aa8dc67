//! Unit tests of the parser: one group per element kind, then namespaces, encodings and
//! `check_executable`. Refusals are tested in `tests/parse_errors.rs`.

use super::build::split_list;
use super::*;
use crate::bpmn::model::*;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:flowable="http://flowable.org/bpmn"
    xmlns:activiti="http://activiti.org/bpmn"
    xmlns:vendor="http://example.com/vendor"
    id="defs" name="Tests" targetNamespace="http://example.com/t" exporter="unit">
"#;

/// A file with `body` inside `<definitions>` (HEAD is 10 lines: body starts on line 11).
fn file(body: &str) -> String {
    format!("{HEAD}{body}\n</bpmn:definitions>\n")
}

/// A file with `body` inside `<process id="P">` (the process is on line 11, body from line 12).
fn process_file(body: &str) -> String {
    file(&format!("<bpmn:process id=\"P\" name=\"Proc\" isExecutable=\"true\">\n{body}\n</bpmn:process>"))
}

fn ok(xml: &str) -> Definitions {
    parse(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(xml: &str) -> ParseError {
    match parse(xml.as_bytes(), &ParseOptions::default()) {
        Ok(_) => panic!("parsed, but should not have"),
        Err(e) => e,
    }
}

fn node<'a>(def: &'a Definitions, id: &str) -> &'a FlowNode {
    match def.get(id) {
        Some(ElementRef::Node { process, node }) => &def.processes[process].nodes[node],
        other => panic!("{id} is {other:?}"),
    }
}

fn trigger(def: &Definitions, id: &str) -> EventTrigger {
    match &node(def, id).kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::EndEvent { trigger }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::IntermediateThrowEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => trigger.clone(),
        other => panic!("{id} is not an event: {other:?}"),
    }
}

fn user_task<'a>(def: &'a Definitions, id: &str) -> &'a UserTask {
    match &node(def, id).kind {
        NodeKind::UserTask(t) => t,
        other => panic!("{id} is {other:?}"),
    }
}

fn service_task<'a>(def: &'a Definitions, id: &str) -> &'a ServiceTask {
    match &node(def, id).kind {
        NodeKind::ServiceTask(t) => t,
        other => panic!("{id} is {other:?}"),
    }
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

// ----- events -------------------------------------------------------------------------------

#[test]
fn start_events_with_each_trigger() {
    let def = ok(&process_file(
        r#"
<bpmn:startEvent id="none"/>
<bpmn:startEvent id="date"><bpmn:timerEventDefinition><bpmn:timeDate>2030-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="duration"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"> PT5M </bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="cycle"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT10H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="message"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
<bpmn:startEvent id="signal"><bpmn:signalEventDefinition/></bpmn:startEvent>
<bpmn:startEvent id="conditional"><bpmn:conditionalEventDefinition><bpmn:condition>${x}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="multiple"><bpmn:messageEventDefinition/><bpmn:signalEventDefinition/></bpmn:startEvent>
<bpmn:subProcess id="esp" triggeredByEvent="true">
  <bpmn:startEvent id="errorStart" isInterrupting="false"><bpmn:errorEventDefinition errorRef="E1"/></bpmn:startEvent>
</bpmn:subProcess>"#,
    ));
    assert_eq!(trigger(&def, "none"), EventTrigger::None);
    assert_eq!(trigger(&def, "date"), EventTrigger::Timer(TimerDefinition::Date("2030-01-01T00:00:00Z".into())));
    assert_eq!(trigger(&def, "duration"), EventTrigger::Timer(TimerDefinition::Duration("PT5M".into())));
    assert_eq!(trigger(&def, "cycle"), EventTrigger::Timer(TimerDefinition::Cycle("R3/PT10H".into())));
    assert_eq!(trigger(&def, "message"), EventTrigger::Message { name: s("m") });
    assert_eq!(trigger(&def, "signal"), EventTrigger::Signal { name: None });
    assert_eq!(trigger(&def, "conditional"), EventTrigger::Conditional);
    assert_eq!(trigger(&def, "multiple"), EventTrigger::Multiple);
    assert_eq!(trigger(&def, "errorStart"), EventTrigger::Error { error_ref: s("E1"), code: s("E1") });
    assert!(matches!(node(&def, "errorStart").kind, NodeKind::StartEvent { interrupting: false, .. }));
    assert!(matches!(node(&def, "none").kind, NodeKind::StartEvent { interrupting: true, .. }));
    assert_eq!(node(&def, "none").tag, "startEvent");
}

#[test]
fn end_and_intermediate_events_with_each_trigger() {
    let def = ok(&process_file(
        r#"
<bpmn:endEvent id="end"/>
<bpmn:endEvent id="terminate"><bpmn:terminateEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="error"><bpmn:errorEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="escalation"><bpmn:escalationEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="cancel"><bpmn:cancelEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="compensate"><bpmn:compensateEventDefinition/></bpmn:endEvent>
<bpmn:intermediateCatchEvent id="catchTimer"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="catchLink"><bpmn:linkEventDefinition name="A"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="catchMessage"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateThrowEvent id="throwNone"/>
<bpmn:intermediateThrowEvent id="throwSignal"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>"#,
    ));
    assert_eq!(trigger(&def, "end"), EventTrigger::None);
    assert_eq!(trigger(&def, "terminate"), EventTrigger::Terminate);
    assert_eq!(trigger(&def, "error"), EventTrigger::Error { error_ref: None, code: None });
    assert_eq!(trigger(&def, "escalation"), EventTrigger::Escalation { code: None });
    assert_eq!(trigger(&def, "cancel"), EventTrigger::Cancel);
    assert_eq!(trigger(&def, "compensate"), EventTrigger::Compensate);
    assert_eq!(trigger(&def, "catchTimer"), EventTrigger::Timer(TimerDefinition::Duration("PT1H".into())));
    assert_eq!(trigger(&def, "catchLink"), EventTrigger::Link { name: s("A") });
    assert_eq!(trigger(&def, "catchMessage"), EventTrigger::Message { name: None });
    assert_eq!(trigger(&def, "throwNone"), EventTrigger::None);
    assert_eq!(trigger(&def, "throwSignal"), EventTrigger::Signal { name: None });
    assert!(matches!(node(&def, "throwNone").kind, NodeKind::IntermediateThrowEvent { .. }));
}

#[test]
fn event_definition_ref_resolves_root_level_definitions() {
    let def = ok(&file(
        r#"<bpmn:timerEventDefinition id="everyHour"><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>
<bpmn:process id="P"><bpmn:startEvent id="s"><bpmn:eventDefinitionRef>everyHour</bpmn:eventDefinitionRef></bpmn:startEvent></bpmn:process>"#,
    ));
    assert_eq!(trigger(&def, "s"), EventTrigger::Timer(TimerDefinition::Cycle("R/PT1H".into())));
    let e = err(&file(
        r#"<bpmn:process id="P"><bpmn:startEvent id="s"><bpmn:eventDefinitionRef>nowhere</bpmn:eventDefinitionRef></bpmn:startEvent></bpmn:process>"#,
    ));
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!(e.element_id.as_deref(), Some("s"));
}

#[test]
fn boundary_events_attach_to_their_activity() {
    let def = ok(&process_file(
        r#"
<bpmn:userTask id="review"/>
<bpmn:boundaryEvent id="late" attachedToRef="review" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="fail" attachedToRef="review"><bpmn:errorEventDefinition errorRef="Err"/></bpmn:boundaryEvent>
<bpmn:subProcess id="sub">
  <bpmn:serviceTask id="inner"/>
  <bpmn:boundaryEvent id="innerTimer" attachedToRef="inner"><bpmn:timerEventDefinition><bpmn:timeDate>2030-01-01</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>
</bpmn:subProcess>"#,
    ));
    let review = def.processes[0].node_index("review");
    match &node(&def, "late").kind {
        NodeKind::BoundaryEvent { attached_to, cancel_activity, trigger } => {
            assert_eq!(Some(*attached_to), review);
            assert!(!cancel_activity);
            assert!(matches!(trigger, EventTrigger::Timer(TimerDefinition::Duration(d)) if d == "P1D"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(node(&def, "fail").kind, NodeKind::BoundaryEvent { cancel_activity: true, .. }));
    let inner = def.processes[0].node_index("inner");
    let sub = def.processes[0].node_index("sub");
    assert!(
        matches!(node(&def, "innerTimer").kind, NodeKind::BoundaryEvent { attached_to, .. } if Some(attached_to) == inner)
    );
    assert_eq!(node(&def, "innerTimer").scope, sub);
}

#[test]
fn boundary_event_on_a_gateway_is_refused() {
    let e = err(&process_file(
        r#"<bpmn:exclusiveGateway id="gw"/>
<bpmn:boundaryEvent id="b" attachedToRef="gw"/>"#,
    ));
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert_eq!(e.line, Some(13));
    assert!(e.message.contains("activities"), "{}", e.message);
}

// ----- tasks --------------------------------------------------------------------------------

#[test]
fn user_task_with_camunda_attributes() {
    let def = ok(&process_file(
        r#"<bpmn:userTask id="t" name="Approve" camunda:assignee="${initiator}" camunda:candidateUsers="anna, bob ,, carl"
    camunda:candidateGroups=" managers,accounting " camunda:dueDate="${due}" camunda:priority="50"
    camunda:formKey="embedded:app:forms/approve.html" camunda:asyncBefore="true"/>"#,
    ));
    let t = user_task(&def, "t");
    assert_eq!(t.assignee, s("${initiator}"));
    assert_eq!(t.candidate_users, ["anna", "bob", "carl"]);
    assert_eq!(t.candidate_groups, ["managers", "accounting"]);
    assert_eq!(t.due_date, s("${due}"));
    assert_eq!(t.priority, s("50"));
    assert_eq!(t.form_key, s("embedded:app:forms/approve.html"));
    assert!(node(&def, "t").async_before);
    assert_eq!(node(&def, "t").name, s("Approve"));
}

#[test]
fn user_task_with_flowable_and_activiti_attributes() {
    let def = ok(&process_file(
        r#"<bpmn:userTask id="f" flowable:assignee="kermit" flowable:candidateGroups="management" flowable:formKey="f1" flowable:async="true" flowable:dueDate="PT2H" flowable:priority="10"/>
<bpmn:userTask id="a" activiti:candidateUsers="gonzo,fozzie" activiti:formKey="a1"/>"#,
    ));
    let f = user_task(&def, "f");
    assert_eq!(f.assignee, s("kermit"));
    assert_eq!(f.candidate_groups, ["management"]);
    assert_eq!(f.form_key, s("f1"));
    assert_eq!(f.due_date, s("PT2H"));
    assert_eq!(f.priority, s("10"));
    assert!(node(&def, "f").async_before);
    let a = user_task(&def, "a");
    assert_eq!(a.candidate_users, ["gonzo", "fozzie"]);
    assert_eq!(a.form_key, s("a1"));
    assert!(!node(&def, "a").async_before);
}

#[test]
fn user_task_with_standard_potential_owner_and_human_performer() {
    let def = ok(&process_file(
        r#"<bpmn:userTask id="po">
  <bpmn:potentialOwner><bpmn:resourceAssignmentExpression>
    <bpmn:formalExpression>user(kermit), group(management), fozzie, ${users.pick(a, b)}</bpmn:formalExpression>
  </bpmn:resourceAssignmentExpression></bpmn:potentialOwner>
</bpmn:userTask>
<bpmn:userTask id="hp">
  <bpmn:humanPerformer><bpmn:resourceAssignmentExpression><bpmn:formalExpression>user(gonzo)</bpmn:formalExpression></bpmn:resourceAssignmentExpression></bpmn:humanPerformer>
</bpmn:userTask>
<bpmn:userTask id="both" camunda:assignee="anna">
  <bpmn:humanPerformer><bpmn:resourceAssignmentExpression><bpmn:formalExpression>bob</bpmn:formalExpression></bpmn:resourceAssignmentExpression></bpmn:humanPerformer>
</bpmn:userTask>"#,
    ));
    let po = user_task(&def, "po");
    assert_eq!(po.candidate_users, ["kermit", "fozzie", "${users.pick(a, b)}"]);
    assert_eq!(po.candidate_groups, ["management"]);
    assert_eq!(po.assignee, None);
    assert_eq!(user_task(&def, "hp").assignee, s("gonzo"));
    // The engine attribute wins over the standard notation.
    assert_eq!(user_task(&def, "both").assignee, s("anna"));
}

#[test]
fn service_task_with_camunda_connector_and_io() {
    let def = ok(&process_file(
        r###"<bpmn:serviceTask id="http" name="Call" camunda:asyncBefore="true">
  <bpmn:extensionElements>
    <camunda:connector>
      <camunda:inputOutput>
        <camunda:inputParameter name="url">https://example.com/api?a=1&amp;b=2</camunda:inputParameter>
        <camunda:inputParameter name="method">POST</camunda:inputParameter>
        <camunda:outputParameter name="status">${statusCode}</camunda:outputParameter>
      </camunda:inputOutput>
      <camunda:connectorId>http-connector</camunda:connectorId>
    </camunda:connector>
    <camunda:inputOutput>
      <camunda:inputParameter name="script"><camunda:script scriptFormat="js">1 + 1</camunda:script></camunda:inputParameter>
    </camunda:inputOutput>
    <camunda:failedJobRetryTimeCycle>R5/PT1M</camunda:failedJobRetryTimeCycle>
    <vendor:whatever><bpmn:task id="ignoredInsideForeign"/></vendor:whatever>
  </bpmn:extensionElements>
</bpmn:serviceTask>
<bpmn:serviceTask id="cls" camunda:class="org.example.Delegate" camunda:failedJobRetryTimeCycle="R3/PT5M" implementation="##WebService"/>
<bpmn:serviceTask id="ext" camunda:type="external" camunda:expression="${svc.run()}"/>"###,
    ));
    let t = service_task(&def, "http");
    assert_eq!(t.connector_id, s("http-connector"));
    assert_eq!(
        t.input_parameters,
        [
            ("url".to_owned(), "https://example.com/api?a=1&b=2".to_owned()),
            ("method".to_owned(), "POST".to_owned()),
            ("script".to_owned(), "1 + 1".to_owned()),
        ]
    );
    assert_eq!(t.output_parameters, [("status".to_owned(), "${statusCode}".to_owned())]);
    assert_eq!(t.retry_time_cycle, s("R5/PT1M"));
    assert!(node(&def, "http").async_before);
    assert!(def.get("ignoredInsideForeign").is_none());
    let c = service_task(&def, "cls");
    assert_eq!(c.class, s("org.example.Delegate"));
    assert_eq!(c.retry_time_cycle, s("R3/PT5M"));
    assert_eq!(c.implementation, s("##WebService"));
    let e = service_task(&def, "ext");
    assert_eq!(e.task_type, s("external"));
    assert_eq!(e.expression, s("${svc.run()}"));
}

#[test]
fn message_throw_and_end_events_read_the_implementation_of_their_definition() {
    let def = ok(&process_file(
        r#"<bpmn:intermediateThrowEvent id="cls"><bpmn:messageEventDefinition camunda:class="org.example.Send" camunda:asyncAfter="true"/></bpmn:intermediateThrowEvent>
<bpmn:endEvent id="http"><bpmn:messageEventDefinition><bpmn:extensionElements>
<camunda:connector><camunda:inputOutput><camunda:inputParameter name="url">https://example.org</camunda:inputParameter></camunda:inputOutput>
<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>
<camunda:executionListener event="start" class="x"/>
</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:endEvent>
<bpmn:intermediateThrowEvent id="ext"><bpmn:messageEventDefinition camunda:type="external" camunda:topic="t"/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="plain"><bpmn:messageEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition camunda:class="org.example.Nope"/></bpmn:intermediateCatchEvent>"#,
    ));
    let cls = node(&def, "cls");
    assert_eq!(cls.message_service.as_ref().and_then(|t| t.class.as_deref()), Some("org.example.Send"));
    assert_eq!(cls.ignored, ["attribute of the messageEventDefinition (camunda:asyncAfter)"]);
    let http = node(&def, "http");
    let t = http.message_service.as_deref().expect("the connector is read");
    assert_eq!(t.connector_id.as_deref(), Some("http-connector"));
    assert_eq!(t.input_parameters, [("url".to_owned(), "https://example.org".to_owned())]);
    assert_eq!(http.ignored, ["execution listener (camunda:executionListener)"]);
    // An external topic makes the event an external task.
    let ext = node(&def, "ext");
    assert_eq!(ext.message_service.as_deref().and_then(|t| t.external_topic()), Some("t"));
    assert!(ext.ignored.is_empty(), "{:?}", ext.ignored);
    assert_eq!(node(&def, "plain").message_service, None);
    // A catch event waits for its message: an implementation there is not read.
    let catch = node(&def, "catch");
    assert_eq!(catch.message_service, None);
    assert_eq!(catch.ignored, ["attribute of the messageEventDefinition (camunda:class)"]);
}

#[test]
fn service_task_with_flowable_and_activiti_fields() {
    let def = ok(&process_file(
        r#"<bpmn:serviceTask id="f" flowable:type="http" flowable:async="true">
  <bpmn:extensionElements>
    <flowable:field name="requestMethod"><flowable:string><![CDATA[ GET ]]></flowable:string></flowable:field>
    <flowable:field name="requestUrl"><flowable:expression>${baseUrl}/orders</flowable:expression></flowable:field>
    <flowable:field name="plain" stringValue="v1"/>
    <flowable:field name="expr" expression="${a}"/>
    <flowable:failedJobRetryTimeCycle>R2/PT10S</flowable:failedJobRetryTimeCycle>
  </bpmn:extensionElements>
</bpmn:serviceTask>
<bpmn:serviceTask id="a" activiti:class="org.Foo" activiti:delegateExpression="${bean}">
  <bpmn:extensionElements><activiti:field name="x"><activiti:string>y</activiti:string></activiti:field></bpmn:extensionElements>
</bpmn:serviceTask>"#,
    ));
    let f = service_task(&def, "f");
    assert_eq!(f.task_type, s("http"));
    assert_eq!(
        f.fields,
        [
            ("requestMethod".to_owned(), "GET".to_owned()),
            ("requestUrl".to_owned(), "${baseUrl}/orders".to_owned()),
            ("plain".to_owned(), "v1".to_owned()),
            ("expr".to_owned(), "${a}".to_owned()),
        ]
    );
    assert_eq!(f.retry_time_cycle, s("R2/PT10S"));
    assert!(node(&def, "f").async_before);
    let a = service_task(&def, "a");
    assert_eq!(a.class, s("org.Foo"));
    assert_eq!(a.delegate_expression, s("${bean}"));
    assert_eq!(a.fields, [("x".to_owned(), "y".to_owned())]);
}

#[test]
fn other_task_kinds_and_call_activity() {
    let def = ok(&process_file(
        r#"<bpmn:task id="t"/><bpmn:manualTask id="m"/><bpmn:scriptTask id="sc"><bpmn:script>1</bpmn:script></bpmn:scriptTask>
<bpmn:sendTask id="se"/><bpmn:receiveTask id="re"/><bpmn:businessRuleTask id="br"/>
<bpmn:callActivity id="ca" calledElement="other-process"/>"#,
    ));
    assert_eq!(node(&def, "t").kind, NodeKind::Task);
    assert_eq!(node(&def, "m").kind, NodeKind::ManualTask);
    assert!(matches!(&node(&def, "sc").kind, NodeKind::ScriptTask(t) if t.script.source == "1"));
    assert_eq!(node(&def, "se").kind, NodeKind::SendTask(Default::default()));
    assert_eq!(node(&def, "re").kind, NodeKind::ReceiveTask { message: None });
    assert_eq!(node(&def, "br").kind, NodeKind::BusinessRuleTask);
    assert_eq!(
        node(&def, "ca").kind,
        NodeKind::CallActivity { called_element: s("other-process"), call: Box::default() }
    );
}

#[test]
fn multi_instance_parallel_and_sequential() {
    let def = ok(&process_file(
        r#"<bpmn:userTask id="par">
  <bpmn:multiInstanceLoopCharacteristics camunda:collection="${reviewers}" camunda:elementVariable="reviewer">
    <bpmn:completionCondition xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${nrOfCompletedInstances >= 2}</bpmn:completionCondition>
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>
<bpmn:serviceTask id="seq">
  <bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
</bpmn:serviceTask>
<bpmn:subProcess id="std">
  <bpmn:multiInstanceLoopCharacteristics isSequential="false">
    <bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>
    <bpmn:inputDataItem id="item1" name="item"/>
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:subProcess>
<bpmn:task id="plain"/>"#,
    ));
    assert_eq!(
        node(&def, "par").multi_instance,
        Some(MultiInstance {
            sequential: false,
            collection: s("${reviewers}"),
            element_variable: s("reviewer"),
            cardinality: None,
            completion_condition: s("${nrOfCompletedInstances >= 2}"),
        })
    );
    assert_eq!(
        node(&def, "seq").multi_instance,
        Some(MultiInstance { sequential: true, cardinality: s("3"), ..MultiInstance::default() })
    );
    let std = node(&def, "std").multi_instance.clone().expect("multi-instance");
    assert_eq!(std.collection, s("items"));
    assert_eq!(std.element_variable, s("item"));
    assert_eq!(node(&def, "plain").multi_instance, None);
}

// ----- gateways and flows -------------------------------------------------------------------

#[test]
fn gateways_with_default_flow_and_conditions() {
    let def = ok(&process_file(
        r#"<bpmn:startEvent id="s"/>
<bpmn:exclusiveGateway id="xor" default="f_else"><bpmn:incoming>wrong</bpmn:incoming></bpmn:exclusiveGateway>
<bpmn:task id="big"/><bpmn:task id="small"/>
<bpmn:inclusiveGateway id="or" default="f_or2"/>
<bpmn:parallelGateway id="and"/><bpmn:eventBasedGateway id="evt"/><bpmn:complexGateway id="cx"/>
<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="xor"/>
<bpmn:sequenceFlow id="f_big" name="big" sourceRef="xor" targetRef="big">
  <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><![CDATA[ ${amount > 1000} ]]></bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_else" sourceRef="xor" targetRef="small"/>
<bpmn:sequenceFlow id="f_or1" sourceRef="or" targetRef="and"><bpmn:conditionExpression>${a &lt; b &amp;&amp; c}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_or2" sourceRef="or" targetRef="evt"/>"#,
    ));
    let p = &def.processes[0];
    let xor = node(&def, "xor");
    assert_eq!(xor.kind, NodeKind::ExclusiveGateway);
    assert_eq!(xor.default_flow.map(|f| p.flows[f].id.as_str()), Some("f_else"));
    // From the flows, not from the <incoming> child.
    assert_eq!(xor.incoming.iter().map(|&f| p.flows[f].id.as_str()).collect::<Vec<_>>(), ["f0"]);
    assert_eq!(xor.outgoing.iter().map(|&f| p.flows[f].id.as_str()).collect::<Vec<_>>(), ["f_big", "f_else"]);
    let big = &p.flows[xor.outgoing[0]];
    assert_eq!(big.condition, s("${amount > 1000}"));
    assert_eq!(big.name, s("big"));
    assert_eq!(p.nodes[big.source].id, "xor");
    assert_eq!(p.nodes[big.target].id, "big");
    assert_eq!(p.flows[xor.outgoing[1]].condition, None);
    let or = node(&def, "or");
    assert_eq!(or.kind, NodeKind::InclusiveGateway);
    assert_eq!(p.flows[or.outgoing[0]].condition, s("${a < b && c}"));
    assert_eq!(or.default_flow, Some(or.outgoing[1]));
    assert_eq!(node(&def, "and").kind, NodeKind::ParallelGateway);
    assert_eq!(node(&def, "evt").kind, NodeKind::EventBasedGateway);
    assert_eq!(node(&def, "cx").kind, NodeKind::ComplexGateway);
    assert!(node(&def, "cx").incoming.is_empty() && node(&def, "cx").outgoing.is_empty());
}

#[test]
fn default_flow_that_does_not_leave_the_gateway_is_refused() {
    let e = err(&process_file(
        r#"<bpmn:task id="a"/><bpmn:task id="b"/><bpmn:exclusiveGateway id="gw" default="f"/>
<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"/>"#,
    ));
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert_eq!(e.element_id.as_deref(), Some("gw"));
}

#[test]
fn sequence_flow_to_a_node_of_another_process_is_refused() {
    let e = err(&file(
        r#"<bpmn:process id="A"><bpmn:task id="a"/></bpmn:process>
<bpmn:process id="B"><bpmn:task id="b"/>
<bpmn:sequenceFlow id="cross" sourceRef="b" targetRef="a"/></bpmn:process>"#,
    ));
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!(e.element_id.as_deref(), Some("cross"));
    assert_eq!(e.line, Some(13));
    assert!(e.message.contains("\"a\"") && e.message.contains("\"B\""), "{}", e.message);
}

// ----- sub-processes, lanes, collaboration, artifacts ---------------------------------------

#[test]
fn sub_process_scopes_nest_at_any_depth() {
    let def = ok(&process_file(
        r#"<bpmn:startEvent id="s"/>
<bpmn:subProcess id="sub">
  <bpmn:startEvent id="s1"/>
  <bpmn:transaction id="tx">
    <bpmn:adHocSubProcess id="adhoc">
      <bpmn:task id="deep"/>
      <bpmn:completionCondition>${done}</bpmn:completionCondition>
    </bpmn:adHocSubProcess>
  </bpmn:transaction>
  <bpmn:sequenceFlow id="inner" sourceRef="s1" targetRef="tx"/>
</bpmn:subProcess>
<bpmn:subProcess id="evtSub" triggeredByEvent="true"><bpmn:startEvent id="es"><bpmn:messageEventDefinition/></bpmn:startEvent></bpmn:subProcess>
<bpmn:sequenceFlow id="outer" sourceRef="s" targetRef="sub"/>"#,
    ));
    let p = &def.processes[0];
    let idx = |id: &str| p.node_index(id);
    assert_eq!(node(&def, "s").scope, None);
    assert_eq!(node(&def, "sub").scope, None);
    assert_eq!(node(&def, "s1").scope, idx("sub"));
    assert_eq!(node(&def, "tx").scope, idx("sub"));
    assert_eq!(node(&def, "adhoc").scope, idx("tx"));
    assert_eq!(node(&def, "deep").scope, idx("adhoc"));
    assert_eq!(node(&def, "es").scope, idx("evtSub"));
    assert_eq!(node(&def, "tx").kind, NodeKind::Transaction);
    assert_eq!(node(&def, "adhoc").kind, NodeKind::AdHocSubProcess);
    assert_eq!(node(&def, "evtSub").kind, NodeKind::SubProcess { triggered_by_event: true });
    let top: Vec<_> = p.children(None).map(|(_, n)| n.id.as_str()).collect();
    assert_eq!(top, ["s", "sub", "evtSub"]);
    let in_sub: Vec<_> = p.children(idx("sub")).map(|(_, n)| n.id.as_str()).collect();
    assert_eq!(in_sub, ["s1", "tx"]);
    assert!(matches!(def.get("inner"), Some(ElementRef::Flow { process: 0, .. })));
    assert_eq!(p.flows.len(), 2);
}

#[test]
fn lanes_with_nested_lane_sets() {
    let def = ok(&process_file(
        r#"<bpmn:laneSet id="ls">
  <bpmn:lane id="sales" name="Sales">
    <bpmn:flowNodeRef>a</bpmn:flowNodeRef>
    <bpmn:childLaneSet id="cls">
      <bpmn:lane id="east" name="East"><bpmn:flowNodeRef> b </bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="west"/>
    </bpmn:childLaneSet>
  </bpmn:lane>
  <bpmn:lane id="ops"><bpmn:flowNodeRef>c</bpmn:flowNodeRef><bpmn:flowNodeRef>d</bpmn:flowNodeRef></bpmn:lane>
</bpmn:laneSet>
<bpmn:task id="a"/><bpmn:task id="b"/><bpmn:task id="c"/><bpmn:task id="d"/>"#,
    ));
    let lanes = &def.processes[0].lanes;
    let ids: Vec<_> = lanes.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["sales", "east", "west", "ops"]);
    assert_eq!(lanes[0].name, s("Sales"));
    assert_eq!(lanes[0].parent, None);
    assert_eq!(lanes[0].flow_node_refs, ["a"]);
    assert_eq!(lanes[1].parent, Some(0));
    assert_eq!(lanes[1].flow_node_refs, ["b"]);
    assert_eq!(lanes[2].parent, Some(0));
    assert_eq!(lanes[3].parent, None);
    assert_eq!(lanes[3].flow_node_refs, ["c", "d"]);
    assert_eq!(def.get("east"), Some(ElementRef::Lane { process: 0, lane: 1 }));
}

#[test]
fn collaboration_with_pools_message_flows_and_artifacts() {
    let def = ok(&file(
        r#"<bpmn:category id="cat"><bpmn:categoryValue id="cv" value="Customer side"/></bpmn:category>
<bpmn:collaboration id="C" name="Order">
  <bpmn:participant id="pool1" name="Shop" processRef="P1"/>
  <bpmn:participant id="pool2" name="Customer"/>
  <bpmn:messageFlow id="mf" name="order" sourceRef="pool2" targetRef="recv"/>
  <bpmn:group id="g" categoryValueRef="cv"/>
  <bpmn:textAnnotation id="note"><bpmn:text>Orders arrive by mail</bpmn:text></bpmn:textAnnotation>
  <bpmn:association id="as" sourceRef="note" targetRef="pool1"/>
</bpmn:collaboration>
<bpmn:process id="P1"><bpmn:startEvent id="recv"><bpmn:messageEventDefinition/></bpmn:startEvent></bpmn:process>"#,
    ));
    let c = &def.collaborations[0];
    assert_eq!(c.id, "C");
    assert_eq!(c.name, s("Order"));
    assert_eq!(c.participants[0].process_ref, s("P1"));
    assert_eq!(c.participants[1].process_ref, None);
    assert_eq!(
        c.message_flows[0],
        MessageFlow { id: "mf".into(), name: s("order"), source: "pool2".into(), target: "recv".into() }
    );
    assert_eq!(c.artifacts[0].kind, ArtifactKind::Group);
    assert_eq!(c.artifacts[0].text, s("Customer side"));
    assert_eq!(c.artifacts[1].text, s("Orders arrive by mail"));
    assert_eq!(
        c.artifacts[2].kind,
        ArtifactKind::Association { source: "note".into(), target: "pool1".into(), directional: false }
    );
    assert_eq!(def.get("pool2"), Some(ElementRef::Participant { collaboration: 0, participant: 1 }));
    assert_eq!(def.get("mf"), Some(ElementRef::MessageFlow { collaboration: 0, flow: 0 }));
    assert_eq!(def.get("as"), Some(ElementRef::CollaborationArtifact { collaboration: 0, artifact: 2 }));
    assert_eq!(def.process("P1").map(|p| p.id.as_str()), Some("P1"));
}

#[test]
fn artifacts_and_data_elements() {
    let def = ok(&process_file(
        r#"<bpmn:documentation>  Handles orders.  </bpmn:documentation>
<bpmn:ioSpecification>
  <bpmn:dataInput id="in" name="Order"/><bpmn:dataOutput id="out" name="Invoice"/>
  <bpmn:inputSet><bpmn:dataInputRefs>in</bpmn:dataInputRefs></bpmn:inputSet>
</bpmn:ioSpecification>
<bpmn:dataObject id="do" name="Order data"/>
<bpmn:dataObjectReference id="dor" dataObjectRef="do"/>
<bpmn:dataObjectReference id="dor2" name="Own name" dataObjectRef="do"/>
<bpmn:dataStoreReference id="dsr" name="CRM"/>
<bpmn:textAnnotation id="ta"><bpmn:text>Check twice</bpmn:text></bpmn:textAnnotation>
<bpmn:association id="as" sourceRef="ta" targetRef="t" associationDirection="One"/>
<bpmn:group id="grp" name="Fallback name"/>
<bpmn:task id="t">
  <bpmn:dataInputAssociation id="dia"><bpmn:sourceRef>dor</bpmn:sourceRef><bpmn:targetRef>tIn</bpmn:targetRef></bpmn:dataInputAssociation>
  <bpmn:dataOutputAssociation id="doa"><bpmn:targetRef>dsr</bpmn:targetRef></bpmn:dataOutputAssociation>
  <bpmn:dataInputAssociation><bpmn:sourceRef>noId</bpmn:sourceRef></bpmn:dataInputAssociation>
</bpmn:task>"#,
    ));
    let p = &def.processes[0];
    assert_eq!(p.documentation, s("Handles orders."));
    let artifact = |id: &str| match def.get(id) {
        Some(ElementRef::Artifact { process: 0, artifact }) => &p.artifacts[artifact],
        other => panic!("{id} is {other:?}"),
    };
    assert_eq!(artifact("in").kind, ArtifactKind::DataInput);
    assert_eq!(artifact("in").text, s("Order"));
    assert_eq!(artifact("out").kind, ArtifactKind::DataOutput);
    assert_eq!(artifact("do").kind, ArtifactKind::DataObject);
    assert_eq!(artifact("dor").kind, ArtifactKind::DataObjectReference);
    assert_eq!(artifact("dor").text, s("Order data"));
    assert_eq!(artifact("dor2").text, s("Own name"));
    assert_eq!(artifact("dsr").kind, ArtifactKind::DataStoreReference);
    assert_eq!(artifact("ta").kind, ArtifactKind::TextAnnotation);
    assert_eq!(artifact("ta").text, s("Check twice"));
    assert_eq!(
        artifact("as").kind,
        ArtifactKind::Association { source: "ta".into(), target: "t".into(), directional: true }
    );
    assert_eq!(artifact("grp").text, s("Fallback name"));
    assert_eq!(artifact("dia").kind, ArtifactKind::DataAssociation { source: s("dor"), target: s("tIn") });
    assert_eq!(artifact("doa").kind, ArtifactKind::DataAssociation { source: None, target: s("dsr") });
    // The association without id cannot be drawn or referred to; it is not kept.
    assert_eq!(p.artifacts.len(), 11);
}

// ----- diagram interchange ------------------------------------------------------------------

#[test]
fn diagram_shapes_edges_labels_and_several_diagrams() {
    let def = ok(&file(
        r#"<bpmn:process id="P"><bpmn:task id="t"/><bpmn:exclusiveGateway id="g"/><bpmn:sequenceFlow id="f" sourceRef="t" targetRef="g"/></bpmn:process>
<bpmndi:BPMNDiagram id="D1" name="Main">
  <bpmndi:BPMNPlane id="plane1" bpmnElement="P">
    <bpmndi:BPMNShape id="t_di" bpmnElement="t" isExpanded="true">
      <dc:Bounds x="10" y="20.5" width="100" height="80"/>
      <bpmndi:BPMNLabel><dc:Bounds x="12" y="22" width="50" height="14"/></bpmndi:BPMNLabel>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="g_di" bpmnElement="g" isMarkerVisible="true" isHorizontal="false">
      <dc:Bounds x="-5e1" y="0" width="50" height="50"/>
      <bpmndi:BPMNLabel/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f_di" bpmnElement="f">
      <di:waypoint x="110" y="60"/><di:waypoint x="150" y="60"/><di:waypoint x="150" y="25"/>
      <bpmndi:BPMNLabel><dc:Bounds x="120" y="40" width="20" height="10"/></bpmndi:BPMNLabel>
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="free" sourceElement="t_di" targetElement="g_di"><di:waypoint x="0" y="0"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane>
  <bpmndi:BPMNLabelStyle id="ls"><dc:Font name="Arial" size="11"/></bpmndi:BPMNLabelStyle>
</bpmndi:BPMNDiagram>
<bpmndi:BPMNDiagram id="D2">
  <bpmndi:BPMNPlane bpmnElement="P"><bpmndi:BPMNShape bpmnElement="t"><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNShape></bpmndi:BPMNPlane>
</bpmndi:BPMNDiagram>"#,
    ));
    assert_eq!(def.diagrams.len(), 2);
    let d = &def.diagrams[0];
    assert_eq!(d.id, s("D1"));
    assert_eq!(d.name, s("Main"));
    assert_eq!(d.plane_element, s("P"));
    assert_eq!(
        d.shapes[0],
        Shape {
            id: s("t_di"),
            element: "t".into(),
            bounds: Bounds { x: 10.0, y: 20.5, width: 100.0, height: 80.0 },
            label: Some(Bounds { x: 12.0, y: 22.0, width: 50.0, height: 14.0 }),
            is_horizontal: None,
            is_expanded: Some(true),
            is_marker_visible: None,
        }
    );
    assert_eq!(d.shapes[1].bounds.x, -50.0);
    assert_eq!(d.shapes[1].label, None);
    assert_eq!(d.shapes[1].is_marker_visible, Some(true));
    assert_eq!(d.shapes[1].is_horizontal, Some(false));
    // The edge without bpmnElement draws nothing of the model and is dropped.
    assert_eq!(d.edges.len(), 1);
    assert_eq!(
        d.edges[0].waypoints,
        [Point { x: 110.0, y: 60.0 }, Point { x: 150.0, y: 60.0 }, Point { x: 150.0, y: 25.0 }]
    );
    assert_eq!(d.edges[0].label, Some(Bounds { x: 120.0, y: 40.0, width: 20.0, height: 10.0 }));
    let d2 = &def.diagrams[1];
    assert_eq!(d2.id, s("D2"));
    assert_eq!(d2.shapes.len(), 1);
    assert_eq!(d2.shapes[0].id, None);
}

#[test]
fn diagram_with_bad_numbers_skips_the_shape_with_a_warning() {
    let def = ok(&file(
        r#"<bpmn:process id="P"><bpmn:task id="t"/></bpmn:process>
<bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="P"><bpmndi:BPMNShape bpmnElement="t">
<dc:Bounds x="ten" y="0" width="1" height="1"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#,
    ));
    assert!(def.diagrams[0].shapes.is_empty());
    assert_eq!(def.warnings.len(), 1, "{:?}", def.warnings);
    assert_eq!((def.warnings[0].line, def.warnings[0].element_id.as_str()), (12, "t"));
    assert!(def.warnings[0].text.contains("x=\"ten\""), "{:?}", def.warnings);
    let def = ok(&file(
        r#"<bpmn:process id="P"><bpmn:task id="t"/></bpmn:process>
<bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="P"><bpmndi:BPMNShape bpmnElement="t"/></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#,
    ));
    assert!(def.diagrams[0].shapes.is_empty());
    assert!(def.warnings[0].text.contains("no <dc:Bounds>"), "{:?}", def.warnings);
}

// ----- whole files: index, lines, namespaces, encodings -------------------------------------

#[test]
fn index_lines_and_definitions_attributes() {
    let def = ok(&process_file(
        r#"<bpmn:startEvent id="s"/>
<bpmn:task id="t"/>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
<bpmn:laneSet><bpmn:lane id="l"/></bpmn:laneSet>
<bpmn:textAnnotation id="a"/>"#,
    ));
    assert_eq!(def.id, s("defs"));
    assert_eq!(def.name, s("Tests"));
    assert_eq!(def.target_namespace, s("http://example.com/t"));
    assert_eq!(def.exporter, s("unit"));
    assert_eq!(def.get("P"), Some(ElementRef::Process(0)));
    assert_eq!(def.get("s"), Some(ElementRef::Node { process: 0, node: 0 }));
    assert_eq!(def.get("t"), Some(ElementRef::Node { process: 0, node: 1 }));
    assert_eq!(def.get("f"), Some(ElementRef::Flow { process: 0, flow: 0 }));
    assert_eq!(def.get("l"), Some(ElementRef::Lane { process: 0, lane: 0 }));
    assert_eq!(def.get("a"), Some(ElementRef::Artifact { process: 0, artifact: 0 }));
    assert_eq!(def.index.len(), 6);
    let p = &def.processes[0];
    assert_eq!(p.line, 11);
    assert_eq!(p.name, s("Proc"));
    assert_eq!(p.nodes[0].line, 12);
    assert_eq!(p.nodes[1].line, 13);
    assert_eq!(p.flows[0].line, 14);
}

/// The same small process written with each usual prefix, and with a default namespace.
#[test]
fn any_prefix_or_default_namespace() {
    let body = |p: &str| {
        format!(
            r#"<{p}process id="P" isExecutable="true"><{p}startEvent id="s"/><{p}endEvent id="e"/>
<{p}sequenceFlow id="f" sourceRef="s" targetRef="e"/></{p}process>
<bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="P"><bpmndi:BPMNShape bpmnElement="s"><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#
        )
    };
    let di =
        r#"xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC""#;
    let mut models = Vec::new();
    for prefix in ["bpmn", "bpmn2", "semantic", "model"] {
        let xml = format!(
            r#"<{prefix}:definitions xmlns:{prefix}="http://www.omg.org/spec/BPMN/20100524/MODEL" {di}>{}</{prefix}:definitions>"#,
            body(&format!("{prefix}:"))
        );
        models.push(ok(&xml));
    }
    let xml =
        format!(r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" {di}>{}</definitions>"#, body(""));
    models.push(ok(&xml));
    for def in &models {
        assert_eq!(def.processes.len(), 1);
        assert_eq!(def.processes[0].nodes.len(), 2);
        assert_eq!(def.processes[0].flows.len(), 1);
        assert_eq!(def.diagrams[0].shapes.len(), 1);
        assert_eq!(def, &models[0]);
    }
}

#[test]
fn elements_of_other_namespaces_are_not_bpmn() {
    // A `task` in a vendor namespace is not a BPMN task, and an unprefixed one without
    // default namespace is not either: both are ignored.
    let def = ok(&process_file(r#"<vendor:task id="v1"/><task id="v2"/><bpmn:task id="real" vendor:color="red"/>"#));
    assert_eq!(def.processes[0].nodes.len(), 1);
    assert!(def.get("v1").is_none() && def.get("v2").is_none());
}

#[test]
fn unknown_bpmn_element_in_a_process_is_refused() {
    let e = err(&process_file(
        r#"<bpmn:task id="ok"/>
<bpmn:fancyTask id="odd"/>"#,
    ));
    assert_eq!(e.kind, ParseErrorKind::Invalid);
    assert_eq!((e.line, e.column), (Some(13), Some(1)));
    assert_eq!(e.element_id.as_deref(), Some("odd"));
    assert!(e.message.contains("fancyTask"), "{}", e.message);
}

#[test]
fn iso_8859_1_is_decoded() {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n".to_vec();
    bytes.extend_from_slice(
        b"<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process id=\"P\"><task id=\"t\" name=\"Caf\xE9\"/></process>\n</definitions>\n",
    );
    let def = parse(&bytes, &ParseOptions::default()).expect("latin-1 parses");
    assert_eq!(def.processes[0].nodes[0].name, s("Café"));
    // `latin1` is an accepted alias.
    let aliased: Vec<u8> = String::from_utf8_lossy(&bytes)
        .replace("ISO-8859-1", "latin1")
        .chars()
        .map(|c| if c == '\u{FFFD}' { 0xE9 } else { c as u8 })
        .collect();
    let def = parse(&aliased, &ParseOptions::default()).expect("latin1 alias parses");
    assert_eq!(def.processes[0].nodes[0].name, s("Café"));
}

#[test]
fn utf8_with_bom_and_without_declaration() {
    let body = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><process id=\"P\"><task id=\"t\" name=\"Größe &#x2713; &amp; more\"/></process></definitions>";
    let mut with_bom = b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".to_vec();
    with_bom.extend_from_slice(body.as_bytes());
    let a = parse(&with_bom, &ParseOptions::default()).expect("BOM parses");
    let b = ok(body);
    assert_eq!(a.processes[0].nodes[0].name, s("Größe ✓ & more"));
    assert_eq!(b.processes[0].nodes[0].name, s("Größe ✓ & more"));
    // Lines count from the BOM-less declaration: the task is on line 2.
    assert_eq!(a.processes[0].nodes[0].line, 2);
}

#[test]
fn windows_line_endings_are_normalised_in_texts() {
    let xml = process_file("<bpmn:sequenceFlow id=\"f\" sourceRef=\"a\" targetRef=\"b\"><bpmn:conditionExpression>${a\r\n&amp;&amp; b}</bpmn:conditionExpression></bpmn:sequenceFlow>\r\n<bpmn:task id=\"a\"/><bpmn:task id=\"b\"/>");
    let def = ok(&xml);
    assert_eq!(def.processes[0].flows[0].condition, s("${a\n&& b}"));
}

#[test]
fn is_executable_defaults_follow_the_namespaces() {
    // HEAD declares the Camunda namespace: a missing isExecutable means "run it".
    let def = ok(&file(r#"<bpmn:process id="P"/>"#));
    assert!(def.processes[0].is_executable);
    let def = ok(r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P"/></definitions>"#);
    assert!(!def.processes[0].is_executable);
    let def = ok(&file(r#"<bpmn:process id="P" isExecutable="false"/>"#));
    assert!(!def.processes[0].is_executable);
}

#[test]
fn lists_split_outside_brackets() {
    assert_eq!(split_list(" a, b ,,c "), ["a", "b", "c"]);
    assert_eq!(split_list("${f(a, b)}, [x, y], z"), ["${f(a, b)}", "[x, y]", "z"]);
    assert!(split_list("  ").is_empty());
}

// ----- check_executable ---------------------------------------------------------------------

fn problems(xml: &str) -> Vec<Unsupported> {
    let def = ok(xml);
    check_executable(&def, &def.processes[0])
}

#[test]
fn startable_process_has_no_problems() {
    let p = problems(&process_file(
        r#"<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:startEvent id="s2"/>
<bpmn:userTask id="u"/><bpmn:manualTask id="m"/><bpmn:task id="t"/><bpmn:serviceTask id="svc"/>
<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:endEvent id="se"/></bpmn:subProcess>
<bpmn:callActivity id="ca" calledElement="child"/>
<bpmn:exclusiveGateway id="x"/><bpmn:parallelGateway id="pa"/><bpmn:inclusiveGateway id="i"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:endEvent id="e"/><bpmn:endEvent id="term"><bpmn:terminateEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="err"><bpmn:errorEventDefinition/></bpmn:endEvent>"#,
    ));
    assert_eq!(p, []);
}

#[test]
fn unsupported_elements_are_listed_with_their_trigger() {
    let p = problems(&process_file(
        r#"<bpmn:startEvent id="s"/>
<bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:startEvent id="sig"><bpmn:signalEventDefinition/></bpmn:startEvent>
<bpmn:intermediateThrowEvent id="thr"/>
<bpmn:endEvent id="esc"><bpmn:escalationEventDefinition/></bpmn:endEvent>
<bpmn:boundaryEvent id="bm" attachedToRef="st"><bpmn:messageEventDefinition/><bpmn:timerEventDefinition/></bpmn:boundaryEvent>
<bpmn:scriptTask id="st"/><bpmn:sendTask id="snd"/><bpmn:receiveTask id="rcv"/><bpmn:businessRuleTask id="brt"/>
<bpmn:complexGateway id="cg"/><bpmn:eventBasedGateway id="eg"/>
<bpmn:transaction id="tx"/><bpmn:adHocSubProcess id="ah"/>
<bpmn:subProcess id="esp" triggeredByEvent="true"/>"#,
    ));
    let got: Vec<(&str, &str, u32)> =
        p.iter().map(|u| (u.element_id.as_str(), u.element_type.as_str(), u.line)).collect();
    // The none throw event and the send task run; the rest lacks a name or is not supported.
    assert_eq!(
        got,
        [
            ("msg", "intermediateCatchEvent (message)", 13),
            ("sig", "startEvent (signal)", 14),
            ("esc", "endEvent (escalation)", 16),
            ("bm", "boundaryEvent (multiple)", 17),
            ("rcv", "receiveTask", 18),
            ("brt", "businessRuleTask", 18),
            ("cg", "complexGateway", 19),
            ("eg", "eventBasedGateway", 19),
            ("tx", "transaction", 20),
            ("ah", "adHocSubProcess", 20),
            ("esp", "subProcess (event sub-process)", 21),
            ("st", "scriptTask", 18),
        ]
    );
    let reason = |id: &str| p.iter().find(|u| u.element_id == id).map(|u| u.reason.as_str()).unwrap_or_default();
    assert_eq!(reason("msg"), "has no messageRef; name the message it waits for");
    assert_eq!(reason("rcv"), "has no messageRef; name the message it waits for");
    assert_eq!(reason("sig"), "has no signalRef; name the signal it waits for");
    assert!(reason("st").contains("script format \"(none)\""), "{}", reason("st"));
    for id in ["bm", "brt", "cg", "tx", "ah"] {
        assert!(reason(id).starts_with("not supported yet: "), "{id}: {}", reason(id));
    }
    assert!(reason("esp").contains("exactly one start event"), "{}", reason("esp"));
}

#[test]
fn process_level_problems() {
    let p = problems(&file(r#"<bpmn:process id="P" isExecutable="false"><bpmn:task id="t"/></bpmn:process>"#));
    let reasons: Vec<_> =
        p.iter().map(|u| (u.element_id.as_str(), u.element_type.as_str(), u.reason.as_str())).collect();
    assert_eq!(
        reasons,
        [
            ("P", "process", "process is not executable (isExecutable=\"false\")"),
            ("P", "process", "has no start event"),
        ]
    );
    assert_eq!(p[0].line, 11);
    // A start event only inside a sub-process does not start the process.
    let p = problems(&process_file(r#"<bpmn:subProcess id="sub"><bpmn:startEvent id="s"/></bpmn:subProcess>"#));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].reason, "has no start event");
}

#[test]
fn incomplete_supported_elements_are_listed() {
    let p = problems(&process_file(
        r#"<bpmn:startEvent id="s"><bpmn:timerEventDefinition/></bpmn:startEvent>
<bpmn:callActivity id="ca"/>"#,
    ));
    let got: Vec<_> = p.iter().map(|u| (u.element_id.as_str(), u.element_type.as_str(), u.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            ("s", "startEvent (timer)", "timer has no timeDate, timeDuration or timeCycle"),
            ("ca", "callActivity", "call activity has no calledElement"),
        ]
    );
}

#[test]
fn error_messages_name_place_and_remedy() {
    let e = err(&process_file(r#"<bpmn:sequenceFlow id="f" sourceRef="nowhere" targetRef="x"/>"#));
    assert_eq!(e.kind, ParseErrorKind::MissingReference);
    assert_eq!(
        e.to_string(),
        "Line 12, column 1, element \"f\": the sequence flow's sourceRef \"nowhere\" points to no \
         element of the file. Connect both ends of every sequence flow to a flow node of the same process."
    );
    let e = parse(b"x", &ParseOptions { max_bytes: 0 }).expect_err("too large");
    assert_eq!(
        e.to_string(),
        "The file is 1 bytes long, more than the limit of 0 bytes. Split the model into several \
         files or remove embedded data (images, large documentation)."
    );
}

#[test]
fn nul_characters_are_refused_with_their_place() {
    let xml = process_file("<bpmn:task id=\"t\" name=\"a\0b\"/>");
    let e = err(&xml);
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    assert_eq!(e.line, Some(12), "{e}");
    assert!(e.to_string().contains("NUL"), "{e}");
    // A character reference to NUL is refused too (by the XML reader).
    assert_eq!(err(&process_file("<bpmn:task id=\"t\" name=\"a&#0;b\"/>")).kind, ParseErrorKind::Malformed);
}

// ----- both languages -----------------------------------------------------------------------

/// A file of the default namespace whose process body starts on line 3.
fn short_file(body: &str) -> String {
    format!(
        "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process id=\"P\" isExecutable=\"true\">\n{body}\n</process>\n</definitions>\n"
    )
}

#[test]
fn refusals_read_in_chinese_with_their_place_and_the_english_is_unchanged() {
    use crate::text::Lang;
    // Two elements with one id: the second, on line 3, is refused.
    let e = err(&short_file("<task id=\"Task_1\"/><userTask id=\"Task_1\"/>"));
    assert_eq!(e.kind, ParseErrorKind::DuplicateId);
    assert_eq!(
        e.message,
        "Line 3, column 20, element \"Task_1\": the id \"Task_1\" of this <userTask> is already used by the \
         <task> on line 3. Ids must be unique within a file: rename one of the two elements (and the \
         references to it)."
    );
    assert_eq!(e.text.render(Lang::En), e.message);
    assert_eq!(
        e.text.render(Lang::Zh),
        "第 3 行第 20 列，元素“Task_1”：此 <userTask> 的 id“Task_1”已被第 3 行的 <task> 使用。\
         同一文件中的 id 必须唯一：请重命名两个元素之一（以及对它的引用）。"
    );

    // Not well-formed: an entity that XML does not define, on line 3.
    let e = err(&short_file("<task id=\"t\"><documentation>a &nbsp; b</documentation></task>"));
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    let (line, column) = (e.line.expect("a line"), e.column.expect("a column"));
    assert_eq!(line, 3);
    assert_eq!(
        e.message,
        format!(
            "Line 3, column {column}: the entity reference &nbsp; is not defined. Only &lt; &gt; &amp; \
             &apos; &quot; and character references (&#233;) can be used; write the character itself instead."
        )
    );
    let zh = e.text.render(Lang::Zh);
    assert!(zh.starts_with(&format!("第 3 行第 {column} 列：实体引用 &nbsp; 未定义。")), "{zh}");

    // A mismatched end tag: the XML reader's own detail stays as it is, inside the sentence.
    let e = err(&short_file("<task id=\"t\">\n</process>"));
    assert_eq!(e.kind, ParseErrorKind::Malformed);
    let zh = e.text.render(Lang::Zh);
    assert!(
        e.message.starts_with("Line 4, column ") && e.message.contains(": the file is not well-formed XML ("),
        "{e}"
    );
    assert!(
        e.message.ends_with("). Check the file in an XML editor, or export it again from the modelling tool."),
        "{e}"
    );
    assert!(zh.starts_with("第 4 行第 ") && zh.contains("文件不是格式正确的 XML（"), "{zh}");
    assert!(zh.ends_with("）。请用 XML 编辑器检查文件，或从建模工具重新导出。"), "{zh}");

    // Without a place, the English starts with a capital; the Chinese needs none.
    let e = parse(b"x", &ParseOptions { max_bytes: 0 }).expect_err("too large");
    assert!(e.message.starts_with("The file is 1 bytes long"), "{e}");
    assert!(
        e.text.render(Lang::Zh).starts_with("文件大小为 1 字节，超过了 0 字节的上限。"),
        "{}",
        e.text.render(Lang::Zh)
    );

    // A missing reference into another file's namespace names it, in both languages.
    let e = err(&file(
        r#"<bpmn:process id="P"><bpmn:task id="t"/><bpmn:boundaryEvent id="b" attachedToRef="vendor:t"/></bpmn:process>"#,
    ));
    assert!(e.message.contains("(its prefix \"vendor\" names the namespace \"http://example.com/vendor\""), "{e}");
    assert!(
        e.text.render(Lang::Zh).contains("（其前缀“vendor”对应命名空间“http://example.com/vendor”"),
        "{}",
        e.text.render(Lang::Zh)
    );
}

/// A process with one of nearly every reason of the check, and a diagram with one of every
/// defect.
const EVERY_REASON: &str = r#"<bpmn:message id="m" name="M"/>
<bpmn:process id="Q" isExecutable="false"><bpmn:task id="q"/></bpmn:process>
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:startEvent id="serr"><bpmn:errorEventDefinition/></bpmn:startEvent>
<bpmn:intermediateCatchEvent id="icc"><bpmn:conditionalEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="ice"><bpmn:errorEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateThrowEvent id="ite"><bpmn:errorEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="itc"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:endEvent id="ecancel"><bpmn:cancelEventDefinition/></bpmn:endEvent>
<bpmn:endEvent id="elink"><bpmn:linkEventDefinition name="x"/></bpmn:endEvent>
<bpmn:boundaryEvent id="bl" attachedToRef="u"><bpmn:linkEventDefinition name="l"/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="bm" attachedToRef="u"><bpmn:messageEventDefinition messageRef="m"/><bpmn:timerEventDefinition/></bpmn:boundaryEvent>
<bpmn:subProcess id="sub"><bpmn:startEvent id="subs"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent></bpmn:subProcess>
<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esps"/></bpmn:subProcess>
<bpmn:subProcess id="esp2" triggeredByEvent="true"/>
<bpmn:intermediateCatchEvent id="lc1"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="lc2"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="lc3"><bpmn:linkEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateThrowEvent id="lt1"><bpmn:linkEventDefinition name="nowhere"/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="lt2"><bpmn:linkEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="sigt"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="esct"><bpmn:escalationEventDefinition/></bpmn:intermediateThrowEvent>
<bpmn:intermediateThrowEvent id="mt"><bpmn:messageEventDefinition messageRef="m" camunda:class="org.M" camunda:foo="1"/></bpmn:intermediateThrowEvent>
<bpmn:intermediateCatchEvent id="sigc"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="tm"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:eventBasedGateway id="eg"/>
<bpmn:eventBasedGateway id="eg2"/>
<bpmn:userTask id="u" camunda:assignee="${a +}" camunda:followUpDate="x" camunda:asyncAfter="true" camunda:oddity="1" vendor:foo="1">
  <bpmn:extensionElements>
    <camunda:formData/><camunda:properties/><vendor:thing/>
    <camunda:taskListener event="bogus" expression="${x}"/>
    <camunda:executionListener event="start" class="org.X"/>
    <camunda:executionListener event="end"/>
    <camunda:executionListener event="start"><camunda:script scriptFormat="groovy">x</camunda:script></camunda:executionListener>
  </bpmn:extensionElements>
  <bpmn:standardLoopCharacteristics/>
</bpmn:userTask>
<bpmn:scriptTask id="st1" scriptFormat="javascript" camunda:resource="x.js"/>
<bpmn:scriptTask id="st2" scriptFormat="javascript"><bpmn:script>  </bpmn:script></bpmn:scriptTask>
<bpmn:scriptTask id="st3"/>
<bpmn:scriptTask id="st4" scriptFormat="cobol"><bpmn:script>x</bpmn:script></bpmn:scriptTask>
<bpmn:serviceTask id="svc" camunda:class="org.Foo"/>
<bpmn:serviceTask id="ext" camunda:type="external"/>
<bpmn:callActivity id="ca"/>
<bpmn:callActivity id="cv" calledElement="c" camunda:calledElementBinding="version"/>
<bpmn:callActivity id="ct" calledElement="c" camunda:calledElementBinding="versionTag" camunda:calledElementType="id"/>
<bpmn:callActivity id="cb" calledElement="c" camunda:calledElementBinding="weird"/>
<bpmn:receiveTask id="rt"/>
<bpmn:businessRuleTask id="brt"/><bpmn:complexGateway id="cg"/><bpmn:transaction id="tx"/><bpmn:adHocSubProcess id="ah"/>
<bpmn:sequenceFlow id="f1" sourceRef="eg2" targetRef="u"/>
<bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="u"><bpmn:conditionExpression language="groovy">x</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="u" targetRef="cg"><bpmn:conditionExpression>${a ==}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f4" sourceRef="u" targetRef="cg"><camunda:nothing/><bpmn:extensionElements><camunda:executionListener class="org.F"/></bpmn:extensionElements></bpmn:sequenceFlow>
</bpmn:process>
<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="PL" bpmnElement="P">
<bpmndi:BPMNShape id="S1" bpmnElement="s"><dc:Bounds x="ten" y="0" width="1" height="1"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S2" bpmnElement="u"><dc:Bounds x="0" y="1e99" width="1" height="1"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S3" bpmnElement="st1"/>
<bpmndi:BPMNShape id="S4" bpmnElement="st2"><dc:Bounds x="0" y="0" width="0" height="1"/>
  <bpmndi:BPMNLabel><dc:Bounds y="0" width="1" height="1"/></bpmndi:BPMNLabel></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="D" bpmnElement="st3"><dc:Bounds x="0" y="0" width="1" height="1"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape id="S5" bpmnElement="ghost"><dc:Bounds x="0" y="0" width="1" height="1"/></bpmndi:BPMNShape>
<bpmndi:BPMNEdge id="E1" bpmnElement="f1"><di:waypoint y="0"/><di:waypoint x="1" y="1"/></bpmndi:BPMNEdge>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#;

#[test]
fn check_reasons_and_warnings_read_back_in_both_languages() {
    use crate::text::Lang;
    let def = ok(&file(EVERY_REASON));
    let mut keys = std::collections::BTreeSet::new();
    for process in &def.processes {
        let found = check::check_texts(process);
        assert_eq!(
            found.iter().map(|f| &f.entry).collect::<Vec<_>>(),
            check_executable(&def, process).iter().collect::<Vec<_>>()
        );
        for f in &found {
            let back = f.entry.text();
            assert_eq!(back.key, f.text.key, "{}", f.entry.reason);
            assert_eq!(back.english(), f.entry.reason);
            assert_eq!(back.render(Lang::Zh), f.text.render(Lang::Zh), "{}", f.entry.reason);
            keys.insert(f.text.key.to_string());
        }
        for w in deploy_warnings(process).iter().chain(&def.warnings) {
            let what = w.what();
            assert!(what.key.starts_with("check."), "{w:?}");
            assert_eq!(what.english(), w.text);
            keys.insert(what.key.to_string());
            let reason = w.to_unsupported();
            let zh = reason.text().render(Lang::Zh);
            assert_eq!(zh, format!("引擎已忽略：{}", what.render(Lang::Zh)));
            assert_eq!(reason.text().english(), reason.reason);
            keys.insert(reason.text().key.to_string());
        }
    }
    // Every reason of the check and every diagram defect was met (of the phrases of what is
    // ignored, a few: the others differ only in their words).
    let unmet: Vec<_> = crate::text::catalog_keys()
        .filter(|k| k.starts_with("check.") && !k.starts_with("check.ignored."))
        .filter(|k| !["check.fix.", "check.subject.", "check.diagram.value."].iter().any(|f| k.starts_with(f)))
        .filter(|k| !keys.contains(*k))
        .collect();
    assert!(unmet.is_empty(), "{unmet:?}");

    // The Chinese of a few, whole.
    let zh = |id: &str| {
        let u = def.processes.iter().flat_map(|p| check_executable(&def, p)).find(|u| u.element_id == id).expect(id);
        u.text().render(Lang::Zh)
    };
    assert_eq!(zh("Q"), "流程不可执行（isExecutable=\"false\"）");
    assert_eq!(zh("lt1"), "同一范围内没有名为“nowhere”的链接捕获事件；请添加一个，或更正名称");
    assert_eq!(
        zh("st3"),
        "脚本任务没有指定脚本格式，无法在此运行；请用 JavaScript 编写（scriptFormat=\"javascript\"）"
    );
    assert_eq!(
        zh("f4"),
        "camunda:executionListener 运行 Java 代码（class=\"org.F\"），本引擎无法运行；\
         请改用 expression=\"${...}\" 或嵌套的 <camunda:script scriptFormat=\"javascript\">"
    );
    // The expression parser's detail is read back too: no English is left but the expression.
    assert_eq!(
        zh("u"),
        "assignee 中的表达式无法求值：表达式 `${a +}` 第 5 个字符处有语法错误：表达式在应出现值的地方结束了；\
         请在模型中更正后重新部署"
    );
    let shape = def.warnings.iter().find(|w| w.element_id == "s").expect("a warning for s");
    assert_eq!(shape.what().render(Lang::Zh), "流程图：形状的 <dc:Bounds> 中的 x=\"ten\" 不是数字，因此不予绘制");
}
