//! The search boxes of the task, instance and job lists: a contains-match of every word typed,
//! fast on large tables through an n-gram index of the database's own kind.
//!
//! # What is indexed
//!
//! A searchable row keeps `search_text`, the lowercase text its search box looks in (for a task:
//! its name, the assignee's login, the candidate groups, the business key, the process's name
//! and key, one per line), and `search_grams`, the tokens of that text: every character and
//! every pair of neighbouring characters of each word ([`grams`]), each written as a token of
//! `a`–`z` and `0`–`9` only ([`push_code`]), so that neither database's tokenizer or locale
//! sees the text itself (PostgreSQL's `pg_trgm` ignores Chinese under the C locale, FTS5's
//! trigram tokenizer cannot search fewer than three characters). Both columns are computed in
//! Rust when the row is written; the database indexes the tokens:
//!
//! - SQLite: an FTS5 table over `search_grams` (external content, `detail=none`: row ids only),
//!   kept by triggers on the table.
//! - PostgreSQL: a stored `tsvector` made from the tokens (`array_to_tsvector`, no parser) and
//!   a GIN index on it.
//!
//! A word of one character looks up its character's token, a longer word all its pairs
//! (every one must be there); the rows found are candidates, and the `LIKE '%word%'` the list
//! always ran decides. A person's name finds the rows of that person's login: a row's tokens
//! also hold its person's whole login as one token ([`login_token`]); the people whose name
//! holds the word are read first (a small table), and their logins' tokens are looked up beside
//! the word's ([`Store::prepare_search`]). So the name a row is found by is always the person's
//! current one.
//!
//! # Which plan (`Store::task_page` and the other lists)
//!
//! A word in many rows needs no index: the list walks its order and fills the page at once. So
//! a search first walks the first rows of the list's order ([`walk_rows`], [`SearchPlan::WalkFirst`]);
//! when the page fills there, it is the page (the rows after cannot come before). Otherwise the
//! matches are rare, and the page is made from the index's candidates, sorted
//! ([`SearchPlan::Index`]). The index is asked for the rarest [`TOKENS_PER_WORD`] tokens of each
//! word (as often as they occur in the newest [`SAMPLE_ROWS`] rows): more tokens find hardly
//! fewer candidates, and each costs a walk of its rows in the index. A name shared by more than
//! [`PEOPLE_LIMIT`] people, or rows without tokens (written by hand), walk the whole order as
//! every search did before the index ([`SearchPlan::Walk`]).

use std::collections::{BTreeSet, HashMap};

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

/// The most people whose name holds a word that the index looks up by their logins; a name
/// held by more is frequent, and the list walks its order.
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

/// The tokens of one word (no whitespace): its one character, or each pair of neighbouring
/// characters (in order, without repeats).
pub(crate) fn word_tokens(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = Vec::new();
    if chars.len() == 1 {
        let mut t = String::new();
        push_code(chars[0], &mut t);
        out.push(t);
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

/// The tokens of a lowercase text, space-separated, sorted, without repeats: of each
/// whitespace-separated word, every character and every pair of neighbouring characters.
pub(crate) fn grams(text: &str) -> String {
    let mut set = BTreeSet::new();
    for word in text.split_whitespace() {
        let mut prev: Option<char> = None;
        for c in word.chars() {
            let mut one = String::new();
            push_code(c, &mut one);
            if let Some(p) = prev {
                let mut two = String::new();
                push_code(p, &mut two);
                two.push_str(&one);
                set.insert(two);
            }
            set.insert(one);
            prev = Some(c);
        }
    }
    set.into_iter().collect::<Vec<_>>().join(" ")
}

/// The token of a whole login, lowercase: the codes of all its characters. Longer than two
/// characters it is no token of [`grams`]; shorter, it is the token of its characters (which
/// finds more rows than its own, and the check drops them).
pub(crate) fn login_token(login: &str) -> String {
    let mut t = String::new();
    login.to_lowercase().chars().for_each(|c| push_code(c, &mut t));
    t
}

/// What a row's search box looks in and its tokens, as written with the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchText {
    /// The fields, lowercase, one per line.
    pub text: String,
    /// [`grams`] of the text and the [`login_token`] of the row's person.
    pub grams: String,
}

impl SearchText {
    /// The search text of `fields` (empty ones left out), with the token of `login`, the person
    /// whose name finds the row.
    pub(crate) fn of<'a>(fields: impl IntoIterator<Item = &'a str>, login: Option<&str>) -> SearchText {
        let text =
            fields.into_iter().filter(|f| !f.trim().is_empty()).map(str::to_lowercase).collect::<Vec<_>>().join("\n");
        let mut grams = grams(&text);
        let login = login.map(login_token).unwrap_or_default();
        if !login.is_empty() && !grams.split(' ').any(|t| t == login) {
            if !grams.is_empty() {
                grams.push(' ');
            }
            grams.push_str(&login);
        }
        SearchText { text, grams }
    }
}

