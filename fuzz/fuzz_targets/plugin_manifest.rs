//! A plugin version's manifest as a developer publishes it (JSON): parsing and validation never
//! panic, and a manifest that validates survives a round trip through JSON.
#![no_main]

use kefu_plugin_host::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = serde_json::from_slice::<Manifest>(data) else {
        return;
    };
    if manifest.validate().is_err() {
        return;
    }
    let text = serde_json::to_string(&manifest).expect("a manifest serialises");
    let back: Manifest = serde_json::from_str(&text).expect("and parses back");
    // The configuration schema is free JSON, whose floats need not print and parse back to
    // the same bits; everything the host acts on must.
    assert_eq!(
        (&back.name, &back.version, back.world, &back.capabilities, &back.secrets, &back.sensitive_digits),
        (&manifest.name, &manifest.version, manifest.world, &manifest.capabilities, &manifest.secrets, &manifest.sensitive_digits)
    );
    assert!(back.validate().is_ok());
});
