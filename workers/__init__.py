"""RQ job functions and the scheduler configuration (see the SMS issue)."""
