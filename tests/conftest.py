"""Fixtures shared across test folders."""

import pytest

from schedsim.trace import columns


@pytest.fixture(params=["compiled", "python"])
def column_impl(request, monkeypatch):
    """Run a test with the compiled column helper and with its pure-Python twin (the
    compiled one is skipped when not built)."""
    if request.param == "python":
        monkeypatch.setattr(columns, "compiled", None)
    elif columns.compiled is None:
        pytest.skip("schedsim.trace._columns is not built")
    return request.param
