"""Menu definitions as staff publish them: the store, versions, merging, simulation, conversation tests."""
