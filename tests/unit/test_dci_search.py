"""The partner API's synchronous search, as a partner meets it: credentials from the CLI, a token,
signed envelopes both ways, and every answer validated against the DCI specification."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from tests.dci_partner import Partner, assert_signed_by_lsso, key_pair, records_of, register
from tests.dci_schemas import validate_response
from tests.demo_people import ALMOST, BEHIND, FROZEN_NOW, PENSIONER_SSN
from ussd_app.core.extensions import clients
from ussd_app.dci.api import dci_of
from ussd_app.dci.models import Access, PartnerConsent, RecordSeen
from ussd_app.dci.oauth import token_jwks
from ussd_app.members.models import Member

HEALTH = ("--scope", "registry.search", "--purpose", "verify-enrolment")
ALL = ("--scope", "registry.search", "--scope", "lsso.eligibility.read", "--scope", "lsso.contributions.read",
       "--purpose", "coordinate-benefits", "--purpose", "verify-enrolment")


@pytest.fixture
def health(app, client, runner) -> Partner:
    partner = Partner(client, "health.gov.la", *register(runner, "health.gov.la", *HEALTH), now=FROZEN_NOW)
    assert "access_token" in partner.get_token()
    return partner


@pytest.fixture
def welfare(app, client, runner) -> Partner:
    partner = Partner(client, "welfare.gov.la", *register(runner, "welfare.gov.la", *ALL), now=FROZEN_NOW)
    partner.get_token()
    return partner


def checked(response, partner: Partner) -> dict:  # type: ignore[no-untyped-def]
    """The body of a sync/search answer: 200, valid DCI, signed by LSSO."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    validate_response("core", "/registry/sync/search", body)
    assert_signed_by_lsso(partner.client, body, partner.now)
    return body


# ---- finding a member --------------------------------------------------------------------------

def test_a_partner_finds_a_member_by_ssn_and_gets_only_what_its_purpose_allows(health):
    [record] = records_of(checked(health.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}), health))
    assert {"identifier_type": "SSN", "identifier_value": PENSIONER_SSN} in record["identifier"]
    assert record["sex"] == "male" and record["birthdate"] == "1964-02-10"
    assert record["enrolment"]["scheme"] == "enterprise" and record["enrolment"]["status"] == "active"
    assert "eligibility" not in record and "contributions" not in record  # neither its scope nor its purpose


def test_the_same_member_by_national_id_and_by_mobile(health):
    by_uin = records_of(checked(health.search("idtype-value", {"type": "UIN", "value": "1 0100 1234 567"}), health))
    by_mobile = records_of(checked(health.search("idtype-value", {"type": "MOBILE", "value": "020 5551 2345"}),
                                   health))
    assert [r["identifier"][0]["identifier_value"] for r in by_uin + by_mobile] == [PENSIONER_SSN, PENSIONER_SSN]


def test_eligibility_and_contributions_come_with_their_scopes_and_purpose(welfare):
    [record] = records_of(checked(welfare.search("idtype-value", {"type": "MOBILE", "value": ALMOST}), welfare))
    pension = next(b for b in record["eligibility"] if b["benefit"] == "old_age")
    assert not pension["eligible"] and pension["months_missing"] == 1  # as USSD says: one month short
    assert record["contributions"]["months_paid"] == 179 and not record["contributions"]["in_arrears"]
    [behind] = records_of(checked(welfare.search("idtype-value", {"type": "MOBILE", "value": BEHIND}), welfare))
    assert behind["contributions"]["in_arrears"] and behind["contributions"]["last_period_paid"] == "2026-06"
    # The same partner under its other purpose gets identity and enrolment only.
    consent = {"purpose": {"code": "verify-enrolment"}}
    [plain] = records_of(checked(welfare.search("idtype-value", {"type": "MOBILE", "value": ALMOST},
                                                consent=consent), welfare))
    assert "eligibility" not in plain and "contributions" not in plain


def test_predicates_and_expressions_over_a_members_attributes(welfare):
    older = [{"seq_num": 1, "expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": 60},
              "condition": "and",
              "expression2": {"attribute_name": "scheme", "operator": "eq", "attribute_value": "enterprise"}}]
    found = records_of(checked(welfare.search("predicate", older, pagination={"page_size": 100}), welfare))
    assert found and all(r["enrolment"]["scheme"] == "enterprise" and r["birthdate"] <= "1966-11-20" for r in found)
    assert PENSIONER_SSN in {r["identifier"][0]["identifier_value"] for r in found}
    expression = {"type": "ns:lsso:QueryType:Expression",
                  "value": {"expression": {"province": {"eq": "Xiengkhouang"}, "sex": {"in": ["male"]}}}}
    places = records_of(checked(welfare.search("expression", expression, pagination={"page_size": 100}), welfare))
    assert places and all(r["enrolment"]["province"] == "Xiengkhouang" and r["sex"] == "male" for r in places)


