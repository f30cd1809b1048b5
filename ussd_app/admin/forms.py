"""The console's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=200), Regexp(r"^[^@\s]+@[^@\s]+$")])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class DraftForm(FlaskForm):
    yaml = TextAreaField(_l("Menu definition (YAML)"), validators=[DataRequired(), Length(max=500_000)])


class TestForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    script = TextAreaField(_l("Script"), validators=[DataRequired(), Length(max=20_000)])


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PartnerForm(FlaskForm):
    """A partner scheme of the DCI API (the same checks as `flask partners add`, in dci/partners.py)."""

    name = StringField(_l("Name (its DCI sender_id)"), validators=[DataRequired(), Length(max=80)])
    label_lo = StringField(_l("Name members read, in Lao"), validators=[Optional(), Length(max=40)])
    label_en = StringField(_l("Name members read, in English"), validators=[Optional(), Length(max=40)])
    basis = SelectField(_l("Legal basis"), choices=[
        SelectChoice("law", _l("law or agreement: members are not asked")),
        SelectChoice("consent", _l("consent: only members who said yes on USSD"))])
    scopes = CheckboxesField(_l("Scopes"))
    purposes = CheckboxesField(_l("Purposes (the first ticked is its default)"))
    callback_url = StringField(_l("Callback URL (for async answers and notifications)"),
                               validators=[Optional(), Length(max=300)])
    public_key = TextAreaField(_l("Its Ed25519 public key (base64 or PEM; its signatures are then checked)"),
                               validators=[Optional(), Length(max=2000)])


class ApproveForm(FlaskForm):
    """Approving an application (the same checks again in enrolment/applications.py, which has the last word)."""

    ssn = StringField(_l("Social security number issued"), validators=[
        DataRequired(message=_l("Type the social security number issued.")),
        Regexp(r"^\s*[0-9]{6,13}\s*$", message=_l("The social security number is 6 to 13 digits."))])
    full_name = StringField(_l("Full name, as on the documents"), validators=[
        DataRequired(message=_l("Type the member's name as it is on the documents.")),
        Length(max=120, message=_l("The name is at most 120 characters."))])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the applicant gets it by SMS)"), validators=[
        DataRequired(message=_l("Say why, in words the applicant understands: they get it by SMS.")),
        Length(max=160, message=_l("The reason is at most 160 characters: it goes by SMS."))])
