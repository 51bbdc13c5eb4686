//! Carrier registration, the SIP half: keeping one REGISTER binding at a carrier's registrar
//! (digest challenges answered from the trunk's credentials), refreshed at 75 % of the expiry
//! the registrar grants and retried with a backoff (rsipstack's `keep_alive`: 1 s doubling to
//! 60 s), then taken down (`Expires: 0`, bounded to [`UNREGISTER_TIMEOUT`]) when stopped.
//!
//! Owns the messages, never the policy: which trunks register, when a binding is restarted and
//! where its state is shown belong to the caller (`kefu-telephony`). Never logs credentials.

use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::{RefreshOutcome, Registration};
use rsipstack::sip::{Response, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;

use crate::Stop;

/// Longest an unregistration is waited for once a binding is stopped.
pub const UNREGISTER_TIMEOUT: Duration = Duration::from_secs(5);

/// The transport a registrar is reached over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP (`;transport=tcp`).
    Tcp,
}

/// A binding to keep at a registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The registrar's Request-URI (see [`registrar_uri`]).
    pub registrar: String,
    /// Digest credentials for the registrar's challenges.
    pub credentials: Option<Credentials>,
    /// The expiry asked for, seconds.
    pub expiry_secs: u32,
}

/// A username and password for digest challenges.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How one REGISTER attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The registrar accepted the binding for `granted_secs`.
    Registered {
        /// The expiry granted (its `Expires`, the Contact's `expires`, or the one asked for).
        granted_secs: u32,
    },
    /// The registrar answered with a final non-2xx status (its code and reason).
    Rejected {
        /// The status line's code and reason (`403 Forbidden`).
        status: String,
    },
    /// The registrar could not be reached (transport or transaction failure).
    Failed {
        /// What failed.
        error: String,
    },
}

/// The binding could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// The registrar's address is not a SIP URI.
    #[error("the proxy is not a SIP address: {0}")]
    NotASipAddress(String),
}

/// The Request-URI of a registrar at `host:port`: `sip:host:port`, an IPv6 host in brackets,
/// with `;transport=tcp` for TCP.
pub fn registrar_uri(host: &str, port: u16, transport: Transport) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    match transport {
        Transport::Udp => format!("sip:{host}:{port}"),
        Transport::Tcp => format!("sip:{host}:{port};transport=tcp"),
    }
}

/// Registers with carriers through the edge's transaction layer. Cheap to clone.
#[derive(Clone)]
pub struct Registrar {
    endpoint: EndpointInnerRef,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar").finish_non_exhaustive()
    }
}

impl Registrar {
    pub(crate) fn new(endpoint: EndpointInnerRef) -> Registrar {
        Registrar { endpoint }
    }

    /// Keeps `binding` registered until `stop`, calling `on_outcome` after every attempt, then
    /// unregisters (best effort, bounded to [`UNREGISTER_TIMEOUT`]).
    pub async fn keep_registered(
        &self,
        binding: &Binding,
        stop: &Stop,
        mut on_outcome: impl FnMut(Outcome),
    ) -> Result<(), RegistrationError> {
        let server = Uri::try_from(binding.registrar.as_str())
            .map_err(|e| RegistrationError::NotASipAddress(e.to_string()))?;
        let credential = binding.credentials.as_ref().map(|c| Credential {
            username: c.username.clone(),
            password: c.password.clone(),
            realm: None,
            auth_username: None,
        });
        let mut registration = Registration::new(self.endpoint.clone(), credential);
        let asked = binding.expiry_secs;
        registration
            .keep_alive(server.clone(), asked, stop.token(), |outcome| {
                on_outcome(match outcome {
                    RefreshOutcome::Registered(response) => Outcome::Registered {
                        granted_secs: expires_of(response).unwrap_or(asked),
                    },
                    RefreshOutcome::Rejected(response) => Outcome::Rejected {
                        status: response.status_code.to_string(),
                    },
                    RefreshOutcome::Failed(e) => Outcome::Failed {
                        error: e.to_string(),
                    },
                })
            })
            .await;
        let unregister = registration.register(server, Some(0));
        if tokio::time::timeout(UNREGISTER_TIMEOUT, unregister)
            .await
            .is_err()
        {
            tracing::debug!(registrar = %binding.registrar, "unregistering timed out");
        }
        Ok(())
    }
}

/// The expiry a 200 grants: its `Expires` header, or the Contact's `expires` parameter.
fn expires_of(response: &Response) -> Option<u32> {
    response.headers.iter().find_map(|h| {
        let name = h.name();
        let value = h.value();
        if name.eq_ignore_ascii_case("Expires") {
            value.trim().parse().ok()
        } else if name.eq_ignore_ascii_case("Contact") || name.eq_ignore_ascii_case("m") {
            value.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("expires")
                    .then(|| v.trim().parse().ok())
                    .flatten()
            })
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrar_uris_bracket_ipv6_and_name_tcp() {
        assert_eq!(
            registrar_uri("sip.carrier.test", 5060, Transport::Udp),
            "sip:sip.carrier.test:5060"
        );
        assert_eq!(
            registrar_uri("2001:db8::1", 5070, Transport::Tcp),
            "sip:[2001:db8::1]:5070;transport=tcp"
        );
        assert_eq!(
            registrar_uri("[2001:db8::1]", 5060, Transport::Udp),
            "sip:[2001:db8::1]:5060"
        );
    }

    #[test]
    fn credentials_never_print_their_password() {
        let c = Credentials {
            username: "acme".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
