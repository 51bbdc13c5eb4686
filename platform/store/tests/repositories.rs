//! Migrations and tenant-scoped repositories against SQLite and the machine's PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use kefu_core::{Role, TenantScope, UserId};
use kefu_store::users::{NewUser, UserChange};
use kefu_store::{Store, StoreError};

async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&kefu_store::testing::sqlite_in(dir.path()))
        .await
        .unwrap();
    let pg = Store::connect(&kefu_store::testing::fresh_postgres().await)
        .await
        .unwrap();
    vec![
        ("sqlite", sqlite, dir),
        ("postgres", pg, tempfile::tempdir().unwrap()),
    ]
}

fn owner(email: &str) -> NewUser<'_> {
    NewUser {
        email,
        name: "Owner",
        role: Role::Owner,
        password_hash: Some("$argon2id$x".into()),
    }
}

#[tokio::test]
async fn migrations_apply_once_and_repositories_stay_in_their_tenant() {
    for (db, store, _dir) in stores().await {
        assert_eq!(store.pending_migrations().await.unwrap().len(), 10, "{db}");
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        assert!(store.pending_migrations().await.unwrap().is_empty(), "{db}");
        store.ping().await.unwrap();

        let (ta, oa) = store
            .create_tenant_with_owner("Alpha", "alpha", owner("a@x.test"))
            .await
            .unwrap();
        let (tb, ob) = store
            .create_tenant_with_owner("Beta", "alpha", owner("b@x.test"))
            .await
            .unwrap();
        assert_eq!(tb.slug, "alpha-2", "{db}: slugs stay unique");
        // Scopes are minted here as authentication would after checking a password.
        let a = TenantScope::authenticated(ta.id, oa.id, Role::Owner);
        let b = TenantScope::authenticated(tb.id, ob.id, Role::Owner);
        let agent_b = store
            .create_user(
                &b,
                NewUser {
                    email: "agent@b.test",
                    name: "Agent",
                    role: Role::Agent,
                    password_hash: None,
                },
            )
            .await
            .unwrap();

        // Tenant A cannot see or change tenant B's users.
        let listed: Vec<UserId> = store
            .list_users(&a)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(listed, vec![oa.id], "{db}");
        assert!(
            matches!(store.user(&a, agent_b.id).await, Err(StoreError::NotFound)),
            "{db}"
        );
        let change = UserChange {
            disabled: Some(true),
            ..UserChange::default()
        };
        assert!(matches!(
            store.change_user(&a, agent_b.id, change.clone()).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            store.user(&b, agent_b.id).await.unwrap().status,
            kefu_store::users::UserStatus::Active
        );

        // Roles are checked in the data layer.
        let as_agent = TenantScope::authenticated(tb.id, agent_b.id, Role::Agent);
        assert!(matches!(
            store.list_users(&as_agent).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.audit_log(&as_agent, 10, None).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.change_user(&as_agent, ob.id, change).await,
            Err(StoreError::Forbidden(_))
        ));

        // Duplicate e-mails within a tenant are refused; across tenants they are fine.
        let dup = store
            .create_user(
                &b,
                NewUser {
                    email: "agent@b.test",
                    name: "X",
                    role: Role::Agent,
                    password_hash: None,
                },
            )
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "email", .. })),
            "{db}: {dup:?}"
        );
        store
            .create_user(
                &a,
                NewUser {
                    email: "agent@b.test",
                    name: "X",
                    role: Role::Agent,
                    password_hash: None,
                },
            )
            .await
            .unwrap();

        // Each tenant's audit log holds only its own writes.
        let log_a = store.audit_log(&a, 100, None).await.unwrap();
        let log_b = store.audit_log(&b, 100, None).await.unwrap();
        assert_eq!(
            log_a.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["user.created", "tenant.created"]
        );
        assert_eq!(log_b.len(), 2, "{db}");
        assert!(log_b.iter().all(|e| e.target != oa.id.to_string()));
    }
}

/// Many writers at once: every write lands (SQLite must queue writers, not fail them with
/// "database is locked").
#[tokio::test]
async fn concurrent_writes_all_succeed() {
    for (db, store, _dir) in stores().await {
        store.migrate().await.unwrap();
        let (t, o) = store
            .create_tenant_with_owner("Busy", "busy", owner("o@x.test"))
            .await
            .unwrap();
        let scope = TenantScope::authenticated(t.id, o.id, Role::Owner);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let (store, scope) = (store.clone(), scope.clone());
            tasks.push(tokio::spawn(async move {
                let email = format!("agent{i}@x.test");
                let u = store
                    .create_user(
                        &scope,
                        NewUser {
                            email: &email,
                            name: "A",
                            role: Role::Agent,
                            password_hash: None,
                        },
                    )
                    .await?;
                let change = UserChange {
                    name: Some(format!("Agent {i}")),
                    ..UserChange::default()
                };
                store.change_user(&scope, u.id, change).await.map(|_| ())
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap_or_else(|e| panic!("{db}: {e}"));
        }
        assert_eq!(store.list_users(&scope).await.unwrap().len(), 25, "{db}");
    }
}
