//! Table definitions, written by hand against the migrations (portable types only).

diesel::table! {
    districts (code) {
        code -> Text,
        name -> Text,
        position -> Integer,
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

diesel::joinable!(district_targets -> districts (district_code));
diesel::joinable!(organization_districts -> organizations (organization_id));
diesel::joinable!(organization_districts -> districts (district_code));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(user_districts -> users (user_id));
diesel::joinable!(user_districts -> districts (district_code));
diesel::joinable!(refresh_tokens -> users (user_id));

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
);
