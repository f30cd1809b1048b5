"""Joining the voluntary scheme by phone: applications, places, dues, payment references and payments."""
