//! The error responses of the API document, declared by what each operation is rather than by
//! hand on every route: an operation that requires a bearer token can answer 401 and 403, one
//! with path parameters 404 and 422 (a name that breaks its grammar), one with a body
//! 400/413/415/422, one with query parameters 422, a write 409, and every
//! operation 500 and 503. Routes added later (by any resource merged into [`super::router`])
//! get them without edits.
//!
//! It also corrects two things the derive gets wrong: `body = Problem` on a route means
//! `application/problem+json`, which is what [`Problem`](crate::problem::Problem) sends; and a
//! `Vec<u8>` body under a non-JSON media type (a WAV prompt, a WebAssembly component) is raw
//! bytes (`type: string, format: binary`), not a JSON array of integers.
//!
//! It must never remove or replace a response a route declared itself (those carry the
//! route's own description), and never declare a status that the server's extractors and
//! layers cannot produce for that kind of operation.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, SchemaType};
use utoipa::openapi::{
    Content, KnownFormat, ObjectBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema,
    SchemaFormat, Type, header::HeaderBuilder,
};

/// The media type every [`Problem`](crate::problem::Problem) is sent with.
pub const PROBLEM_JSON: &str = "application/problem+json";

const PROBLEM_SCHEMA: &str = "#/components/schemas/Problem";

/// One shared response: status, component name, description.
struct Shared {
    status: u16,
    name: &'static str,
    description: &'static str,
}

const BAD_REQUEST: Shared = Shared {
    status: 400,
    name: "BadRequest",
    description: "The body is not well-formed (e.g. malformed JSON); `field` is `body`",
};
const UNAUTHORIZED: Shared = Shared {
    status: 401,
    name: "Unauthorized",
    description: "No bearer token, or it is invalid, expired or revoked",
};
const FORBIDDEN: Shared = Shared {
    status: 403,
    name: "Forbidden",
    description: "The caller's role may not do this",
};
const NOT_FOUND: Shared = Shared {
    status: 404,
    name: "NotFound",
    description: "No such object in the caller's company (another company's looks the same)",
};
const CONFLICT: Shared = Shared {
    status: 409,
    name: "Conflict",
    description: "The change conflicts with existing data (a duplicate, or an object in use); \
                  `field` names it",
};
const TOO_LARGE: Shared = Shared {
    status: 413,
    name: "PayloadTooLarge",
    description: "The body is larger than this server accepts",
};
const UNSUPPORTED_MEDIA_TYPE: Shared = Shared {
    status: 415,
    name: "UnsupportedMediaType",
    description: "The body is not of the media type the operation accepts",
};
const INVALID: Shared = Shared {
    status: 422,
    name: "Invalid",
    description: "A field or parameter is invalid; `field` (and `errors`) name it",
};
const INTERNAL: Shared = Shared {
    status: 500,
    name: "Internal",
    description: "Something went wrong on the server; it has been logged",
};

/// 503 is the only shared response without a problem body: the timeout layer answers it
/// before any handler could write one.
const UNAVAILABLE_NAME: &str = "Unavailable";

const PROBLEMS: [&Shared; 9] = [
    &BAD_REQUEST,
    &UNAUTHORIZED,
    &FORBIDDEN,
    &NOT_FOUND,
    &CONFLICT,
    &TOO_LARGE,
    &UNSUPPORTED_MEDIA_TYPE,
    &INVALID,
    &INTERNAL,
];

/// Adds the shared problem responses to every operation (see the module doc).
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for shared in PROBLEMS {
            let mut response = ResponseBuilder::new()
                .description(shared.description)
                .content(PROBLEM_JSON, problem_content());
            if shared.status == 401 {
                response = response.header(
                    "WWW-Authenticate",
                    HeaderBuilder::new().description(Some("`Bearer`")).build(),
                );
            }
            components
                .responses
                .insert(shared.name.to_owned(), RefOr::T(response.build()));
        }
        components.responses.insert(
            UNAVAILABLE_NAME.to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("The request took longer than the server allows (no body)")
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            let methods = [
                (&mut item.get, false),
                (&mut item.head, false),
                (&mut item.options, false),
                (&mut item.trace, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (op, writes) in methods {
                if let Some(op) = op.as_mut() {
                    declare(op, writes);
                }
            }
        }
    }
}

/// The statuses this kind of operation can answer besides its own.
fn shared_for(op: &Operation, writes: bool) -> Vec<&'static Shared> {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_param = |place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let mut out = Vec::new();
    if let Some(body) = &op.request_body {
        // The body extractors: 413 over the size limit, 415 for another media type, 422 for
        // content that does not fit; only JSON bodies can be malformed (400).
        let json = body
            .content
            .keys()
            .any(|k| k == "application/json" || k.ends_with("+json"));
        if json {
            out.push(&BAD_REQUEST);
        }
        out.extend([&TOO_LARGE, &UNSUPPORTED_MEDIA_TYPE, &INVALID]);
    }
    if has_param(ParameterIn::Query) {
        out.push(&INVALID);
    }
    if has_param(ParameterIn::Path) {
        // Ids that do not parse, and objects of other companies, are simply not found; a name
        // in the path (a prompt's) can break its grammar.
        out.extend([&NOT_FOUND, &INVALID]);
    }
    if secured {
        out.extend([&UNAUTHORIZED, &FORBIDDEN]);
    }
    if writes {
        // Any write can meet a unique name or an object in use (sign-up: a taken company slug).
        out.push(&CONFLICT);
    }
    out.push(&INTERNAL);
    out
}

fn declare(op: &mut Operation, writes: bool) {
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            problem_media_type(response);
            for (media_type, content) in response.content.iter_mut() {
                binary_body(media_type, content);
            }
        }
    }
    if let Some(body) = op.request_body.as_mut() {
        for (media_type, content) in body.content.iter_mut() {
            binary_body(media_type, content);
        }
    }
    for shared in shared_for(op, writes) {
        op.responses
            .responses
            .entry(shared.status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(shared.name)));
    }
    op.responses
        .responses
        .entry("503".to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(UNAVAILABLE_NAME)));
}

/// A route's own `body = Problem` is declared as `application/json` by the derive; the server
/// sends `application/problem+json`.
fn problem_media_type(response: &mut Response) {
    let is_problem =
        |c: &Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == PROBLEM_SCHEMA);
    if response
        .content
        .get("application/json")
        .is_some_and(is_problem)
        && let Some(content) = response.content.shift_remove("application/json")
    {
        response.content.insert(PROBLEM_JSON.to_owned(), content);
    }
}

/// `Vec<u8>` derives as an array of integers; under a media type that is not JSON it is the
/// bytes themselves.
fn binary_body(media_type: &str, content: &mut Content) {
    let json = media_type == "application/json" || media_type.ends_with("+json");
    let byte_array = matches!(&content.schema, Some(RefOr::T(Schema::Array(a)))
        if matches!(&a.items, ArrayItems::RefOrSchema(item)
            if matches!(item.as_ref(), RefOr::T(Schema::Object(o))
                if o.schema_type == SchemaType::Type(Type::Integer))));
    if !json && byte_array {
        content.schema = Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .build(),
        )));
    }
}

fn problem_content() -> Content {
    Content::new(Some(Ref::from_schema_name("Problem")))
}

#[cfg(test)]
mod tests;
