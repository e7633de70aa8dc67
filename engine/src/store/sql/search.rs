//! The search boxes of the task and instance lists: a contains-match of every word typed, in
//! any case, Chinese included, fast on large tables through an n-gram index of the database's
//! own kind. (The job list checks its words by `LIKE` alone: its table holds the jobs still to
//! run, not their history.)
//!
//! # What is indexed
//!
//! A searchable row keeps `search_text`, the lowercase text its search box looks in, one field
//! per line (a task: its name, the assignee's login, the candidate groups, the business key, the
//! process's name and key; an instance: the business key, the process's name and key, the
//! initiator's login), and `search_grams`, its tokens ([`SearchText::of`]): every pair of
//! neighbouring characters and every character that is not ASCII of each word of the fields
//! found by their own tokens, and the whole login of the row's person and the whole key of its
//! process ([`key_token`]). Each token is written in `a`–`z` and `0`–`9` only ([`push_code`]),
//! so that neither database's tokenizer or locale sees the text (PostgreSQL's `pg_trgm` ignores
//! Chinese under the C locale, FTS5's trigram tokenizer cannot search fewer than three
//! characters). Both columns are computed in Rust when the row is written; the database
//! indexes the tokens (migration `search`, which also fills the rows already there):
//!
//! - SQLite: an FTS5 table over `search_grams` (external content, `detail=none`: row ids only),
//!   kept by triggers; new rows wait in a queue table and enter the index 64 at a time (FTS5
//!   writes and merges a segment at every commit that has tokens: a fifth of a lifecycle's time
//!   when every row went in by itself). A search reads the queued rows beside the index's.
//! - PostgreSQL: a GIN index on the tokens as a `tsvector` (`search_vector`:
//!   `array_to_tsvector`, no parser).
//!
//! A word looks up its pairs (all must be there), or its character when it is one that is not
//! ASCII; the rows found are candidates, and the `LIKE '%word%'` the list always ran decides. A
//! person's name finds the rows of that person's login, a process's name or key the rows of its
//! key: the people and processes whose name holds the word are read first (small tables), and
//! their keys' tokens are looked up beside the word's ([`Store::prepare_search`]). So the name a
//! row is found by is always the person's current one, and a process's name costs a row one
//! token, not its pairs. A word of one ASCII character has no tokens: it is checked on the
//! candidates of the other words.
//!
//! # Which plan (`Store::task_page`, `Store::instance_page`)
//!
//! A word in many rows needs no index: the list walks its order and fills the page at once. So
//! a search first walks the first rows of the list's order ([`walk_rows`],
//! [`SearchPlan::WalkFirst`]: up to the key of the last of them, read from the category's index
//! alone); when the page fills there, it is the page (the rows after cannot come before).
//! Otherwise the matches are rare, and the page is made from the index's candidates, sorted
//! ([`SearchPlan::Index`]). The index is asked for the rarest [`TOKENS_PER_WORD`] tokens of each
//! word (as often as they occur in the newest [`SAMPLE_ROWS`] rows): more tokens find hardly
//! fewer candidates, and each costs a walk of its rows in the index. When no word can be looked
//! up (one ASCII character, a word in the names of more than [`PEOPLE_LIMIT`] people and
//! processes), or rows have no tokens (written by hand), the search walks the whole order as
//! every search did before the index ([`SearchPlan::Walk`]). On PostgreSQL a search's
//! statements are planned for their values each time (a plan kept from when the table was small
//! could read the whole table); the list without a search keeps its prepared plan.
//!
//! A word frequent in the table but rare in the list's category (a task name of the last step,
//! searched among the open tasks) costs both: the first walk finds too few, and the index finds
//! the rows of every category.

use std::collections::HashMap;

use super::{like_pattern, Arg, Where};
use crate::error::Result;
use crate::store::{Backend, Store};

