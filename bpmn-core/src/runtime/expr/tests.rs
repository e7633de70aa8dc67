//! Unit tests of the evaluator: operators, coercions, functions, errors.

use super::*;
use serde_json::json;

fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn ev(text: &str, v: Value) -> Result<Value, ExprError> {
    evaluate(text, &vars(v))
}

#[test]
fn conditions_from_real_models() {
    assert_eq!(ev("${amount > 1000}", json!({"amount": 1500})), Ok(json!(true)));
    assert_eq!(ev("${amount > 1000}", json!({"amount": 999.5})), Ok(json!(false)));
    assert_eq!(ev("${approved}", json!({"approved": true})), Ok(json!(true)));
    assert_eq!(ev("${initiator}", json!({"initiator": "alice"})), Ok(json!("alice")));
    let v = json!({"nrOfCompletedInstances": 2, "nrOfInstances": 4});
    assert_eq!(ev("${nrOfCompletedInstances/nrOfInstances >= 0.5}", v.clone()), Ok(json!(true)));
    assert_eq!(ev("${nrOfCompletedInstances / nrOfInstances gt 0.5}", v), Ok(json!(false)));
}

#[test]
fn literals_and_plain_text() {
    assert_eq!(ev("manager", json!({})), Ok(json!("manager")));
    assert_eq!(ev("", json!({})), Ok(json!("")));
    assert_eq!(ev("${'it''s'}", json!({})).ok(), None, "two adjacent strings are a syntax error");
    assert_eq!(ev(r#"${"a}b"}"#, json!({})), Ok(json!("a}b")));
    assert_eq!(ev("${'x\\'y'}", json!({})), Ok(json!("x'y")));
    assert_eq!(ev("${null}", json!({})), Ok(json!(null)));
    assert_eq!(ev("${1.5e2}", json!({})), Ok(json!(150.0)));
    assert_eq!(
        ev("Order ${id} for ${who.name}", json!({"id": 7, "who": {"name": "Bob"}})),
        Ok(json!("Order 7 for Bob"))
    );
    assert_eq!(ev("#{x}", json!({"x": 1})), Ok(json!(1)));
    assert_eq!(ev("\n  ${x > 0} ", json!({"x": 1})), Ok(json!(true)));
    assert_eq!(ev(" ${x} ${x}", json!({"x": 1})), Ok(json!(" 1 1")));
}

#[test]
fn operators() {
    let v = json!({"a": 7, "b": 2, "s": "x", "list": [], "obj": {"k": [10, 20]}, "t": true, "f": false});
    let cases = [
        ("${a + b * 3}", json!(13)),
        ("${(a + b) * 3}", json!(27)),
        ("${a / b}", json!(3.5)),
        ("${a div b}", json!(3.5)),
        ("${a % b}", json!(1)),
        ("${a mod b}", json!(1)),
        ("${-a + 1}", json!(-6)),
        ("${a == 7.0}", json!(true)),
        ("${a eq 7 and b ne 3}", json!(true)),
        ("${a lt b or a ge 7}", json!(true)),
        ("${a <= 7 && b > 1}", json!(true)),
        ("${!t || not f}", json!(true)),
        ("${s == 'x'}", json!(true)),
        ("${s != \"x\"}", json!(false)),
        ("${'abc' < 'abd'}", json!(true)),
        ("${empty list}", json!(true)),
        ("${empty s}", json!(false)),
        ("${empty obj.missing}", json!(true)),
        ("${not empty obj}", json!(true)),
        ("${obj.k[1]}", json!(20)),
        ("${obj['k'][0] + 1}", json!(11)),
        ("${s + 'y'}", json!("xy")),
        ("${f && unknown}", json!(false)),
        ("${t || unknown}", json!(true)),
    ];
    for (text, want) in cases {
        assert_eq!(ev(text, v.clone()), Ok(want), "{text}");
    }
}

#[test]
fn errors_name_the_expression_and_the_problem() {
    let e = ev("${amount > 1000}", json!({})).expect_err("unknown variable");
    assert_eq!(e, ExprError::UnknownVariable { expr: "${amount > 1000}".into(), name: "amount".into() });
    assert_eq!(e.to_string(), "expression `${amount > 1000}`: unknown variable `amount`");

    let e = ev("${amount > 1000}", json!({"amount": "lots"})).expect_err("type mismatch");
    assert!(matches!(e, ExprError::TypeMismatch { .. }), "{e:?}");
    assert_eq!(e.to_string(), "expression `${amount > 1000}`: `>` cannot compare a string with a number");

    // Only top-level names must exist; a missing property reads as null.
    assert!(matches!(ev("${nope.x == null}", json!({})), Err(ExprError::UnknownVariable { .. })));
    assert!(matches!(ev("${1 / 0}", json!({})), Err(ExprError::Arithmetic { .. })));
    assert!(matches!(ev("${1 % 0}", json!({})), Err(ExprError::Arithmetic { .. })));
    assert!(matches!(ev("${9223372036854775807 + 1}", json!({})), Err(ExprError::Arithmetic { .. })));
    assert!(matches!(ev("${a >}", json!({"a": 1})), Err(ExprError::Syntax { .. })));
    assert!(matches!(ev("${a", json!({"a": 1})), Err(ExprError::Syntax { pos: 0, .. })));
    assert!(matches!(ev("${(a}", json!({"a": 1})), Err(ExprError::Syntax { .. })));
    assert!(matches!(ev("${a ? 1}", json!({"a": 1})), Err(ExprError::Syntax { .. })));
    assert!(matches!(ev("${'open}", json!({})), Err(ExprError::Syntax { .. })));
    assert!(matches!(ev("${}", json!({})), Err(ExprError::Syntax { .. })));

    let deep = format!("${{{}1{}}}", "(".repeat(500), ")".repeat(500));
    assert!(matches!(ev(&deep, json!({})), Err(ExprError::TooDeep { .. })));
    let long = format!("${{1{}}}", " + 1".repeat(5000));
    assert!(matches!(ev(&long, json!({})), Err(ExprError::TooDeep { .. })));
    let nots = format!("${{{}true}}", "!".repeat(5000));
    assert!(matches!(ev(&nots, json!({})), Err(ExprError::TooDeep { .. })));

    let e = evaluate_bool("${amount}", &vars(json!({"amount": 3}))).expect_err("not a boolean");
    assert!(e.to_string().contains("must be true or false"), "{e}");
}

#[test]
fn string_and_list_helpers() {
    let v = vars(json!({"boss": "carol", "team": ["a", "b"], "none": null}));
    assert_eq!(evaluate_string("${boss}", &v), Ok(Some("carol".into())));
    assert_eq!(evaluate_string("${none}", &v), Ok(None));
    assert_eq!(evaluate_list("${team}", &v), Ok(vec!["a".into(), "b".into()]));
    assert_eq!(evaluate_list("x, y,,z", &v), Ok(vec!["x".into(), "y".into(), "z".into()]));
    assert_eq!(evaluate_bool("true", &v), Ok(true));
}

/// Random texts built from expression-like fragments never panic (a tiny property test
/// with a fixed-seed generator, so failures reproduce).
#[test]
fn random_texts_never_panic() {
    const PIECES: &[&str] = &[
        "${",
        "#{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ".",
        "a",
        "b.c",
        "'s",
        "\"",
        "1",
        "2.5",
        "0",
        "-",
        "+",
        "*",
        "/",
        "%",
        "!",
        "&&",
        "||",
        "==",
        "<",
        ">=",
        " gt ",
        " and ",
        "empty ",
        "null",
        "true",
        " ",
        "é",
        "\\",
        "e9",
        "?",
        ":",
        ",",
        "var:",
        "gt(",
        "execution.",
        "getVariable(",
        "now()",
        "dateTime()",
        ".plusMonths(",
        ".substring(",
        ".size()",
        "var:contains(",
        "task.",
        "9223372036854775807",
        "'2024-01-31'",
    ];
    let v = Scope::new(json!({"a": 1, "b": {"c": [1, "x"]}}));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut text = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 12) as usize;
        for k in 0..len {
            let pick = (seed.rotate_left(k as u32 * 5) % PIECES.len() as u64) as usize;
            text.push_str(PIECES[pick]);
        }
        let _ = evaluate(&text, &v);
        let _ = check(&text);
    }
}

