//! Scripted host capabilities: an [`HttpClient`] that answers from a list of exchanges
//! instead of the network. Replays against recorded answers use it, and so do plugin tests
//! (`kefu-plugin test` fixtures) that script their upstream.
//!
//! Matching: method and URL (both parsed, so `HTTP://Example.com` and `http://example.com/`
//! are the same). The first matching exchange not used yet answers; when every match has been
//! used, the last one answers again (a fixture can script one answer for repeated requests).
//! A request nothing matches gets a `transport` error and is remembered, so the test or replay
//! can fail with its name ([`ScriptedHttp::unmatched`]).
//!
//! This module must never reach the network.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::ScriptError;
use crate::http::{HttpClient, HttpError, Method, OutboundRequest, Response};
use crate::recorded::method_name;

/// One scripted request and its answer.
#[derive(Debug, Clone)]
pub struct ScriptedExchange {
    method: Method,
    url: reqwest::Url,
    answer: Result<Response, HttpError>,
}

impl ScriptedExchange {
    /// `method url` answered with `answer`; fails when `url` is not an absolute URL.
    pub fn new(
        method: Method,
        url: &str,
        answer: Result<Response, HttpError>,
    ) -> Result<Self, ScriptError> {
        let url = reqwest::Url::parse(url).map_err(|e| ScriptError::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(ScriptedExchange {
            method,
            url,
            answer,
        })
    }

    /// `GET http://…`, for messages.
    pub fn request_line(&self) -> String {
        format!("{} {}", method_name(self.method), self.url)
    }
}

/// Answers HTTP requests from a script. See the module docs for how requests are matched.
#[derive(Debug)]
pub struct ScriptedHttp {
    exchanges: Vec<ScriptedExchange>,
    state: Mutex<Progress>,
}

#[derive(Debug, Default)]
struct Progress {
    used: Vec<bool>,
    unmatched: Vec<String>,
}

impl ScriptedHttp {
    /// A client answering from `exchanges`.
    pub fn new(exchanges: Vec<ScriptedExchange>) -> Self {
        let used = vec![false; exchanges.len()];
        ScriptedHttp {
            exchanges,
            state: Mutex::new(Progress {
                used,
                unmatched: Vec::new(),
            }),
        }
    }

    /// Requests nothing in the script matched (`GET http://…`), in order.
    pub fn unmatched(&self) -> Vec<String> {
        self.progress(|p| p.unmatched.clone())
    }

    /// Scripted exchanges no request used, in script order.
    pub fn unused(&self) -> Vec<String> {
        self.progress(|p| {
            self.exchanges
                .iter()
                .zip(&p.used)
                .filter(|(_, used)| !**used)
                .map(|(e, _)| e.request_line())
                .collect()
        })
    }

    fn progress<R>(&self, f: impl FnOnce(&mut Progress) -> R) -> R {
        match self.state.lock() {
            Ok(mut p) => f(&mut p),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The answer for `method url`, marking the exchange used.
    fn answer(&self, method: Method, url: &reqwest::Url) -> Option<Result<Response, HttpError>> {
        self.progress(|p| {
            let matching: Vec<usize> = self
                .exchanges
                .iter()
                .enumerate()
                .filter(|(_, e)| e.method == method && &e.url == url)
                .map(|(i, _)| i)
                .collect();
            let chosen = matching
                .iter()
                .copied()
                .find(|&i| !p.used[i])
                .or(matching.last().copied());
            match chosen {
                Some(i) => {
                    p.used[i] = true;
                    Some(self.exchanges[i].answer.clone())
                }
                None => {
                    p.unmatched
                        .push(format!("{} {}", method_name(method), url.as_str()));
                    None
                }
            }
        })
    }
}

#[async_trait]
impl HttpClient for ScriptedHttp {
    async fn send(&self, request: OutboundRequest) -> Result<Response, HttpError> {
        let answer = self.answer(request.method, &request.url).ok_or_else(|| {
            HttpError::Transport(format!(
                "no scripted response for {} {}",
                method_name(request.method),
                request.url
            ))
        })?;
        // The same cap the real client applies while reading.
        if let Ok(response) = &answer
            && response.body.len() as u64 > request.max_response_bytes
        {
            return Err(HttpError::TooLarge(request.max_response_bytes));
        }
        answer
    }
}
