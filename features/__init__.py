"""French Gherkin scenarios, one folder per REM section (data, located through this package)."""