/// Variables with facts and a writable store, as a listener sees them.
struct Scope {
    vars: Map<String, Value>,
    task: Option<TaskFacts<'static>>,
    writable: bool,
    written: std::cell::RefCell<Vec<(String, Value)>>,
}

impl Scope {
    fn new(v: Value) -> Self {
        Scope { vars: vars(v), task: None, writable: false, written: std::cell::RefCell::new(Vec::new()) }
    }
}

impl Variables for Scope {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            instance_id: Some("pi-1"),
            business_key: Some("ORDER-7"),
            definition_id: Some("order:3"),
            activity_id: Some("approve"),
            task: self.task,
            now: Some(1_700_000_000_123),
        }
    }

    fn set_variable(&self, name: &str, value: Value) -> bool {
        if self.writable {
            self.written.borrow_mut().push((name.to_owned(), value));
        }
        self.writable
    }
}

/// Evaluates each `(text, expected)` against `scope`.
fn table(scope: &dyn Variables, cases: &[(&str, Value)]) {
    for (text, want) in cases {
        assert_eq!(evaluate(text, scope).as_ref(), Ok(want), "{text}");
    }
}

#[test]
fn juel_coercions() {
    let s = Scope::new(json!({"amount": "5000", "n": 5, "none": null, "flag": "true", "half": 0.5, "list": [1]}));
    table(
        &s,
        &[
            ("${'5000' > 1000}", json!(true)),
            ("${amount > 1000}", json!(true)),
            ("${amount >= 5000.0}", json!(true)),
            ("${'2.5' > 2}", json!(true)),
            ("${'1' == 1}", json!(true)),
            ("${1 == 1.0}", json!(true)),
            ("${'1' != 1}", json!(false)),
            ("${null > 5}", json!(false)),
            ("${null < 5}", json!(false)),
            ("${none >= 0}", json!(false)),
            ("${null == null}", json!(true)),
            ("${none == 0}", json!(false)),
            ("${none == ''}", json!(false)),
            ("${'true' == true}", json!(true)),
            ("${false == true}", json!(false)),
            ("${true != false}", json!(true)),
            ("${true == true}", json!(true)),
            ("${flag == true}", json!(true)),
            ("${'yes' == true}", json!(false)),
            ("${true > false}", json!(true)),
            ("${'abc' == 'abc'}", json!(true)),
            ("${'b' > 'a'}", json!(true)),
            ("${'5' + 3}", json!(8)),
            ("${'5' + '3'}", json!(8)),
            ("${'2.5' * 2}", json!(5.0)),
            ("${null + 1}", json!(1)),
            ("${n - '1'}", json!(4)),
            ("${-'3'}", json!(-3)),
            ("${'a' + 'b'}", json!("ab")),
            ("${half * 2 == 1}", json!(true)),
            ("${!none}", json!(true)),
            ("${flag && true}", json!(true)),
            ("${none || false}", json!(false)),
            ("${list[0] == 1}", json!(true)),
            ("${list['0']}", json!(1)),
            ("${none.deeper}", json!(null)),
        ],
    );
    let fails = ["${'abc' == 1}", "${'abc' > 1}", "${true + 1}", "${'a' + 1}", "${list > 1}", "${1 == true}", "${!5}"];
    for text in fails {
        assert!(matches!(evaluate(text, &s), Err(ExprError::TypeMismatch { .. })), "{text}");
    }
}

