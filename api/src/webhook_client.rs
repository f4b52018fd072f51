//! Webhook deliveries over HTTP: ureq with rustls, each connection made only to addresses the
//! rules permit (checked after resolution, so a name that resolves to a private address, now
//! or after a DNS change, is refused), no redirects followed, no proxy, connect 5 s and 10 s in
//! all, at most 64 KiB of the answer read and none of it kept.

use std::io::{ErrorKind, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::webhooks::{Answer, Outgoing, Sender};
use domain::webhooks::{AllowList, AttemptOutcome, address_permitted};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read: enough to finish a normal exchange, never stored.
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Resolves as usual, then keeps only the permitted addresses.
#[derive(Debug)]
struct PermittedAddresses {
    allow: Arc<AllowList>,
    resolver: DefaultResolver,
}

impl Resolver for PermittedAddresses {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.resolver.resolve(uri, config, timeout)?;
        let mut permitted = self.resolver.empty();
        let mut refused = None;
        for address in resolved.iter() {
            if address_permitted(address.ip(), &self.allow) {
                permitted.push(*address);
            } else {
                refused = Some(address.ip());
            }
        }
        match (permitted.is_empty(), refused) {
            (true, Some(ip)) => Err(ureq::Error::Io(std::io::Error::new(
                ErrorKind::PermissionDenied,
                format!("{ip} is not a public address, and INLAV_WEBHOOK_ALLOW does not name it"),
            ))),
            (true, None) => Err(ureq::Error::HostNotFound),
            (false, _) => Ok(permitted),
        }
    }
}

/// The HTTP client of the dispatcher.
pub struct WebhookClient {
    agent: ureq::Agent,
}

impl WebhookClient {
    pub fn new(allow: AllowList) -> WebhookClient {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(TOTAL_TIMEOUT))
            .user_agent(concat!("inlav-webhooks/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = PermittedAddresses { allow: Arc::new(allow), resolver: DefaultResolver::default() };
        WebhookClient { agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver) }
    }
}

impl Sender for WebhookClient {
    fn send(&self, message: &Outgoing) -> Answer {
        let started = Instant::now();
        let mut request = self.agent.post(&message.url);
        for (name, value) in &message.headers {
            request = request.header(*name, value);
        }
        match request.send(&message.body[..]) {
            Ok(response) => {
                let status = response.status().as_u16();
                // Read a little of the answer, so the connection ends cleanly; keep none of it.
                let mut reader = response.into_body().into_reader().take(MAX_ANSWER_BYTES);
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
                let succeeded = (200..300).contains(&status);
                Answer {
                    outcome: if succeeded { AttemptOutcome::Succeeded } else { AttemptOutcome::Rejected },
                    response_code: Some(status),
                    duration: started.elapsed(),
                    error: (!succeeded).then(|| format!("the endpoint answered {status}")),
                }
            }
            Err(error) => Answer {
                outcome: AttemptOutcome::Unreachable,
                response_code: None,
                duration: started.elapsed(),
                error: Some(error.to_string().chars().take(300).collect()),
            },
        }
    }
}
