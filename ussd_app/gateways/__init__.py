"""Gateway adapters: each parses its requests into a Hop and renders a Screen into its reply."""
