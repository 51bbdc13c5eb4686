//! What the API's WebSockets (the event stream, the agent channel) share: JSON text frames, a
//! close that says why, and the first message that authenticates within a deadline.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{Value, json};

/// How long a client has to send its authentication message.
pub const AUTH_WITHIN: Duration = Duration::from_secs(10);

/// A JSON text frame.
pub fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

/// Says why in an `error` message, then closes with `code` and the reason (cut to 120
/// characters: a close frame's reason must fit in 123 bytes).
pub async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(text(json!({"type": "error", "reason": reason})))
        .await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.chars().take(120).collect::<String>().into(),
        })))
        .await;
}

/// The client's first message, which must be a text `{"type":"auth",…}` frame within
/// [`AUTH_WITHIN`]; the error says what was wrong.
pub async fn first_text(socket: &mut WebSocket) -> Result<String, String> {
    let first = tokio::time::timeout(AUTH_WITHIN, socket.recv())
        .await
        .map_err(|_| "no authentication message within 10 s".to_owned())?;
    let Some(Ok(Message::Text(body))) = first else {
        return Err("the first message must be a text {\"type\":\"auth\",…} message".into());
    };
    Ok(body.as_str().to_owned())
}
