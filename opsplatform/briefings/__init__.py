"""Briefings: the pre-operation briefing, the daily sitrep and the post-operation briefing, generated from the data."""
