import pytest

# the scenario's checks are asserts in a helper module: let pytest explain their failures
pytest.register_assert_rewrite("tests.integration.reporting.scenario")
