"""Places: the UK gazetteer that intake resolves typed places with, publishing partitions by
population, and the maps label."""
