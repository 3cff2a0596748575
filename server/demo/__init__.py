"""Demo and synthetic data: `raidwatch demo`, and the realistic history benchmarks replay."""
