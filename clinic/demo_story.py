"""The demo's one story (issue 19, finding 8): where the clinic is, who works where and
when, and every demo patient's visits. The appointment book (``clinic.demo_schedule``)
and the charts (``planning.demo``, ``charting.demo``) are both generated from it, so a
signed treatment has its completed treatment appointment at the same local time and
location, and a booking in the past is completed, a no-show or cancelled.

``resolve`` turns the story (days counted from today) into dated visits: each on the
nearest day its injector works (``ROTA``) at a location that is open and not on the
injector's leave (asking ``clinic.hours``, whose closed days ``clinic.demo`` stores
first), a review within the window the caller passes (``charting.review_timing``),
at the nearest free quarter hour of the location's hours (``clinic.slots``). Invented
data only; nothing here is read outside the demo.

To add to the demo: a location's rooms or hours go in ``LOCATIONS``; an injector's
working days in ``ROTA``; a patient's visit in ``STORIES`` (or ``_week_stories``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from .hours import closures
from .models import Appointment, Location, User
from .patients import chart_number_for
from .slots import day_starts, local_datetime, local_today

Kind, Status = Appointment.Kind, Appointment.Status
C, T, R = Kind.CONSULTATION, Kind.TREATMENT, Kind.REVIEW


@dataclass(frozen=True)
class Place:
    """A demo location: its opening hours per weekday (a weekday not listed is closed)
    and its treatment rooms."""

    name: str
    address: str
    phone: str
    time_zone: str
    closed_weekdays: str  # 0 = Monday
    hours: tuple[tuple[int, str, str], ...] = ()  # (weekday, opens, closes)
    rooms: tuple[str, ...] = ()


RIVERSIDE = Place(
    "Riverside Clinic",
    "12 Mill Lane, Springfield",
    "(555) 010-2000",
    "America/New_York",
    "6",
    hours=tuple((day, "09:00", "18:00") for day in range(5)) + ((5, "10:00", "14:00"),),
    rooms=("Room 1", "Room 2"),
)
HILLCREST = Place(
    "Hillcrest Studio",
    "480 Summit Road, Springfield",
    "(555) 010-3000",
    "America/New_York",
    "56",
    hours=tuple((day, "09:00", "17:00") for day in range(5)),
    rooms=("Studio",),
)
LOCATIONS = [RIVERSIDE, HILLCREST]

IRENE, JONAH = "injector@demo.clinic", "injector2@demo.clinic"
# Where each injector works, per weekday (0 = Monday); a day not listed is a day off.
# Irene works at Riverside, Jonah at Hillcrest; on Thursdays they swap.
ROTA = {
    IRENE: {0: RIVERSIDE, 1: RIVERSIDE, 2: RIVERSIDE, 3: HILLCREST, 4: RIVERSIDE, 5: RIVERSIDE},
    JONAH: {0: HILLCREST, 1: HILLCREST, 2: HILLCREST, 3: RIVERSIDE, 4: HILLCREST},
}
# Days after this week's Monday: a holiday at both locations (next week's Thursday) and
# Jonah's course (next Monday and Tuesday), both inside the demo's booked weeks.
# Each injector's working hours are their location's hours that day, with this lunch
# break on a full day (``clinic.demo`` stores them from ``ROTA``).
LUNCH = ("12:30", "13:00")
HOLIDAY = (10, "Founders' Day (invented)")
LEAVE = (JONAH, 7, 8, "training course")
BOOKED_WEEKS_DAYS = 12  # the book's busy span: this week's Monday to next week's Friday


@dataclass(frozen=True)
class Step:
    """One visit of a patient's story: its kind, its day (days from today; for a review,
    days after the patient's treatment before it), its local time, and an outcome for a
    visit in the past ("" is completed; "no_show", "cancelled"), or "arrived" for one
    today that waits for the injector."""

    kind: str
    days: int
    time: str
    outcome: str = ""


# The demo patient's number (clinic.patients.chart_number_for) -> injector, steps.
# Treatments of a patient are at least 100 days apart (the retreatment interval, with
# room for moving a visit to an open day).
STORIES: dict[int, tuple[str, list[Step]]] = {
    # C-000001: consultation and treatment half a year ago; consultation for the next
    # cycle about 100 days ago (the README's plan tour starts there).
    1: (IRENE, [Step(C, -210, "10:00"), Step(T, -196, "10:00"), Step(C, -100, "10:00")]),
    # C-000002: the asymmetric treatment; the review was cancelled by the patient.
    2: (IRENE, [Step(T, -40, "11:15"), Step(R, 14, "11:15", "cancelled")]),
    # C-000003: screening blocked (infection at the site); booked again when healed.
    3: (IRENE, [Step(C, -12, "14:15"), Step(C, 20, "14:15")]),
    # C-000004: consultation with a warning; the treatment is booked.
    4: (IRENE, [Step(C, -30, "13:30"), Step(T, 6, "13:30")]),
    # C-000005: here today for the treatment, screened and planned, ready to chart.
    5: (IRENE, [Step(T, 0, "11:15", "arrived")]),
    # C-000010, C-000011: new patients booked for a first consultation next week; the
    # second has called to cancel (the waitlist is offered the freed time).
    10: (IRENE, [Step(C, 7, "09:00")]),
    11: (IRENE, [Step(C, 8, "09:00", "cancelled")]),
    # C-000030 to C-000032: three cycles each, reviewed (and touched up) on time;
    # C-000030's next cycle is booked.
    30: (
        IRENE,
        [Step(T, -300, "10:00"), Step(R, 14, "10:00"), Step(T, -190, "10:00")]
        + [Step(R, 14, "10:00"), Step(T, -80, "10:00"), Step(R, 14, "10:00")]
        + [Step(T, 24, "10:00")],
    ),
    31: (
        IRENE,
        [Step(T, -320, "10:45"), Step(R, 14, "10:45"), Step(T, -200, "10:45")]
        + [Step(R, 14, "10:45"), Step(T, -95, "10:45"), Step(R, 14, "10:45")],
    ),
    32: (
        IRENE,
        [Step(T, -280, "15:00"), Step(R, 14, "15:00"), Step(T, -170, "15:00")]
        + [Step(R, 14, "15:00"), Step(T, -60, "15:00"), Step(R, 14, "15:00")],
    ),
    # C-000033: treated two weeks ago; signing's rule books the review (charting's demo).
    33: (IRENE, [Step(T, -14, "10:00")]),
    # C-000034 to C-000036: treated 3 to 4 months ago, nothing booked (the recall list);
    # this week one did not come to a consultation, one cancelled hers.
    34: (JONAH, [Step(T, -99, "11:30"), Step(C, -2, "16:15", "no_show")]),
    35: (IRENE, [Step(T, -106, "11:30"), Step(C, -1, "16:15", "cancelled")]),
    36: (JONAH, [Step(T, -113, "14:15")]),
    # C-000037 to C-000040: treated, review due and not booked (the last two overdue).
    37: (JONAH, [Step(T, -15, "10:00")]),
    38: (IRENE, [Step(T, -17, "10:00")]),
    39: (JONAH, [Step(T, -24, "10:00")]),
    40: (IRENE, [Step(T, -27, "10:00")]),
}

# The week's other patients (C-000006 to C-000029 but 10 and 11): each a short story
# whose visits fall in the booked weeks, on days and times spread over both injectors.
WEEK_PATIENTS = [n for n in range(6, 30) if n not in (10, 11)]
TIMES = ["09:00", "09:45", "10:45", "11:30", "13:30", "14:15", "15:00", "16:15"]


def _week_stories(monday: int) -> dict[int, tuple[str, list[Step]]]:
    """``monday``: this week's Monday in days from today (0 or less)."""
    stories = {}
    for j, number in enumerate(WEEK_PATIENTS):
        injector = (IRENE, JONAH)[j % 2]
        day = monday + (j * 5) % BOOKED_WEEKS_DAYS
        time = TIMES[j % len(TIMES)]
        pattern = j % 4
        if pattern == 0:  # a new patient: consultation, treatment a week later
            steps = [Step(C, day, time), Step(T, day + 7, time)]
        elif pattern == 1:  # treated this week, the review booked two weeks on
            steps = [Step(T, day, time), Step(R, 14, time)]
        elif pattern == 2:  # treated two weeks before, reviewed this week
            steps = [Step(T, day - 14, time), Step(R, 14, time)]
        else:  # a consultation (a no-show once its day is past; one cancelled by phone)
            outcome = {3: "no_show", 7: "cancelled"}.get(j, "")
            steps = [Step(C, day, time, outcome)]
        stories[number] = (injector, steps)
    return stories


