//! Slow and greedy HTTP clients cannot starve the server: the real listener
//! (`kefu_server::http_server`, as `kefu serve` runs it) on 127.0.0.1 with short test limits.
//! Half-sent request heads and stalled uploads are closed while `/livez` keeps answering, one
//! source cannot open more than its cap, and handlers still see each client's own address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Db, TestApp};
use kefu_server::http_server::{ConnectionLimits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

/// How long a test waits for something that must happen (generous: a loaded machine).
const WAIT: Duration = Duration::from_secs(25);

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<()>,
    _app: TestApp,
}

async fn start(
    limits: ConnectionLimits,
    tweak: impl FnOnce(&mut kefu_server::config::Config),
) -> Server {
    let app = TestApp::with_config(Db::Sqlite, tweak).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let router = kefu_server::app::router(app.state.clone());
    let served = tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
        served,
        _app: app,
    }
}

impl Server {
    /// Stops gracefully; every connection must be gone for this to return.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        timeout(WAIT, self.served)
            .await
            .expect("the listener stops once its connections are closed")
            .unwrap();
    }
}

/// A connection to `server` from the loopback address `from`.
async fn connect(server: SocketAddr, from: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// One request on its own connection (`Connection: close`); the whole answer, or what came
/// before the server closed.
async fn exchange(server: SocketAddr, from: [u8; 4], request: &str) -> String {
    let mut stream = connect(server, from).await;
    if stream.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut answer = Vec::new();
    let _ = timeout(WAIT, stream.read_to_end(&mut answer))
        .await
        .expect("an answer or a close");
    String::from_utf8_lossy(&answer).into_owned()
}

const LIVEZ: &str = "GET /livez HTTP/1.1\r\nHost: kefu\r\nConnection: close\r\n\r\n";

/// Reads until the server closes the connection; returns what it sent first. Panics after
/// [`WAIT`].
async fn closed_by_server(stream: &mut TcpStream, what: &str) -> String {
    let mut sink = Vec::new();
    match timeout(WAIT, stream.read_to_end(&mut sink)).await {
        // A reset is a close too.
        Ok(_) => String::from_utf8_lossy(&sink).into_owned(),
        Err(_) => panic!("{what}: still open after {WAIT:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_and_unsent_request_heads_are_closed_while_livez_answers() {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(300),
        max_per_source: 1_000,
    };
    let server = start(limits, |_| {}).await;
    let mut stalled = Vec::new();
    for i in 0..200u8 {
        // From several addresses, as a crowd of slow clients would come.
        let mut stream = connect(server.addr, [127, 0, 1, i % 8 + 1]).await;
        stream
            .write_all(b"GET /livez HTTP/1.1\r\nHost: kefu\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(stream);
    }
    // And some that connect and send nothing at all.
    for i in 0..20u8 {
        stalled.push(connect(server.addr, [127, 0, 2, i % 4 + 1]).await);
    }
    // Served while they hang.
    let answer = exchange(server.addr, [127, 0, 0, 1], LIVEZ).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for (i, stream) in stalled.iter_mut().enumerate() {
        let sent = closed_by_server(stream, &format!("slow client {i}")).await;
        assert!(
            !sent.contains("200 OK"),
            "a half request was answered: {sent}"
        );
    }
    let answer = exchange(server.addr, [127, 0, 0, 1], LIVEZ).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_is_closed_by_the_idle_timeout() {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(2),
        max_per_source: 1_000,
    };
    let server = start(limits, |_| {}).await;
    let mut stream = connect(server.addr, [127, 0, 0, 1]).await;
    // A complete head promising a body that never comes.
    stream
        .write_all(
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: kefu\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"email\": ",
        )
        .await
        .unwrap();
    let sent = closed_by_server(&mut stream, "stalled upload").await;
    // Closed by the idle clock (2 s), not answered by the handler's 30 s timeout.
    assert!(sent.is_empty(), "{sent}");
    // A client that keeps its connection open after a request and sends nothing more is let
    // go too.
    let mut keep_alive = connect(server.addr, [127, 0, 0, 1]).await;
    keep_alive
        .write_all(b"GET /livez HTTP/1.1\r\nHost: kefu\r\n\r\n")
        .await
        .unwrap();
    let sent = closed_by_server(&mut keep_alive, "idle keep-alive").await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_cannot_open_more_than_its_cap() {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(300),
        max_per_source: 3,
    };
    let server = start(limits, |_| {}).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(server.addr, [127, 0, 0, 2]).await);
    }
    // The held ones work: the server took them (a request on the first is answered).
    held[0]
        .write_all(b"GET /livez HTTP/1.1\r\nHost: kefu\r\n\r\n")
        .await
        .unwrap();
    let mut reply = [0u8; 1024];
    let n = timeout(WAIT, held[0].read(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert!(reply[..n].starts_with(b"HTTP/1.1 200"));
    // The fourth from the same address is closed unanswered.
    let answer = exchange(server.addr, [127, 0, 0, 2], LIVEZ).await;
    assert!(
        answer.is_empty(),
        "the (cap+1)th connection was served: {answer}"
    );
    // Another source is not affected.
    let answer = exchange(server.addr, [127, 0, 0, 3], LIVEZ).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Closing one gives the source its slot back (once the server has seen the close).
    drop(held.pop());
    let mut served = false;
    for _ in 0..100 {
        let answer = exchange(server.addr, [127, 0, 0, 2], LIVEZ).await;
        if answer.starts_with("HTTP/1.1 200") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served, "the freed slot was never given back");
    drop(held);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_each_clients_own_address() {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        max_per_source: 100,
    };
    // Two sign-in attempts per address per minute: the per-address limiter keys on the peer.
    let server = start(limits, |c| c.auth_rate_per_ip_per_min = 2).await;
    let login = |email: &str| {
        let body = format!(r#"{{"email": "{email}", "password": "not-the-password-1"}}"#);
        format!(
            "POST /api/v1/sessions HTTP/1.1\r\nHost: kefu\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let mut statuses = Vec::new();
    for i in 0..3 {
        let answer = exchange(server.addr, [127, 0, 0, 4], &login(&format!("a{i}@x.test"))).await;
        statuses.push(answer.get(9..12).unwrap_or_default().to_owned());
    }
    assert_eq!(
        statuses[2], "429",
        "the third from one address is limited: {statuses:?}"
    );
    assert_ne!(statuses[0], "429", "{statuses:?}");
    // Another address has its own allowance.
    let answer = exchange(server.addr, [127, 0, 0, 5], &login("b@x.test")).await;
    assert_ne!(answer.get(9..12).unwrap_or_default(), "429", "{answer}");
    server.stop().await;
}
