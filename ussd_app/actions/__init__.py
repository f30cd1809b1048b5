"""Handlers that menu `action` nodes call, and `lsso_actions()`: the registry the service's
menus are loaded with (listed here, explicitly; importing a handler registers nothing)."""

from ussd_app.actions import (
    contributions,
    drop_sms,
    dues,
    eligibility,
    enrolment,
    identity,
    language,
    schemes,
    sharing,
    sms_requests,
)
from ussd_app.engine.actions import Actions


def lsso_actions() -> Actions:
    return Actions([
        contributions.contributions_summary,
        drop_sms.answers_by_sms,
        drop_sms.set_answers_by_sms,
        dues.dues,
        dues.dues_sms,
        dues.declared_income,
        dues.income_confirm,
        dues.income_change,
        enrolment.join_start,
        enrolment.join_id_check,
        enrolment.join_age_check,
        enrolment.provinces,
        enrolment.districts,
        enrolment.occupations,
        enrolment.income_bands,
        enrolment.join_summary,
        enrolment.join_submit,
        enrolment.application_status,
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
