//! The statements of the test support (`crate::testing`, feature `testing`): creating and
//! dropping a PostgreSQL database per test through the server's maintenance database.

/// Creates the database `name` through `admin_url`. Panics with a clear message when the
/// server does not answer.
pub(crate) async fn create_database(admin_url: &str, name: &str) {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(admin_url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL tests need a server at {admin_url} (set BPM_TEST_PG_URL to another one): {e}. \
             Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    });
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("CREATE DATABASE");
    admin.close().await;
}

/// Drops the database `name` through `admin_url`, ending its open connections (`FORCE`);
/// failures are ignored (the test is over).
pub(crate) async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = sqlx::AnyPool::connect(admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
        admin.close().await;
    }
}
