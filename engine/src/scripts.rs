//! The engine's script runner: the JavaScript of script tasks, script conditions and script
//! listeners runs in QuickJS (the `rquickjs` bindings), embedded and sandboxed.
//!
//! - **Nothing outside**: a context has only the ECMAScript built-ins. There is no module
//!   loader (`import` fails), and no `require`, `std`, `os`, `fetch`, timers or console.
//! - **Limits** per evaluation: time ([`Limits::time`], 1 s unless `BPM_SCRIPT_TIMEOUT_MS`
//!   says otherwise; an interrupt handler stops the script), memory (32 MB per runtime) and
//!   stack (256 KB).
//! - **Reuse**: each thread keeps one runtime and context ([`thread_local!`]), set up once:
//!   the built-ins and the global object are frozen, so that an evaluation cannot leave
//!   anything behind for the next one (of another instance or tenant). A script runs inside a
//!   function (`var`, `let` and `const` are its own); after a failure (an error, a time or
//!   memory limit) the runtime is dropped and the next evaluation gets a fresh one.
//! - **Variables cross as JSON**: the variables the token sees are the script's free names
//!   (`amount * 2`) and `execution.getVariable('amount')`; `execution.setVariable(name,
//!   value)` records a write, which the core applies to the token's scope. The script's
//!   value is that of its last statement. Task listeners also see `task.name` and
//!   `task.assignee`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rquickjs::{CatchResultExt, CaughtError, Context, Function, Runtime};
use serde_json::{json, Map, Value};

use crate::error::Text;
use crate::runtime::{ScriptCall, ScriptOutcome, ScriptRunner};

/// The limits of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long one evaluation may run.
    pub time: Duration,
    /// The memory of a thread's runtime (the built-ins take about 1 MB of it).
    pub memory: usize,
    /// How deep a script's stack may grow.
    pub stack: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { time: Duration::from_secs(1), memory: 32 << 20, stack: 256 << 10 }
    }
}

impl Limits {
    /// The defaults, with the time from `BPM_SCRIPT_TIMEOUT_MS` when it is set to a number.
    pub fn from_env() -> Self {
        let time = std::env::var("BPM_SCRIPT_TIMEOUT_MS").ok().and_then(|v| v.trim().parse::<u64>().ok());
        Limits { time: time.map_or(Limits::default().time, Duration::from_millis), ..Limits::default() }
    }
}

/// Runs JavaScript for the core ([`ScriptRunner`]) within its [`Limits`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsRunner {
    pub limits: Limits,
}

/// The runner the engine's commands use: limits from the environment, read once.
pub fn runner() -> &'static JsRunner {
    static RUNNER: OnceLock<JsRunner> = OnceLock::new();
    RUNNER.get_or_init(|| JsRunner { limits: Limits::from_env() })
}

impl ScriptRunner for JsRunner {
    fn run(&self, call: &ScriptCall<'_>) -> Result<ScriptOutcome, Text> {
        let variables = serde_json::to_string(call.variables).map_err(bad_answer)?;
        let facts = facts_json(call).to_string();
        SANDBOX.with(|cell| {
            let mut slot = cell.borrow_mut();
            let sandbox = match slot.take() {
                Some(s) if s.limits == self.limits => s,
                _ => Sandbox::new(self.limits)?,
            };
            let result = sandbox.eval(call.source, &variables, &facts);
            // A sandbox whose evaluation failed may be in any state: it is not reused.
            if result.is_ok() {
                *slot = Some(sandbox);
            }
            result
        })
    }
}

/// JSON the script's sandbox could not write or read back.
fn bad_answer(e: serde_json::Error) -> Text {
    Text::new("run.script.bad_answer").with("detail", e)
}

thread_local! {
    /// This thread's sandbox, made on first use.
    static SANDBOX: RefCell<Option<Sandbox>> = const { RefCell::new(None) };
}

/// What `execution.…` and `task.…` read, as JSON.
fn facts_json(call: &ScriptCall<'_>) -> Value {
    let f = &call.facts;
    let task = f.task.map(|t| json!({"id": t.id, "name": t.name, "assignee": t.assignee}));
    json!({
        "processInstanceId": f.instance_id,
        "businessKey": f.business_key,
        "processDefinitionId": f.definition_id,
        "activityId": f.activity_id,
        "task": task,
    })
}

