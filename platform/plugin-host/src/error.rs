//! Errors of the host's API (loading plugins, replaying). What a plugin does wrong at run time
//! is not an error here but an [`Outcome`](crate::Outcome) of its invocation.

/// A manifest that cannot be accepted.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The name has characters outside `a-z0-9-` or the wrong length.
    #[error("plugin name `{0}` must be 1–64 characters of a-z, 0-9 and `-`, not starting with `-`")]
    InvalidName(String),
    /// `http` was declared with no hosts.
    #[error("the http capability needs at least one allowed host")]
    EmptyAllowList,
    /// An allow-list entry is not a host or host:port.
    #[error("allowed host `{0}` is not a host name or host:port (wildcards are not allowed)")]
    InvalidAllowedHost(String),
    /// `config_schema` uses something the host cannot enforce (where and what).
    #[error("config_schema {0}")]
    InvalidConfigSchema(String),
    /// A secret name is not 1–64 characters of letters, digits, `_` and `-`.
    #[error("secret name `{0}` must be 1–64 characters of letters, digits, `_` and `-`")]
    InvalidSecretName(String),
    /// `sensitive_digits` is too long or holds an unusable tag prefix.
    #[error("sensitive_digits: {0}")]
    InvalidSensitiveDigits(String),
}

/// Why a plugin version could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is invalid.
    #[error("invalid manifest: {0}")]
    Manifest(#[from] ManifestError),
    /// The bytes are not a valid component for this host (wasmtime's reason follows).
    #[error("plugin {name}@{version} is not a valid component: {reason}")]
    Compile {
        /// Plugin name.
        name: String,
        /// Plugin version.
        version: semver::Version,
        /// What wasmtime said.
        reason: String,
    },
    /// The component imports a host interface its manifest does not declare.
    #[error(
        "plugin {name} imports `{interface}` but its manifest does not declare that capability"
    )]
    UndeclaredImport {
        /// Plugin name.
        name: String,
        /// The import.
        interface: String,
    },
    /// The component imports something the host does not provide at all.
    #[error("plugin {name} imports `{interface}`, which the host does not provide")]
    UnknownImport {
        /// Plugin name.
        name: String,
        /// The import.
        interface: String,
    },
    /// The component does not match its declared world (wrong exports or types).
    #[error("plugin {name} does not implement world `{world}`: {reason}")]
    WorldMismatch {
        /// Plugin name.
        name: String,
        /// The declared world.
        world: &'static str,
        /// What wasmtime said.
        reason: String,
    },
    /// Setting up the engine or linker failed.
    #[error("host setup failed: {0}")]
    Host(String),
}

/// Why an invocation could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The recorded plugin version is not loaded in this host.
    #[error("plugin {name}@{version} (component {content_hash}) is not loaded")]
    NotLoaded {
        /// Plugin name.
        name: String,
        /// Plugin version.
        version: semver::Version,
        /// Recorded content hash.
        content_hash: String,
    },
    /// The record names a function its world does not export.
    #[error("world `{world}` has no function `{function}`")]
    UnknownFunction {
        /// The recorded world.
        world: &'static str,
        /// The recorded function.
        function: String,
    },
    /// The recorded input does not decode as this world's input.
    #[error("recorded input does not decode: {0}")]
    Input(#[from] serde_json::Error),
    /// The record's input was redacted (digits the plugin declares secret).
    #[error("its input was redacted (digits the plugin declares secret, such as a PIN)")]
    Redacted,
    /// A replay against recorded answers met a host call whose answer it cannot reproduce.
    #[error(
        "host call #{call} ({interface}.{function}) cannot be answered from the record: {reason}; replay it live instead"
    )]
    Unanswerable {
        /// Position of the host call in the record, from 0.
        call: usize,
        /// Its interface (`http`, `kv`, …).
        interface: String,
        /// Its function.
        function: String,
        /// Why.
        reason: String,
    },
}

/// A script of host answers that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// A scripted URL does not parse as an absolute URL.
    #[error("scripted URL `{url}` is not an absolute URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
}
