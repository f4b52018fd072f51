"""A partner's integration script against the InLav PUA API, written with the client that
openapi-python-client generates from openapi/openapi.json: log in, list cases, record an
interception with an Idempotency-Key, read a problem's code, download a CSV, and get a partner
system's token with OAuth 2 client credentials. `make client-check` type-checks it with mypy
(strict) in CI."""

import datetime

from inlav_client import AuthenticatedClient, Client
from inlav_client.api.auth import login
from inlav_client.api.cases import create_case, list_cases
from inlav_client.api.exports import export_cases
from inlav_client.api.partner_systems import issue_token
from inlav_client.models import (
    BeneficiaryInput,
    CaseStatus,
    Channel,
    CreateCase,
    ExportCasesFormat,
    LoginRequest,
    Problem,
    SystemToken,
    TokenRequest,
)

BASE_URL = "http://127.0.0.1:8080"


def describe(problem: Problem) -> str:
    """One line for a person, whatever the kind of problem."""
    lines = [f"{problem.code.value}: {problem.title}"]
    if isinstance(problem.detail, str):
        lines.append(problem.detail)
    for error in problem.errors if isinstance(problem.errors, list) else []:
        lines.append(f"{error.field}: {error.message} ({error.code})")
    return "\n".join(lines)


def desk_day(email: str, password: str) -> list[str]:
    log: list[str] = []
    session = login.sync(client=Client(base_url=BASE_URL), body=LoginRequest(email=email, password=password))
    if session is None or isinstance(session, Problem):
        return [describe(session)] if session else ["no answer"]
    client = AuthenticatedClient(base_url=BASE_URL, token=session.access_token)

    page = list_cases.sync(client=client, limit=20, status=CaseStatus.INTERCEPTED)
    if isinstance(page, Problem):
        log.append(describe(page))
    elif page is not None:
        for item in page.items:
            # `view` tells the full case from a colleague's interception view.
            log.append(f"{item.id} {item.status.value} ({item.view.value})")

    created = create_case.sync(
        client=client,
        idempotency_key="desk-2026-03-02-0001",
        body=CreateCase(
            district="milano",
            channel=Channel.STREET_OUTREACH,
            intercepted_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc),
            beneficiary=BeneficiaryInput(alias="Persona 1", citizenships=["PK"]),
        ),
    )
    if isinstance(created, Problem):
        if created.code.value == "possible_duplicate" and isinstance(created.candidates, list):
            log.extend(f"maybe {c.alias} ({c.district})" for c in created.candidates)
        else:
            log.append(describe(created))
    elif created is not None:
        log.append(f"case {created.id} recorded")

    csv = export_cases.sync(client=client, format_=ExportCasesFormat.CSV, from_=datetime.date(2026, 1, 1))
    if isinstance(csv, Problem):
        log.append(describe(csv))
    elif csv is not None:
        log.append(f"{len(csv.splitlines()) - 1} rows of CSV")
    return log


def partner_token(client_id: str, client_secret: str) -> str:
    """A partner system's token: OAuth 2 client credentials."""
    body = TokenRequest(grant_type="client_credentials", client_id=client_id, client_secret=client_secret)
    reply = issue_token.sync(client=Client(base_url=BASE_URL), body=body)
    if reply is None:
        return "no answer"
    if isinstance(reply, Problem):
        return describe(reply)
    if isinstance(reply, SystemToken):
        return f"{reply.token_type} {reply.access_token} ({reply.scope}, {reply.expires_in} s)"
    return f"{reply.error.value}: {reply.error_description}"
