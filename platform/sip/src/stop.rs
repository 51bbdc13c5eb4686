//! [`Stop`]: a signal to end long-running SIP work (a carrier binding, the edge's tasks) without
//! the caller reaching into rsipstack's cancellation type.

use rsipstack::platform::CancellationToken;

/// A clonable stop signal: every clone sees one [`Stop::stop`].
#[derive(Debug, Clone, Default)]
pub struct Stop(CancellationToken);

impl Stop {
    /// A signal not yet given.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Gives the signal.
    pub fn stop(&self) {
        self.0.cancel();
    }

    /// Whether the signal was given.
    pub fn is_stopped(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once the signal is given.
    pub async fn stopped(&self) {
        self.0.cancelled().await
    }

    pub(crate) fn token(&self) -> CancellationToken {
        self.0.clone()
    }
}
