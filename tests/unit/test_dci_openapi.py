"""The partner API documents itself: /dci/openapi.json is a valid OpenAPI 3 document made from the
code, naming every /dci/ endpoint the app serves; /dci/docs shows it with files served from here."""

from __future__ import annotations

from openapi_spec_validator import validate

from ussd_app.dci.models import Scope
from ussd_app.events.models import EventKind


def test_the_document_is_valid_and_names_every_dci_endpoint(app, client):
    document = client.get("/dci/openapi.json").get_json()
    validate(document)
    served = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dci/")
              and "docs" not in rule.rule and "openapi" not in rule.rule}
    assert set(document["paths"]) == served
    assert set(document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"]) == \
        {s.value for s in Scope}
    events = document["components"]["schemas"]["SubscribeRequest"]["properties"]["subscribe_request"]["items"][
        "properties"]["subscribe_criteria"]["properties"]["reg_event_type"]["enum"]
    assert len(events) == len(EventKind)
    search = document["paths"]["/dci/registry/search"]["post"]
    assert "/registry/on-search" in search["callbacks"] and search["responses"]["403"]


def test_the_docs_page_loads_everything_from_here(client):
    page = client.get("/dci/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "http" not in html.replace('lang="en"', "")  # no CDN, nothing remote
    for asset in ("docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/swagger-ui-standalone-preset.js",
                  "docs/start.js"):
        assert asset in html
        assert client.get(f"/dci/{asset}").status_code == 200
    assert client.get("/dci/docs/../../wsgi.py").status_code == 404


def test_the_copy_of_the_dci_specifications_is_the_shared_one():
    """tests/dci_specs is a copy (so any checkout runs the tests); where ../shared is present, it must
    not have drifted from it."""
    from tests.dci_schemas import DCI, FILES, SHARED

    if not SHARED.is_dir():
        import pytest

        pytest.skip("../shared/standards/dci is not next to this checkout")
    for name in FILES.values():
        assert (DCI / name).read_bytes() == (SHARED / name).read_bytes(), name
