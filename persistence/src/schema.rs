//! Table definitions, written by hand against the migrations (portable types only).

diesel::table! {
    districts (code) {
        code -> Text,
        name -> Text,
        position -> Integer,
        closure_requires_approval -> Bool,
        eligibility_rule_set -> Text,
        version -> Integer,
        retention_years -> Integer,
    }
}

diesel::table! {
    district_targets (id) {
        id -> Text,
        district_code -> Text,
        period_from -> Date,
        period_to -> Date,
        intercepted_min -> Integer,
        intercepted_max -> Integer,
        taken_in_charge_min -> Integer,
        taken_in_charge_max -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_categories (code) {
        code -> Text,
        group_code -> Text,
        position -> Integer,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        municipality -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organization_districts (organization_id, district_code) {
        organization_id -> Text,
        district_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        organization_id -> Text,
        active -> Bool,
        token_version -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        must_change_password -> Bool,
    }
}

diesel::table! {
    user_districts (user_id, district_code) {
        user_id -> Text,
        district_code -> Text,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        session_expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        email -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    beneficiaries (id) {
        id -> Text,
        district_code -> Text,
        alias -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        search_key -> Text,
        name_key -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        birth_year -> Nullable<Integer>,
        citizenships_known -> Bool,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        municipality -> Nullable<Text>,
        arrival_year -> Nullable<Integer>,
        permit_kind -> Nullable<Text>,
        permit_number -> Nullable<Text>,
        permit_expires_on -> Nullable<Date>,
        codice_fiscale -> Nullable<Text>,
        guardian_name -> Nullable<Text>,
        guardian_relation -> Nullable<Text>,
        guardian_contact -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    beneficiary_citizenships (beneficiary_id, country) {
        beneficiary_id -> Text,
        country -> Text,
    }
}

diesel::table! {
    beneficiary_languages (beneficiary_id, language) {
        beneficiary_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    beneficiary_documents (beneficiary_id, document) {
        beneficiary_id -> Text,
        document -> Text,
        status -> Text,
        status_on -> Nullable<Date>,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        beneficiary_id -> Text,
        kind -> Text,
        organization_id -> Nullable<Text>,
        granted -> Bool,
        given_on -> Date,
        method -> Text,
        language -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        withdrawn_on -> Nullable<Date>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        beneficiary_id -> Text,
        district_code -> Text,
        channel -> Text,
        intercepted_at -> Timestamp,
        intercepting_organization_id -> Text,
        recorded_by -> Text,
        status -> Text,
        status_since -> Timestamp,
        taken_in_charge_at -> Nullable<Timestamp>,
        profile -> Nullable<Text>,
        work_sector -> Nullable<Text>,
        work_contract -> Nullable<Text>,
        employer_name -> Nullable<Text>,
        case_worker_id -> Nullable<Text>,
        legal_advisor_id -> Nullable<Text>,
        override_by -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        override_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        closure_summary -> Nullable<Text>,
        closure_request_by -> Nullable<Text>,
        closure_request_effective_at -> Nullable<Timestamp>,
        closure_request_outcome -> Nullable<Text>,
        closure_request_summary -> Nullable<Text>,
        closure_request_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        transferred_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_needs (case_id, need) {
        case_id -> Text,
        need -> Text,
    }
}

diesel::table! {
    case_indicators (case_id, indicator) {
        case_id -> Text,
        indicator -> Text,
        noted_on -> Date,
    }
}

diesel::table! {
    case_events (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        effective_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        details -> Nullable<Text>,
        actor_id -> Text,
        actor_role -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Text,
        actor_role -> Text,
        action -> Text,
        district_code -> Nullable<Text>,
        beneficiary_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        listed -> Nullable<Text>,
        reason_digest -> Nullable<Text>,
        reason_salt -> Nullable<Text>,
        reason_text -> Nullable<Text>,
    }
}

diesel::table! {
    audit_listed (beneficiary_id, seq) {
        beneficiary_id -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        change_seq -> BigInt,
    }
}

diesel::table! {
    changes (seq) {
        seq -> BigInt,
        at -> Timestamp,
        resource -> Text,
        resource_id -> Text,
        action -> Text,
        version -> Nullable<Integer>,
        district_code -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        confidentiality -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> Text,
        caller_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        body -> Text,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    network_services (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        status -> Text,
        eligibility_description -> Nullable<Text>,
        email -> Nullable<Text>,
        url -> Nullable<Text>,
        phone -> Nullable<Text>,
        address_1 -> Nullable<Text>,
        city -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        schedule_description -> Nullable<Text>,
        search_key -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    network_service_categories (service_id, category) {
        service_id -> Text,
        category -> Text,
    }
}

diesel::table! {
    network_service_areas (service_id, district_code) {
        service_id -> Text,
        district_code -> Text,
    }
}

diesel::table! {
    network_service_languages (service_id, language) {
        service_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    network_service_documents (service_id, position) {
        service_id -> Text,
        position -> Integer,
        document -> Text,
    }
}

diesel::table! {
    service_deliveries (id) {
        id -> Text,
        case_id -> Text,
        category -> Text,
        delivered_on -> Date,
        duration_minutes -> Nullable<Integer>,
        delivered_by -> Text,
        operator_id -> Nullable<Text>,
        notes -> Nullable<Text>,
        outcome -> Nullable<Text>,
        recorded_by -> Text,
        recorded_by_role -> Text,
        recorded_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        case_id -> Text,
        district_code -> Text,
        to_organization_id -> Text,
        network_service_id -> Nullable<Text>,
        category -> Text,
        reason -> Text,
        joint_intake -> Bool,
        status -> Text,
        consent_override_by -> Nullable<Text>,
        consent_override_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referral_events (id) {
        id -> Text,
        referral_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        actor_id -> Text,
        actor_role -> Text,
        actor_organization_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        key_version -> Integer,
        active -> Bool,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_account_scopes (service_account_id, scope) {
        service_account_id -> Text,
        scope -> Text,
    }
}

diesel::table! {
    legal_procedures (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        status -> Text,
        authority -> Nullable<Text>,
        filed_on -> Nullable<Date>,
        decided_on -> Nullable<Date>,
        next_deadline -> Nullable<Date>,
        notes -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    work_grants (id) {
        id -> Text,
        case_id -> Text,
        funder_organization_id -> Text,
        host_employer -> Text,
        start_on -> Date,
        end_on -> Date,
        monthly_amount_cents -> BigInt,
        hours_per_week -> Integer,
        status -> Text,
        approved_by -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        case_id -> Text,
        body -> Text,
        confidentiality -> Text,
        corrects_id -> Nullable<Text>,
        author_id -> Text,
        author_role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    transfers (id) {
        id -> Text,
        beneficiary_id -> Text,
        from_district -> Text,
        to_district -> Text,
        status -> Text,
        reason -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        consent_granted -> Nullable<Bool>,
        consent_given_on -> Nullable<Date>,
        consent_method -> Nullable<Text>,
        consent_language -> Nullable<Text>,
        opened_case_id -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    duplicate_matches (token_digest) {
        token_digest -> Text,
        beneficiary_id -> Text,
        district_code -> Text,
        matched_by -> Text,
        matched_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    emergency_accesses (id) {
        id -> Text,
        beneficiary_id -> Text,
        owner_district -> Text,
        opened_for -> Text,
        opened_by -> Text,
        reason -> Text,
        opened_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(audit_listed -> audit_events (seq));
diesel::joinable!(network_service_categories -> network_services (service_id));
diesel::joinable!(network_service_areas -> network_services (service_id));
diesel::joinable!(network_service_languages -> network_services (service_id));
diesel::joinable!(network_service_documents -> network_services (service_id));
diesel::joinable!(service_deliveries -> cases (case_id));
diesel::joinable!(referrals -> cases (case_id));
diesel::joinable!(referral_events -> referrals (referral_id));
diesel::table! {
    webhooks (id) {
        id -> Text,
        organization_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_messages (id) {
        id -> Text,
        webhook_id -> Text,
        event -> Text,
        change_seq -> Nullable<BigInt>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        first_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (message_id, attempt) {
        message_id -> Text,
        attempt -> Integer,
        webhook_id -> Text,
        at -> Timestamp,
        outcome -> Text,
        response_code -> Nullable<Integer>,
        duration_ms -> Integer,
        error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(service_account_scopes -> service_accounts (service_account_id));
diesel::joinable!(webhook_messages -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_messages (message_id));
diesel::joinable!(legal_procedures -> cases (case_id));
diesel::joinable!(work_grants -> cases (case_id));

diesel::table! {
    report_tallies (district_code, period, day, figure, item, detail) {
        district_code -> Text,
        period -> Text,
        day -> Date,
        figure -> Text,
        item -> Text,
        detail -> Text,
        count -> Integer,
    }
}

diesel::table! {
    report_stale_days (id) {
        id -> Text,
        district_code -> Text,
        day -> Date,
    }
}

diesel::table! {
    report_tally_state (id) {
        id -> Integer,
        full_rebuild -> Bool,
        rebuilt_at -> Nullable<Timestamp>,
        time_zone -> Text,
        figures_version -> Text,
    }
}

diesel::table! {
    report_recounted_people (beneficiary_id) {
        beneficiary_id -> Text,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        district_code -> Text,
        organization_id -> Text,
        kind -> Text,
        held_on -> Date,
        duration_minutes -> Nullable<Integer>,
        location_label -> Nullable<Text>,
        participants_male -> Integer,
        participants_female -> Integer,
        participants_other -> Integer,
        participants_unknown -> Integer,
        contacts_made -> Integer,
        notes -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activity_topics (activity_id, topic) {
        activity_id -> Text,
        topic -> Text,
    }
}

diesel::table! {
    activity_organizations (activity_id, organization_id) {
        activity_id -> Text,
        organization_id -> Text,
    }
}

diesel::table! {
    pacts (id) {
        id -> Text,
        district_code -> Text,
        title -> Text,
        status -> Text,
        signed_on -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        document_reference -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pact_signatories (pact_id, organization_id) {
        pact_id -> Text,
        organization_id -> Text,
    }
}

diesel::joinable!(activity_topics -> activities (activity_id));
diesel::joinable!(activity_organizations -> activities (activity_id));
diesel::joinable!(pact_signatories -> pacts (pact_id));

diesel::joinable!(beneficiary_citizenships -> beneficiaries (beneficiary_id));
diesel::joinable!(beneficiary_languages -> beneficiaries (beneficiary_id));
diesel::joinable!(beneficiary_documents -> beneficiaries (beneficiary_id));
diesel::joinable!(consents -> beneficiaries (beneficiary_id));
diesel::joinable!(cases -> beneficiaries (beneficiary_id));
diesel::joinable!(case_needs -> cases (case_id));
diesel::joinable!(case_indicators -> cases (case_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(district_targets -> districts (district_code));
diesel::joinable!(organization_districts -> organizations (organization_id));
diesel::joinable!(organization_districts -> districts (district_code));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(user_districts -> users (user_id));
diesel::joinable!(user_districts -> districts (district_code));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    storage_probe (id) {
        id -> Integer,
        probed_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    districts,
    district_targets,
    service_categories,
    organizations,
    organization_districts,
    users,
    user_districts,
    refresh_tokens,
    login_failures,
    beneficiaries,
    beneficiary_citizenships,
    beneficiary_languages,
    beneficiary_documents,
    consents,
    cases,
    case_needs,
    case_indicators,
    case_events,
    audit_events,
    audit_head,
    audit_listed,
    changes,
    idempotency_keys,
    network_services,
    network_service_categories,
    network_service_areas,
    network_service_languages,
    network_service_documents,
    service_deliveries,
    referrals,
    referral_events,
    service_accounts,
    service_account_scopes,
    legal_procedures,
    work_grants,
    case_notes,
    activities,
    activity_topics,
    activity_organizations,
    pacts,
    pact_signatories,
    report_recounted_people,
    webhooks,
    webhook_messages,
    webhook_attempts,
    transfers,
    duplicate_matches,
    emergency_accesses,
);

// Grouped counts of the reports group cases by columns of the tables joined to them.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    cases::district_code,
    beneficiaries::gender,
    beneficiaries::citizenships_known,
    beneficiary_citizenships::country,
    case_needs::need,
    service_deliveries::category,
    legal_procedures::kind,
    legal_procedures::status,
    work_grants::status,
);
