"""raidwatch: coarse, delayed, noisy maps of enforcement visits, built so nothing stored can betray a reporter."""
