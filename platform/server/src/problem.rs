//! RFC 7807 `application/problem+json` errors: a stable `type`, a human `title`, the HTTP
//! status, a `detail`, and the input `field` at fault when there is one.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_store::StoreError;
use kefu_telephony::plugin_limits::LimitsError;
use serde::Serialize;
use utoipa::ToSchema;

/// Base of every problem `type` URI.
pub const TYPE_BASE: &str = "https://kefu.dev/problems/";

/// An API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What exactly was wrong.
    pub detail: String,
    /// The input field at fault (`password`, `role`, `body`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, when there is more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to wait before retrying (rate limits).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of kind `slug` with this status and title.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// Name the input field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 422: a field's value is not acceptable.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-field",
            "A field is invalid",
            detail,
        )
        .field(field)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail,
        )
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("no such {what}"),
        )
    }

    /// 429 with `Retry-After`.
    pub fn too_many(retry_after: u64) -> Self {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!("too many attempts; try again in {retry_after} s"),
        );
        p.retry_after = Some(retry_after);
        p
    }

    /// 500: the detail is logged, not shown.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let mut res = (status, axum::Json(&self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            // Another tenant's object looks exactly like a missing one.
            StoreError::NotFound => Problem::not_found("object"),
            StoreError::Forbidden(what) => Problem::forbidden(format!("your role may not {what}")),
            StoreError::Conflict { field, message } => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", message).field(field)
            }
            StoreError::InUse { field, message } => {
                Problem::new(StatusCode::CONFLICT, "in-use", "In use", message).field(field)
            }
            StoreError::Invalid { field, message } => Problem::invalid(field, message),
            other => Problem::internal(other),
        }
    }
}

/// The call side's errors reach HTTP only where a handler uses the plugin runtime: what the
/// store said keeps its meaning (a missing installation is a 404), the rest is internal.
impl From<kefu_telephony::RuntimeError> for Problem {
    fn from(e: kefu_telephony::RuntimeError) -> Self {
        use kefu_telephony::RuntimeError;
        match e {
            RuntimeError::Store(e) | RuntimeError::Limits(LimitsError::Store(e)) => e.into(),
            other => Problem::internal(other),
        }
    }
}

impl From<LimitsError> for Problem {
    fn from(e: LimitsError) -> Self {
        match e {
            LimitsError::Store(e) => e.into(),
            e @ LimitsError::Corrupt(_) => Problem::internal(e),
        }
    }
}

/// One field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field (`overflow[1].queue`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// `field` is wrong because of `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Problem {
    /// 422 listing every field at fault; `field` and `detail` name the first.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let (field, detail) = match errors.first() {
            Some(first) => (
                first.field.clone(),
                format!("{}: {}", first.field, first.message),
            ),
            None => (String::new(), "invalid request".to_owned()),
        };
        let mut p = Problem::invalid(&field, detail);
        p.errors = errors;
        p
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, Problem>;
