"""The demo's signed charts verify like real ones: their hashes were taken over the
values as stored (UTC times, stored decimals), as sign_treatment's are."""

import pytest
from django.core.management import call_command

from charting.models import Treatment
from charting.seal import verify


@pytest.mark.django_db
def test_every_signed_demo_chart_verifies():
    call_command("seed_demo", verbosity=0)
    signed = list(Treatment.objects.filter(signed_at__isnull=False))
    assert len(signed) >= 10
    assert [t.pk for t in signed if not verify(t)] == []
