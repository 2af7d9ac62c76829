"""Render time and query count of the movement-map page (issue 4's figure).

Run against a database with the demo data (11 expressions, a full map):
    DEBUG=0 .venv/bin/python manage.py shell < scripts/bench_movement_map.py
Prints wall-clock median/min and the CPU time of this process per request.
"""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic.models import User
from planning.models import Expression, MovementMap

RUNS = 40

client = Client()
client.force_login(User.objects.get(email="injector@demo.clinic"))
movement = (
    MovementMap.objects.filter(visit__patient__chart_number="D-0001")
    .order_by("-visit__date")
    .select_related("visit")
    .first()
)
visit = movement.visit
print(
    f"expressions: {Expression.objects.count()}, graded cells: {movement.observations.count()}, "
    f"photos: {visit.photos.count()}"
)
for suffix in ("", "?compare=previous"):
    url = f"/planning/visits/{visit.pk}/map/{suffix}"
    client.get(url)  # warm caches (templates, connection)
    wall, cpu = [], []
    for _ in range(RUNS):
        w, c = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    print(
        f"{url}: {response.status_code}, {len(response.content) // 1024} KB, "
        f"{len(ctx.captured_queries)} queries, wall median {statistics.median(wall):.1f} ms "
        f"(min {min(wall):.1f}), CPU median {statistics.median(cpu):.1f} ms"
    )
