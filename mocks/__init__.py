"""Mocks of the French national health services, speaking their real protocols."""
