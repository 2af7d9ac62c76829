import pytest

from tests.factories import make_vial, signed_treatment


@pytest.fixture
def vial(injector):
    """The vial the treatment and its touch-ups are drawn from."""
    return make_vial(by=injector)


@pytest.fixture
def treatment(patient, injector, vial):
    """A signed glabellar treatment today, its baseline map with the left corrugator
    stronger; signing booked its two-week review."""
    return signed_treatment(patient=patient, injector=injector, vial=vial)
