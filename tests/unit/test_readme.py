"""README stays true: its settings table is the one config.py generates, and its two commands exist."""

from pathlib import Path

from ussd_app.core.config import settings_table

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_matches_config():
    assert settings_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands_and_the_makefile_has_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "\nrun:" in makefile and "\ntest:" in makefile
