"""What the service learns from its use: session end events and the daily usage figures."""
