"""The menu engine: pure. It interprets a menu definition (data) for one hop of a session and
returns the screen, the new state and effects. It imports nothing of Flask, Redis or SQL."""

from ussd_app.engine.model import Definition, DefinitionError, Problem
from ussd_app.engine.navigation import Outcome, Resumption, TimedOut, Typed, resume
from ussd_app.engine.state import SessionState

__all__ = ["Definition", "DefinitionError", "Outcome", "Problem", "Resumption", "SessionState", "TimedOut", "Typed",
           "resume"]
