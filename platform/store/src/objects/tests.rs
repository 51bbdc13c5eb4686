//! The same behaviour tests run against every backend: the filesystem here, and S3 against a
//! real S3-compatible server in `tests/objects_s3.rs`.

use super::*;

pub(crate) async fn exercise(store: &dyn ObjectStore, prefix: &str) {
    let a = ObjectKey::new(format!("{prefix}/a/one.bin")).unwrap();
    let b = ObjectKey::new(format!("{prefix}/a/two.bin")).unwrap();
    assert_eq!(store.get(&a).await.unwrap(), None, "absent object");
    store
        .put(&a, Bytes::from_static(b"first"), "application/octet-stream")
        .await
        .unwrap();
    store
        .put(
            &a,
            Bytes::from_static(b"second"),
            "application/octet-stream",
        )
        .await
        .unwrap();
    store
        .put(
            &b,
            Bytes::from(vec![7u8; 300_000]),
            "application/octet-stream",
        )
        .await
        .unwrap();
    assert_eq!(
        store.get(&a).await.unwrap().as_deref(),
        Some(&b"second"[..])
    );
    assert_eq!(store.get(&b).await.unwrap().map(|d| d.len()), Some(300_000));
    assert_eq!(
        store.list(&format!("{prefix}/a/"), 10).await.unwrap(),
        vec![a.as_str().to_owned(), b.as_str().to_owned()]
    );
    assert_eq!(
        store.list(&format!("{prefix}/a/"), 1).await.unwrap().len(),
        1
    );
    store.delete(&a).await.unwrap();
    store.delete(&a).await.unwrap();
    assert_eq!(store.get(&a).await.unwrap(), None);
    store.check().await.unwrap();
}

#[test]
fn keys_are_validated() {
    for bad in ["", "/abs", "a/../b", "a//b", "a/./b", "sp ace", "a\0b", "ü"] {
        assert!(ObjectKey::new(bad).is_err(), "{bad:?} accepted");
    }
    assert!(ObjectKey::new("x".repeat(MAX_KEY_LEN + 1)).is_err());
    assert!(ObjectKey::new("tenants/ten_1/recordings/cal_2.wav").is_ok());
}

#[tokio::test]
async fn filesystem_backend_behaves() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsObjects::open(dir.path()).await.unwrap();
    exercise(&store, "t").await;
    // Temporary files never show up as objects.
    assert!(
        store
            .list("", 100)
            .await
            .unwrap()
            .iter()
            .all(|k| !k.contains("tmp"))
    );
}

/// A real S3-compatible server (moto) on a free loopback port, stopped on drop. Set
/// `KEFU_TEST_S3_ENDPOINT` to use an already running server instead.
struct S3Server {
    endpoint: String,
    child: Option<std::process::Child>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn s3_server() -> S3Server {
    if let Ok(endpoint) = std::env::var("KEFU_TEST_S3_ENDPOINT") {
        return S3Server {
            endpoint,
            child: None,
        };
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto server (pip install 'moto[server]') must be installed for the S3 tests");
    let server = S3Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto server did not start on port {port}");
}

#[tokio::test]
async fn s3_backend_behaves_against_a_real_s3_server() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let server = s3_server().await;
    let store = S3Objects::new(&S3Config {
        bucket: format!(
            "kefu-test-{}",
            kefu_core::id::next_ulid().to_string().to_lowercase()
        ),
        region: "us-east-1".into(),
        endpoint: Some(server.endpoint.clone()),
        path_style: true,
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    });
    assert!(store.check().await.is_err(), "bucket must not exist yet");
    store.create_bucket().await.unwrap();
    exercise(&store, "t").await;
}
