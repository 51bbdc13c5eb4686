//! The epoch ticker: a thread that advances the engine's epoch every tick, which is how
//! running guests notice their CPU deadline. It stops when the engine is dropped.

use std::time::Duration;

use wasmtime::Engine;

/// Owns the ticker thread (detached; it ends on its own once the engine is gone).
pub(crate) struct EpochTicker;

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, tick: Duration) -> std::io::Result<Self> {
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("kefu-plugin-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    // A dedicated thread, not async code: sleeping here blocks nothing else.
                    #[allow(clippy::disallowed_methods)]
                    std::thread::sleep(tick);
                }
            })
            .map(|_| EpochTicker)
    }
}