@dataclass(frozen=True)
class DemoVisit:
    """A dated visit of the story: its appointment, and the visit charted for it."""

    patient: int  # the demo patient's number
    kind: str
    injector: str  # e-mail
    location: str  # name
    starts_at: datetime.datetime  # UTC
    ends_at: datetime.datetime
    day: datetime.date  # local
    status: str
    cancel_reason: str = ""

    @property
    def chart_number(self) -> str:
        return chart_number_for(self.patient)

    @property
    def done(self) -> bool:
        """Seen and charted (its clinical record exists)."""
        return self.status == Status.COMPLETED


@dataclass
class Story:
    now: datetime.datetime
    today: datetime.date
    visits: list[DemoVisit] = field(default_factory=list)

    def of(self, patient: int, kind: str | None = None) -> list[DemoVisit]:
        return [v for v in self.visits if v.patient == patient and kind in (None, v.kind)]

    def patients(self) -> list[int]:
        return sorted({v.patient for v in self.visits})


def _status(step: Step, start, end, now, today_here: bool) -> tuple[str, str]:
    if step.outcome == "arrived" and today_here:  # waits to be charted, whatever the hour
        return Status.ARRIVED, ""
    if step.outcome == "cancelled":  # the patient called, before or after the day
        return Status.CANCELLED, "Patient called: unwell."
    if end <= now:
        if step.outcome == "no_show":
            return Status.NO_SHOW, ""
        return Status.COMPLETED, ""
    if start <= now:
        return Status.IN_TREATMENT, ""
    if today_here and start - now < datetime.timedelta(minutes=45):
        return Status.ARRIVED, ""
    return Status.BOOKED, ""


