"""raidwatch: coarse, delayed, noisy maps of enforcement visits.

Built so that nothing stored can betray a reporter.
"""
