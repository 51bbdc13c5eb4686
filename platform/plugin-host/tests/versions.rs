//! Loaded versions: a live call keeps the code it started with whatever is loaded later, and
//! two publishers' plugins with the same name and version never stand in for each other.

mod common;

use common::*;

#[tokio::test]
async fn a_call_keeps_its_version_and_same_named_plugins_do_not_collide() {
    let (host, _) = host();
    let caps = serde_json::json!({"log": true, "kv": true, "config": true,
        "http": {"allowed_hosts": ["127.0.0.1"]}});
    // Publisher one's `shared-name`@1.0.0 is the misbehaving guest; a call starts on it.
    let first = host
        .load(manifest("shared-name", caps), &guest("misbehave"))
        .expect("loads");
    // Publisher two publishes other code under the same name and version.
    let second = host
        .load(
            manifest(
                "shared-name",
                serde_json::json!({"config": true, "log": true,
                    "http": {"allowed_hosts": ["pins.example.com"]}}),
            ),
            &guest("ivr_menu"),
        )
        .expect("loads");
    assert_ne!(first.content_hash(), second.content_hash());

    // Each is found by its own hash; neither replaced the other.
    let version = semver::Version::new(1, 0, 0);
    let found_first = host
        .plugin(first.content_hash(), "shared-name", &version)
        .expect("first still loaded");
    let found_second = host
        .plugin(second.content_hash(), "shared-name", &version)
        .expect("second loaded");
    assert_eq!(found_first.content_hash(), first.content_hash());
    assert_eq!(found_second.content_hash(), second.content_hash());

    // The call that started on the first keeps running the first's code.
    let installation = installation();
    let call = behave(&host, &first, &installation, "ok", &[]).await;
    assert_eq!(data_of(&call, "echo").as_deref(), Some("call_01"));
    assert_eq!(call.invocation.content_hash, first.content_hash());
    // The other is the menu, which without its configuration answers with a plugin error.
    let menu = behave(&host, &second, &installation, "ok", &[]).await;
    assert!(matches!(menu.output, Some(Err(_))), "{:?}", menu.output);
}
