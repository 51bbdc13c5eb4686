//! The body extractors every handler uses. [`Json`]: bounded (413), typed (415 for another
//! content type), and with errors that name the field (400 malformed JSON, 422 wrong type, unknown or
//! missing field). Request types use `#[serde(deny_unknown_fields)]` so typos are reported
//! rather than silently ignored. [`RawBody`]: the same bounds for other media types. [`Query`]:
//! the query string, 422 naming the parameter. None of them ever answers with axum's plain-text
//! rejections, which the API document does not declare.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json",
            )
            .field("content-type"));
        }
        let body = read_body(req, state).await?;
        parse(&body).map(Json)
    }
}

/// A body of any media type, as bytes, with the same size limit and problem answers as [`Json`]
/// (the handler checks the media type it accepts).
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        read_body(req, state).await.map(RawBody)
    }
}

/// The body, bounded by the router's `DefaultBodyLimit` (413), as problem+json on failure.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(req, state).await.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Request body too large",
                "the request body is larger than this server accepts",
            )
            .field("body")
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "unreadable-body",
                "Unreadable body",
                rej.body_text(),
            )
            .field("body")
        }
    })
}

/// The query string as `T`; a parameter of the wrong type, an unknown one (with
/// `deny_unknown_fields`) or a missing one is a 422 naming it.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parse_query(parts.uri.query().unwrap_or("")).map(Query)
    }
}

/// Parse a query string into `T`, naming the parameter at fault on error.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.into_inner().to_string();
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| msg.strip_prefix(p))
            .and_then(|rest| rest.split('`').next());
        let field = match (named, path.as_str()) {
            (Some(name), _) => name.to_owned(),
            (None, ".") => "query".to_owned(),
            (None, p) => p.to_owned(),
        };
        Problem::invalid(&field, format!("query parameter {field}: {msg}"))
    })
}

/// Parse a JSON object body into `T`, naming the field at fault on error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    // serde also accepts arrays for structs (fields by position); a request body is an object.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(b'[') | Some(b'"') | Some(b't') | Some(b'f') | Some(b'n') | Some(b'-')
        | Some(b'0'..=b'9') => {
            return Err(Problem::invalid("body", "the body must be a JSON object"));
        }
        _ => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "Malformed JSON",
                "the body is not valid JSON",
            )
            .field("body"));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(describe)
}

/// Turn an already-parsed JSON object into `T` (after the server added fields such as an id),
/// naming the field at fault on error.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(describe)
}

/// Parse an object body into `T` after inserting the `id` the server assigned (`what` names the
/// object in the error when the body tries to set its own id).
pub fn with_server_id<T: DeserializeOwned>(
    body: serde_json::Value,
    id: impl std::fmt::Display,
    what: &str,
) -> Result<T, Problem> {
    let serde_json::Value::Object(mut fields) = body else {
        return Err(Problem::invalid("body", "the body must be a JSON object"));
    };
    if fields.contains_key("id") {
        return Err(Problem::invalid(
            "id",
            format!("the {what} id is assigned by the server"),
        ));
    }
    fields.insert("id".into(), serde_json::Value::String(id.to_string()));
    from_value(serde_json::Value::Object(fields))
}

fn describe(err: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON",
            format!("the body is not valid JSON: {inner}"),
        )
        .field("body");
    }
    let msg = inner.to_string();
    // Unknown and missing fields are reported on the parent path; name the field itself.
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| msg.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let field = match (named, path.as_str()) {
        (Some(name), ".") => name.to_owned(),
        (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, ".") => "body".to_owned(),
        (None, p) => p.to_owned(),
    };
    let detail = match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    };
    Problem::invalid(&field, format!("{field}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: u8,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn field_of(body: &str) -> (u16, Option<String>) {
        let p = parse::<Body>(body.as_bytes()).unwrap_err();
        (p.status, p.field)
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of("{\"email\": 1, \"count\": 1}"),
            (422, Some("email".into()))
        );
        assert_eq!(
            field_of("{\"email\": \"a\", \"count\": 300}"),
            (422, Some("count".into()))
        );
        assert_eq!(field_of("{\"email\": \"a\"}"), (422, Some("count".into())));
        assert_eq!(
            field_of("{\"email\": \"a\", \"count\": 1, \"admin\": true}"),
            (422, Some("admin".into()))
        );
        assert_eq!(
            field_of("{\"email\": \"a\", \"count\": 1, \"inner\": {\"flag\": 3}}"),
            (422, Some("inner.flag".into()))
        );
        assert_eq!(
            field_of("{\"email\": \"a\", \"count\": 1, \"inner\": {\"x\": 3}}"),
            (422, Some("inner.x".into()))
        );
        assert_eq!(field_of("{\"email\": "), (400, Some("body".into())));
        assert_eq!(field_of("[1,2]"), (422, Some("body".into())));
        assert!(parse::<Body>(b"{\"email\": \"a\", \"count\": 1}").is_ok());
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Paging {
        limit: Option<u64>,
        before: Option<String>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let field = |q: &str| {
            let p = parse_query::<Paging>(q).unwrap_err();
            assert_eq!(p.status, 422, "{q}");
            p.field
        };
        assert_eq!(field("limit=abc"), Some("limit".into()));
        assert_eq!(field("limit=-1"), Some("limit".into()));
        assert_eq!(field("limit=1&colour=red"), Some("colour".into()));
        let ok = parse_query::<Paging>("limit=5&before=x%20y").unwrap();
        assert_eq!((ok.limit, ok.before.as_deref()), (Some(5), Some("x y")));
        assert!(parse_query::<Paging>("").is_ok());
    }
}
