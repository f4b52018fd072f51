# Messages to people, in English. Each problem code has a title and a detail; each field error
# code has a message. The Italian catalogue (it.ftl) has the same identifiers.

## Problem titles

title-bad_request = Malformed request
title-unauthorized = Authentication required
title-forbidden = Forbidden
title-password_change_required = Password change required
title-not_found = Not found
title-method_not_allowed = Method not allowed
title-precondition_failed = Stale version
title-precondition_required = If-Match required
title-payload_too_large = Request body too large
title-unsupported_media_type = Unsupported media type
title-request_header_fields_too_large = Request header fields too large
title-validation_failed = Invalid request
title-possible_duplicate = Possible duplicate
title-invalid_transition = Transition not allowed
title-preconditions_failed = Preconditions not met
title-case_closed = The case is closed
title-no_closure_request = No closure request
title-closure_request_outdated = Closure request outdated
title-case_not_in_charge = The case is not in charge
title-consent_missing = Consent missing
title-grant_not_eligible = Work grant not eligible
title-already_exists = Already exists
title-own_account = Your own account
title-consent_already_withdrawn = Consent already withdrawn
title-service_account_revoked = Service account revoked
title-webhook_disabled = Webhook endpoint disabled
title-webhook_limit = Too many webhook endpoints
title-period_overlaps = Overlapping period
title-legal_hold = Held for a legal procedure
title-conflict = Conflict with the current state
title-too_many_requests = Too many requests
title-internal = Internal error
title-unavailable = Service unavailable
title-long_reads_busy = Too many exports and reports
title-storage_full = Storage full
title-read_only = Database read-only
title-storage_error = Storage failure
title-http_error = Request refused

## Problem details, for a problem whose detail is of its kind only

detail-bad_request = the request could not be read
detail-unauthorized = authentication required
detail-forbidden = your role does not allow this
detail-password_change_required = an administrator reset your password: change it with POST /api/v1/me/password, then refresh your session
detail-not_found = no such resource
detail-method_not_allowed = this resource accepts: { $allow }
detail-precondition_failed = the resource changed since you read it: read it again and reapply your change
detail-precondition_required = send the ETag of the version you read in an If-Match header
detail-payload_too_large = the body may be at most { $limit } bytes
detail-unsupported_media_type = send the body as application/json in UTF-8
detail-request_header_fields_too_large = a header, or all of them together, are too large
detail-validation_failed = one or more fields are invalid; see errors
detail-possible_duplicate = records that may be the same person exist; send confirm_new: true to register anyway
detail-invalid_transition = the lifecycle does not lead there from the current status
detail-preconditions_failed = taking in charge needs what preconditions lists
detail-case_closed = the case is closed; a district coordinator may reopen it
detail-no_closure_request = no closure is waiting for approval
detail-closure_request_outdated = the case moved after the closure was requested: ask for a new closure
detail-case_not_in_charge = the case must be taken in charge on the day the service is given
detail-consent_missing = the beneficiary has not consented to sharing data with the organisation
detail-grant_not_eligible = the work grant breaks the programme's rules listed in rules
detail-already_exists = a record with this e-mail address or name already exists
detail-own_account = you cannot deactivate or demote your own account
detail-consent_already_withdrawn = the consent was already withdrawn
detail-service_account_revoked = the partner system's credentials are revoked for good
detail-webhook_disabled = the endpoint is disabled: enable it again (PATCH with enabled: true) first
detail-webhook_limit = the organisation has as many webhook endpoints as it may: delete one first
detail-period_overlaps = the period overlaps another period of the same district
detail-legal_hold = a legal procedure of the person is open: their data is held until it is decided or withdrawn
detail-conflict = the change conflicts with stored data
detail-too_many_requests = too many attempts; try again later
detail-internal = the server failed to answer; the incident is logged under this response's X-Request-Id
detail-unavailable = the service cannot answer now; retry shortly
detail-long_reads_busy = as many exports and reports run as this instance allows: retry shortly
detail-storage_full = the disk holding the database is full: nothing was written; retry once an operator has freed space
detail-read_only = the database takes no writes now (read-only storage, or a standby): nothing was written; reads still work
detail-storage_error = the database file is damaged or unreadable: nothing was written; an operator must check it
detail-http_error = the request was refused

