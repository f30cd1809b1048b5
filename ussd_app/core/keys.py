"""Every Redis key template, in one place."""

SESSION = "ussd:session:{session_id}"  # hash: rev, body (JSON)
HOP_CLAIM = "ussd:hop:{session_id}:{digest}"  # the copy of a hop that runs it (TTL 2 s); its copies wait
LAST_SESSION = "ussd:last:{phone}"  # the phone's latest session that has not ended (for a resume on redial)
DROP_WATCH = "ussd:drops"  # sorted set: open sessions by the time they are surely over (no hop came back)
GUEST_LANGUAGE = "ussd:lang:{phone}"  # language chosen by a phone that is not linked to a member
GUARD = "guard:{policy}:{subject}:{window}"  # tries counted by a guard (guards.py); window "x": lockouts
MENU_CURRENT = "ussd:menu:current"  # the menu version new sessions start on (mirror of the DB pointer)
SIMULATION = "admin:sim:{sim_id}"  # a simulator conversation's state (TTL 1 h)
USSD_STATS = "ussd:stats:{day}"  # hash of usage counts for one local day: "metric|lang|network|node" -> n
