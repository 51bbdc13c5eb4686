//! Operation ids that name the resource. The derive takes a handler's function name, and every
//! resource has its `list`, `get_one`, `create`, `replace` and `delete`, so the document had
//! eight operations called `list`: a client generated from it (the web app's, a tenant's)
//! cannot tell them apart. Each id is prefixed with the path's resource (`numbers_list`,
//! `voicemails_audio`); the API's tests check that every id is unique.

use utoipa::Modify;
use utoipa::openapi::OpenApi;

/// Prefixes operation ids with their resource (see the module docs).
pub struct ResourceOperationIds;

impl Modify for ResourceOperationIds {
    fn modify(&self, doc: &mut OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let resource = path
                .trim_start_matches("/api/v1/")
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .replace('-', "_");
            let operations = [
                &mut item.get,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                if let Some(id) = op.operation_id.as_mut()
                    && !resource.is_empty()
                    && !id.starts_with(&format!("{resource}_"))
                {
                    *id = format!("{resource}_{id}");
                }
            }
        }
    }
}
