//! The `http` capability's network policy: internal addresses refused unless the operator
//! allows private networks, and HTTPS with the configured roots — against real local servers.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use kefu_plugin_host::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers every request `200 hello` and counts connections that sent a request.
async fn plain_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                if read_head(&mut socket).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let _ = socket.write_all(RESPONSE).await;
                }
            });
        }
    });
    (port, hits)
}

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello";

async fn read_head<S: AsyncReadExt + Unpin>(socket: &mut S) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// An HTTPS server with a fresh self-signed certificate for `localhost`; returns its PEM.
async fn tls_server() -> (u16, Arc<AtomicUsize>, String) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .expect("tls config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, counter) = (acceptor.clone(), counter.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                if read_head(&mut tls).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let _ = tls.write_all(RESPONSE).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (port, hits, pem)
}

fn host_with(policy: HttpPolicy) -> PluginHost {
    let config = HostConfig {
        max_concurrent_instances: 4,
        http: policy,
        ..HostConfig::default()
    };
    PluginHost::new(config, Arc::new(MemoryLog::new(10))).expect("host starts")
}

async fn fetch(host: &PluginHost, allowed: &str, url: &str) -> IvrCall {
    let plugin = misbehave(host, allowed);
    behave(host, &plugin, &installation(), "http", &[("url", url)]).await
}

#[tokio::test]
async fn loopback_literals_and_names_are_refused_by_default_before_any_connection() {
    let (port, hits) = plain_server().await;
    let host = host_with(HttpPolicy::default());

    let literal = fetch(
        &host,
        &format!("127.0.0.1:{port}"),
        &format!("http://127.0.0.1:{port}/"),
    )
    .await;
    let error = data_of(&literal, "http.error").expect("an error for the guest");
    assert!(error.contains("internal address"), "{error}");

    // An allow-listed name that resolves to loopback is refused by the resolver.
    let named = fetch(
        &host,
        &format!("localhost:{port}"),
        &format!("http://localhost:{port}/"),
    )
    .await;
    let error = data_of(&named, "http.error").expect("an error for the guest");
    assert!(error.contains("internal addresses"), "{error}");

    let mapped = fetch(
        &host,
        &format!("[::ffff:127.0.0.1]:{port}"),
        &format!("http://[::ffff:127.0.0.1]:{port}/"),
    )
    .await;
    assert!(
        data_of(&mapped, "http.error").is_some(),
        "{:?}",
        mapped.output
    );

    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");
}

#[tokio::test]
async fn private_networks_allowed_by_the_operator_are_reached() {
    let (port, hits) = plain_server().await;
    let host = host_with(HttpPolicy {
        allow_private_networks: true,
        ..HttpPolicy::default()
    });
    let call = fetch(
        &host,
        &format!("localhost:{port}"),
        &format!("http://localhost:{port}/"),
    )
    .await;
    assert_eq!(
        data_of(&call, "http.status").as_deref(),
        Some("200"),
        "{:?}",
        call.output
    );
    assert_eq!(data_of(&call, "http.body").as_deref(), Some("hello"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn https_works_with_a_trusted_root_and_fails_without_it() {
    let (port, hits, pem) = tls_server().await;
    let url = format!("https://localhost:{port}/");
    let allowed = format!("localhost:{port}");

    let trusting = host_with(HttpPolicy {
        allow_private_networks: true,
        extra_roots_pem: vec![pem.into_bytes()],
    });
    let call = fetch(&trusting, &allowed, &url).await;
    assert_eq!(
        data_of(&call, "http.status").as_deref(),
        Some("200"),
        "{:?}",
        call.output
    );
    assert_eq!(data_of(&call, "http.body").as_deref(), Some("hello"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let untrusting = host_with(HttpPolicy {
        allow_private_networks: true,
        ..HttpPolicy::default()
    });
    let call = fetch(&untrusting, &allowed, &url).await;
    let error = data_of(&call, "http.error").expect("a TLS error for the guest");
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "no request without a trusted certificate"
    );
}

#[test]
fn only_globally_routable_addresses_are_public() {
    use kefu_plugin_host::http::is_public;
    for internal in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2001:db8::1",
    ] {
        assert!(
            !is_public(internal.parse().expect("ip")),
            "{internal} is internal"
        );
    }
    for public in [
        "8.8.8.8",
        "1.1.1.1",
        "203.0.114.1",
        "2606:4700::1111",
        "::ffff:8.8.4.4",
    ] {
        assert!(is_public(public.parse().expect("ip")), "{public} is public");
    }
}