/// The rows of the list's order a search walks before it asks the index, per row of the page
/// ([`walk_rows`]). The walk fills the page there when at least one row in this many matches;
/// rarer words cost this walk and the index's candidates (at most one row in this many, about
/// 4,000 in a million). Walking a row costs less than reading a candidate (the walk reads the
/// table in its order, the candidates are anywhere), so the walk is longer than the square
/// root of a page times a million.
pub(crate) const WALK_ROWS_PER_ROW: i64 = 250;

/// The rows of the list's order a search walks before it asks the index, for a page of
/// `page` rows (see [`WALK_ROWS_PER_ROW`]).
pub(crate) fn walk_rows(page: i64) -> i64 {
    (page.max(1) * WALK_ROWS_PER_ROW).min(20_000)
}

/// The most tokens of one word the index is asked for (its rarest).
pub(crate) const TOKENS_PER_WORD: usize = 3;

/// The newest rows whose tokens tell which of a word's tokens are rare.
pub(crate) const SAMPLE_ROWS: i64 = 300;

/// The most people and processes whose name holds a word that the index looks up by their
/// keys; a word in more names is frequent, and the index is not asked for it.
pub(crate) const PEOPLE_LIMIT: usize = 100;

/// The symbols of the tokens' numbers.
const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Appends the code of character `c` to a token: `a`–`z` and `0`–`6` stand for themselves;
/// any other character is `7`, `8` or `9` and its code point in 2, 3 or 4 base-36 digits (every
/// Chinese character of the basic plane takes `8` and 3 digits). No code is the start of
/// another, so a token reads back as one sequence of characters.
pub(crate) fn push_code(c: char, out: &mut String) {
    if c.is_ascii_lowercase() || ('0'..='6').contains(&c) {
        out.push(c);
        return;
    }
    let n = c as u32;
    let (escape, digits) = match n {
        0..1_296 => ('7', 2),
        1_296..46_656 => ('8', 3),
        _ => ('9', 4),
    };
    out.push(escape);
    for i in (0..digits).rev() {
        out.push(DIGITS[(n / 36u32.pow(i) % 36) as usize] as char);
    }
}

