"""Handlers that menu `action` nodes call, and `lsso_actions()`: the registry the service's
menus are loaded with (listed here, explicitly; importing a handler registers nothing)."""

from ussd_app.actions import contributions, eligibility, identity, language, schemes, sharing, sms_requests
from ussd_app.engine.actions import Actions


def lsso_actions() -> Actions:
    return Actions([
        contributions.contributions_summary,
        eligibility.eligibility,
        eligibility.benefit_overview,
        identity.check_identity,
        identity.link_phone,
        identity.change_pin,
        language.switch_language,
        schemes.voluntary_scheme_info,
        sharing.record_viewers,
        sharing.consent_question,
        sharing.consent_answer,
        sms_requests.sms_statement,
        sms_requests.sms_eligibility,
    ])
