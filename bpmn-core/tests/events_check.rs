//! The parts of the parser the events depend on: call-activity mappings and version binding
//! (Camunda, Flowable and Activiti spellings), the list of what the engine ignores (deploy
//! warnings), and the executability check of events, receive and send tasks, event-based
//! gateways and event sub-processes.

use bpmn_core::bpmn::parse::{check_executable, deploy_warnings, is_ignored_reason, parse, ParseOptions, IGNORED};
use bpmn_core::bpmn::{
    CallSpec, CalledBinding, Definitions, ElementRef, FlowNode, ListenerAction, ListenerEvent, NodeKind,
    VariableMapping,
};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:flowable="http://flowable.org/bpmn"
    xmlns:activiti="http://activiti.org/bpmn"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://example.com/t">
<message id="M_paid" name="paid"/><signal id="S_stop" name="stop"/>
<error id="E_fail" errorCode="FAIL"/><escalation id="X_late" escalationCode="LATE"/>
"#;

/// A file with `body` inside `<process id="P">`: the process is on line 11, `body` from line 12.
fn process_file(body: &str) -> String {
    format!("{HEAD}<process id=\"P\" isExecutable=\"true\">\n{body}\n</process>\n</definitions>\n")
}

fn load(body: &str) -> Definitions {
    parse(process_file(body).as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn node<'a>(def: &'a Definitions, id: &str) -> &'a FlowNode {
    match def.get(id) {
        Some(ElementRef::Node { process, node }) => &def.processes[process].nodes[node],
        other => panic!("{id} is {other:?}"),
    }
}

fn call<'a>(def: &'a Definitions, id: &str) -> &'a CallSpec {
    match &node(def, id).kind {
        NodeKind::CallActivity { call, .. } => call,
        other => panic!("{id} is {other:?}"),
    }
}

fn mapping(source: Option<&str>, expr: Option<&str>, target: Option<&str>, local: bool) -> VariableMapping {
    VariableMapping {
        source: source.map(str::to_owned),
        source_expression: expr.map(str::to_owned),
        target: target.map(str::to_owned),
        local,
    }
}

/// (element id, reason) of every problem of the process.
fn problems(body: &str) -> Vec<(String, String)> {
    let def = load(body);
    check_executable(&def, &def.processes[0]).into_iter().map(|u| (u.element_id, u.reason)).collect()
}

fn reason_of(problems: &[(String, String)], id: &str) -> String {
    problems.iter().find(|(e, _)| e == id).map(|(_, r)| r.clone()).unwrap_or_else(|| panic!("{id}: no problem"))
}

// ----- call activities ----------------------------------------------------------------------

