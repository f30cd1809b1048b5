"""Every Redis key template, in one place."""

SESSION = "ussd:session:{session_id}"  # hash: rev, body (JSON)
GUEST_LANGUAGE = "ussd:lang:{phone}"  # language chosen by a phone that is not linked to a member
PIN_FAILURES = "ussd:fail:pin:{member}"  # wrong PINs in a row (TTL: the lock window)
LINK_FAILURES = "ussd:fail:link:{phone}"  # failed SSN/date-of-birth tries (TTL: the block window)
MENU_CURRENT = "ussd:menu:current"  # the menu version new sessions start on (mirror of the DB pointer)
ADMIN_LOGIN_FAILURES = "admin:login:fail:{who}"  # failed sign-ins per email and per address (TTL 15 min)
SIMULATION = "admin:sim:{sim_id}"  # a simulator conversation's state (TTL 1 h)
USSD_STATS = "ussd:stats:{day}"  # hash of usage counts for one local day: "metric|lang|network|node" -> n