/// The tokens of one word (no whitespace) the index looks up: each pair of neighbouring
/// characters (in order, without repeats); a word of one character, that character when it is
/// not ASCII (a Chinese name of one character), else none (a letter or a digit alone is in most
/// rows anyway, and the list's order is walked for it).
pub(crate) fn word_tokens(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = Vec::new();
    if let [c] = chars[..] {
        if !c.is_ascii() {
            let mut t = String::new();
            push_code(c, &mut t);
            out.push(t);
        }
    }
    for pair in chars.windows(2) {
        let mut t = String::new();
        push_code(pair[0], &mut t);
        push_code(pair[1], &mut t);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The tokens of a lowercase text (see [`word_tokens`]), space-separated, sorted, without
/// repeats: of each whitespace-separated word, every pair of neighbouring characters and every
/// character that is not ASCII (as [`SearchText::of`] writes them).
#[cfg(test)]
pub(crate) fn grams(text: &str) -> String {
    let mut codes = String::with_capacity(text.len() * 2);
    let mut tokens = Vec::new();
    push_grams(text, &mut codes, &mut tokens);
    let mut tokens: Vec<&str> = tokens.into_iter().map(|(a, b)| &codes[a..b]).collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

/// Appends the codes of `text`'s characters to `codes` and the byte ranges of its tokens in
/// `codes` to `tokens`: the codes of neighbouring characters follow each other, so a pair's
/// token is the range from the first's start to the second's end.
fn push_grams(text: &str, codes: &mut String, tokens: &mut Vec<(usize, usize)>) {
    for word in text.split_whitespace() {
        let mut prev: Option<usize> = None;
        for c in word.chars() {
            let start = codes.len();
            push_code(c, codes);
            if let Some(p) = prev {
                tokens.push((p, codes.len()));
            }
            if !c.is_ascii() {
                tokens.push((start, codes.len()));
            }
            prev = Some(start);
        }
        // Words do not run into each other.
        codes.push(' ');
    }
}

/// The token of a whole value, lowercase (a login, a process key): the codes of all its
/// characters. Of more than two characters it is no token of [`grams`]; shorter, it is the
/// token of its characters (which finds more rows than its own; the check drops them).
pub(crate) fn key_token(value: &str) -> String {
    let mut t = String::new();
    value.to_lowercase().chars().for_each(|c| push_code(c, &mut t));
    t
}

/// What a row's search box looks in and its tokens, as written with the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchText {
    /// The fields, lowercase, one per line.
    pub text: String,
    /// [`grams`] of the fields searched by their tokens, and the [`key_token`]s of the row's
    /// person and process.
    pub grams: String,
}

impl SearchText {
    /// The search text of `fields` (empty ones left out), each with whether its own tokens find
    /// it (the others are found through a key: a process's name through its key), and the
    /// tokens of `keys`.
    pub(crate) fn of(fields: &[(&str, bool)], keys: &[Option<&str>]) -> SearchText {
        let fields: Vec<(String, bool)> =
            fields.iter().filter(|(f, _)| !f.trim().is_empty()).map(|(f, t)| (f.to_lowercase(), *t)).collect();
        let text = fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join("\n");
        let mut codes = String::with_capacity(text.len() * 2);
        let mut ranges = Vec::new();
        for (f, _) in fields.iter().filter(|(_, tokened)| *tokened) {
            push_grams(f, &mut codes, &mut ranges);
        }
        let keys: Vec<String> = keys.iter().flatten().map(|k| key_token(k)).filter(|k| !k.is_empty()).collect();
        let mut tokens: Vec<&str> = ranges.into_iter().map(|(a, b)| &codes[a..b]).collect();
        tokens.extend(keys.iter().map(String::as_str));
        tokens.sort_unstable();
        tokens.dedup();
        SearchText { text, grams: tokens.join(" ") }
    }
}

/// What a task is found by: its name, the assignee's login, the candidate groups and the
/// business key by their tokens; the assignee's name and the process's name and key through
/// the tokens of the login and the process key (see [`Store::prepare_search`]).
pub(crate) fn task_search(
    name: &str,
    assignee: Option<&str>,
    groups: &[String],
    business_key: Option<&str>,
    definition_name: &str,
    definition_key: &str,
) -> SearchText {
    let groups = groups.join(" ");
    SearchText::of(
        &[
            (name, true),
            (assignee.unwrap_or(""), true),
            (&groups, true),
            (business_key.unwrap_or(""), true),
            (definition_name, false),
            (definition_key, false),
        ],
        &[assignee, Some(definition_key)],
    )
}

/// What an instance is found by: its business key and the initiator's login by their tokens;
/// the initiator's name and the process's name and key through the tokens of the login and the
/// process key.
pub(crate) fn instance_search(
    business_key: Option<&str>,
    definition_name: &str,
    definition_key: &str,
    initiator: Option<&str>,
) -> SearchText {
    SearchText::of(
        &[
            (business_key.unwrap_or(""), true),
            (definition_name, false),
            (definition_key, false),
            (initiator.unwrap_or(""), true),
        ],
        &[initiator, Some(definition_key)],
    )
}

/// A table with a search index, as a list queries it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchIndex {
    /// The table.
    pub table: &'static str,
    /// Its alias in the list's query.
    pub alias: &'static str,
    /// SQLite's FTS5 table of its tokens.
    pub fts: &'static str,
    /// The column (with the alias) holding the login of the person whose name also finds the
    /// row.
    pub person: Option<&'static str>,
    /// The column of an index whose end holds the newest rows.
    pub recent: &'static str,
    /// What the words are checked in (with the alias).
    pub text: &'static str,
}

/// The tasks' index.
pub(crate) const TASKS: SearchIndex = SearchIndex {
    table: "tasks",
    alias: "t",
    fts: "tasks_search",
    person: Some("t.assignee"),
    recent: "created",
    text: "t.search_text",
};

/// The instances' index.
pub(crate) const INSTANCES: SearchIndex = SearchIndex {
    table: "process_instances",
    alias: "i",
    fts: "process_instances_search",
    person: Some("i.initiator"),
    recent: "start_time",
    // Rows written without the search columns (by hand) are still found by their process's name.
    text: "COALESCE(i.search_text, i.name_lower)",
};

/// One word of a search.
#[derive(Debug, Clone)]
struct Term {
    /// `%word%` for `LIKE`.
    pattern: String,
    /// The word's tokens (none for one ASCII character).
    tokens: Vec<String>,
    /// The [`key_token`]s of the people whose name holds the word and of the processes whose
    /// name or key does; `None` when more than [`PEOPLE_LIMIT`] do.
    keys: Option<Vec<String>>,
    /// Whether a person's name holds the word (or too many keys were found to tell).
    person: bool,
}

impl Term {
    /// Whether the index finds every row the word is in: by its tokens where the row's own
    /// tokens hold it, by the keys where a person's or a process's name does.
    fn indexed(&self) -> bool {
        !self.tokens.is_empty() && self.keys.is_some()
    }
}

/// A search typed into a list's box, with what the index needs to look up.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    index: SearchIndex,
    terms: Vec<Term>,
}

