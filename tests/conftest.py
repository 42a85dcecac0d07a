"""Root conftest: shared fixtures live in tests/fixtures/ (database and generated data)."""

pytest_plugins = ["tests.fixtures.db", "tests.fixtures.data"]
