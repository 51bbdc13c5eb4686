//! The `kv` and `config` capabilities through the real host, and the tenant check: a plugin
//! only ever reaches its own installation's keys, settings and secrets.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::Arc;

use common::*;
use kefu_plugin_host::ivr::Event;
use kefu_plugin_host::*;

/// Runs one kv operation in the misbehave guest; returns its answer (`ok`, `<none>`, the value
/// read or the error).
async fn kv(
    host: &PluginHost,
    plugin: &Plugin,
    installation: &Arc<Installation>,
    data: &[(&str, &str)],
) -> String {
    let call = behave(host, plugin, installation, "kv", data).await;
    data_of(&call, "kv").unwrap_or_else(|| panic!("no answer: {:?}", call.invocation.outcome))
}

#[tokio::test]
async fn kv_keys_are_scoped_to_the_tenant_and_the_plugin() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let other_plugin = misbehave_named(&host, "misbehave-two", "127.0.0.1");
    let (tenant_a, tenant_b) = (installation(), installation());

    let set = [("op", "set"), ("key", "greeting"), ("value", "from a")];
    assert_eq!(kv(&host, &plugin, &tenant_a, &set).await, "ok");
    let get = [("op", "get"), ("key", "greeting")];
    // A later invocation (fresh instance) of the same installation reads it back.
    assert_eq!(kv(&host, &plugin, &tenant_a, &get).await, "from a");
    // Another tenant's installation of the same plugin does not see it...
    assert_eq!(kv(&host, &plugin, &tenant_b, &get).await, "<none>");
    // ...nor does another plugin of the same tenant.
    assert_eq!(kv(&host, &other_plugin, &tenant_a, &get).await, "<none>");

    // The same key written elsewhere leaves tenant a's value alone.
    let set_b = [("op", "set"), ("key", "greeting"), ("value", "from b")];
    assert_eq!(kv(&host, &plugin, &tenant_b, &set_b).await, "ok");
    assert_eq!(kv(&host, &other_plugin, &tenant_a, &set_b).await, "ok");
    assert_eq!(kv(&host, &plugin, &tenant_a, &get).await, "from a");
    assert_eq!(kv(&host, &plugin, &tenant_b, &get).await, "from b");

    // Deleting is scoped too, and deleting a missing key is not an error.
    let delete = [("op", "delete"), ("key", "greeting")];
    assert_eq!(kv(&host, &plugin, &tenant_b, &delete).await, "ok");
    assert_eq!(kv(&host, &plugin, &tenant_b, &delete).await, "ok");
    assert_eq!(kv(&host, &plugin, &tenant_b, &get).await, "<none>");
    assert_eq!(kv(&host, &plugin, &tenant_a, &get).await, "from a");

    // The log names keys and whether they were found, never values.
    let call = behave(&host, &plugin, &tenant_a, "kv", &get).await;
    assert_eq!(call.invocation.host_calls.len(), 1);
    assert_eq!(call.invocation.host_calls[0].detail, "greeting → found");
}

#[tokio::test]
async fn kv_size_caps_are_errors_the_guest_sees() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let tenant = installation();
    // Keys up to 256 bytes and values up to 64 KiB are accepted; one byte more is too large.
    let at_limit = [
        ("op", "set"),
        ("key-bytes", "256"),
        ("value-bytes", "65536"),
    ];
    assert_eq!(kv(&host, &plugin, &tenant, &at_limit).await, "ok");
    let long_key = [("op", "set"), ("key-bytes", "257"), ("value", "v")];
    assert_eq!(
        kv(&host, &plugin, &tenant, &long_key).await,
        "KvError::TooLarge(256)"
    );
    let big_value = [("op", "set"), ("key", "big"), ("value-bytes", "65537")];
    assert_eq!(
        kv(&host, &plugin, &tenant, &big_value).await,
        "KvError::TooLarge(65536)"
    );
    // Refused writes store nothing.
    let get = [("op", "get"), ("key", "big")];
    assert_eq!(kv(&host, &plugin, &tenant, &get).await, "<none>");
}

