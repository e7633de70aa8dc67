//! Test support: a fresh, migrated database per test, on SQLite or PostgreSQL, removed when
//! the test ends. PostgreSQL is found through `BPM_TEST_PG_URL` (default: the local server with
//! trust auth); when it does not answer, the test fails and says so: it never passes silently.
//!
//! Built only with the cargo feature `testing` (the engine's and the server's tests and
//! benchmarks enable it), so the server binary does not carry it.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::identity::{Account, Role};
use crate::store::testing::{create_database, drop_database};
use crate::{Clock, Engine, Store, StoreOptions};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The maintenance database of the test PostgreSQL server.
pub fn pg_admin_url() -> String {
    std::env::var("BPM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("bpm_test_{}_{n}_{nanos}", std::process::id())
}

impl TestDb {
    /// A fresh SQLite file in the temp folder.
    pub async fn sqlite() -> TestDb {
        TestDb::sqlite_with(StoreOptions::default()).await
    }

    /// [`TestDb::sqlite`] with the store's options (benchmarks of the sync modes).
    pub async fn sqlite_with(options: StoreOptions) -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect_with(&url, options).await.expect("SQLite test database");
        TestDb { engine: Engine::new(store, Clock::fixed(1_700_000_000_000)), url, cleanup: Cleanup::File(path) }
    }

    /// [`TestDb::sqlite`] with `BPM_SQLITE_SYNC` (`full` or `normal`, default `full`) as the
    /// server reads it, for benchmarks. Panics with the reason on a bad value.
    pub async fn sqlite_from_env() -> TestDb {
        let sqlite_sync = match std::env::var("BPM_SQLITE_SYNC") {
            Ok(v) => v.parse().unwrap_or_else(|e| panic!("BPM_SQLITE_SYNC: {e}")),
            Err(_) => Default::default(),
        };
        TestDb::sqlite_with(StoreOptions { sqlite_sync }).await
    }

    /// A fresh database on the test PostgreSQL server. Panics with a clear message when the
    /// server does not answer.
    pub async fn postgres() -> TestDb {
        let admin_url = pg_admin_url();
        let name = unique_name();
        create_database(&admin_url, &name).await;
        // The database name ends the path; options such as `?host=/var/run/postgresql` (the
        // local server's socket) follow it.
        let (path, options) =
            admin_url.split_once('?').map_or((admin_url.as_str(), String::new()), |(p, o)| (p, format!("?{o}")));
        let url = match path.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}{options}"),
            None => panic!("BPM_TEST_PG_URL must name a database: postgres://user@host/<database>[?options]"),
        };
        let store = Store::connect(&url).await.expect("PostgreSQL test database");
        TestDb {
            engine: Engine::new(store, Clock::fixed(1_700_000_000_000)),
            url,
            cleanup: Cleanup::Database { admin_url, name },
        }
    }
}

impl TestDb {
    /// Gives the engine another clock (benchmarks use the system clock).
    pub fn set_clock(&mut self, clock: Clock) {
        self.engine = Engine::new(self.engine.store().clone(), clock);
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                // Drop runs inside the test's runtime, which cannot be blocked on; a thread
                // with its own small runtime drops the database (FORCE ends open connections).
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                    rt.block_on(drop_database(&admin_url, &name));
                })
                .join();
            }
        }
    }
}

/// Runs an async test body against SQLite and against PostgreSQL: `db_test!(name, body_fn)`
/// makes `name::sqlite` and `name::postgres`, each calling `body_fn(&TestDb)`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::sqlite().await;
                super::$body(&db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::testing::TestDb::postgres().await;
                super::$body(&db).await;
            }
        }
    };
}

/// The tenant manager of `tenant` (as the console signs one in), for tests of tenant scope.
pub fn tenant_manager(tenant: &str) -> Account {
    Account {
        id: format!("{tenant}-manager"),
        username: format!("{tenant}-manager"),
        display_name: format!("Manager of {tenant}"),
        role: Role::TenantManager,
        tenant_id: Some(tenant.to_string()),
    }
}
