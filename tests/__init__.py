"""raidwatch tests."""
