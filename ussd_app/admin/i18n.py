"""The console in Lao and English (Flask-Babel): each user's choice, Lao for new accounts and on
the sign-in page. Templates and views mark their words with `_()`; the Lao catalogue is
ussd_app/admin/translations/lo/LC_MESSAGES/messages.po (`make translations` extracts and compiles)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel

LANGUAGES = {"lo": "ພາສາລາວ", "en": "English"}  # each named in its own language, as the switch shows it
DEFAULT = "lo"
TRANSLATIONS = Path(__file__).with_name("translations")
COOKIE_KEY = "admin_lang"  # before signing in, the choice lives in the session cookie


def _locale() -> str:
    from ussd_app.admin.auth import current_user

    if not request.path.startswith("/admin"):
        return "en"
    user = current_user()
    chosen = user.language if user is not None else session.get(COOKIE_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")  # the words in the code; Lao comes from the catalogue
    Babel(app, locale_selector=_locale, default_timezone="Asia/Vientiane")
