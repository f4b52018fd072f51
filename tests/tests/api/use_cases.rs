//! The use cases called directly, without HTTP: an `app::Actor`, a command and the time in,
//! a domain result or an `app::Error` out, with the same access checks, refusals and audit
//! entries as through the API. The HTTP layer only parses, calls and renders.

use app::cases::{CaseRecord, Interception};
use app::idempotency::{Reply, Retry, Retryable};
use app::{Actor, Conflict, Error, ReadVersion};
use domain::audit::AuditAction;
use domain::beneficiaries::BeneficiaryDraft;
use domain::cases::{CaseStatus, Channel, TransitionRequest};
use domain::districts::DistrictCode;
use domain::users::Role;
use persistence::PageRequest;
use persistence::audit::AuditFilter;
use uuid::Uuid;

use crate::support::{Session, TestApp};

/// The actor a logged-in session stands for, as the HTTP layer builds it from a token.
fn actor(session: &Session, role: Role, organization: &str, districts: &[&str]) -> Actor {
    Actor {
        user_id: session.id.parse().expect("a user id"),
        role,
        organization_id: organization.parse().expect("an organisation id"),
        districts: districts.iter().map(|d| DistrictCode::from_trusted((*d).into())).collect(),
        request_id: Some("use-case-test".into()),
        scopes: None,
        session_id: None,
    }
}

/// A first POST without an idempotency key, answered with the new case's id.
fn answered_with_the_id<T: 'static>(id_of: fn(&T) -> Uuid) -> Retryable<T> {
    Retryable {
        retry: Retry { key: None, fingerprint: "use-case-test".into() },
        render: Box::new(move |result: T| {
            Ok(Reply { status: 201, body: id_of(&result).to_string(), location: None, etag: None })
        }),
    }
}

#[actix_web::test]
async fn a_case_recorded_read_and_moved_without_http_keeps_its_access_rules_and_audit() {
    let app = TestApp::new().await;
    let milano = app.organization("ETS use cases Milano", "ets", &["milano"]).await;
    let bergamo = app.organization("ETS use cases Bergamo", "ets", &["bergamo"]).await;
    let worker = actor(&app.user("case_worker", &milano, &["milano"]).await, Role::CaseWorker, &milano, &["milano"]);
    let elsewhere = actor(
        &app.user("district_coordinator", &bergamo, &["bergamo"]).await,
        Role::DistrictCoordinator,
        &bergamo,
        &["bergamo"],
    );
    let ctx = app.state.context();
    let now = app.state.now();

    let interception = Interception {
        beneficiary_id: None,
        beneficiary: Some(app::beneficiaries::Registration {
            draft: BeneficiaryDraft { alias: "Use case".into(), ..Default::default() },
            district: None,
            confirm_new: false,
            confirm_new_reason: None,
        }),
        district: "milano".into(),
        channel: Channel::StreetOutreach,
        intercepted_at: now - chrono::Duration::hours(2),
        intercepting_organization_id: None,
    };
    let recorded =
        app::cases::intercept(ctx, &worker, now, interception, answered_with_the_id(|r: &CaseRecord| r.case.id))
            .await
            .expect("an interception of the worker's district");
    assert_eq!(recorded.reply.status, 201);
    assert!(!recorded.replayed);
    let id: Uuid = recorded.reply.body.parse().expect("the rendered id");

    let record = app::cases::read(ctx, &worker, now, id).await.expect("the worker reads the case");
    assert_eq!(record.case.status, CaseStatus::Intercepted);
    assert_eq!(record.case.district.as_str(), "milano");
    // Another district's coordinator is told nothing, not even that the case exists.
    assert!(matches!(app::cases::read(ctx, &elsewhere, now, id).await, Err(Error::NotFound)));

    // Intercepted cases are screened before they are taken in charge: the refusal names where
    // the case can go.
    let version = ReadVersion { id, version: record.case.version };
    let request = TransitionRequest {
        to: CaseStatus::TakenInCharge,
        effective_at: now,
        reason: None,
        outcome: None,
        summary: None,
    };
    let refused = app::cases::transition(
        ctx,
        &worker,
        now,
        version,
        request,
        answered_with_the_id(|t: &app::cases::Transitioned| t.record.case.id),
    )
    .await;
    match refused {
        Err(Error::Conflict(Conflict::InvalidTransition { from, to, reachable, .. })) => {
            assert_eq!((from, to), ("intercepted", "taken_in_charge"));
            assert_eq!(reachable, ["screening", "closed"]);
        }
        other => panic!("expected an invalid transition, got {other:?}"),
    }

    // The trail holds the creation and the read, by the worker, and nothing of the refused move
    // or of the other district's attempt.
    let admin = actor(&app.admin, Role::Admin, &Uuid::nil().to_string(), &[]);
    let trail = app::audit::trail(
        ctx,
        &admin,
        AuditFilter { case_id: Some(id), ..Default::default() },
        PageRequest { after: None, limit: 50 },
    )
    .await
    .expect("the admin reads the trail");
    let actions: Vec<(AuditAction, Uuid)> =
        trail.items.iter().map(|stored| (stored.entry.action, stored.entry.actor_id)).collect();
    assert!(actions.contains(&(AuditAction::Create, worker.user_id)), "{actions:?}");
    assert!(actions.contains(&(AuditAction::Read, worker.user_id)), "{actions:?}");
    assert!(
        actions.iter().all(|(action, who)| *who == worker.user_id && *action != AuditAction::Transition),
        "{actions:?}"
    );
}
