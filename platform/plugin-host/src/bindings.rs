//! Host-side bindings of the `kefu:plugin@0.1.0` worlds, generated from `plugins-sdk/wit`.
//! Types derive serde so invocations can be logged as JSON and replayed.
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
