"""Plumbing every part shares: settings, the clients (Redis, database, queue), the clock, logs, keys, health."""