def test_pages_of_results_count_the_total(welfare):
    everyone = [{"expression1": {"attribute_name": "status", "operator": "in",
                                 "attribute_value": ["active", "retired", "suspended"]}}]
    first = checked(welfare.search("predicate", everyone, pagination={"page_size": 5, "page_number": 1}), welfare)
    page = first["message"]["search_response"][0]
    assert len(page["data"]["reg_records"]["records"]) == 5 and page["pagination"]["total_count"] > 60
    last_number = -(-page["pagination"]["total_count"] // 5)
    last = checked(welfare.search("predicate", everyone, pagination={"page_size": 5, "page_number": last_number}),
                   welfare)
    assert 1 <= len(records_of(last)) <= 5


@pytest.mark.parametrize("query_type, query, criteria, code", [
    ("idtype-value", {"type": "PASSPORT", "value": "X1"}, {}, "rjct.search_criteria.invalid"),
    ("predicate", [{"expression1": {"attribute_name": "income", "operator": "lt", "attribute_value": 1}}], {},
     "rjct.search_criteria.invalid"),
    ("predicate", [{"expression1": {"attribute_name": "sex", "operator": "gt", "attribute_value": "male"}}], {},
     "rjct.search_criteria.invalid"),
    ("sql", "SELECT 1", {}, "rjct.search_criteria.invalid"),
    ("idtype-value", {"type": "SSN", "value": "1"}, {"reg_type": "ns:org:RegistryType:Civil"},
     "rjct.search_criteria.invalid"),
    ("idtype-value", {"type": "SSN", "value": "1"}, {"pagination": {"page_size": 5000}}, "rjct.pagination.invalid"),
    ("idtype-value", {"type": "SSN", "value": "1"}, {"sort": [{"attribute_name": "salary"}]}, "rjct.sort.invalid"),
    ("idtype-value", {"type": "SSN", "value": "1"}, {"consent": {"purpose": {"code": "marketing"}}},
     "rjct.search_criteria.invalid"),
])
def test_what_we_cannot_answer_gets_its_reason_code_not_a_500(health, query_type, query, criteria, code):
    body = checked(health.search(query_type, query, **criteria), health)
    answer = body["message"]["search_response"][0]
    assert (answer["status"], answer["status_reason_code"]) == ("rjct", code)
    assert answer["status_reason_message"]


def test_too_broad_a_search_is_refused(app, welfare):
    dci_of(app).limits = type(dci_of(app).limits)(100, 10, 15, "LA")  # at most 10 matches
    everyone = [{"expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": 0}}]
    answer = checked(welfare.search("predicate", everyone), welfare)["message"]["search_response"][0]
    assert answer["status_reason_code"] == "rjct.search.too_many_records_found"


# ---- who may ask ---------------------------------------------------------------------------------

def test_without_a_valid_token_every_call_is_401(health):
    search = {"transaction_id": "t", "search_request": []}
    assert health.post("/dci/registry/sync/search", health.envelope("search", search), token="").status_code == 401
    forged = health.post("/dci/registry/sync/search", health.envelope("search", search), token="eyJhbGciOi.x.y")
    assert forged.status_code == 401 and forged.get_json()["errors"][0]["code"] == "err.request.unauthorized"


def test_an_expired_token_is_refused(app, health):
    key = dci_of(app).key
    past = int(time.time()) - 3600
    claims = {"iss": key.sender_id, "aud": "lsso-dci", "sub": health.client_id, "client_id": health.client_id,
              "iat": past, "exp": past + 60, "jti": uuid.uuid4().hex, "scope": "registry.search"}
    signing = KeySet.import_key_set(token_jwks(key))
    stale = jwt.encode({"alg": "HS256", "kid": "tokens", "typ": "at+jwt"}, claims, signing)
    response = health.post("/dci/registry/sync/search", health.envelope("search", {}), token=stale)
    assert response.status_code == 401
    fresh = jwt.encode({"alg": "HS256", "kid": "tokens", "typ": "at+jwt"},
                       {**claims, "iat": int(time.time()), "exp": int(time.time()) + 60}, signing)
    ok = health.post("/dci/registry/sync/search",
                     health.envelope("search", {"transaction_id": "t", "search_request": [{}]}), token=fresh)
    assert ok.status_code == 200  # the same token, in date, is taken: the refusal was the date


def test_a_wrong_secret_gets_no_token_and_a_revoked_partner_loses_its_tokens(health, runner):
    wrong = Partner(health.client, health.name, health.client_id, "guess", FROZEN_NOW).get_token()
    assert wrong.get("error") == "invalid_client"
    assert runner.invoke(args=["partners", "revoke", health.name]).exit_code == 0
    response = health.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    assert response.status_code == 401
    assert health.get_token().get("error") == "invalid_client"


def test_a_scope_the_partner_lacks_is_403(client, runner):
    name = "subscriber.gov.la"
    partner = Partner(client, name, *register(runner, name, "--scope", "registry.subscribe", "--purpose",
                                              "deduplicate"), now=FROZEN_NOW)
    partner.get_token()
    response = partner.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    assert response.status_code == 403 and response.get_json()["errors"][0]["code"] == "err.request.forbidden"