/// Set up once per context: the function that runs a script, then the frozen world.
const PRELUDE: &str = r#"
(function () {
  "use strict";
  // Sloppy on purpose: `with` makes the variables the script's free names. A script that is
  // one expression (the usual one-liner) is compiled once into a function returning it; any
  // other runs through a direct `eval`, which gives the value of its last statement and keeps
  // its declarations local.
  const byEval = new Function("__bpm_scope", "__bpm_src", "with (__bpm_scope) { return eval(__bpm_src); }");
  const compiled = new Map();
  const compile = (src) => {
    let f = compiled.get(src);
    if (f === undefined) {
      try {
        const g = new Function("__bpm_scope", "with (__bpm_scope) { return (\n" + src + "\n); }");
        f = (scope) => g(scope);
      } catch (e) {
        f = (scope) => byEval(scope, src);
      }
      if (compiled.size >= 512) compiled.clear();
      compiled.set(src, f);
    }
    return f;
  };
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  // `execution` and `task` of one evaluation: their methods are shared, their state is a
  // property keyed by a symbol that scripts cannot name.
  const STATE = Symbol("state");
  const get = function (n) { const s = this[STATE]; return own(s.writes, n) ? s.writes[n] : s.vars[n]; };
  const set = function (n, v) { this[STATE].writes[String(n)] = v === undefined ? null : v; };
  const fact = (k) => function () { return this[STATE].facts[k]; };
  const taskFact = (k) => function () { return this[STATE].facts.task[k]; };
  const Execution = Object.freeze({
    getVariable: get,
    getVariableLocal: get,
    hasVariable(n) { const s = this[STATE]; return own(s.writes, n) || own(s.vars, n); },
    getVariables() { const s = this[STATE]; return Object.assign({}, s.vars, s.writes); },
    setVariable: set,
    setVariableLocal: set,
    getProcessInstanceId: fact("processInstanceId"),
    getProcessBusinessKey: fact("businessKey"),
    getProcessDefinitionId: fact("processDefinitionId"),
    getCurrentActivityId: fact("activityId"),
    get processInstanceId() { return this[STATE].facts.processInstanceId; },
    get processBusinessKey() { return this[STATE].facts.businessKey; },
    get processDefinitionId() { return this[STATE].facts.processDefinitionId; },
    get currentActivityId() { return this[STATE].facts.activityId; },
  });
  const Task = Object.freeze({
    getVariable: get,
    setVariable: set,
    getId: taskFact("id"),
    getName: taskFact("name"),
    getAssignee: taskFact("assignee"),
    get id() { return this[STATE].facts.task.id; },
    get name() { return this[STATE].facts.task.name; },
    get assignee() { return this[STATE].facts.task.assignee; },
  });
  const run = function (src, varsJson, factsJson) {
    const vars = JSON.parse(varsJson);
    const facts = JSON.parse(factsJson);
    const writes = {};
    const scope = Object.create(null);
    for (const k of Object.keys(vars)) {
      if (k !== "eval" && !k.startsWith("__bpm")) scope[k] = vars[k];
    }
    const state = { vars: vars, writes: writes, facts: facts };
    scope.execution = Object.freeze(Object.create(Execution, { [STATE]: { value: state } }));
    if (facts.task) {
      scope.task = Object.freeze(Object.create(Task, { [STATE]: { value: state } }));
    }
    const value = compile(String(src))(scope);
    return JSON.stringify({ value: value === undefined ? null : value, writes: writes });
  };
  Object.defineProperty(globalThis, "__bpm_run", { value: run });
  // Freeze everything reachable from the global object, so that nothing a script does
  // outlives it.
  const seen = new Set();
  const stack = [globalThis];
  while (stack.length > 0) {
    const o = stack.pop();
    if ((typeof o !== "object" && typeof o !== "function") || o === null || seen.has(o)) continue;
    seen.add(o);
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d === undefined) continue;
      if ("value" in d) stack.push(d.value);
      if (d.get) stack.push(d.get);
      if (d.set) stack.push(d.set);
    }
    stack.push(Object.getPrototypeOf(o));
  }
  for (const o of seen) Object.freeze(o);
})();
"#;

