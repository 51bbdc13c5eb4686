#![allow(clippy::result_large_err)] // figment::Jail closures return figment::Error

//! The compose file and the configuration cannot drift apart: every `KEFU_*` setting the
//! compose file passes must be a configuration key, and together they must load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kefu_server::config::{Config, ObjectStoreKind, Overrides};

#[test]
fn every_compose_setting_is_a_configuration_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/compose.yaml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let env = doc["services"]["kefu"]["environment"]
        .as_mapping()
        .expect("kefu environment");
    let keys = Config::keys();
    let mut pairs = Vec::new();
    for (k, v) in env {
        let k = k.as_str().unwrap().to_owned();
        let v = v.as_str().expect("quote every value").to_owned();
        let key = k
            .strip_prefix("KEFU_")
            .expect("only KEFU_ settings")
            .to_lowercase();
        assert!(
            keys.contains(&key),
            "{k} is not a configuration key (keys: {keys:?})"
        );
        pairs.push((k, v));
    }
    assert!(pairs.len() >= 10);
    figment::Jail::expect_with(|jail| {
        for (k, v) in &pairs {
            jail.set_env(k, v);
        }
        let config = Config::load(None, &Overrides::default()).map_err(|e| e.0)?;
        assert_eq!(config.object_store, ObjectStoreKind::S3);
        assert!(config.database_url.starts_with("postgres://"));
        assert_eq!(config.s3_endpoint, "http://minio:9000");
        Ok(())
    });
}
