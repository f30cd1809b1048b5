"""One module per thing the console shows: sign-in, menus, simulator, tests, outbox, applications
to join the voluntary scheme, analytics, audit."""
