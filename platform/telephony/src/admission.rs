//! Admitting an inbound call: which trunk, tenant and number it is for, and whether its digest
//! credentials hold (RFC 3261 §22, RFC 7616). The mechanics (the header's grammar, what an
//! answer is for, the nonces of our challenges) are `kefu_sip::digest`; verifying a response
//! against the trunk's stored HA1 and the trunk/number look-up are the store's
//! (`kefu_store::sip_digest`, `kefu_store::inbound_route`). What is decided here is policy:
//! who is challenged, what is refused with which status, when a nonce is spent.
//!
//! Never sees a password and never logs a header or a nonce.

use std::time::Duration;

use kefu_calls::{InboundRequest, Refusal};
use kefu_sip::digest::{
    DigestParams, NonceCheck, NonceKeyError, NonceUse, Nonces, parse_authorization,
};
use kefu_store::Store;
use kefu_store::inbound_route::{InboundCall, InboundRefusal, InboundRoute};
use kefu_store::sip_digest::{DIGEST_REALM, DigestAnswer};

/// Admits inbound calls: the look-up, and digest challenges for credential trunks.
pub struct Admission {
    store: Store,
    nonces: Nonces,
}

impl Admission {
    /// Admission over `store`, with nonces fresh for `nonce_lifetime` under a key drawn now.
    pub fn new(store: Store, nonce_lifetime: Duration) -> Result<Admission, NonceKeyError> {
        Ok(Admission {
            store,
            nonces: Nonces::new(nonce_lifetime)?,
        })
    }

    fn challenge(&self, stale: bool, reason: &str) -> Refusal {
        Refusal {
            status: 401,
            reason: reason.to_string(),
            challenge: Some(self.nonces.challenge(DIGEST_REALM, stale)),
        }
    }

    /// The route of `request`, or the refusal (with a challenge where credentials would help).
    pub async fn admit(&self, request: &InboundRequest) -> Result<InboundRoute, Refusal> {
        let refuse = |e: InboundRefusal| Refusal {
            status: e.sip_status(),
            reason: e.to_string(),
            challenge: None,
        };
        let params = request
            .authorization
            .as_deref()
            .and_then(parse_authorization);
        // Credentials presented are held to the rules whichever trunk then admits the call:
        // computed for this Request-URI, on a nonce of ours, counted.
        let mut stale = false;
        let mut count = None;
        if let Some(p) = &params {
            if !p.is_for(&request.request_uri) {
                return Err(Refusal {
                    status: 403,
                    reason: "credentials computed for another Request-URI".into(),
                    challenge: None,
                });
            }
            count = Some(
                p.nonce_count()
                    .ok_or_else(|| refuse(InboundRefusal::BadCredentials))?,
            );
            match self.nonces.check(&p.nonce) {
                NonceCheck::Fresh => {}
                // Only a correct answer on a stale nonce earns `stale=true` (RFC 7616 §3.3):
                // the credentials are checked first.
                NonceCheck::Stale => stale = true,
                // Not ours (forged, or from before a restart): a new challenge.
                NonceCheck::Invalid => return Err(self.challenge(false, "unknown nonce")),
            }
        }
        let call = InboundCall {
            source: request.source,
            digest: params.as_ref().map(|p| store_answer(p, "INVITE")),
            dialled: &request.dialled,
        };
        let route = match self.store.inbound_route(&call).await {
            Ok(route) => route,
            Err(InboundRefusal::UnknownSource) if params.is_none() => {
                let digest_trunks = self
                    .store
                    .inbound_directory()
                    .await
                    .map(|d| d.accepts_credentials())
                    .unwrap_or(false);
                return Err(if digest_trunks {
                    self.challenge(false, "credentials required")
                } else {
                    refuse(InboundRefusal::UnknownSource)
                });
            }
            Err(e) => return Err(refuse(e)),
        };
        if let (Some(p), Some(count)) = (&params, count) {
            if stale {
                return Err(self.challenge(true, "stale nonce"));
            }
            match self.nonces.record_use(&p.nonce, count) {
                NonceUse::Accepted => {}
                NonceUse::Replayed => {
                    return Err(self.challenge(
                        false,
                        "replayed credentials (nonce count not above the last)",
                    ));
                }
                NonceUse::Stale => return Err(self.challenge(true, "stale nonce")),
                NonceUse::Full => {
                    tracing::warn!(
                        "the table of used digest nonces is full: refusing authenticated calls"
                    );
                    return Err(Refusal {
                        status: 503,
                        reason: "too many digest nonces in use".into(),
                        challenge: None,
                    });
                }
            }
        }
        Ok(route)
    }
}

/// The answer in the form the store verifies against the trunk's HA1.
fn store_answer<'a>(p: &'a DigestParams, method: &'a str) -> DigestAnswer<'a> {
    DigestAnswer {
        username: &p.username,
        realm: &p.realm,
        nonce: &p.nonce,
        uri: &p.uri,
        response: &p.response,
        algorithm: p.algorithm.as_deref(),
        qop: p.qop.as_deref(),
        nc: p.nc.as_deref(),
        cnonce: p.cnonce.as_deref(),
        method,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_checks_the_answer_as_sent_for_its_method() {
        let h = r#"Digest username="carrier", realm="kefu", nonce="abc.def", uri="sip:+15555550100@127.0.0.1:5060", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="xyz""#;
        let p = parse_authorization(h).expect("parses");
        let a = store_answer(&p, "INVITE");
        assert_eq!((a.method, a.cnonce), ("INVITE", Some("xyz")));
        assert_eq!((a.username, a.nc), ("carrier", Some("00000001")));
        assert_eq!(a.uri, "sip:+15555550100@127.0.0.1:5060");
    }
}