## Field messages, by the code of the field error

field-required = is required
field-unknown_field = is not a field of this body
field-invalid_type = { $expected ->
    [string] must be a string
    [integer] must be an integer
    [number] must be a number
    [boolean] must be true or false
    [array] must be a list
    [object] must be an object
   *[other] has the wrong type
}
field-unknown_code = { $allowed ->
    [none] is not a code of its vocabulary
   *[other] must be one of: { $allowed }
}
field-invalid_value = is not a valid value
field-invalid_format = { $format ->
    [date] must be a date (YYYY-MM-DD)
    [date-time] must be a date and time (RFC 3339, e.g. 2026-03-02T09:00:00Z)
    [uuid] must be an id (UUID)
    [email] must be an e-mail address
   *[other] must be in the format { $format }
}
field-invalid_length = has the wrong number of items
field-too_long = { $max ->
    [none] is too long
   *[other] must be at most { $max } characters
}
field-too_short = { $min ->
    [none] is too short
   *[other] must be at least { $min } characters
}
field-too_many_items = must have at most { $max } items
field-too_few_items = must have at least { $min } items
field-out_of_range = { $bounds ->
    [both] must be from { $min } to { $max }
    [min] must be at least { $min }
    [max] must be at most { $max }
   *[none] is out of range
}
field-range = { $bounds ->
    [both] must be from { $min } to { $max }
    [min] must be at least { $min }
    [max] must be at most { $max }
   *[none] is out of range
}
field-length = { $bounds ->
    [both] must have from { $min } to { $max } characters or items
    [min] must have at least { $min } characters or items
    [max] must have at most { $max } characters or items
   *[none] has the wrong length
}
field-invalid_character = contains a character that is not allowed
field-in_future = must not be in the future
field-too_old = is too far in the past
field-not_allowed = is not allowed here
field-mismatch = does not agree with the other fields
field-duplicate = is listed twice
field-one_of = give exactly one of the alternatives
field-invalid = is not valid
field-negative = must not be negative
field-below_min = is below the minimum
field-above_intercepted = must not exceed the number intercepted
field-before_birth = must not be before the date of birth
field-before_filed = must not be before the filing date
field-before_given = must not be before the date it was given
field-before_interception = must not be before the case's interception
field-before_signed = must not be before the signing date
field-before_start = must not be before the start
field-before_previous_event = must not be before the previous step
field-invalid_codice_fiscale = is not a valid codice fiscale
field-invalid_cursor = is not a cursor returned by this list
field-invalid_date = is not a date (YYYY-MM-DD)
field-invalid_district = is not a valid district code
field-invalid_email = is not a valid e-mail address
field-invalid_phone = is not a valid phone number
field-invalid_url = is not a valid http(s) URL
field-not_a_topic = is not a topic of this kind of activity
field-too_many_rows = selects more rows than one file may hold
field-too_weak = is too easy to guess
field-unknown_country = is not an ISO 3166 country code
field-unknown_dialect = is not a CSV dialect this service writes
field-unknown_district = is not a district
field-unknown_format = is not a format this endpoint serves
field-unknown_language = is not an ISO 639 language code
field-unknown_operator = is not an operator of the case's district
field-unknown_organization = is not an organisation
field-unknown_parameter = is not a parameter of this endpoint
field-after_to = must not be after `to`
field-invalid_assignee = is not a case worker of the case's district
field-key_reused = this Idempotency-Key was used for another request
field-not_a_partner = is not an organisation that receives referrals
field-not_https = must be an https:// URL
field-private_address = names an address that is not public (loopback, private, link-local)
field-not_your_district = is not one of your districts
field-unchanged = must differ from the current password
field-unknown_beneficiary = is not a beneficiary you may see
field-unknown_note = is not a note of this case
field-unknown_service = is not a service of this organisation
field-wrong_password = is not your current password
field-already_yours = names a person your district already holds
field-given = records a consent given: accept the transfer instead, or say in a note why not
field-refused = records a refusal: decline the transfer instead
field-unknown = names nothing you may use: an unknown or expired token, or no single record
field-other = is not valid
