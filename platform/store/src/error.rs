use sea_orm::DbErr;

/// What went wrong in the data layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row in this tenant (also what another tenant's row looks like).
    #[error("not found")]
    NotFound,
    /// The scope's role may not do this.
    #[error("your role may not {0}")]
    Forbidden(&'static str),
    /// The write would break a uniqueness or state rule; `field` names the input at fault.
    #[error("{message}")]
    Conflict {
        /// The input field at fault.
        field: &'static str,
        /// What the conflict is.
        message: String,
    },
    /// The object is referenced by others (a number points at it) and cannot be removed;
    /// the message names the referrers.
    #[error("{message}")]
    InUse {
        /// The input field at fault.
        field: &'static str,
        /// What uses it.
        message: String,
    },
    /// The input is well-formed but not acceptable here.
    #[error("{message}")]
    Invalid {
        /// The input field at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Bad configuration (e.g. a database URL with an unknown scheme).
    #[error("{message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// A stored value that should be impossible (an unknown role name, a malformed id).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}