#[tokio::test]
async fn kv_quota_is_per_installation_and_an_error_the_guest_sees() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let (tenant, other) = (installation(), installation());
    // The quota is 1 MiB of keys + values: fifteen 64 KiB values fit, the sixteenth
    // (with the keys) does not.
    for i in 0..15 {
        let key = format!("blob-{i:02}");
        let set = [
            ("op", "set"),
            ("key", key.as_str()),
            ("value-bytes", "65536"),
        ];
        assert_eq!(kv(&host, &plugin, &tenant, &set).await, "ok", "set {key}");
    }
    let one_more = [("op", "set"), ("key", "blob-15"), ("value-bytes", "65536")];
    assert_eq!(
        kv(&host, &plugin, &tenant, &one_more).await,
        "KvError::QuotaExceeded"
    );
    // Replacing an existing key counts its new size, not both.
    let replace = [("op", "set"), ("key", "blob-00"), ("value-bytes", "65536")];
    assert_eq!(kv(&host, &plugin, &tenant, &replace).await, "ok");
    // Another tenant's quota is untouched.
    assert_eq!(kv(&host, &plugin, &other, &one_more).await, "ok");
    // Deleting frees room.
    let delete = [("op", "delete"), ("key", "blob-01")];
    assert_eq!(kv(&host, &plugin, &tenant, &delete).await, "ok");
    assert_eq!(kv(&host, &plugin, &tenant, &one_more).await, "ok");
}

#[tokio::test]
async fn secrets_come_only_from_the_installation_and_are_never_logged() {
    let (host, log) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let mut with_secret = Installation::new(kefu_core::TenantId::new());
    with_secret
        .secrets
        .insert("token".into(), "s3cr3t-a".into());
    let with_secret = Arc::new(with_secret);
    let mut other = Installation::new(kefu_core::TenantId::new());
    other.secrets.insert("token".into(), "s3cr3t-b".into());
    let other = Arc::new(other);

    let call = behave(&host, &plugin, &with_secret, "secret", &[("key", "token")]).await;
    assert_eq!(data_of(&call, "secret").as_deref(), Some("s3cr3t-a"));
    let call = behave(&host, &plugin, &other, "secret", &[("key", "token")]).await;
    assert_eq!(data_of(&call, "secret").as_deref(), Some("s3cr3t-b"));
    // Absent: none, not an error and not another installation's.
    let call = behave(
        &host,
        &plugin,
        &with_secret,
        "secret",
        &[("key", "missing")],
    )
    .await;
    assert_eq!(data_of(&call, "secret").as_deref(), Some("<none>"));
    let call = behave(
        &host,
        &plugin,
        &installation(),
        "secret",
        &[("key", "token")],
    )
    .await;
    assert_eq!(data_of(&call, "secret").as_deref(), Some("<none>"));
    assert_eq!(call.invocation.host_calls[0].detail, "token → not set");

    // The host-call record says whether it was set, never the value. (This guest echoes it
    // into its output on purpose; only host calls and logs are the host's to keep clean.)
    for invocation in log.entries() {
        for host_call in &invocation.host_calls {
            assert!(!host_call.detail.contains("s3cr3t"), "{host_call:?}");
        }
    }
}

#[tokio::test]
async fn a_context_for_another_tenant_is_refused_before_instantiation() {
    let (host, log) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = installation();
    let stranger = kefu_core::TenantId::new().to_string();
    // The guest would write a key if it ran; a refused call must not run at all.
    let context = context(&stranger, &[("behaviour", "kv"), ("op", "set")]);
    let call = host
        .ivr_on_event(&plugin, &installation, &context, &Event::CallStarted)
        .await;
    assert!(call.output.is_none());
    assert_eq!(
        call.invocation.outcome,
        Outcome::Rejected(Rejection::TenantMismatch {
            input: stranger,
            installation: installation.tenant.to_string(),
        })
    );
    assert!(call.invocation.host_calls.is_empty(), "the guest ran");
    assert_eq!(log.entries(), vec![call.invocation.clone()]);
    // Nothing was written: the key is absent for the real tenant.
    let get = [("op", "get"), ("key", "k")];
    assert_eq!(kv(&host, &plugin, &installation, &get).await, "<none>");
    // And the refusal replays as a refusal.
    let replay = host.replay(&installation, &call.invocation).await.unwrap();
    assert!(replay.identical);
}