#[test]
fn ternary() {
    let s = Scope::new(json!({"days": 5, "none": null}));
    table(
        &s,
        &[
            ("${days > 3 ? 'manager' : 'lead'}", json!("manager")),
            ("${days > 9 ? 'ceo' : days > 3 ? 'manager' : 'lead'}", json!("manager")),
            ("${none ? 1 : 2}", json!(2)),
            ("${(days > 3 ? 10 : 0) + 1}", json!(11)),
            ("${days > 3 ? (days > 4 ? 'a' : 'b') : 'c'}", json!("a")),
            // The branch not taken is not evaluated.
            ("${true ? 1 : missing}", json!(1)),
        ],
    );
}

#[test]
fn execution_and_task() {
    let s = Scope::new(json!({"amount": 1200, "approved": false}));
    table(
        &s,
        &[
            ("${execution.processInstanceId}", json!("pi-1")),
            ("${execution.id}", json!("pi-1")),
            ("${execution.processBusinessKey}", json!("ORDER-7")),
            ("${execution.businessKey}", json!("ORDER-7")),
            ("${execution.currentActivityId}", json!("approve")),
            ("${execution.processDefinitionId}", json!("order:3")),
            ("${execution.getProcessInstanceId()}", json!("pi-1")),
            ("${execution.getProcessBusinessKey()}", json!("ORDER-7")),
            ("${execution.getCurrentActivityId()}", json!("approve")),
            ("${execution.getId()}", json!("pi-1")),
            ("${execution['processBusinessKey']}", json!("ORDER-7")),
            ("${execution.getVariable('amount') > 1000}", json!(true)),
            ("${execution.getVariable(\"missing\") == null}", json!(true)),
            ("${execution.getVariableLocal('amount')}", json!(1200)),
            ("${execution.hasVariable('approved')}", json!(true)),
            ("${execution.hasVariable('nope')}", json!(false)),
            ("Order ${execution.processBusinessKey} (${amount})", json!("Order ORDER-7 (1200)")),
        ],
    );
    // `task` is a variable like any other outside a task listener.
    assert_eq!(evaluate("${task}", &Scope::new(json!({"task": "x"}))), Ok(json!("x")));
    let mut listener = Scope::new(json!({}));
    listener.task = Some(TaskFacts { id: Some("t-9"), name: Some("Approve"), assignee: Some("bob") });
    table(
        &listener,
        &[
            ("${task.assignee}", json!("bob")),
            ("${task.name}", json!("Approve")),
            ("${task.id}", json!("t-9")),
            ("${task.getAssignee()}", json!("bob")),
            ("${task.getName() == 'Approve'}", json!(true)),
        ],
    );
    assert!(matches!(evaluate("${task}", &listener), Err(ExprError::TypeMismatch { .. })));
    assert!(matches!(evaluate("${task.owner}", &listener), Err(ExprError::UnknownFunction { .. })));
    assert!(matches!(evaluate("${execution}", &s), Err(ExprError::TypeMismatch { .. })));
}

