//! Containment: whatever a guest does, it stops within its limits, gets only what its manifest
//! grants, and never affects other invocations or tenants.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use kefu_plugin_host::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn limited(f: impl FnOnce(&mut InvocationLimits)) -> Arc<Installation> {
    let mut installation = Installation::new(kefu_core::TenantId::new());
    f(&mut installation.limits);
    Arc::new(installation)
}

#[tokio::test]
async fn infinite_loop_is_trapped_at_the_cpu_limit() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = limited(|l| l.cpu = Duration::from_millis(20));
    let call = behave(&host, &plugin, &installation, "loop", &[]).await;
    assert_eq!(call.invocation.outcome, Outcome::Trapped(Trap::CpuLimit));
    assert!(call.output.is_none());
    let took = Duration::from_micros(call.invocation.duration_us);
    assert!(
        took >= Duration::from_millis(20),
        "stopped before its limit: {took:?}"
    );
    // Generous for a shared 2-core machine; without the deadline it would never stop.
    assert!(
        took < Duration::from_millis(500),
        "stopped long after its limit: {took:?}"
    );
}

#[tokio::test]
async fn memory_bomb_is_trapped_at_the_memory_limit() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = limited(|l| l.memory_bytes = 16 << 20);
    let call = behave(&host, &plugin, &installation, "memory", &[]).await;
    assert_eq!(call.invocation.outcome, Outcome::Trapped(Trap::MemoryLimit));
}

#[tokio::test]
async fn deep_recursion_on_the_wasm_stack_is_trapped_as_stack_overflow() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let call = behave(&host, &plugin, &installation(), "recursion-native", &[]).await;
    assert_eq!(
        call.invocation.outcome,
        Outcome::Trapped(Trap::StackOverflow)
    );
}

#[tokio::test]
async fn deep_recursion_on_the_guests_own_stack_traps_out_of_bounds() {
    // Rust guests keep addressable locals on a stack inside their linear memory; overflowing it
    // runs below address 0, which wasmtime stops as an out-of-bounds access.
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let call = behave(&host, &plugin, &installation(), "recursion", &[]).await;
    assert_eq!(
        call.invocation.outcome,
        Outcome::Trapped(Trap::Other("wasm trap: out of bounds memory access".into()))
    );
}

#[tokio::test]
async fn a_panic_is_a_trap() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let call = behave(&host, &plugin, &installation(), "panic", &[]).await;
    match &call.invocation.outcome {
        Outcome::Trapped(Trap::Other(reason)) => {
            assert!(reason.contains("unreachable"), "{reason}")
        }
        other => panic!("expected an unreachable trap, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_output_is_rejected_and_output_under_the_limit_accepted() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = limited(|l| l.max_output_bytes = 64 << 10);
    let call = behave(
        &host,
        &plugin,
        &installation,
        "oversized",
        &[("bytes", "100000")],
    )
    .await;
    match &call.invocation.outcome {
        Outcome::Rejected(Rejection::OutputTooLarge { bytes, limit }) => {
            assert_eq!(*limit, 64 << 10);
            assert!(*bytes > 100_000, "{bytes}");
        }
        other => panic!("expected OutputTooLarge, got {other:?}"),
    }
    assert!(call.output.is_none());
    let small = behave(
        &host,
        &plugin,
        &installation,
        "oversized",
        &[("bytes", "1000")],
    )
    .await;
    assert_eq!(data_of(&small, "blob").map(|b| b.len()), Some(1000));
}

/// Answers one HTTP request on loopback with `body`; returns the port.
async fn one_shot_server(body: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = socket.read(&mut buf).await.unwrap();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
    });
    port
}

#[tokio::test]
async fn http_reaches_an_allowed_host() {
    let port = one_shot_server("hello").await;
    let (host, _) = host();
    let plugin = misbehave(&host, &format!("127.0.0.1:{port}"));
    let url = format!("http://127.0.0.1:{port}/lookup");
    let call = behave(&host, &plugin, &installation(), "http", &[("url", &url)]).await;
    assert_eq!(
        data_of(&call, "http.status").as_deref(),
        Some("200"),
        "{:?}",
        call.invocation
    );
    assert_eq!(data_of(&call, "http.body").as_deref(), Some("hello"));
    let recorded = &call.invocation.host_calls;
    assert_eq!(recorded.len(), 1);
    assert!(
        recorded[0].detail.contains("→ 200"),
        "{}",
        recorded[0].detail
    );
}

#[tokio::test]
async fn http_to_an_undeclared_host_is_an_error_returned_to_the_guest() {
    // A server that would answer, on a port the manifest does not allow: it must see nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1:1");
    for url in [
        format!("http://127.0.0.1:{port}/"),
        "http://example.com/".to_owned(),
        "http://127.0.0.1.example.com:1/".to_owned(),
    ] {
        let call = behave(&host, &plugin, &installation(), "http", &[("url", &url)]).await;
        let error = data_of(&call, "http.error")
            .unwrap_or_else(|| panic!("no error for {url}: {:?}", call.invocation.outcome));
        assert!(error.contains("HostNotAllowed"), "{url}: {error}");
    }
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "the undeclared host was contacted");
}