/// How a list's page is made for a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchPlan {
    /// Walk the list's order and check each row (how every search ran before the index).
    Walk,
    /// Walk the list's order up to the key of its last row to walk (all rows when `None`: there
    /// are no more).
    WalkFirst(Option<i64>),
    /// From the index's candidates, with the query of the backend's index.
    Index(String),
}

impl SearchPlan {
    /// A word for the plan (benchmarks).
    pub(crate) fn label(&self) -> &'static str {
        match self {
            SearchPlan::Walk => "walk",
            SearchPlan::WalkFirst(_) => "first",
            SearchPlan::Index(_) => "index",
        }
    }
}

impl Search {
    /// The query of the backend's index: for each word the index finds, its rarest tokens all
    /// present (as often as they occur in `sample`, the tokens of rows), or a key of a person or
    /// process whose name holds it. The other words are checked on the candidates only.
    fn index_query(&self, backend: Backend, sample: &[String]) -> String {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for t in &self.terms {
            for token in &t.tokens {
                seen.insert(token, 0);
            }
        }
        for row in sample {
            for token in row.split(' ') {
                if let Some(n) = seen.get_mut(token) {
                    *n += 1;
                }
            }
        }
        let (quote, and, or) = match backend {
            Backend::Sqlite => ('"', " AND ", " OR "),
            Backend::Postgres => ('\'', " & ", " | "),
        };
        self.terms
            .iter()
            .filter(|t| t.indexed())
            .map(|t| {
                let mut rare: Vec<(usize, &String)> = t.tokens.iter().enumerate().collect();
                rare.sort_by_key(|(i, token)| (seen.get(token.as_str()).copied().unwrap_or(0), *i));
                rare.truncate(TOKENS_PER_WORD);
                rare.sort_by_key(|(i, _)| *i);
                let word = rare.iter().map(|(_, token)| format!("{quote}{token}{quote}")).collect::<Vec<_>>();
                let mut either = vec![format!("({})", word.join(and))];
                for key in t.keys.iter().flatten().filter(|k| !k.is_empty()) {
                    either.push(format!("{quote}{key}{quote}"));
                }
                format!("({})", either.join(or))
            })
            .collect::<Vec<_>>()
            .join(and)
    }

    /// Adds the check of every word to `w`: the row's text holds it, or the row's person's name
    /// does.
    pub(crate) fn push_checks(&self, w: &mut Where) {
        for t in &self.terms {
            let p = w.text(t.pattern.clone());
            let text = format!("{} LIKE {p} ESCAPE '\\'", self.index.text);
            match self.index.person.filter(|_| t.person) {
                Some(col) => w.push(format!(
                    "({text} OR {col} IN (SELECT id FROM people WHERE LOWER(name) LIKE {p} ESCAPE '\\'))"
                )),
                None => w.push(text),
            }
        }
    }