#[test]
fn set_variable_only_where_allowed() {
    let s = Scope::new(json!({"n": 1}));
    let e = evaluate("${execution.setVariable('x', n + 1)}", &s).expect_err("conditions may not write");
    assert!(matches!(e, ExprError::NotAllowed { .. }), "{e:?}");
    assert!(e.to_string().contains("setVariable is only allowed in listeners and service expressions"), "{e}");
    assert!(s.written.borrow().is_empty());

    let mut writable = Scope::new(json!({"n": 1}));
    writable.writable = true;
    assert_eq!(evaluate("${execution.setVariable('x', n + 1)}", &writable), Ok(json!(null)));
    assert_eq!(*writable.written.borrow(), vec![("x".to_owned(), json!(2))]);
}

#[test]
fn methods_on_strings_lists_and_maps() {
    let s = Scope::new(json!({
        "name": "  Alice Smith ",
        "dept": "Finance",
        "roles": ["admin", "user", 3],
        "form": {"days": 4, "kind": "annual"},
        "blank": "",
    }));
    table(
        &s,
        &[
            ("${dept.equals('Finance')}", json!(true)),
            ("${dept.equals(1)}", json!(false)),
            ("${dept.equalsIgnoreCase('FINANCE')}", json!(true)),
            ("${dept.contains('nan')}", json!(true)),
            ("${dept.startsWith('Fin') && dept.endsWith('ce')}", json!(true)),
            ("${dept.length()}", json!(7)),
            ("${dept.toUpperCase()}", json!("FINANCE")),
            ("${dept.toLowerCase()}", json!("finance")),
            ("${name.trim()}", json!("Alice Smith")),
            ("${name.trim().substring(6)}", json!("Smith")),
            ("${name.trim().substring(0, 5)}", json!("Alice")),
            ("${dept.indexOf('n')}", json!(2)),
            ("${dept.indexOf('z')}", json!(-1)),
            ("${blank.isEmpty()}", json!(true)),
            ("${dept.toString()}", json!("Finance")),
            ("${roles.contains('admin')}", json!(true)),
            ("${roles.contains(3)}", json!(true)),
            ("${roles.contains('3')}", json!(false)),
            ("${roles.size()}", json!(3)),
            ("${roles.get(1)}", json!("user")),
            ("${roles.indexOf('user')}", json!(1)),
            ("${roles.isEmpty()}", json!(false)),
            ("${form.get('days') > 3}", json!(true)),
            ("${form.containsKey('kind')}", json!(true)),
            ("${form.size()}", json!(2)),
            ("${form.kind.equals('annual')}", json!(true)),
            ("${'中文'.length()}", json!(2)),
        ],
    );
    let bad = [
        ("${dept.substring(9)}", "BadArgument"),
        ("${dept.substring(3, 1)}", "BadArgument"),
        ("${roles.get(7)}", "BadArgument"),
        ("${roles.toUpperCase()}", "TypeMismatch"),
        ("${missing_prop.size()}", "UnknownVariable"),
        ("${form.nothing.size()}", "TypeMismatch"),
        ("${dept.frobnicate()}", "UnknownFunction"),
        ("${dept.substring()}", "UnknownFunction"),
    ];
    for (text, kind) in bad {
        let e = evaluate(text, &s).expect_err(text);
        assert!(format!("{e:?}").starts_with(kind), "{text}: {e:?}");
    }
}

