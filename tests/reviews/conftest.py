import datetime

import pytest
from django.utils import timezone

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


@pytest.fixture
def treated_two_weeks_ago(patient, injector, vial):
    """The same treatment started 14 days ago: its review opens on time today."""
    return signed_treatment(
        patient=patient,
        injector=injector,
        vial=vial,
        started_at=timezone.now() - datetime.timedelta(days=14),
    )