    /// The candidates of plan [`SearchPlan::Index`]: on SQLite, the subquery `s` of their row
    /// ids (`s.r`), the FTS5 table's matches and the rows still queued for it (see the
    /// migration); on PostgreSQL, the condition on the GIN index, added to `w` (and `None`).
    pub(crate) fn push_index(&self, w: &mut Where, backend: Backend, query: &str) -> Option<String> {
        let q = w.text(query);
        match backend {
            Backend::Sqlite => {
                let fts = self.index.fts;
                Some(format!(
                    "(SELECT rowid AS r FROM {fts} WHERE {fts} MATCH {q} UNION ALL SELECT row FROM {fts}_queue) s"
                ))
            }
            Backend::Postgres => {
                w.push(format!("search_vector({}.search_grams) @@ CAST({q} AS tsquery)", self.index.alias));
                None
            }
        }
    }
}

impl Store {
    /// The words of `text` (none: `None`) prepared for a search of `index` in `tenant` (all when
    /// `None`): each word's tokens, and the keys of the people and processes whose name holds it
    /// (small tables, read by `LIKE`).
    pub(crate) async fn prepare_search(
        &self,
        index: SearchIndex,
        tenant: Option<&str>,
        text: &str,
    ) -> Result<Option<Search>> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            let word = word.to_lowercase();
            let pattern = like_pattern(&word);
            let mut args = vec![Arg::Text(pattern.clone())];
            let tenant_of = match tenant {
                Some(t) => {
                    args.push(Arg::from(t));
                    " AND tenant_id = $2"
                }
                None => "",
            };
            let people = match index.person {
                Some(_) => format!(
                    "SELECT CAST(1 AS BIGINT) AS person, id AS k FROM people WHERE LOWER(name) LIKE $1 ESCAPE '\\'\
                     {tenant_of} UNION "
                ),
                None => String::new(),
            };
            let sql = format!(
                "{people}SELECT CAST(0 AS BIGINT) AS person, process_key AS k FROM process_definitions \
                 WHERE (name_lower LIKE $1 ESCAPE '\\' OR LOWER(process_key) LIKE $1 ESCAPE '\\'){tenant_of} \
                 LIMIT {}",
                PEOPLE_LIMIT + 1
            );
            let found =
                self.fetch(&sql, args, |r| Ok((r.try_get::<i64>("person")? == 1, r.try_get::<String>("k")?))).await?;
            let many = found.len() > PEOPLE_LIMIT;
            let keys = (!many).then(|| found.iter().map(|(_, k)| key_token(k)).collect());
            let person = many || found.iter().any(|(p, _)| *p);
            terms.push(Term { tokens: word_tokens(&word), pattern, keys, person });
        }
        Ok((!terms.is_empty()).then_some(Search { index, terms }))
    }

    /// The key that ends a search's first walk, from the `sql` that reads it (see
    /// [`SearchPlan::WalkFirst`]); `None` when the order has fewer rows. Planned for its values
    /// each time on PostgreSQL.
    pub(crate) async fn walk_end(&self, sql: &str, args: Vec<Arg>) -> Result<Option<i64>> {
        match self.backend() {
            Backend::Sqlite => Ok(self.fetch_optional(sql, args, |r| r.try_get::<Option<i64>>("k")).await?.flatten()),
            Backend::Postgres => {
                let row = super::bind_all(sql, args).persistent(false).fetch_optional(&self.pool).await?;
                row.map(|r| (&r as &dyn super::Cells).try_get::<Option<i64>>("k")).transpose().map(Option::flatten)
            }
        }
    }

    /// The query of the index for `search` (see [`SearchPlan::Index`]), or `None` when the
    /// index cannot serve it: a word's name is held by too many people, or rows have no tokens.
    pub(crate) async fn index_query(&self, search: &Search) -> Result<Option<String>> {
        if !search.terms.iter().any(Term::indexed) {
            return Ok(None);
        }
        let SearchIndex { table, recent, .. } = search.index;
        // The newest rows' tokens, and whether a row has none (through an index of no rows).
        // Planned for this run on PostgreSQL: a plan kept from when the table was small could
        // read the whole table.
        let sql = format!(
            "SELECT s.search_grams, (SELECT count(*) FROM (SELECT 1 FROM {table} WHERE search_grams IS NULL LIMIT 1) u) \
             AS unindexed FROM (SELECT search_grams FROM {table} ORDER BY {recent} DESC LIMIT {SAMPLE_ROWS}) s"
        );
        let read =
            |r: &dyn super::Cells| Ok((r.try_get::<Option<String>>("search_grams")?, r.try_get::<i64>("unindexed")?));
        let rows = match self.backend() {
            Backend::Sqlite => self.fetch(&sql, Vec::new(), read).await?,
            Backend::Postgres => {
                let rows = sqlx::query(&sql).persistent(false).fetch_all(&self.pool).await?;
                rows.iter().map(|r| read(r)).collect::<Result<Vec<_>>>()?
            }
        };
        let unindexed = rows.iter().any(|(_, u)| *u > 0);
        let sample: Vec<String> = rows.into_iter().filter_map(|(g, _)| g).collect();
        if unindexed {
            return Ok(None);
        }
        Ok(Some(search.index_query(self.backend(), &sample)))
    }
}

