//! Host-side bindings of the `kefu:plugin@0.1.0` worlds, generated from `plugins-sdk/wit`.
//! Types derive serde so invocations can be logged as JSON and replayed.
//!
//! The `ivr` bindings own the shared interfaces (`types` and the host imports); the other
//! worlds reuse them through `with`, so one implementation of each host import serves every
//! world and `PluginError`/`CallContext` are the same Rust types everywhere.
#![allow(missing_docs)] // generated; the WIT documents every item

/// The `ivr` world.
pub mod ivr {
    wasmtime::component::bindgen!({
        path: "../../plugins-sdk/wit",
        world: "ivr",
        imports: {
            "kefu:plugin/http.send": async,
            default: trappable,
        },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

/// The `router` world.
pub mod router {
    wasmtime::component::bindgen!({
        path: "../../plugins-sdk/wit",
        world: "router",
        // Every import comes from the ivr bindings through `with`.
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "kefu:plugin/types": super::ivr::kefu::plugin::types,
            "kefu:plugin/log": super::ivr::kefu::plugin::log,
            "kefu:plugin/kv": super::ivr::kefu::plugin::kv,
            "kefu:plugin/http": super::ivr::kefu::plugin::http,
            "kefu:plugin/config": super::ivr::kefu::plugin::config,
            "kefu:plugin/customers": super::ivr::kefu::plugin::customers,
        },
    });
}

/// The `crm` world.
pub mod crm {
    wasmtime::component::bindgen!({
        path: "../../plugins-sdk/wit",
        world: "crm",
        // Every import comes from the ivr bindings through `with`.
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "kefu:plugin/types": super::ivr::kefu::plugin::types,
            "kefu:plugin/log": super::ivr::kefu::plugin::log,
            "kefu:plugin/kv": super::ivr::kefu::plugin::kv,
            "kefu:plugin/http": super::ivr::kefu::plugin::http,
            "kefu:plugin/config": super::ivr::kefu::plugin::config,
            "kefu:plugin/customers": super::ivr::kefu::plugin::customers,
        },
    });
}

/// The `integration` world.
pub mod integration {
    wasmtime::component::bindgen!({
        path: "../../plugins-sdk/wit",
        world: "integration",
        // Every import comes from the ivr bindings through `with`.
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "kefu:plugin/types": super::ivr::kefu::plugin::types,
            "kefu:plugin/log": super::ivr::kefu::plugin::log,
            "kefu:plugin/kv": super::ivr::kefu::plugin::kv,
            "kefu:plugin/http": super::ivr::kefu::plugin::http,
            "kefu:plugin/config": super::ivr::kefu::plugin::config,
            "kefu:plugin/customers": super::ivr::kefu::plugin::customers,
        },
    });
}