#[test]
fn call_activity_without_extensions_calls_the_latest_version_passing_everything() {
    let def = load(r#"<callActivity id="ca" calledElement="child"/>"#);
    assert_eq!(call(&def, "ca"), &CallSpec::default());
    assert_eq!(call(&def, "ca").binding, CalledBinding::Latest);
    assert!(node(&def, "ca").ignored.is_empty());
}

#[test]
fn call_activity_with_camunda_binding_business_key_and_mappings() {
    let def = load(
        r##"<callActivity id="ca" calledElement="child" camunda:calledElementBinding="version" camunda:calledElementVersion="3">
  <extensionElements>
    <camunda:in businessKey="#{execution.processBusinessKey}"/>
    <camunda:in source="amount" target="total"/>
    <camunda:in sourceExpression="${amount * 2}" target="doubled" local="true"/>
    <camunda:out source="result" target="childResult"/>
    <camunda:out variables="all"/>
  </extensionElements>
</callActivity>
<callActivity id="tagged" calledElement="child" camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v1.2"/>
<callActivity id="same" calledElement="child" camunda:calledElementBinding="deployment">
  <extensionElements><camunda:in variables="all"/></extensionElements>
</callActivity>
<callActivity id="latest" calledElement="child" camunda:calledElementBinding="latest"/>"##,
    );
    let ca = call(&def, "ca");
    assert_eq!(ca.binding, CalledBinding::Version);
    assert_eq!(ca.version.as_deref(), Some("3"));
    assert_eq!(ca.business_key.as_deref(), Some("#{execution.processBusinessKey}"));
    assert_eq!(
        ca.inputs,
        [
            mapping(Some("amount"), None, Some("total"), false),
            mapping(None, Some("${amount * 2}"), Some("doubled"), true)
        ]
    );
    assert_eq!(ca.outputs, [mapping(Some("result"), None, Some("childResult"), false)]);
    assert!(!ca.inputs_all);
    assert!(ca.outputs_all);
    assert!(node(&def, "ca").ignored.is_empty(), "{:?}", node(&def, "ca").ignored);

    let tagged = call(&def, "tagged");
    assert_eq!(tagged.binding, CalledBinding::VersionTag);
    assert_eq!(tagged.version_tag.as_deref(), Some("v1.2"));
    let same = call(&def, "same");
    assert_eq!(same.binding, CalledBinding::Deployment);
    assert!(same.inputs_all && !same.outputs_all);
    assert!(same.inputs.is_empty());
    assert_eq!(call(&def, "latest").binding, CalledBinding::Latest);
    // Each binding with what it needs passes the check.
    let p = problems(
        r#"<startEvent id="s"/>
<callActivity id="ca" calledElement="child" camunda:calledElementBinding="version" camunda:calledElementVersion="3"/>
<callActivity id="tagged" calledElement="child" camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v1.2"/>
<callActivity id="same" calledElement="child" camunda:calledElementBinding="deployment"/>"#,
    );
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn call_activity_with_flowable_and_activiti_spellings() {
    let def = load(
        r#"<callActivity id="fl" calledElement="child" flowable:calledElementType="key" flowable:businessKey="${orderId}"
    flowable:inheritVariables="true" flowable:sameDeployment="true">
  <extensionElements>
    <flowable:in source="a" target="b"/>
    <flowable:in sourceExpression="${a + 1}" target="c"/>
    <flowable:out source="r" target="s"/>
  </extensionElements>
</callActivity>
<callActivity id="ac" calledElement="child">
  <extensionElements><activiti:in source="x" target="y"/><activiti:out variables="all"/></extensionElements>
</callActivity>
<callActivity id="byid" calledElement="child:3:abc" flowable:calledElementType="id"/>"#,
    );
    let fl = call(&def, "fl");
    assert_eq!(fl.binding, CalledBinding::Deployment);
    assert_eq!(fl.business_key.as_deref(), Some("${orderId}"));
    assert!(fl.inputs_all, "inheritVariables passes every variable in");
    assert!(!fl.outputs_all);
    assert_eq!(
        fl.inputs,
        [mapping(Some("a"), None, Some("b"), false), mapping(None, Some("${a + 1}"), Some("c"), false)]
    );
    assert_eq!(fl.outputs, [mapping(Some("r"), None, Some("s"), false)]);
    assert!(node(&def, "fl").ignored.is_empty(), "{:?}", node(&def, "fl").ignored);

    let ac = call(&def, "ac");
    assert_eq!(ac.inputs, [mapping(Some("x"), None, Some("y"), false)]);
    assert!(ac.outputs.is_empty() && ac.outputs_all);

    // Only keys are understood: an id-typed call says so.
    assert_eq!(
        node(&def, "byid").ignored,
        ["called element type \"id\" (flowable:calledElementType); calledElement is read as a process key"]
    );
}

#[test]
fn call_activity_version_binding_without_version_is_refused() {
    let p = problems(
        r#"<startEvent id="s"/>
<callActivity id="v" calledElement="child" camunda:calledElementBinding="version"/>
<callActivity id="t" calledElement="child" camunda:calledElementBinding="versionTag"/>
<callActivity id="odd" calledElement="child" camunda:calledElementBinding="newest"/>"#,
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(reason_of(&p, "v").contains("add calledElementVersion"), "{p:?}");
    assert!(reason_of(&p, "t").contains("add calledElementVersionTag"), "{p:?}");
    let def = load(r#"<callActivity id="odd" calledElement="child" camunda:calledElementBinding="newest"/>"#);
    assert_eq!(call(&def, "odd").binding, CalledBinding::Latest);
    assert_eq!(
        node(&def, "odd").ignored,
        ["unknown binding \"newest\" (camunda:calledElementBinding); the latest version is called"]
    );
}

// ----- what the engine ignores --------------------------------------------------------------

#[test]
fn form_data_loops_and_unknown_extensions_are_listed_as_ignored_and_listeners_are_read() {
    let def = load(
        r#"<userTask id="u" camunda:assignee="kermit" camunda:candidateGroups="sales" camunda:formKey="f" camunda:asyncBefore="true" camunda:asyncAfter="true" zeebe:modelerTemplate="x" xsi:type="tUserTask">
  <extensionElements>
    <camunda:executionListener event="start" class="a.B"/>
    <camunda:taskListener event="create" class="a.C"/>
    <camunda:taskListener event="complete" class="a.D"/>
    <camunda:formData><camunda:formField id="amount" type="long"/></camunda:formData>
    <camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter></camunda:inputOutput>
    <camunda:properties><camunda:property name="p" value="v"/></camunda:properties>
    <zeebe:taskDefinition type="work"/>
  </extensionElements>
  <standardLoopCharacteristics/>
</userTask>
<userTask id="fu" flowable:assignee="a" flowable:skipExpression="${skip}">
  <extensionElements>
    <flowable:executionListener event="end" expression="${x}"/>
    <flowable:taskListener event="assignment" class="a.E"/>
    <flowable:formProperty id="days" type="long"/>
    <flowable:formProperty id="reason" type="string"/>
  </extensionElements>
</userTask>
<startEvent id="s" flowable:initiator="starter" activiti:formKey="start"/>
<serviceTask id="plain" camunda:class="a.F" camunda:resultVariable="r">
  <extensionElements><camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter></camunda:inputOutput></extensionElements>
</serviceTask>
<serviceTask id="http" camunda:asyncBefore="true">
  <extensionElements>
    <camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>
    <camunda:inputOutput><camunda:inputParameter name="url">http://x</camunda:inputParameter></camunda:inputOutput>
    <camunda:failedJobRetryTimeCycle>R3/PT1M</camunda:failedJobRetryTimeCycle>
  </extensionElements>
</serviceTask>
<serviceTask id="fhttp" flowable:type="http" flowable:async="true" flowable:exclusive="false">
  <extensionElements><flowable:field name="requestUrl"><flowable:string>http://x</flowable:string></flowable:field></extensionElements>
</serviceTask>
<endEvent id="e"><messageEventDefinition messageRef="M_paid" camunda:topic="a.G"/></endEvent>"#,
    );
    assert_eq!(
        node(&def, "u").ignored,
        [
            "asynchronous continuation after the element (camunda:asyncAfter)",
            "attribute of another tool (zeebe:modelerTemplate)",
            "form data (camunda:formData)",
            "input/output mapping (camunda:inputOutput)",
            "properties (camunda:properties)",
            "extension element of another tool (zeebe:taskDefinition)",
            "standard loop (standardLoopCharacteristics)",
        ]
    );
    assert_eq!(
        node(&def, "fu").ignored,
        ["skip expression (flowable:skipExpression)", "form property (flowable:formProperty)",]
    );
    // Flowable's listeners are read (the class one is refused by the executability check).
    let listeners: Vec<_> =
        node(&def, "fu").listeners.iter().map(|l| (l.tag.as_str(), l.event, l.action.clone())).collect();
    assert_eq!(
        listeners,
        [
            ("flowable:executionListener", Some(ListenerEvent::End), ListenerAction::Expression("${x}".into())),
            ("flowable:taskListener", Some(ListenerEvent::Assignment), ListenerAction::Java("class=\"a.E\"".into())),
        ]
    );
    assert_eq!(node(&def, "s").ignored, ["initiator variable (flowable:initiator)", "form key (activiti:formKey)"]);
    assert_eq!(
        node(&def, "plain").ignored,
        ["result variable (camunda:resultVariable)", "input/output mapping (camunda:inputOutput)"]
    );
    // What the web-service call reads is not listed.
    assert!(node(&def, "http").ignored.is_empty(), "{:?}", node(&def, "http").ignored);
    assert!(node(&def, "fhttp").ignored.is_empty(), "{:?}", node(&def, "fhttp").ignored);
    assert_eq!(node(&def, "e").ignored, ["attribute of the messageEventDefinition (camunda:topic)"]);

    // One warning per item, naming the element and its line.
    let warnings = deploy_warnings(&def.processes[0]);
    assert_eq!(warnings.len(), 7 + 2 + 2 + 2 + 1, "listeners are no longer warnings: they run or are refused");
    let first = &warnings[0];
    assert_eq!((first.element_id.as_str(), first.element_type.as_str(), first.line), ("u", "userTask", 12));
    assert_eq!(first.text, "asynchronous continuation after the element (camunda:asyncAfter)");
    let end = warnings.last().expect("the end event's warning");
    assert_eq!((end.element_id.as_str(), end.element_type.as_str()), ("e", "endEvent (message)"));
    // In the shape of the not-startable reasons, told apart by the start of the reason.
    let u = first.to_unsupported();
    assert_eq!(u.reason, format!("{IGNORED}: asynchronous continuation after the element (camunda:asyncAfter)"));
    assert!(u.is_ignored() && is_ignored_reason(&u.reason));
    assert!(!is_ignored_reason("not supported yet: scripts do not run here"));
    // Warnings do not make the process unstartable.
    let startable = load(
        r#"<startEvent id="s"><extensionElements><camunda:formData/></extensionElements></startEvent>
<endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/>"#,
    );
    assert!(check_executable(&startable, &startable.processes[0]).is_empty());
    // A Java listener does (the listener check names it).
    let problems = check_executable(&def, &def.processes[0]);
    assert!(problems.iter().any(|p| p.element_id == "u" && p.reason.contains("runs Java code (class=\"a.B\")")));
    assert_eq!(deploy_warnings(&startable.processes[0]).len(), 1);
}

#[test]
fn foreign_extension_elements_keep_ids_out_of_the_duplicate_check() {
    // Another tool's extension element may reuse an id of the model: not a duplicate.
    let def = load(
        r#"<task id="t"><extensionElements><zeebe:properties id="t"><zeebe:property name="a"/></zeebe:properties></extensionElements></task>"#,
    );
    assert_eq!(node(&def, "t").ignored, ["extension element of another tool (zeebe:properties)"]);
}

// ----- the executability check of events ----------------------------------------------------

#[test]
fn event_elements_of_the_events_issue_pass_the_check() {
    let p = problems(
        r#"<startEvent id="s"/>
<startEvent id="sm"><messageEventDefinition messageRef="M_paid"/></startEvent>
<startEvent id="ss"><signalEventDefinition signalRef="S_stop"/></startEvent>
<startEvent id="st"><timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition></startEvent>
<intermediateCatchEvent id="cm"><messageEventDefinition messageRef="M_paid"/></intermediateCatchEvent>
<intermediateCatchEvent id="cs"><signalEventDefinition signalRef="S_stop"/></intermediateCatchEvent>
<intermediateCatchEvent id="ct"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition></intermediateCatchEvent>
<intermediateCatchEvent id="cl"><linkEventDefinition name="jump"/></intermediateCatchEvent>
<intermediateThrowEvent id="tn"/>
<intermediateThrowEvent id="ts"><signalEventDefinition signalRef="S_stop"/></intermediateThrowEvent>
<intermediateThrowEvent id="tm"><messageEventDefinition/></intermediateThrowEvent>
<intermediateThrowEvent id="tx"><escalationEventDefinition escalationRef="X_late"/></intermediateThrowEvent>
<intermediateThrowEvent id="tl"><linkEventDefinition name="jump"/></intermediateThrowEvent>
<endEvent id="en"/><endEvent id="et"><terminateEventDefinition/></endEvent>
<endEvent id="ee"><errorEventDefinition errorRef="E_fail"/></endEvent>
<endEvent id="es"><signalEventDefinition signalRef="S_stop"/></endEvent>
<endEvent id="em"><messageEventDefinition messageRef="M_paid"/></endEvent>
<endEvent id="ex"><escalationEventDefinition escalationRef="X_late"/></endEvent>
<subProcess id="sub"><startEvent id="sub_s"/><endEvent id="sub_e"/></subProcess>
<callActivity id="ca" calledElement="child"/>
<serviceTask id="svc"/><sendTask id="snd"/><receiveTask id="rcv" messageRef="M_paid"/>
<boundaryEvent id="bm" attachedToRef="sub" cancelActivity="false"><messageEventDefinition messageRef="M_paid"/></boundaryEvent>
<boundaryEvent id="bs" attachedToRef="sub"><signalEventDefinition signalRef="S_stop"/></boundaryEvent>
<boundaryEvent id="bt" attachedToRef="rcv"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
<boundaryEvent id="be" attachedToRef="ca"><errorEventDefinition/></boundaryEvent>
<boundaryEvent id="bx" attachedToRef="svc" cancelActivity="false"><escalationEventDefinition escalationRef="X_late"/></boundaryEvent>
<eventBasedGateway id="g"/>
<intermediateCatchEvent id="g_m"><messageEventDefinition messageRef="M_paid"/></intermediateCatchEvent>
<intermediateCatchEvent id="g_t"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>
<sequenceFlow id="f1" sourceRef="g" targetRef="g_m"/><sequenceFlow id="f2" sourceRef="g" targetRef="g_t"/>
<sequenceFlow id="f3" sourceRef="g" targetRef="rcv"/>
<subProcess id="esp_m" triggeredByEvent="true"><startEvent id="esp_m_s" isInterrupting="false"><messageEventDefinition messageRef="M_paid"/></startEvent></subProcess>
<subProcess id="esp_s" triggeredByEvent="true"><startEvent id="esp_s_s"><signalEventDefinition signalRef="S_stop"/></startEvent></subProcess>
<subProcess id="esp_t" triggeredByEvent="true"><startEvent id="esp_t_s"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></startEvent></subProcess>
<subProcess id="esp_e" triggeredByEvent="true"><startEvent id="esp_e_s"><errorEventDefinition/></startEvent></subProcess>
<subProcess id="esp_x" triggeredByEvent="true"><startEvent id="esp_x_s"><escalationEventDefinition escalationRef="X_late"/></startEvent></subProcess>"#,
    );
    assert!(p.is_empty(), "{p:#?}");
}

#[test]
fn still_refused_elements_say_what_to_do() {
    let p = problems(
        r#"<startEvent id="s"/>
<businessRuleTask id="rule"/>
<transaction id="tx"/><adHocSubProcess id="adhoc"/><complexGateway id="cx"/>
<intermediateCatchEvent id="cond"><conditionalEventDefinition/></intermediateCatchEvent>
<intermediateThrowEvent id="comp"><compensateEventDefinition/></intermediateThrowEvent>
<endEvent id="cancel"><cancelEventDefinition/></endEvent>
<boundaryEvent id="multi" attachedToRef="rule"><messageEventDefinition messageRef="M_paid"/><signalEventDefinition signalRef="S_stop"/></boundaryEvent>
<startEvent id="err_start"><errorEventDefinition/></startEvent>"#,
    );
    let ids: Vec<&str> = p.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["rule", "tx", "adhoc", "cx", "cond", "comp", "cancel", "multi", "err_start"]);
    for (id, reason) in &p {
        assert!(reason.starts_with("not supported yet: "), "{id}: {reason}");
        assert!(reason.contains("; ") || reason.contains(", "), "{id} says what to do: {reason}");
    }
    assert!(reason_of(&p, "rule").contains("decision"));
    assert!(reason_of(&p, "cx").contains("inclusive or parallel gateway"));
    assert!(reason_of(&p, "cond").contains("exclusive gateway"));
    assert!(reason_of(&p, "multi").contains("one event per trigger"));
    assert!(reason_of(&p, "err_start").contains("put error and escalation start events in an event sub-process"));
}

#[test]
fn catch_events_without_a_name_are_refused() {
    let p = problems(
        r#"<startEvent id="s"/>
<startEvent id="sm"><messageEventDefinition/></startEvent>
<intermediateCatchEvent id="cs"><signalEventDefinition/></intermediateCatchEvent>
<boundaryEvent id="bm" attachedToRef="rcv"><messageEventDefinition/></boundaryEvent>
<receiveTask id="rcv"/>
<intermediateThrowEvent id="ts"><signalEventDefinition/></intermediateThrowEvent>
<endEvent id="ex"><escalationEventDefinition/></endEvent>
<intermediateThrowEvent id="tm"><messageEventDefinition/></intermediateThrowEvent>"#,
    );
    assert_eq!(
        p,
        [
            ("sm".to_owned(), "has no messageRef; name the message it waits for".to_owned()),
            ("cs".to_owned(), "has no signalRef; name the signal it waits for".to_owned()),
            ("bm".to_owned(), "has no messageRef; name the message it waits for".to_owned()),
            ("rcv".to_owned(), "has no messageRef; name the message it waits for".to_owned()),
            ("ts".to_owned(), "has no signalRef; name the signal it broadcasts".to_owned()),
            (
                "ex".to_owned(),
                "has no escalationRef (or its escalation no escalationCode); name the escalation it raises".to_owned()
            ),
        ],
        "a message throw without a message passes through, as in Camunda"
    );
}

#[test]
fn link_throw_needs_a_catch_of_that_name_in_its_scope() {
    let p = problems(
        r#"<startEvent id="s"/>
<intermediateThrowEvent id="ok"><linkEventDefinition name="a"/></intermediateThrowEvent>
<intermediateCatchEvent id="a"><linkEventDefinition name="a"/></intermediateCatchEvent>
<intermediateThrowEvent id="typo"><linkEventDefinition name="b"/></intermediateThrowEvent>
<intermediateThrowEvent id="nameless"><linkEventDefinition/></intermediateThrowEvent>
<subProcess id="sub"><startEvent id="sub_s"/>
  <intermediateThrowEvent id="inner"><linkEventDefinition name="a"/></intermediateThrowEvent>
  <intermediateCatchEvent id="c1"><linkEventDefinition name="c"/></intermediateCatchEvent>
  <intermediateCatchEvent id="c2"><linkEventDefinition name="c"/></intermediateCatchEvent>
</subProcess>"#,
    );
    let ids: Vec<&str> = p.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["typo", "nameless", "inner", "c1", "c2"], "{p:#?}");
    assert_eq!(
        reason_of(&p, "typo"),
        "no link catch event named \"b\" in the same scope; add one, or correct the name"
    );
    assert_eq!(
        reason_of(&p, "inner"),
        "no link catch event named \"a\" in the same scope; add one, or correct the name",
        "the catch at process level is in another scope"
    );
    assert!(reason_of(&p, "nameless").starts_with("has no link name"));
    assert!(reason_of(&p, "c1").contains("are named \"c\""));
}

#[test]
fn event_based_gateway_leads_only_to_catch_events_and_receive_tasks() {
    let p = problems(
        r#"<startEvent id="s"/>
<eventBasedGateway id="g"/>
<intermediateCatchEvent id="m"><messageEventDefinition messageRef="M_paid"/></intermediateCatchEvent>
<userTask id="u"/>
<sequenceFlow id="f1" sourceRef="g" targetRef="m"/><sequenceFlow id="f2" sourceRef="g" targetRef="u"/>
<eventBasedGateway id="g2"/>
<intermediateCatchEvent id="l"><linkEventDefinition name="x"/></intermediateCatchEvent>
<sequenceFlow id="f3" sourceRef="g2" targetRef="l"/>"#,
    );
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(
        reason_of(&p, "g"),
        "an event-based gateway may only lead to message, signal or timer catch events and receive tasks, \
         but \"u\" is a userTask; put a catch event in front of it"
    );
    assert!(reason_of(&p, "g2").contains("\"l\" is a intermediateCatchEvent (link)"), "{p:?}");
}

#[test]
fn event_sub_process_needs_exactly_one_start_event_with_a_trigger() {
    let p = problems(
        r#"<startEvent id="s"/>
<subProcess id="none" triggeredByEvent="true"><task id="t"/></subProcess>
<subProcess id="two" triggeredByEvent="true">
  <startEvent id="two_a"><messageEventDefinition messageRef="M_paid"/></startEvent>
  <startEvent id="two_b"><signalEventDefinition signalRef="S_stop"/></startEvent>
</subProcess>
<subProcess id="plain_start" triggeredByEvent="true"><startEvent id="ps"/></subProcess>
<subProcess id="embedded"><startEvent id="emb_m"><messageEventDefinition messageRef="M_paid"/></startEvent></subProcess>"#,
    );
    let ids: Vec<&str> = p.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["none", "two", "ps", "emb_m"], "{p:#?}");
    assert!(reason_of(&p, "none").contains("this one has 0; keep one"));
    assert!(reason_of(&p, "two").contains("this one has 2; keep one"));
    assert!(reason_of(&p, "ps").contains("needs a trigger"), "{p:?}");
    assert!(reason_of(&p, "emb_m").contains("remove the event definition"), "{p:?}");
}
