"""Seizures: logging, correcting and importing results, nil returns and reminders."""
