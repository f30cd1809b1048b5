"""SMS sending: a port with Africa's Talking and local-outbox adapters (see the SMS issue)."""
