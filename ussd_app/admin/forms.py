"""The console's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=200), Regexp(r"^[^@\s]+@[^@\s]+$")])
    password = PasswordField("Password", validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class DraftForm(FlaskForm):
    yaml = TextAreaField("Menu definition (YAML)", validators=[DataRequired(), Length(max=500_000)])


class TestForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    script = TextAreaField("Script", validators=[DataRequired(), Length(max=20_000)])