class _Calendar:
    """Where an injector works on a day (``ROTA``, the location's closed days and the
    injector's leave from ``clinic.hours``) and who is booked when (in memory)."""

    def __init__(self, *, today: datetime.date):
        first, last = today - datetime.timedelta(days=400), today + datetime.timedelta(days=60)
        self.locations = {p.name: Location.objects.get(name=p.name) for p in LOCATIONS}
        self.users = {u.email: u for u in User.objects.filter(email__in=list(ROTA))}
        self.closures = {
            name: closures(location=location, first_day=first, last_day=last)
            for name, location in self.locations.items()
        }
        self.taken: dict[tuple, list[tuple]] = defaultdict(list)

    def works_at(self, injector: str, day: datetime.date) -> Location | None:
        place = ROTA[injector].get(day.weekday())
        if place is None or self.closures[place.name].unavailable(self.users[injector], day):
            return None
        return self.locations[place.name]

    def free_start(self, *, location, injector: str, day, time: str, minutes: int, who: tuple):
        """The quarter hour nearest ``time`` that the day offers the injector (the
        location's hours, the injector's hours there less the break: ``clinic.slots``)
        and that neither the injector nor the patient has taken."""
        wanted = local_datetime(location=location, day=day, time=datetime.time.fromisoformat(time))
        length = datetime.timedelta(minutes=minutes)
        offered = set(
            day_starts(
                known=self.closures[location.name],
                injector=self.users[injector],
                day=day,
                minutes=minutes,
            )
        )
        for n in range(0, 80):
            shift = datetime.timedelta(minutes=15 * ((n + 1) // 2) * (1 if n % 2 else -1))
            start = wanted + shift
            if start not in offered:
                continue
            if any(s < start + length and e > start for key in who for s, e in self.taken[key]):
                continue
            for key in who:
                self.taken[key].append((start, start + length))
            return start
        raise ValueError(f"demo story: no free time on {day} at {location}")  # a demo bug


def _nearest(day: datetime.date, keep) -> list[datetime.date]:
    """Candidate days nearest ``day`` first (0, +1, -1, +2 …), those ``keep`` allows."""
    out = []
    for n in range(0, 15):
        delta = (n + 1) // 2 * (1 if n % 2 else -1)
        if keep(delta):
            out.append(day + datetime.timedelta(days=delta))
    return out


def resolve(*, now: datetime.datetime, review_days: range) -> Story:
    """The story dated from ``now``: every visit on a day its injector works at an open
    location, a review ``review_days`` after its treatment (the caller's rule,
    ``charting.review_timing.REVIEW_DAYS``), each at a free quarter hour."""
    anchor = Location.objects.get(name=RIVERSIDE.name)
    today = local_today(anchor, now)
    calendar = _Calendar(today=today)
    story = Story(now=now, today=today)
    stories = {**_week_stories(-today.weekday()), **STORIES}
    for number, (injector, steps) in sorted(stories.items()):
        treated: datetime.date | None = None
        treatment_done = False
        for step in steps:
            if step.kind == R:
                if treated is None or not treatment_done:
                    continue  # a review is booked once its treatment is done
                nominal = treated + datetime.timedelta(days=step.days)
                candidates = [
                    d
                    for d in _nearest(nominal, lambda _: True)
                    if (d - treated).days in review_days
                ]
            else:
                nominal = today + datetime.timedelta(days=step.days)
                sign = (step.days > 0) - (step.days < 0)

                def keep(delta, days=step.days, sign=sign):
                    moved = (days + delta > 0) - (days + delta < 0)
                    return moved == sign or (sign == 0 and moved > 0)

                candidates = _nearest(nominal, keep)
            day = next((d for d in candidates if calendar.works_at(injector, d)), None)
            if day is None:
                raise ValueError(f"demo story: no open day near {nominal} for {number}")
            location = calendar.works_at(injector, day)
            minutes = Appointment.DEFAULT_MINUTES[step.kind]
            start = calendar.free_start(
                location=location,
                injector=injector,
                day=day,
                time=step.time,
                minutes=minutes,
                who=(("injector", injector), ("patient", number)),
            )
            end = start + datetime.timedelta(minutes=minutes)
            status, reason = _status(step, start, end, now, day == today)
            story.visits.append(
                DemoVisit(
                    patient=number,
                    kind=step.kind,
                    injector=injector,
                    location=location.name,
                    starts_at=start,
                    ends_at=end,
                    day=day,
                    status=status,
                    cancel_reason=reason,
                )
            )
            if step.kind == T:
                treated, treatment_done = day, status == Status.COMPLETED
    story.visits.sort(key=lambda v: (v.starts_at, v.patient))
    return story
