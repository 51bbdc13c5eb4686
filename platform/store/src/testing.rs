//! Test support shared by the crates' test suites (feature `testing`): fresh databases on the
//! machine's real servers.

use sea_orm::{ConnectionTrait, Database};

/// A fresh, empty PostgreSQL database on the server named by `KEFU_TEST_POSTGRES_URL`
/// (default: the local server's `test` database); returns its URL.
///
/// # Panics
/// If PostgreSQL is not reachable: the tests need it.
#[allow(clippy::expect_used)]
pub async fn fresh_postgres() -> String {
    let admin = std::env::var("KEFU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "kefu_t_{}",
        kefu_core::id::next_ulid().to_string().to_lowercase()
    );
    let conn = Database::connect(&admin)
        .await
        .expect("PostgreSQL must be running (set KEFU_TEST_POSTGRES_URL)");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creating a test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}

/// A SQLite database URL in `dir`.
pub fn sqlite_in(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("kefu.db").display())
}
