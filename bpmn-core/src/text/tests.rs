use super::*;

#[test]
fn renders_in_both_languages_with_values() {
    let t = Text::new("error.not_found").with_text("what", Text::new("thing.task")).with("id", "t-1");
    assert_eq!(t.render(Lang::Zh), "任务“t-1”不存在，可能已被删除。请刷新列表。");
    assert_eq!(t.to_string(), "Task 't-1' was not found; it may have been deleted meanwhile. Reload the list.");
}

#[test]
fn unknown_keys_and_values_stay_visible() {
    let t = Text::new("no.such_key").with("id", 7);
    assert_eq!(t.render(Lang::Zh), "no.such_key (id: 7)");
    assert_eq!(Text::new("no.such_key").render(Lang::En), "no.such_key");
    // A template value that was not given shows its name.
    assert_eq!(Text::new("error.throttled").render(Lang::En).matches("{wait_secs}").count(), 1);
}

#[test]
fn lists_join_in_each_language() {
    let items = || ["a", "b", "c"].map(Text::verbatim);
    assert_eq!(Text::list(items()).render(Lang::Zh), "a；b；c");
    assert_eq!(Text::list(items()).render(Lang::En), "a; b; c");
    assert_eq!(Text::list([]).render(Lang::En), "");
}

#[test]
fn verbatim_text_is_shown_as_it_is() {
    let t = Text::verbatim("connection refused {x}");
    assert_eq!(t.render(Lang::Zh), "connection refused {x}");
    assert_eq!(t.render(Lang::En), "connection refused {x}");
}

#[test]
fn survives_a_round_trip_through_json() {
    let t = Text::new("error.not_found").with_text("what", Text::new("thing.job")).with("id", "j\"1");
    let json = serde_json::to_string(&t).unwrap();
    let back: Text = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.arg("id"), Some("j\"1"));
}

/// The names in braces of a template (`{{` and `}}` are literal braces).
fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        let brace = rest.as_bytes()[i];
        rest = &rest[i + 1..];
        if rest.as_bytes().first() == Some(&brace) {
            rest = &rest[1..];
        } else if brace == b'{' {
            let end = rest.find('}').unwrap_or_else(|| panic!("unclosed brace in {template:?}"));
            names.push(&rest[..end]);
            rest = &rest[end + 1..];
        } else {
            panic!("lone closing brace in {template:?}");
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

#[test]
fn catalog_is_complete_and_consistent() {
    let mut keys: Vec<_> = catalog::all().map(|(k, _, _)| k).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n, "a key appears twice in the catalog");
    for (key, zh, en) in catalog::all() {
        assert!(
            key.contains('.')
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_' || c.is_ascii_digit()),
            "{key}"
        );
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{key} lacks a language");
        assert_eq!(placeholders(zh), placeholders(en), "{key}: the two languages name different values");
        // Chinese sentences are Chinese: at least one CJK character (ids and tags aside).
        let only_values = zh.starts_with('{') && zh.ends_with('}') && !zh.contains(' ');
        assert!(
            only_values || zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{key}: no Chinese in {zh:?}"
        );
    }
}

/// The first segments of catalog keys; a string literal of the sources that starts with one
/// of them and a dot is a catalog key.
const PREFIXES: &[&str] = &["error", "thing", "rules", "parse", "check", "run", "repo", "ident", "req", "lint"];

