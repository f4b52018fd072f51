//! Webhooks: a partner organisation's endpoints that are told of the changes it follows, as
//! the Standard Webhooks specification describes them (signed `id.timestamp.body`, a thin
//! payload, retries with backoff). The rules here: which change goes to which endpoint, which
//! URLs and addresses an endpoint may have, when to try again, how a message is signed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;
use uuid::Uuid;

use crate::changes::{ChangeAction, ChangedResource, FeedAudience};
use crate::users::Role;
use crate::validation::{Violation, Violations, check_label};
use crate::vocabulary;

vocabulary! {
    /// What an endpoint may subscribe to: the changes a partner organisation follows in the
    /// change feed, by kind and action.
    pub enum WebhookEvent as "webhook_events" {
        ReferralCreated => ("referral.created", "Invio creato", "Referral created"),
        ReferralUpdated => ("referral.updated", "Invio modificato", "Referral updated"),
        ServiceCreated => ("service.created", "Intervento registrato", "Service recorded"),
        ServiceUpdated => ("service.updated", "Intervento modificato", "Service updated"),
        ServiceDeleted => ("service.deleted", "Intervento eliminato", "Service deleted"),
    }
}

vocabulary! {
    /// Where a message stands.
    pub enum DeliveryStatus as "delivery_statuses" {
        Pending => ("pending", "In attesa", "Pending"),
        Delivered => ("delivered", "Consegnato", "Delivered"),
        Failed => ("failed", "Non consegnato", "Failed"),
    }
}

vocabulary! {
    /// How one attempt ended.
    pub enum AttemptOutcome as "attempt_outcomes" {
        Succeeded => ("succeeded", "Riuscito", "Succeeded"),
        /// The endpoint answered with a status other than 2xx.
        Rejected => ("rejected", "Rifiutato", "Rejected by the endpoint"),
        /// No answer: refused address, connection, TLS or time-out.
        Unreachable => ("unreachable", "Non raggiungibile", "Unreachable"),
    }
}

vocabulary! {
    /// Why an endpoint receives nothing.
    pub enum DisabledReason as "webhook_disabled_reasons" {
        /// Its owner switched it off.
        Owner => ("owner", "Disattivato dal titolare", "Disabled by its owner"),
        /// Every attempt failed for a day.
        Failing => ("failing", "Disattivato dopo un giorno di errori", "Disabled after a day of failures"),
    }
}

/// The type of the test message `POST /webhooks/{id}/test` sends.
pub const TEST_EVENT: &str = "webhook.test";

/// The most endpoints an organisation may register.
pub const MAX_WEBHOOKS_PER_ORGANIZATION: usize = 10;
pub const URL_MAX_CHARS: usize = 2000;
pub const DESCRIPTION_MAX_CHARS: usize = 200;

/// Retries go on for at least this long after the first attempt; an endpoint that has failed
/// every attempt for this long is disabled until its owner enables it again.
pub const RETRY_WINDOW: chrono::Duration = chrono::Duration::hours(24);
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(60 * 60);

/// The event a change is, when an organisation may subscribe to it.
pub fn event_of(resource: ChangedResource, action: ChangeAction) -> Option<WebhookEvent> {
    use ChangeAction as A;
    use ChangedResource as R;
    match (resource, action) {
        (R::Referral, A::Created) => Some(WebhookEvent::ReferralCreated),
        (R::Referral, A::Updated) => Some(WebhookEvent::ReferralUpdated),
        (R::Service, A::Created) => Some(WebhookEvent::ServiceCreated),
        (R::Service, A::Updated) => Some(WebhookEvent::ServiceUpdated),
        (R::Service, A::Deleted) => Some(WebhookEvent::ServiceDeleted),
        _ => None,
    }
}

/// Whether an endpoint of `organization` subscribed to `events` is told of a change: the
/// organisation must follow it in its own feed (need-to-know is the feed's), and the endpoint
/// must have asked for its event.
pub fn delivers(organization: Uuid, events: &[WebhookEvent], change: &crate::changes::Change) -> bool {
    FeedAudience::Organization(organization).follows(change)
        && event_of(change.resource, change.action).is_some_and(|event| events.contains(&event))
}

/// Whether `role` manages webhook endpoints at all: the administrator and partners.
pub fn manages_webhooks(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Partner)
}

/// Whether `role` of `own_organization` may manage the endpoints of `organization`: the
/// administrator any organisation's, a partner (user, or system with `webhooks:write`) its own.
pub fn may_manage(role: Role, own_organization: Uuid, organization: Uuid) -> bool {
    manages_webhooks(role) && (role == Role::Admin || own_organization == organization)
}