/// What a task is found by: its name, the assignee's login (and through its token the person's
/// name, looked up when searching), the candidate groups, the business key, the process's name
/// and key.
pub(crate) fn task_search(
    name: &str,
    assignee: Option<&str>,
    groups: &[String],
    business_key: Option<&str>,
    definition_name: &str,
    definition_key: &str,
) -> SearchText {
    let groups = groups.join(" ");
    let fields = [name, assignee.unwrap_or(""), &groups, business_key.unwrap_or(""), definition_name, definition_key];
    SearchText::of(fields, assignee)
}

/// What an instance is found by: its business key, the process's name and key, the initiator's
/// login (and through its token the person's name, looked up when searching).
pub(crate) fn instance_search(
    business_key: Option<&str>,
    definition_name: &str,
    definition_key: &str,
    initiator: Option<&str>,
) -> SearchText {
    SearchText::of([business_key.unwrap_or(""), definition_name, definition_key, initiator.unwrap_or("")], initiator)
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
    /// The word's tokens.
    tokens: Vec<String>,
    /// The [`login_token`]s of the people whose name holds the word; `None` when more than
    /// [`PEOPLE_LIMIT`] people do.
    people: Option<Vec<String>>,
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
    /// The query of the backend's index: each word's rarest tokens all present (as often as
    /// they occur in `sample`, the tokens of rows), or the login of a person with that name.
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
            .map(|t| {
                let mut rare: Vec<(usize, &String)> = t.tokens.iter().enumerate().collect();
                rare.sort_by_key(|(i, token)| (seen.get(token.as_str()).copied().unwrap_or(0), *i));
                rare.truncate(TOKENS_PER_WORD);
                rare.sort_by_key(|(i, _)| *i);
                let word = rare.iter().map(|(_, token)| format!("{quote}{token}{quote}")).collect::<Vec<_>>();
                let mut either = vec![format!("({})", word.join(and))];
                for login in t.people.iter().flatten().filter(|l| !l.is_empty()) {
                    either.push(format!("{quote}{login}{quote}"));
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
            let by_person = match (self.index.person, &t.people) {
                (Some(col), Some(logins)) if !logins.is_empty() => Some(col),
                (Some(col), None) => Some(col),
                _ => None,
            };
            match by_person {
                Some(col) => w.push(format!(
                    "({text} OR {col} IN (SELECT id FROM people WHERE LOWER(name) LIKE {p} ESCAPE '\\'))"
                )),
                None => w.push(text),
            }
        }
    }

    /// Adds the index's condition of plan [`SearchPlan::Index`] to `w`: the FTS5 table aliased
    /// `s` on SQLite (joined by row id), the `tsvector` on PostgreSQL.
    pub(crate) fn push_index(&self, w: &mut Where, backend: Backend, query: &str) {
        let q = w.text(query);
        match backend {
            Backend::Sqlite => w.push(format!("s.{} MATCH {q}", self.index.fts)),
            Backend::Postgres => {
                w.push(format!("search_vector({}.search_grams) @@ CAST({q} AS tsquery)", self.index.alias))
            }
        }
    }
}

impl Store {
    /// The words of `text` (none: `None`) prepared for a search of `index` in `tenant` (all when
    /// `None`): each word's tokens and the logins of the people whose name holds it.
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
            let people = match index.person {
                None => Some(Vec::new()),
                Some(_) => {
                    let mut args = vec![Arg::Text(pattern.clone())];
                    let mut sql = "SELECT id FROM people WHERE LOWER(name) LIKE $1 ESCAPE '\\'".to_owned();
                    if let Some(t) = tenant {
                        args.push(Arg::from(t));
                        sql.push_str(" AND tenant_id = $2");
                    }
                    sql.push_str(&format!(" LIMIT {}", PEOPLE_LIMIT + 1));
                    let ids = self.fetch(&sql, args, |r| r.try_get::<String>("id")).await?;
                    (ids.len() <= PEOPLE_LIMIT).then(|| ids.iter().map(|id| login_token(id)).collect())
                }
            };
            terms.push(Term { tokens: word_tokens(&word), pattern, people });
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
        if search.terms.iter().any(|t| t.people.is_none()) {
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
}

#[cfg(test)]
mod tests;
