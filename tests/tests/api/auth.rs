//! Login, tokens, refresh rotation, logout, the failed-login throttle.

use chrono::Duration;
use serde_json::json;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, REGION_ID, TestApp};

#[actix_web::test]
async fn login_answers_a_bearer_token_pair_and_the_token_works() {
    let app = TestApp::new().await;
    let reply =
        app.post("/api/v1/auth/login").json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let me = app.get("/api/v1/me").token(reply.str("access_token")).send().await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["organization"]["name"], "Regione Lombardia");
    assert!(me.body.get("password_hash").is_none());

    // The e-mail is matched case-insensitively.
    let reply = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": ADMIN_EMAIL.to_uppercase(), "password": ADMIN_PASSWORD}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
}

#[actix_web::test]
async fn the_access_token_carries_the_documented_claims() {
    use base64::Engine;
    let app = TestApp::new().await;
    let coordinator = app.user("district_coordinator", REGION_ID, &["milano", "bergamo"]).await;
    let payload = coordinator.access_token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], "inlav");
    assert_eq!(claims["aud"], "inlav-api");
    assert_eq!(claims["sub"], coordinator.id.as_str());
    assert_eq!(claims["role"], "district_coordinator");
    assert_eq!(claims["districts"], json!(["bergamo", "milano"]));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);
    let header = coordinator.access_token.split('.').next().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
}

#[actix_web::test]
async fn wrong_credentials_answer_identically_whether_or_not_the_account_exists() {
    let app = TestApp::new().await;
    let wrong_password = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": ADMIN_EMAIL, "password": "not-the-password"}))
        .send()
        .await;
    let unknown = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": "nobody@pua.test", "password": "not-the-password"}))
        .send()
        .await;
    let not_an_email =
        app.post("/api/v1/auth/login").json(&json!({"email": "nobody", "password": "not-the-password"})).send().await;
    for reply in [&wrong_password, &unknown, &not_an_email] {
        reply.problem(401);
    }
    assert_eq!(wrong_password.body, unknown.body);
    assert_eq!(wrong_password.body, not_an_email.body);
}