#[test]
fn flowable_variable_functions() {
    let s = Scope::new(json!({
        "approve": true,
        "days": 5,
        "amount": "5000",
        "reason": "",
        "tags": ["urgent", "vip"],
        "note": "call the customer",
        "none": null,
    }));
    table(
        &s,
        &[
            ("${var:equals(approve, true)}", json!(true)),
            ("${var:equals('approve', true)}", json!(true)),
            ("${var:eq(approve, false)}", json!(false)),
            ("${var:notEquals(approve, true)}", json!(false)),
            ("${var:ne(days, 4)}", json!(true)),
            ("${var:equals(days, '5')}", json!(true)),
            ("${var:equals(missing, null)}", json!(true)),
            ("${var:equals(approve, 'abc')}", json!(false)),
            ("${variables:getOrDefault('days', 0) > 3}", json!(true)),
            ("${variables:getOrDefault(missing, 0) > 3}", json!(false)),
            ("${variables:getOrDefault(none, 'x')}", json!("x")),
            ("${variables:get(days)}", json!(5)),
            ("${variables:get(missing)}", json!(null)),
            ("${vars:exists(days)}", json!(true)),
            ("${vars:exists(missing)}", json!(false)),
            ("${var:isEmpty(reason)}", json!(true)),
            ("${var:isEmpty(missing)}", json!(true)),
            ("${var:isNotEmpty(tags)}", json!(true)),
            ("${var:contains(tags, 'vip')}", json!(true)),
            ("${var:contains(tags, 'vip', 'urgent')}", json!(true)),
            ("${var:contains(tags, 'vip', 'other')}", json!(false)),
            ("${var:containsAny(tags, 'other', 'vip')}", json!(true)),
            ("${var:contains(note, 'customer')}", json!(true)),
            ("${var:contains(missing, 'x')}", json!(false)),
            ("${var:greaterThan(days, 3)}", json!(true)),
            ("${var:gt(amount, 1000)}", json!(true)),
            ("${var:gte(days, 5)}", json!(true)),
            ("${var:lt(days, 5)}", json!(false)),
            ("${var:lte(days, 5)}", json!(true)),
            ("${var:lowerThan(days, 10)}", json!(true)),
            ("${var:lowerThanOrEquals(days, 4)}", json!(false)),
            ("${var:greaterThanOrEquals(missing, 1)}", json!(false)),
            ("${var:equals(approve, true) && var:gt(days, 3)}", json!(true)),
            ("${days > 3 ? var:get(days) : 0}", json!(5)),
            // ruoyi-vue-pro's condition builder.
            ("${ vars:getOrDefault(days, null) > var:convertByType(days, 3) }", json!(true)),
            ("${ vars:getOrDefault(amount, null) >= var:convertByType(amount, 5000) }", json!(true)),
            ("${var:convertByType(amount, 5000)}", json!("5000")),
            ("${var:convertByType(days, '3')}", json!(3)),
            ("${var:convertByType(approve, 'true')}", json!(true)),
            ("${var:convertByType(missing, 3)}", json!(3)),
            ("${ vars:getOrDefault(missing, null) > var:convertByType(missing, 3) }", json!(false)),
            ("${(vars:getOrDefault(days, null) == var:convertByType(days, 5)) || (vars:getOrDefault(note, null) == var:convertByType(note, \"x\"))}", json!(true)),
        ],
    );
}