/// A runtime and its context, set up with the prelude.
struct Sandbox {
    // Dropped after the context (fields drop in order).
    context: Context,
    _runtime: Runtime,
    limits: Limits,
    /// When the running evaluation must stop; read by the interrupt handler.
    deadline: Rc<Cell<Option<Instant>>>,
}

impl Sandbox {
    fn new(limits: Limits) -> Result<Sandbox, Text> {
        let setup = |e: rquickjs::Error| Text::new("run.script.engine_failed").with("detail", e);
        let runtime = Runtime::new().map_err(setup)?;
        runtime.set_memory_limit(limits.memory);
        runtime.set_max_stack_size(limits.stack);
        let deadline: Rc<Cell<Option<Instant>>> = Rc::default();
        let watched = Rc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || watched.get().is_some_and(|d| Instant::now() >= d))));
        let context = Context::full(&runtime).map_err(setup)?;
        context.with(|ctx| {
            ctx.eval::<(), _>(PRELUDE).catch(&ctx).map_err(|e| Text::new("run.script.engine_failed").with("detail", e))
        })?;
        Ok(Sandbox { context, _runtime: runtime, limits, deadline })
    }

    /// Runs `source` with the variables and facts (JSON texts).
    fn eval(&self, source: &str, variables: &str, facts: &str) -> Result<ScriptOutcome, Text> {
        self.deadline.set(Some(Instant::now() + self.limits.time));
        let result = self.context.with(|ctx| {
            let run: Function = ctx.globals().get("__bpm_run").catch(&ctx).map_err(|e| self.explain(e))?;
            run.call::<_, String>((source, variables, facts)).catch(&ctx).map_err(|e| self.explain(e))
        });
        let timed_out = self.deadline.get().is_some_and(|d| Instant::now() >= d);
        self.deadline.set(None);
        let text = result.map_err(|e| if timed_out { self.too_long() } else { e })?;
        let mut out: Map<String, Value> = serde_json::from_str(&text).map_err(bad_answer)?;
        let writes = match out.remove("writes") {
            Some(Value::Object(w)) => w,
            _ => Map::new(),
        };
        Ok(ScriptOutcome { value: out.remove("value").unwrap_or(Value::Null), writes })
    }

    fn too_long(&self) -> Text {
        Text::new("run.script.too_long").with("ms", self.limits.time.as_millis())
    }

    /// The message of a script's failure: `ReferenceError: x is not defined`, or the limit it
    /// ran into.
    fn explain(&self, e: CaughtError<'_>) -> Text {
        let text = match &e {
            CaughtError::Exception(ex) => {
                let name: String = ex.get("name").unwrap_or_else(|_| "Error".to_owned());
                format!("{name}: {}", ex.message().unwrap_or_default())
            }
            CaughtError::Value(v) => {
                let shown = v.ctx().json_stringify(v.clone()).ok().flatten().and_then(|s| s.to_string().ok());
                return match shown {
                    Some(value) => Text::new("run.script.threw").with("value", value),
                    None => Text::new("run.script.threw_other"),
                };
            }
            CaughtError::Error(err) => err.to_string(),
        };
        if text.contains("out of memory") {
            Text::new("run.script.too_much_memory").with("mb", self.limits.memory >> 20)
        } else if text.contains("interrupted") {
            self.too_long()
        } else if text.contains("stack size exceeded") || text.contains("stack overflow") {
            Text::new("run.script.too_deep")
        } else {
            // The script's own error, in the words of the language it is written in.
            Text::verbatim(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::expr::{Facts, TaskFacts};

    fn run(source: &str, variables: Value) -> Result<ScriptOutcome, String> {
        run_with(&JsRunner::default(), source, variables)
    }

    fn run_with(runner: &JsRunner, source: &str, variables: Value) -> Result<ScriptOutcome, String> {
        let Value::Object(variables) = variables else { panic!("variables are an object") };
        let facts = Facts {
            instance_id: Some("i-1"),
            activity_id: Some("calc"),
            task: Some(TaskFacts { id: None, name: Some("Approve"), assignee: Some("kermit") }),
            ..Facts::default()
        };
        runner.run(&ScriptCall { format: "javascript", source, variables: &variables, facts }).map_err(|e| e.english())
    }

    #[test]
    fn variables_are_free_names_and_the_last_value_is_the_result() {
        let out = run("var d = amount * 2; d", json!({"amount": 21})).unwrap();
        assert_eq!(out.value, json!(42));
        let out = run("({ total: items.length, first: items[0].name })", json!({"items": [{"name": "a"}]})).unwrap();
        assert_eq!(out.value, json!({"total": 1, "first": "a"}));
        assert_eq!(run("undefined", json!({})).unwrap().value, Value::Null);
    }

    #[test]
    fn execution_and_task_give_variables_facts_and_record_writes() {
        let src = "execution.setVariable('x', execution.getVariable('a') + 1); \
                   execution.setVariable('who', task.assignee + '@' + task.name); \
                   execution.getVariable('x') + ':' + execution.processInstanceId + ':' + execution.getCurrentActivityId()";
        let out = run(src, json!({"a": 1})).unwrap();
        assert_eq!(out.value, json!("2:i-1:calc"));
        assert_eq!(out.writes, json!({"x": 2, "who": "kermit@Approve"}).as_object().cloned().unwrap());
    }

    #[test]
    fn nothing_outlives_an_evaluation() {
        run("var kept = 1; let l = 2; const c = 3; leaked = 4; Array.prototype.evil = 5; kept", json!({})).ok();
        let out = run("[typeof kept, typeof l, typeof c, typeof leaked, typeof [].evil].join(',')", json!({})).unwrap();
        assert_eq!(out.value, json!("undefined,undefined,undefined,undefined,undefined"));
        // Declaring the same names again works: each evaluation has its own scope.
        assert_eq!(run("let l = 7; const c = 8; l + c", json!({})).unwrap().value, json!(15));
    }

    #[test]
    fn no_file_network_process_or_module_access() {
        let out = run(
            "[typeof require, typeof fetch, typeof std, typeof os, typeof process, typeof console, typeof setTimeout, typeof XMLHttpRequest].join(',')",
            json!({}),
        )
        .unwrap();
        assert_eq!(out.value, json!("undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined"));
        let err = run("require('fs')", json!({})).unwrap_err();
        assert!(err.contains("ReferenceError"), "{err}");
        let err = run("import fs from 'fs'; 1", json!({})).unwrap_err();
        assert!(err.contains("SyntaxError"), "{err}");
    }

    #[test]
    fn errors_say_what_the_script_threw() {
        assert_eq!(run("throw new Error('no budget')", json!({})).unwrap_err(), "Error: no budget");
        assert_eq!(run("missing + 1", json!({})).unwrap_err(), "ReferenceError: missing is not defined");
        assert_eq!(run("throw {code: 7}", json!({})).unwrap_err(), "the script threw {\"code\":7}");
        // The runner still works after a failure.
        assert_eq!(run("1 + 1", json!({})).unwrap().value, json!(2));
    }

    #[test]
    fn an_endless_loop_is_stopped_at_the_time_limit() {
        let runner = JsRunner { limits: Limits { time: Duration::from_millis(100), ..Limits::default() } };
        let started = Instant::now();
        let err = run_with(&runner, "while (true) {}", json!({})).unwrap_err();
        assert!(err.starts_with("the script ran longer than 100 ms"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(run_with(&runner, "2 * 3", json!({})).unwrap().value, json!(6));
    }

    #[test]
    fn a_memory_bomb_and_deep_recursion_are_stopped() {
        let err = run("let a = []; while (true) a.push(new Array(100000).fill(1));", json!({})).unwrap_err();
        assert!(err.starts_with("the script used more than 32 MB"), "{err}");
        let zh = JsRunner::default().run(&ScriptCall {
            format: "javascript",
            source: "let a = []; while (true) a.push(new Array(100000).fill(1));",
            variables: &Map::new(),
            facts: Facts::default(),
        });
        assert_eq!(zh.unwrap_err().render(bpmn_core::text::Lang::Zh), "脚本使用的内存超过 32 MB，已停止");
        let err = run("function f(n) { return f(n + 1) + 1; } f(0)", json!({})).unwrap_err();
        assert!(err.starts_with("the script recursed too deeply"), "{err}");
        assert_eq!(run("'ok'", json!({})).unwrap().value, json!("ok"));
    }
}