#[actix_web::test]
async fn five_failures_in_fifteen_minutes_lock_the_address_for_a_while() {
    let app = TestApp::new().await;
    let attempt = |password: &'static str| {
        app.post("/api/v1/auth/login").json(&json!({"email": ADMIN_EMAIL, "password": password})).send()
    };
    for _ in 0..5 {
        attempt("wrong-password").await.problem(401);
        app.advance(Duration::minutes(1));
    }
    // Locked: even the right password is refused, with a delay to wait.
    let locked = attempt(ADMIN_PASSWORD).await;
    locked.problem(429);
    let retry_after: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert_eq!(locked.header("ratelimit-policy"), Some("\"failures\";q=5;w=900"));
    assert_eq!(locked.header("ratelimit"), Some(format!("\"failures\";r=0;t={retry_after}").as_str()));

    // Unknown addresses are throttled the same way.
    for _ in 0..5 {
        app.post("/api/v1/auth/login")
            .json(&json!({"email": "ghost@pua.test", "password": "x"}))
            .send()
            .await
            .problem(401);
    }
    app.post("/api/v1/auth/login").json(&json!({"email": "ghost@pua.test", "password": "x"})).send().await.problem(429);

    // Once the first failure is 15 minutes old, the lock lifts.
    app.advance(Duration::seconds(retry_after));
    let reply = attempt(ADMIN_PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A success clears the count.
    for _ in 0..4 {
        attempt("wrong-password").await.problem(401);
    }
    assert_eq!(attempt(ADMIN_PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn access_tokens_expire_after_fifteen_minutes() {
    let app = TestApp::new().await;
    let token = app.admin.access_token.clone();
    app.advance(Duration::minutes(14));
    assert_eq!(app.get("/api/v1/me").token(&token).send().await.status, 200);
    app.advance(Duration::minutes(2));
    app.get("/api/v1/me").token(&token).send().await.problem(401);
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let app = TestApp::new().await;
    let first = app.admin.refresh_token.clone();
    let rotated = app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": first})).send().await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = rotated.str("refresh_token").to_string();
    assert_ne!(second, first);
    assert_eq!(app.get("/api/v1/me").token(rotated.str("access_token")).send().await.status, 200);

    // Another session of the same user, opened before the theft is noticed.
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // The first token again: reuse. The whole family goes, including the second token, and
    // the access tokens of the session stop at once, not when they expire.
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": first})).send().await.problem(401);
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": second})).send().await.problem(401);
    app.get("/api/v1/me").token(rotated.str("access_token")).send().await.problem(401);
    app.get("/api/v1/me").token(&app.admin.access_token).send().await.problem(401);

    // The other session is untouched.
    assert_eq!(app.get("/api/v1/me").token(&other.access_token).send().await.status, 200);
    let reply = app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": other.refresh_token})).send().await;
    assert_eq!(reply.status, 200);

    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": "made-up"})).send().await.problem(401);
}

#[actix_web::test]
async fn refresh_tokens_expire_and_sessions_end_after_seven_days() {
    let app = TestApp::new().await;
    // Unused for 12 hours: expired.
    app.advance(Duration::hours(12));
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": app.admin.refresh_token})).send().await.problem(401);

    // Refreshed every 11 hours, a session still ends 7 days after login.
    let mut token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.refresh_token;
    let mut refreshed = 0;
    loop {
        app.advance(Duration::hours(11));
        let reply = app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": token})).send().await;
        if reply.status != 200 {
            reply.problem(401);
            break;
        }
        token = reply.str("refresh_token").to_string();
        refreshed += 1;
    }
    assert_eq!(refreshed, 15, "7 days hold 15 refreshes 11 hours apart");
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::new().await;
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(app.get("/api/v1/me").token(&app.admin.access_token).send().await.status, 200);
    let reply = app.post("/api/v1/auth/logout").json(&json!({"refresh_token": app.admin.refresh_token})).send().await;
    assert_eq!(reply.status, 204);
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": app.admin.refresh_token})).send().await.problem(401);
    // Its access token stops the moment the session ends; the user's other session goes on.
    app.get("/api/v1/me").token(&app.admin.access_token).send().await.problem(401);
    assert_eq!(app.get("/api/v1/me").token(&other.access_token).send().await.status, 200);
    // Unknown tokens log out silently.
    assert_eq!(app.post("/api/v1/auth/logout").json(&json!({"refresh_token": "unknown"})).send().await.status, 204);
}

#[actix_web::test]
async fn a_deactivated_user_can_neither_log_in_nor_refresh_and_its_tokens_stop() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", REGION_ID, &["milano"]).await;
    let reply = app.get(&format!("/api/v1/users/{}", worker.id)).token(&app.admin.access_token).send().await;
    let version = reply.body["version"].as_i64().unwrap();
    let reply = app
        .patch(&format!("/api/v1/users/{}", worker.id))
        .token(&app.admin.access_token)
        .if_match(version)
        .json(&json!({"active": false}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["active"], false);

    app.get("/api/v1/me").token(&worker.access_token).send().await.problem(401);
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": worker.refresh_token})).send().await.problem(401);
    let login = app.post("/api/v1/auth/login").json(&json!({"email": worker.email, "password": PASSWORD})).send().await;
    login.problem(401);
    assert_eq!(login.body["detail"], "wrong e-mail or password");
}

#[actix_web::test]
async fn changing_role_or_password_ends_existing_tokens() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", REGION_ID, &["milano"]).await;
    let path = format!("/api/v1/users/{}", worker.id);
    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"role": "legal_advisor"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.get("/api/v1/me").token(&worker.access_token).send().await.problem(401);
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": worker.refresh_token})).send().await.problem(401);
    let again = app.login(&worker.email, PASSWORD).await;
    let me = app.get("/api/v1/me").token(&again.access_token).send().await;
    assert_eq!(me.body["role"], "legal_advisor");

    // A display-name change does not end sessions.
    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(2)
        .json(&json!({"display_name": "Avv. Rossi"}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(app.get("/api/v1/me").token(&again.access_token).send().await.status, 200);

    // A password reset does.
    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(3)
        .json(&json!({"password": "another-good-password"}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    app.get("/api/v1/me").token(&again.access_token).send().await.problem(401);
    app.post("/api/v1/auth/login")
        .json(&json!({"email": worker.email, "password": PASSWORD}))
        .send()
        .await
        .problem(401);
    app.login(&worker.email, "another-good-password").await;
}

#[actix_web::test]
async fn a_user_changes_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", REGION_ID, &["milano"]).await;
    let other = app.login(&worker.email, PASSWORD).await;
    let change = |current: &str, new: &str| {
        app.post("/api/v1/me/password")
            .token(&worker.access_token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let reply = change("not-my-password", "a-brand-new-password-2").await;
    assert_eq!(reply.field_errors(), [("current_password".to_string(), "wrong_password".to_string())]);
    assert_eq!(change(PASSWORD, "short").await.field_errors()[0].0, "new_password");
    assert_eq!(
        change(PASSWORD, PASSWORD).await.field_errors()[0],
        ("new_password".to_string(), "unchanged".to_string())
    );
    app.post("/api/v1/me/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "x"}))
        .send()
        .await
        .problem(401);

    let reply = change(PASSWORD, "a-brand-new-password-2").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    // The session that changed it goes on; the other one ends, its access token at once.
    assert_eq!(app.get("/api/v1/me").token(&worker.access_token).send().await.status, 200);
    app.get("/api/v1/me").token(&other.access_token).send().await.problem(401);
    app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": other.refresh_token})).send().await.problem(401);
    let refreshed = app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": worker.refresh_token})).send().await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    // The old password no longer logs in; the new one does.
    let old = app.post("/api/v1/auth/login").json(&json!({"email": worker.email, "password": PASSWORD})).send().await;
    old.problem(401);
    app.login(&worker.email, "a-brand-new-password-2").await;

    // Guessing the current password with a stolen token is throttled like a login.
    for _ in 0..5 {
        change("guess", "a-brand-new-password-3").await.problem(422);
    }
    let reply = change("guess", "a-brand-new-password-3").await;
    assert_eq!(reply.problem(429)["code"], "too_many_requests");
}

#[actix_web::test]
async fn after_an_admin_reset_the_next_login_may_only_change_the_password() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", REGION_ID, &["milano"]).await;
    let me = app.get("/api/v1/me").token(&worker.access_token).send().await;
    let path = format!("/api/v1/users/{}", me.str("id"));
    let version = app.get(&path).token(&app.admin.access_token).send().await.body["version"].as_i64().unwrap_or(1);
    let reset = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(version)
        .json(&json!({"password": "told-on-the-phone-1"}))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);

    let login = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": worker.email, "password": "told-on-the-phone-1"}))
        .send()
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["password_change_required"], true);
    assert_eq!(login.body["expires_in"], 300);
    let restricted = login.str("access_token").to_string();
    let refresh_token = login.str("refresh_token").to_string();
    // Only the change itself and who the user is; nothing else, and no refresh yet.
    let refused = app.get("/api/v1/cases").token(&restricted).send().await;
    assert_eq!(refused.problem(403)["code"], "password_change_required");
    assert_eq!(app.get("/api/v1/me").token(&restricted).send().await.status, 200);
    let early = app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": refresh_token})).send().await;
    early.problem(401);
    // The token lives five minutes.
    app.advance(Duration::minutes(6));
    app.get("/api/v1/me").token(&restricted).send().await.problem(401);

    let login = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": worker.email, "password": "told-on-the-phone-1"}))
        .send()
        .await;
    let restricted = login.str("access_token").to_string();
    let changed = app
        .post("/api/v1/me/password")
        .token(&restricted)
        .json(&json!({"current_password": "told-on-the-phone-1", "new_password": "only-i-know-this-1"}))
        .send()
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    // Now the session's refresh token gives a full token, and logins are ordinary again.
    let full =
        app.post("/api/v1/auth/refresh").json(&json!({"refresh_token": login.str("refresh_token")})).send().await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(full.body["password_change_required"], false);
    assert_eq!(app.get("/api/v1/cases").token(full.str("access_token")).send().await.status, 200);
    let again = app.login(&worker.email, "only-i-know-this-1").await;
    assert_eq!(app.get("/api/v1/cases").token(&again.access_token).send().await.status, 200);
}