/// Networks an instance may deliver to although they are not public: the `INLAV_WEBHOOK_ALLOW`
/// setting, addresses or CIDR networks separated by commas (`127.0.0.1,10.20.0.0/16`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<IpNet>);

impl FromStr for AllowList {
    type Err = String;

    fn from_str(raw: &str) -> Result<AllowList, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let entry = entry.trim_start_matches('[').trim_end_matches(']');
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }
}

impl AllowList {
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether a delivery may connect to `address`: public addresses always, others (loopback,
/// private, link-local with the cloud metadata service, shared, unique-local, multicast,
/// unspecified) only when allow-listed. The server-side request forgery guard (OWASP API7).
pub fn address_permitted(address: IpAddr, allow: &AllowList) -> bool {
    allow.contains(address) || is_public(canonical(address))
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_unspecified()
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and the reserved 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let first = v6.segments()[0];
    !(v6.is_unspecified()
        || v6.is_loopback()
        || v6.is_multicast()
        // Unique local (fc00::/7), where clouds put their metadata service too (fd00:ec2::254).
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // NAT64 (64:ff9b::/96) reaches IPv4 addresses, private ones included.
        || (first == 0x64 && v6.segments()[1] == 0xff9b)
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && v6.segments()[1] == 0x0db8))
}

/// A webhook URL as registered: `https://`, a host, no credentials, no fragment. Plain
/// `http://` only for an allow-listed address (a receiver on the instance's own network, the
/// tests'). A host written as an address is checked now; names are checked when each delivery
/// resolves them.
pub fn check_url(field: &str, raw: &str, allow: &AllowList) -> Result<String, Violation> {
    let raw = raw.trim();
    let invalid = || Violation::new(field, "invalid_url", "must be an absolute https:// URL");
    if raw.chars().count() > URL_MAX_CHARS {
        return Err(Violation::new(field, "too_long", format!("must be at most {URL_MAX_CHARS} characters")));
    }
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(invalid());
    }
    let address = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(invalid()),
    };
    let allowed_literal = address.is_some_and(|address| allow.contains(address));
    match url.scheme() {
        "https" => {}
        "http" if allowed_literal => {}
        "http" => return Err(Violation::new(field, "not_https", "must be an https:// URL")),
        _ => return Err(invalid()),
    }
    if let Some(address) = address
        && !address_permitted(address, allow)
    {
        return Err(Violation::new(field, "private_address", "names an address that is not public"));
    }
    Ok(url.to_string())
}

/// The events of an endpoint: at least one, each once, in their order.
pub fn check_events(field: &str, events: &[WebhookEvent]) -> Result<Vec<WebhookEvent>, Violation> {
    if events.is_empty() {
        return Err(Violation::new(field, "too_few_items", "name at least one event"));
    }
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    Ok(events)
}

/// An endpoint's description, optional.
pub fn check_description(field: &str, raw: Option<&str>, violations: &mut Violations) -> Option<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => violations.check(check_label(field, text, DESCRIPTION_MAX_CHARS)).map(Some),
    }
}

/// How long to wait after the `attempt`-th failed attempt (1 for the first): `base` doubled
/// each time up to an hour, less up to a fifth drawn from `jitter` (0 to 1), so that the
/// retries of many messages failed together spread out.
pub fn retry_delay(attempt: u32, base: Duration, jitter: f64) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let delay = doubled.min(MAX_RETRY_DELAY);
    delay.mul_f64(1.0 - 0.2 * jitter.clamp(0.0, 1.0))
}

/// Whether a message first attempted at `first_attempt` is given up after a failure at `now`.
pub fn gives_up(first_attempt: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
    now - first_attempt >= RETRY_WINDOW
}

/// Whether an endpoint failing since `failing_since` is disabled after a failure at `now`.
pub fn disables(failing_since: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
    now - failing_since >= RETRY_WINDOW
}

/// The prefix of an endpoint's secret, as in Standard Webhooks.
pub const SECRET_PREFIX: &str = "whsec_";

/// A secret from its random bytes: `whsec_` and their base64.
pub fn secret_from_bytes(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` of a message, as Standard Webhooks defines it: `v1,` and the base64
/// of HMAC-SHA256, keyed by the secret's bytes (after `whsec_`, base64-decoded), over
/// `{webhook-id}.{webhook-timestamp}.{body}`. Several secrets (during a rotation) give several
/// signatures separated by spaces. `None` for a secret that is not one this service issued.
pub fn signature(secrets: &[&str], message_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        signatures.push(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())));
    }
    Some(signatures.join(" "))
}

#[cfg(test)]
mod tests;
