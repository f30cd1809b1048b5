"""One module per thing the console shows: sign-in, menus, simulator, tests, outbox, analytics, audit."""
