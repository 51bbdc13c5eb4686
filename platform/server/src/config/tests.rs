#![allow(clippy::result_large_err)] // figment::Jail closures return figment::Error

use super::*;

// figment's Env reads the process environment; `Jail` isolates each test's environment.
fn env() -> Env {
    Env::prefixed("KEFU_")
}

#[test]
fn layers_apply_in_order() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "kefu.toml",
            "listen = \"127.0.0.1:9000\"\ndemo = false\nlog = \"debug\"",
        )?;
        jail.set_env("KEFU_LISTEN", "127.0.0.1:9100");
        jail.set_env("KEFU_LOG", "warn");
        let flags = Overrides {
            listen: Some("127.0.0.1:9200".parse().unwrap()),
            ..Overrides::default()
        };
        let c = Config::load_from(None, env(), &flags).unwrap();
        assert_eq!(c.listen.port(), 9200, "flags win");
        assert_eq!(c.log, "warn", "environment beats the file");
        assert!(!c.demo, "file beats defaults");
        assert_eq!(c.max_body_bytes, 64 * 1024, "defaults fill the rest");
        Ok(())
    });
}

#[test]
fn bad_values_name_the_key() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("KEFU_MAX_BODY_BYTES", "lots");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("max_body_bytes"), "{err}");
        assert!(err.0.contains("KEFU_MAX_BODY_BYTES"), "{err}");
        Ok(())
    });
    figment::Jail::expect_with(|jail| {
        jail.set_env("KEFU_DATABASE_URL", "mysql://x");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("database_url"), "{err}");
        Ok(())
    });
    figment::Jail::expect_with(|jail| {
        jail.create_file("kefu.toml", "lsten = \"127.0.0.1:1\"")?;
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("lsten"), "unknown keys are named: {err}");
        Ok(())
    });
    figment::Jail::expect_with(|jail| {
        // A default interval below the minimum the same server demands.
        jail.set_env("KEFU_SESSION_MIN_SE_SECS", "600");
        jail.set_env("KEFU_SESSION_EXPIRES_SECS", "300");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("session_expires_secs"), "{err}");
        jail.set_env("KEFU_SESSION_MIN_SE_SECS", "0");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("session_min_se_secs"), "{err}");
        Ok(())
    });
    figment::Jail::expect_with(|jail| {
        jail.set_env("KEFU_OBJECT_STORE", "ftp");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(err.0.contains("object_store"), "{err}");
        Ok(())
    });
}

#[test]
fn test_harness_variables_are_not_configuration() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("KEFU_TEST_POSTGRES_URL", "postgres://x@y/z");
        jail.set_env("KEFU_LISTEN", "127.0.0.1:9300");
        let c = Config::load_from(None, env(), &Overrides::default()).unwrap();
        assert_eq!(c.listen.port(), 9300);
        jail.set_env("KEFU_LISTN", "127.0.0.1:9300");
        let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
        assert!(
            err.0.contains("listn"),
            "other unknown KEFU_ variables are still refused: {err}"
        );
        Ok(())
    });
}

#[test]
fn a_named_config_file_must_exist() {
    let err = Config::load(
        Some(Path::new("/nonexistent/kefu.toml")),
        &Overrides::default(),
    )
    .unwrap_err();
    assert!(err.0.contains("not found"));
}

#[test]
fn keys_lists_every_field() {
    let keys = Config::keys();
    assert!(keys.contains(&"database_url".to_owned()));
    assert!(keys.contains(&"s3_endpoint".to_owned()));
    assert!(keys.contains(&"tts_program".to_owned()));
    assert_eq!(keys.len(), 48);
}

#[test]
fn the_browser_audio_address_must_be_one_browsers_can_be_given() {
    let mut c = Config::default();
    assert_eq!(c.webrtc_listen().unwrap(), "127.0.0.1:0".parse().unwrap());
    c.media_address = "203.0.113.7".into();
    assert_eq!(c.webrtc_listen().unwrap(), "203.0.113.7:0".parse().unwrap());
    c.webrtc_listen = "198.51.100.2:40000".into();
    assert_eq!(
        c.webrtc_listen().unwrap(),
        "198.51.100.2:40000".parse().unwrap()
    );
    c.webrtc_listen = "0.0.0.0:40000".into();
    let err = c.webrtc_listen().unwrap_err();
    assert!(
        err.0.contains("webrtc_listen") && err.0.contains("wildcard"),
        "{err}"
    );
    c.webrtc_listen = "somewhere".into();
    assert!(c.webrtc_listen().unwrap_err().0.contains("webrtc_listen"));
}

#[test]
fn edge_and_listener_limits_are_checked() {
    for (key, value) in [
        ("SIP_DIGEST_NONCE_SECS", "0"),
        ("SIP_DIGEST_NONCE_SECS", "7200"),
        ("HTTP_HEADER_READ_TIMEOUT_SECS", "0"),
        ("HTTP_IDLE_TIMEOUT_SECS", "30"),
        ("HTTP_MAX_CONNECTIONS_PER_SOURCE", "0"),
        ("SIP_TCP_MESSAGE_TIMEOUT_SECS", "0"),
        ("SIP_TCP_MAX_CONNECTIONS_PER_SOURCE", "0"),
        ("SIP_ADVERTISE", "0.0.0.0"),
        ("SIP_ADVERTISE", "sip.example.com"),
        ("TTS_PROGRAM", " "),
    ] {
        figment::Jail::expect_with(|jail| {
            jail.set_env(format!("KEFU_{key}"), value);
            let err = Config::load_from(None, env(), &Overrides::default()).unwrap_err();
            assert!(err.0.contains(&key.to_lowercase()), "{key}={value}: {err}");
            Ok(())
        });
    }
    let limits = Config::default().http_limits();
    assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
    assert_eq!(limits.idle_timeout, Duration::from_secs(60));
    assert_eq!(limits.max_per_source, 256);
}

#[test]
fn advertised_and_media_addresses() {
    let mut c = Config::default();
    // The default wildcard: nothing fixed, each call gets the address that reaches its caller.
    assert_eq!(c.sip_advertise().unwrap(), None);
    assert_eq!(c.media_address().unwrap(), None);
    c.sip_listen = "192.0.2.10:5060".into();
    assert_eq!(
        c.media_address().unwrap(),
        Some("192.0.2.10".parse().unwrap())
    );
    c.sip_advertise = "203.0.113.7".into();
    assert_eq!(
        c.sip_advertise().unwrap(),
        Some("203.0.113.7:0".parse().unwrap())
    );
    assert_eq!(
        c.media_address().unwrap(),
        Some("203.0.113.7".parse().unwrap())
    );
    c.sip_advertise = "203.0.113.7:5080".into();
    assert_eq!(
        c.sip_advertise().unwrap(),
        Some("203.0.113.7:5080".parse().unwrap())
    );
    c.media_address = "198.51.100.4".into();
    assert_eq!(
        c.media_address().unwrap(),
        Some("198.51.100.4".parse().unwrap())
    );
}
