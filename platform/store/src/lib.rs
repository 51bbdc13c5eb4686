//! Kefu's persistence: tenant-scoped repositories over sea-orm (SQLite or PostgreSQL, chosen by
//! the database URL) and the object store for blobs (filesystem or S3).
//!
//! Tenancy is enforced here, not in handlers: every function that reads or writes tenant rows
//! takes a [`TenantScope`], filters by its tenant and checks its role. Entities are private, so
//! there is no way around the repositories. Every write also appends to the tenant's audit log
//! in the same transaction, so a change and its audit row land together or not at all.
//!
//! Functions in [`credentials`] and [`inbound_route`] are the exception: they serve authentication itself (looking a
//! login up by e-mail, a refresh token by its hash) and return what authentication needs to
//! decide; only then does the server mint a scope. The inbound route lookup is itself the
//! authentication of a SIP trunk, and mints the scope a call from that trunk runs with.
#![deny(missing_docs)]

pub mod audit;
pub mod call_records;
pub mod config_docs;
pub mod credentials;
mod entity;
mod error;
pub mod events;
pub mod inbound_route;
pub mod inbound_trunks;
pub mod keys;
pub mod numbers;
pub mod objects;
pub mod outbound_trunks;
pub mod outbox;
pub mod plugin_invocations;
pub mod plugins;
pub mod sip_digest;
pub mod tenants;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
pub mod voicemails;

use std::sync::Arc;
use std::time::Duration;

use kefu_migrations::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub use error::StoreError;
pub use kefu_core::TenantScope;

/// A connection pool to Kefu's database.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    inbound: Arc<inbound_route::DirectoryCache>,
    /// Bumped after every committed change to plugin installations or tenant configuration
    /// documents (plugin limits among them), so caches of ready-to-run installations know when
    /// what they hold may be stale.
    plugin_changes: Arc<std::sync::atomic::AtomicU64>,
}

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path?mode=rwc`: the embedded default.
    Sqlite,
    /// `postgres://…`: production.
    Postgres,
}

impl Backend {
    /// The engine a database URL names, or `None` for an unsupported scheme.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

impl Store {
    /// Connect to the database at `url` (SQLite or PostgreSQL).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::Config {
            message: "database URL must start with sqlite: or postgres://".into(),
        })?;
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            // SQLite serialises writers; a handful of connections is plenty and keeps lock
            // contention (SQLITE_BUSY) rare.
            opts.max_connections(8).min_connections(1);
        } else {
            opts.max_connections(32).min_connections(2);
        }
        let db = Database::connect(opts).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while a writer commits; it persists in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
            db.execute_unprepared("PRAGMA synchronous=NORMAL").await?;
        }
        Ok(Store {
            db,
            inbound: Arc::default(),
            plugin_changes: Arc::default(),
        })
    }

    /// Apply every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        kefu_migrations::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(kefu_migrations::Migrator::get_pending_migrations(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// A counter bumped after every committed change to this tenant-independent set: plugin
    /// installations (install, upgrade, configuration, secrets, uninstall) and configuration
    /// documents. Something built from data read while it was `n` is current only while it is
    /// still `n` (changes made through another node are not seen: bound the age as well).
    pub fn plugin_generation(&self) -> u64 {
        self.plugin_changes
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn plugins_changed(&self) {
        self.plugin_changes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begin a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for a
    /// concurrent writer and fails with "database is locked"; an immediate one waits its turn
    /// (busy timeout). PostgreSQL ignores the option.
    pub(crate) async fn write_txn(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?)
    }
}

/// The role check every scoped repository function starts with.
pub(crate) fn require(
    scope: &TenantScope,
    allowed: fn(kefu_core::Role) -> bool,
    what: &'static str,
) -> Result<(), StoreError> {
    if allowed(scope.role()) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(what))
    }
}

pub(crate) fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id in database: {text}")))
}
