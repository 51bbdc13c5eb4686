//! The JSON API under `/api/v1`, one file per resource. Each resource's `router()` carries its
//! OpenAPI description, so the document at `/api/openapi.json` is generated from this code.

pub mod agent_channel;
pub mod agents;
pub mod audit;
pub mod calendars;
pub mod call_records;
pub mod events;
pub mod inbound_trunks;
pub mod invitations;
pub mod me;
pub mod numbers;
pub mod operation_ids;
pub mod outbound_trunks;
pub mod plugin_invocations;
pub mod plugin_limits;
pub mod plugins;
pub mod prompts;
pub mod queues;
pub mod reason_codes;
pub mod responses;
pub mod sessions;
pub mod signup;
pub mod skills;
pub mod users;
pub mod validate;
pub mod voicemails;
pub mod ws;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::problem::Problem;
use crate::state::AppState;

/// The API description's fixed parts; paths come from the resources.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kefu API", description = "Multi-tenant cloud contact center."),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The API's routes and its finished OpenAPI document: the shared problem responses are added
/// after every resource is merged, so a route added anywhere in [`router`] gets them.
pub fn router_and_document() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = router().split_for_parts();
    responses::ProblemResponses.modify(&mut doc);
    operation_ids::ResourceOperationIds.modify(&mut doc);
    (routes, doc)
}

/// Every API route with its OpenAPI description (without the shared problem responses; see
/// [`router_and_document`]).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(signup::router())
        .merge(sessions::router())
        .merge(me::router())
        .merge(users::router())
        .merge(invitations::router())
        .merge(audit::router())
        .merge(skills::router())
        .merge(queues::router())
        .merge(agents::router())
        .merge(agent_channel::router())
        .merge(reason_codes::router())
        .merge(calendars::router())
        .merge(plugins::router())
        .merge(plugin_invocations::router())
        .merge(plugin_limits::router())
        .merge(inbound_trunks::router())
        .merge(outbound_trunks::router())
        .merge(numbers::router())
        .merge(call_records::router())
        .merge(events::router())
        .merge(voicemails::router())
        .merge(prompts::router())
}
