import pytest

from tests.factories import make_visit


@pytest.fixture
def visit(patient, injector):
    """Today's consultation of the cast's patient, screened clear (a module that
    needs another visit says so with its own ``visit``)."""
    return make_visit(patient=patient, injector=injector, screened=True)