/// For benchmarks that fill tables by SQL and compare the plans.
#[cfg(any(test, feature = "testing"))]
impl Store {
    /// The `search_text` and `search_grams` the engine writes for a task of these fields.
    pub fn task_search_columns(
        name: &str,
        assignee: Option<&str>,
        groups: &[String],
        business_key: Option<&str>,
        definition_name: &str,
        definition_key: &str,
    ) -> (String, String) {
        let s = task_search(name, assignee, groups, business_key, definition_name, definition_key);
        (s.text, s.grams)
    }

    /// The `search_text` and `search_grams` the engine writes for an instance of these fields.
    pub fn instance_search_columns(
        business_key: Option<&str>,
        definition_name: &str,
        definition_key: &str,
        initiator: Option<&str>,
    ) -> (String, String) {
        let s = instance_search(business_key, definition_name, definition_key, initiator);
        (s.text, s.grams)
    }

    /// A page of the instance list and how it was made: with `walk`, the search walks the
    /// list's order whatever the index would find.
    pub async fn instance_page_for_bench(
        &self,
        tenant: Option<&str>,
        q: &crate::instances::InstanceQuery,
        limit: i64,
        walk: bool,
    ) -> Result<(Vec<crate::instances::InstanceSummary>, &'static str)> {
        self.instance_page_planned(tenant, q, limit, if walk { None } else { Some(walk_rows(limit + 1)) }).await
    }

    /// A page of the task list and how it was made: with `walk`, the search walks the list's
    /// order whatever the index would find (how every search ran before the index).
    pub async fn task_page_for_bench(
        &self,
        tenant: Option<&str>,
        q: &crate::instances::TaskQuery,
        now: i64,
        limit: i64,
        walk: bool,
    ) -> Result<(Vec<crate::instances::Task>, &'static str)> {
        self.task_page_planned(tenant, q, now, limit, if walk { None } else { Some(walk_rows(limit + 1)) }).await
    }

    /// The total of the task list's first page as `Engine::list_tasks` counts it, within
    /// `limits` (the benchmark compares the current limits with the earlier ones).
    pub async fn task_total_for_bench(
        &self,
        tenant: Option<&str>,
        q: &crate::instances::TaskQuery,
        now: i64,
        limits: super::order::TotalLimits,
    ) -> Result<i64> {
        let (_, dense) = self.task_page(tenant, q, now, super::page_size(q.limit)).await?;
        self.task_total_within(tenant, q, now, dense, limits).await
    }
}

#[cfg(test)]
mod tests;