def test_a_token_names_its_partner_it_cannot_send_as_another(health):
    body = health.envelope("search", {"transaction_id": "t", "search_request": []}, sender_id="welfare.gov.la")
    response = health.post("/dci/registry/sync/search", body)
    assert response.status_code == 403 and response.get_json()["errors"][0]["code"] == "err.sender_id.invalid"


def test_a_partner_with_a_registered_key_must_sign_and_a_bad_signature_is_refused(client, runner, tmp_path):
    private, public = key_pair()
    (tmp_path / "key.b64").write_text(public)
    name = "signing.gov.la"
    partner = Partner(client, name, *register(runner, name, *HEALTH, "--public-key", str(tmp_path / "key.b64")),
                      now=FROZEN_NOW, private=private)
    partner.get_token()
    checked(partner.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}), partner)  # signed: fine
    body = partner.envelope("search", {"transaction_id": "t", "search_request": []})
    body["message"]["transaction_id"] = "changed after signing"
    tampered = partner.post("/dci/registry/sync/search", body)
    assert tampered.status_code == 401 and tampered.get_json()["errors"][0]["code"] == "err.signature.invalid"
    del body["signature"]
    unsigned = partner.post("/dci/registry/sync/search", body)
    assert unsigned.get_json()["errors"][0]["code"] == "err.signature.missing"


# ---- envelopes, replays, limits ------------------------------------------------------------------

def test_a_repeated_message_id_is_refused(health):
    query = {"type": "SSN", "value": PENSIONER_SSN}
    first = health.search("idtype-value", query)
    again = health.post("/dci/registry/sync/search",
                        health.envelope("search", {"transaction_id": "t2", "search_request": []},
                                        message_id=health.sent[-1]))
    assert first.status_code == 200
    body = checked(again, health)
    assert (body["header"]["status"], body["header"]["status_reason_code"]) == ("rjct", "rjct.message_id.duplicate")
    assert "message" not in body


@pytest.mark.parametrize("body, code", [
    ({"header": {"message_id": "1"}}, "err.request.bad"),
    ("not an object", "err.request.bad"),
    ({"header": {"message_id": "1", "message_ts": "yesterday", "action": "search", "sender_id": "health.gov.la",
                 "total_count": 1}, "message": {}}, None),  # rjct.message_ts.invalid, in a signed answer
])
def test_bad_envelopes_are_refused_with_their_code(health, body, code):
    response = health.post("/dci/registry/sync/search", body)
    if code:
        assert response.status_code == 400 and response.get_json()["errors"][0]["code"] == code
    else:
        answer = checked(response, health)
        assert answer["header"]["status_reason_code"] == "rjct.message_ts.invalid"


def test_the_wrong_action_and_too_many_requests_in_a_message_are_refused(health):
    wrong = checked(health.post("/dci/registry/sync/search", health.envelope("subscribe", {})), health)
    assert wrong["header"]["status_reason_code"] == "rjct.action.invalid"
    many = checked(health.post("/dci/registry/sync/search", health.envelope("search", {}, total_count=500)), health)
    assert many["header"]["status_reason_code"] == "rjct.total_count.limit_exceeded"


def test_each_partner_has_a_rate_limit(app, health):
    from limits import parse

    dci_of(app).rate = parse("3/minute")
    codes = [health.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


# ---- consent, audit ------------------------------------------------------------------------------

def test_a_partner_that_needs_consent_finds_only_members_who_gave_it(app, client, runner):
    name = "ngo.example.org"
    partner = Partner(client, name, *register(runner, name, *HEALTH, "--basis", "consent"), now=FROZEN_NOW)
    partner.get_token()
    query = {"type": "SSN", "value": PENSIONER_SSN}
    assert records_of(checked(partner.search("idtype-value", query), partner)) == []
    with clients(app).sessions() as s:
        member_id = s.execute(select(Member.id).where(Member.ssn == PENSIONER_SSN)).scalar_one()
        partner_id = s.execute(select(Access.partner_id)).scalars().first()
        s.add(PartnerConsent(partner_id=partner_id, member_id=member_id, given=True))
        s.commit()
    assert len(records_of(checked(partner.search("idtype-value", query), partner))) == 1


def test_every_call_is_recorded_with_a_keyed_hash_not_the_identifiers(app, health):
    health.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    health.search("idtype-value", {"type": "SSN", "value": "0000000001"})
    with clients(app).sessions() as s:
        rows = s.execute(select(Access).order_by(Access.id)).scalars().all()
        seen = s.execute(select(RecordSeen)).scalars().all()
    assert [(r.action, r.purpose, r.records_returned, r.outcome) for r in rows] == [
        ("search", "verify-enrolment", 1, "succ"), ("search", "verify-enrolment", 0, "succ")]
    assert rows[0].message_id == health.sent[0] and len(rows[0].identifiers_hash) == 64
    assert PENSIONER_SSN not in json.dumps([r.identifiers_hash for r in rows])
    assert len(seen) == 1


def test_our_public_key_and_tokens(health):
    keys = health.client.get("/dci/.well-known/jwks.json").get_json()["keys"]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]
    token = health.get_token()
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 900
    claims = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "=="))
    assert claims["client_id"] == health.client_id and claims["scope"] == "registry.search"
