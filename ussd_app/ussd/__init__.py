"""The hop runtime: run_hop, sessions in Redis, guards on tries, the effect handlers, the dial CLI."""
