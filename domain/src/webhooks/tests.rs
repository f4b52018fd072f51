use std::net::IpAddr;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::changes::{Change, ChangeAction, ChangedResource};
use crate::vocabulary::Vocabulary;

#[test]
fn signatures_match_the_standard_webhooks_test_vector() {
    // The vector published with the Standard Webhooks reference libraries: a receiver's
    // library verifies what we send only if this comes out exactly.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let signed = signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
    assert_eq!(signed.as_deref(), Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    let both = signature(&[secret, &secret_from_bytes(&[7; 24])], "msg_1", 1, b"{}").unwrap();
    assert_eq!(both.split(' ').count(), 2, "during a rotation both secrets sign");
    assert_eq!(signature(&["not-ours"], "msg_1", 1, b"{}"), None);
}

#[test]
fn private_loopback_link_local_and_metadata_addresses_are_refused() {
    let none = AllowList::default();
    for refused in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "::",
        "fd00:ec2::254",
        "fe80::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
        "224.0.0.1",
    ] {
        let address: IpAddr = refused.parse().unwrap();
        assert!(!address_permitted(address, &none), "{refused}");
    }
    for public in ["93.184.216.34", "2a00:1450:4002:800::200e", "151.101.1.69"] {
        assert!(address_permitted(public.parse().unwrap(), &none), "{public}");
    }
    let allow: AllowList = "127.0.0.1, 10.20.0.0/16,[::1]".parse().unwrap();
    assert!(address_permitted("127.0.0.1".parse().unwrap(), &allow));
    assert!(address_permitted("::ffff:127.0.0.1".parse().unwrap(), &allow));
    assert!(address_permitted("10.20.3.4".parse().unwrap(), &allow));
    assert!(address_permitted("::1".parse().unwrap(), &allow));
    assert!(!address_permitted("10.21.0.1".parse().unwrap(), &allow));
    assert!("127.0.0.1,localhost".parse::<AllowList>().is_err());
}

#[test]
fn urls_are_https_with_public_literal_addresses() {
    let none = AllowList::default();
    let code = |raw: &str, allow: &AllowList| check_url("url", raw, allow).map_err(|v| v.code);
    assert_eq!(
        code("https://partner.example.org/hooks/inlav", &none),
        Ok("https://partner.example.org/hooks/inlav".into())
    );
    assert_eq!(code("http://partner.example.org/hooks", &none), Err("not_https"));
    assert_eq!(code("https://127.0.0.1/hooks", &none), Err("private_address"));
    assert_eq!(code("https://[::1]:8443/", &none), Err("private_address"));
    assert_eq!(code("https://169.254.169.254/latest/meta-data", &none), Err("private_address"));
    assert_eq!(code("https://10.0.0.8/", &none), Err("private_address"));
    assert_eq!(code("https://user:pw@partner.example.org/", &none), Err("invalid_url"));
    assert_eq!(code("ftp://partner.example.org/", &none), Err("invalid_url"));
    assert_eq!(code("partner.example.org/hooks", &none), Err("invalid_url"));
    let tests: AllowList = "127.0.0.1".parse().unwrap();
    assert_eq!(code("http://127.0.0.1:9000/hook", &tests), Ok("http://127.0.0.1:9000/hook".into()));
    assert_eq!(code("http://localhost:9000/hook", &tests), Err("not_https"), "names are not allow-listed");
}

#[test]
fn retries_back_off_exponentially_with_jitter_up_to_an_hour() {
    let base = Duration::from_secs(5);
    assert_eq!(retry_delay(1, base, 0.0), Duration::from_secs(5));
    assert_eq!(retry_delay(2, base, 0.0), Duration::from_secs(10));
    assert_eq!(retry_delay(4, base, 0.0), Duration::from_secs(40));
    assert_eq!(retry_delay(4, base, 1.0), Duration::from_secs(32));
    assert_eq!(retry_delay(30, base, 0.0), MAX_RETRY_DELAY);
    assert_eq!(retry_delay(u32::MAX, base, 0.5), MAX_RETRY_DELAY.mul_f64(0.9));
    // Tried for a day: with the default base, how many attempts that is.
    let (mut waited, mut attempts) = (Duration::ZERO, 1);
    while waited < Duration::from_secs(24 * 60 * 60) {
        waited += retry_delay(attempts, base, 1.0);
        attempts += 1;
    }
    assert!((35..=45).contains(&attempts), "{attempts} attempts in a day");
    let first = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    assert!(!gives_up(first, first + chrono::Duration::hours(23)));
    assert!(gives_up(first, first + chrono::Duration::hours(24)));
    assert!(disables(first, first + chrono::Duration::hours(25)));
}

#[test]
fn an_endpoint_is_told_what_its_organisation_follows_and_asked_for() {
    let organization = Uuid::from_u128(7);
    let referral = Change::new(ChangedResource::Referral, Uuid::nil(), ChangeAction::Updated);
    let sent = referral.clone().organization(Some(organization));
    let events = [WebhookEvent::ReferralUpdated];
    assert!(delivers(organization, &events, &sent));
    assert!(!delivers(organization, &events, &referral), "a proposal is the PUA's own");
    assert!(!delivers(Uuid::from_u128(8), &events, &sent), "another organisation's");
    assert!(!delivers(organization, &[WebhookEvent::ServiceCreated], &sent), "not asked for");
    let case = Change::new(ChangedResource::Case, Uuid::nil(), ChangeAction::Updated).organization(Some(organization));
    assert!(!delivers(organization, WebhookEvent::ALL, &case), "never a case");
    assert_eq!(check_events("events", &[]).map_err(|v| v.code), Err("too_few_items"));
    let twice = check_events(
        "events",
        &[WebhookEvent::ServiceCreated, WebhookEvent::ReferralUpdated, WebhookEvent::ServiceCreated],
    );
    assert_eq!(twice.unwrap(), vec![WebhookEvent::ReferralUpdated, WebhookEvent::ServiceCreated]);
    assert!(may_manage(Role::Admin, Uuid::nil(), organization));
    assert!(may_manage(Role::Partner, organization, organization));
    assert!(!may_manage(Role::Partner, Uuid::nil(), organization));
    assert!(!may_manage(Role::DistrictCoordinator, organization, organization));
}