#[tokio::test]
async fn an_import_the_manifest_does_not_declare_refuses_the_load() {
    let (host, _) = host();
    let without_http = manifest(
        "misbehave",
        serde_json::json!({"log": true, "kv": true, "config": true}),
    );
    match host.load(without_http, &guest("misbehave")) {
        Err(LoadError::UndeclaredImport { interface, .. }) => {
            assert_eq!(interface, "kefu:plugin/http@0.1.0")
        }
        Err(other) => panic!("expected UndeclaredImport, got {other}"),
        Ok(_) => panic!("loaded a plugin whose http import is not declared"),
    }
}

#[tokio::test]
async fn the_guest_sees_no_environment_arguments_or_files() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let call = behave(&host, &plugin, &installation(), "sandbox", &[]).await;
    assert_eq!(
        data_of(&call, "env").as_deref(),
        Some("0"),
        "{:?}",
        call.invocation.outcome
    );
    assert_eq!(data_of(&call, "args").as_deref(), Some("0"));
    for key in ["read-dir-root", "read-passwd"] {
        let result = data_of(&call, key).unwrap_or_default();
        assert!(
            result.parse::<usize>().is_err(),
            "{key} succeeded: {result}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_never_disturbs_other_invocations_or_tenants() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let tenant_a = limited(|l| l.cpu = Duration::from_millis(30));
    // The bomb gets CPU to spare, so it is the memory limit that stops it.
    let tenant_c = limited(|l| {
        l.cpu = Duration::from_millis(500);
        l.memory_bytes = 16 << 20;
    });
    let tenant_b = installation();
    let looping = {
        let (host, plugin, tenant_a) = (host.clone(), plugin.clone(), tenant_a.clone());
        tokio::spawn(async move { behave(&host, &plugin, &tenant_a, "loop", &[]).await })
    };
    let bombing = {
        let (host, plugin, tenant_c) = (host.clone(), plugin.clone(), tenant_c.clone());
        tokio::spawn(async move { behave(&host, &plugin, &tenant_c, "memory", &[]).await })
    };
    let mut good = Vec::new();
    for i in 0..50 {
        let call = behave(&host, &plugin, &tenant_b, "ok", &[]).await;
        assert_eq!(
            data_of(&call, "echo").as_deref(),
            Some("call_01"),
            "good invocation {i}: {:?}",
            call.invocation.outcome
        );
        good.push(call);
    }
    assert_eq!(
        looping.await.unwrap().invocation.outcome,
        Outcome::Trapped(Trap::CpuLimit)
    );
    assert_eq!(
        bombing.await.unwrap().invocation.outcome,
        Outcome::Trapped(Trap::MemoryLimit)
    );
    // And after the traps, the same plugin still serves the trapping tenant.
    let after = behave(&host, &plugin, &tenant_a, "ok", &[]).await;
    assert_eq!(data_of(&after, "echo").as_deref(), Some("call_01"));
}

#[tokio::test]
async fn an_instance_never_sees_data_left_by_a_previous_one() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = installation();
    // More rounds than pool slots, so slots are certainly reused.
    for round in 0..40 {
        let wrote = behave(&host, &plugin, &installation, "write-global", &[]).await;
        assert_eq!(data_of(&wrote, "written").as_deref(), Some("yes"));
        let read = behave(&host, &plugin, &installation, "read-global", &[]).await;
        assert_eq!(
            data_of(&read, "global").as_deref(),
            Some("0"),
            "round {round}"
        );
        assert_eq!(data_of(&read, "bss").as_deref(), Some("0"), "round {round}");
        assert_eq!(
            data_of(&read, "heap-marks").as_deref(),
            Some("0"),
            "round {round}"
        );
    }
}

#[tokio::test]
async fn every_invocation_is_logged_and_can_be_replayed() {
    let (host, log) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = installation();
    let ok = behave(&host, &plugin, &installation, "log", &[]).await;
    assert_eq!(
        ok.invocation.logs,
        vec![LogLine {
            level: "info".into(),
            message: "hello from the guest".into()
        }]
    );
    let trapped = behave(&host, &plugin, &installation, "recursion", &[]).await;
    let logged = log.entries();
    assert_eq!(
        logged,
        vec![ok.invocation.clone(), trapped.invocation.clone()]
    );
    assert_eq!(logged[0].tenant, installation.tenant.to_string());
    assert_eq!(logged[0].content_hash, plugin.content_hash());
    for recorded in &logged {
        let replay = host.replay(&installation, recorded).await.unwrap();
        assert!(
            replay.identical,
            "{:?} vs {:?}",
            replay.invocation.outcome, recorded.outcome
        );
    }
    // A record of a version this host has not loaded cannot be replayed.
    let mut unknown = Invocation::clone(&logged[0]);
    unknown.version = semver::Version::new(9, 9, 9);
    assert!(matches!(
        host.replay(&installation, &unknown).await,
        Err(ReplayError::NotLoaded { .. })
    ));
}