/// The catalog keys written in `source`: literals such as `"run.task_not_yours"`.
fn keys_in(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (i, _) in source.match_indices('"') {
        let rest = &source[i + 1..];
        let Some(end) = rest.find('"') else { break };
        let lit = &rest[..end];
        let Some((head, tail)) = lit.split_once('.') else { continue };
        let key_like = !tail.is_empty()
            && lit.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
            && !lit.ends_with('.');
        if key_like && PREFIXES.contains(&head) {
            keys.push(lit.to_string());
        }
    }
    keys
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_key_the_sources_use_is_in_the_catalog() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    for krate in ["bpmn-core", "engine", "app", "server"] {
        rust_files(&root.join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 50, "the sources were not found under {}", root.display());
    let known: std::collections::HashSet<_> = catalog::all().map(|(k, _, _)| k).collect();
    let mut missing = Vec::new();
    for file in files {
        if file.ends_with("text/tests.rs") || file.components().any(|c| c.as_os_str() == "catalog") {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for key in keys_in(&source) {
            if !known.contains(key.as_str()) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "keys missing from the catalog:\n{}", missing.join("\n"));
}

/// The details inside parser, deployment and incident sentences (an expression's error, a
/// timer's, a cron field's, a script's) render in both languages with their values.
#[test]
fn details_render_in_both_languages_with_their_values() {
    use crate::runtime::expr;
    use crate::schedule::{parse_due, parse_timer, TimeZone, TimerKindText};

    let e = expr::check("${amount >}").unwrap_err().text();
    assert_eq!(e.render(Lang::Zh), "表达式 `${amount >}` 第 10 个字符处有语法错误：表达式在应出现值的地方结束了");
    assert_eq!(
        e.english(),
        "expression `${amount >}`: syntax error at character 10: the expression ends where a value was expected"
    );
    let e = expr::check("${foo(1)}").unwrap_err().text();
    assert!(
        e.render(Lang::Zh).starts_with("表达式 `${foo(1)}`：未知的函数 `foo`；可用的有："),
        "{}",
        e.render(Lang::Zh)
    );
    let vars = serde_json::Map::new();
    let e = expr::evaluate("${'abc' > 3}", &vars).unwrap_err().text();
    assert_eq!(e.render(Lang::Zh), "表达式 `${'abc' > 3}`：`>` 无法比较字符串与数字");
    assert_eq!(e.english(), "expression `${'abc' > 3}`: `>` cannot compare a string with a number");

    let cron = parse_timer(TimerKindText::Cycle, "0 61 * * * ?", &TimeZone::UTC).unwrap_err().text();
    assert_eq!(
        cron.render(Lang::Zh),
        "`0 61 * * * ?` 不是有效的 cron 表达式：61 超出分钟的范围 0-59（例如 0 */10 * * * ? 表示每十分钟，\
         0 0 9 ? * MON-FRI 表示工作日 9:00，Unix 形式 */15 * * * *）"
    );
    assert!(cron
        .english()
        .starts_with("`0 61 * * * ?` is not a valid cron expression: 61 is outside the minute range 0-59"));
    let due = parse_due("2026-02-30", 0, &TimeZone::UTC).unwrap_err().text();
    assert_eq!(
        due.render(Lang::Zh),
        "`2026-02-30` 不是有效的日期时间：2026-02 只有 28 天，没有第 30 天（例如 2026-11-23T10:00:00Z）"
    );
    assert_eq!(
        due.english(),
        "`2026-02-30` is not a valid date-time: 2026-02 has 28 days, not 30 (e.g. 2026-11-23T10:00:00Z)"
    );
}

#[test]
fn stored_texts_come_back_and_plain_rows_are_shown_as_they_are() {
    let t = Text::new("run.job.failed_after")
        .with("name", "Pay")
        .with("attempts", 3)
        .with_text("error", Text::new("run.job.call_timeout").with("url", "http://x/pay").with("ms", 5000));
    let stored = t.to_stored();
    assert_eq!(Text::from_stored(&stored), t);
    assert_eq!(
        Text::from_stored(&stored).render(Lang::Zh),
        "作业“Pay”尝试 3 次后失败：调用 http://x/pay 在 5000 毫秒后超时"
    );
    assert_eq!(Text::from_stored("connection refused"), Text::verbatim("connection refused"));
    assert_eq!(Text::from_stored("{\"key\": broken"), Text::verbatim("{\"key\": broken"));
    let long = Text::verbatim("x".repeat(5000));
    let cut = long.to_stored_within(2000);
    assert!(cut.len() <= 2000, "{}", cut.len());
    assert!(Text::from_stored(&cut).english().ends_with('…'));
}

#[test]
fn stored_sentences_are_found_by_their_words() {
    let refused = super::keys_with_word("拒绝连接", 10).unwrap();
    assert!(refused.contains(&"run.net.refused"), "{refused:?}");
    let refused = super::keys_with_word("Connection was REFUSED", 10).unwrap();
    assert_eq!(refused, ["run.net.refused"]);
    // The names of the values are no words of the sentence.
    assert!(!super::keys_with_word("url", 1000).unwrap().contains(&"run.job.call_unreachable"));
    // A word in most sentences tells none apart.
    assert_eq!(super::keys_with_word("the", 10), None);
}