#[test]
fn now_and_date_time() {
    let s = Scope::new(json!({"due": "2023-11-20T00:00:00Z", "start": "2024-01-31T10:00:00Z"}));
    table(
        &s,
        &[
            ("${now()}", json!("2023-11-14T22:13:20.123Z")),
            ("${dateTime()}", json!("2023-11-14T22:13:20.123Z")),
            ("${dateTime().plusDays(1)}", json!("2023-11-15T22:13:20.123Z")),
            ("${dateTime().plusHours(2).toDate()}", json!("2023-11-15T00:13:20.123Z")),
            ("${dateTime().minusMinutes(13)}", json!("2023-11-14T22:00:20.123Z")),
            ("${dateTime().plusWeeks(1)}", json!("2023-11-21T22:13:20.123Z")),
            ("${now() < due}", json!(true)),
            ("${dateTime().plusDays(7) > due}", json!(true)),
            ("${dateTime().isBefore(due)}", json!(true)),
            ("${start.plusMonths(1)}", json!("2024-02-29T10:00:00.000Z")),
            ("${start.plusYears(1).plusMonths(1)}", json!("2025-02-28T10:00:00.000Z")),
            ("${start.minusMonths(2)}", json!("2023-11-30T10:00:00.000Z")),
            ("${start.getMillis()}", json!(1_706_695_200_000_i64)),
        ],
    );
    assert!(matches!(evaluate("${'soon'.plusDays(1)}", &s), Err(ExprError::BadArgument { .. })));
    assert!(matches!(evaluate("${start.plusYears(9223372036854775807)}", &s), Err(ExprError::Arithmetic { .. })));
    // A plain map knows no time: `now()` says so instead of guessing.
    let e = ev("${now()}", json!({})).expect_err("no time");
    assert!(matches!(e, ExprError::NotAllowed { .. }), "{e:?}");
}

#[test]
fn check_refuses_syntax_errors_and_unknown_functions_with_positions() {
    for ok in [
        "${var:equals(approve, true)}",
        "${variables:getOrDefault('days', 0) > 3}",
        "${execution.getVariable('amount') > 1000}",
        "${genderBean.getGenderString(gender)}",
        "${a ? b : c}",
        "${now()}",
        "plain text",
        "Order ${id}",
        "${var:gt(days, 3) and var:lt(days, 9)}",
    ] {
        assert_eq!(check(ok), Ok(()), "{ok}");
    }
    let cases = [
        ("${amount >}", 10, "Syntax"),
        ("${foo:bar(x)}", 2, "UnknownFunction"),
        ("${var:frobnicate(x)}", 2, "UnknownFunction"),
        ("${var:equals(x)}", 2, "UnknownFunction"),
        ("${today()}", 2, "UnknownFunction"),
        ("${a > 1 && execution.getEngine()}", 21, "UnknownFunction"),
        ("${execution.tenant}", 12, "UnknownFunction"),
        ("ok ${x == 1} then ${var:nope(y)}", 20, "UnknownFunction"),
        ("${a ? b}", 7, "Syntax"),
        ("${f(1,)}", 6, "Syntax"),
        ("${now(,)}", 6, "Syntax"),
    ];
    for (text, at, kind) in cases {
        let e = check(text).expect_err(text);
        let pos = match &e {
            ExprError::Syntax { pos, .. } | ExprError::UnknownFunction { pos, .. } => *pos,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!((pos, format!("{e:?}").starts_with(kind)), (at, true), "{text}: {e}");
    }
    let e = check("${foo:bar(x)}").expect_err("unknown prefix");
    assert!(e.to_string().contains("unknown function prefix `foo:`"), "{e}");
    let e = check("${var:frobnicate(x)}").expect_err("unknown var function");
    assert!(e.to_string().contains("unknown variable function `var:frobnicate`"), "{e}");
    assert!(e.to_string().contains("getOrDefault"), "{e}");
    let e = check("${var:equals(x)}").expect_err("arity");
    assert!(e.to_string().contains("`var:equals` takes 2 argument(s), not 1"), "{e}");
}
