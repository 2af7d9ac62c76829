"""The pre-visit intake by a one-time link (issue 20): the link's life, the
patient's answers kept as patient-reported until the injector's screening
confirms them, and the bad input of the patient's pages.

Doors of the rules tested here: the patient's pages (/p/: open, start, intake,
done), the front desk's appointment page (status, send, kiosk), the injector's
screening page; a second tab or device (binding), a double submit (the link is
finished once). No Django admin page, task or demo data writes an intake.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from charting.patient.views import NOT_OPENED, TOO_MANY
from clinic import intake_links
from clinic.models import IntakeLink
from planning.intake import pending_intake_for
from planning.models import PatientIntake, Photo, Screening
from planning.photos import MAX_BYTES, photo_refusal, private_storage
from planning.screening import screening_state
from planning.screening_questions import QUESTIONS
from tests import hostile
from tests.factories import jpeg_bytes, make_appointment, make_plan, make_visit, upload

pytestmark = pytest.mark.django_db

DOB = "1985-04-12"  # tests.factories.PatientFactory's date of birth
HOSTILE = "<script>alert('x')</script><b>bold</b>"


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The rate limit counts in the shared cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def appointment(patient, injector):
    """A consultation later today (the visit opens today)."""
    starts = timezone.now() + datetime.timedelta(hours=3)
    patient.email = "maya@example.test"
    patient.save(update_fields=["email"])
    return make_appointment(patient=patient, injector=injector, starts_at=starts)


def new_link(appointment, by, **kwargs) -> intake_links.NewLink:
    return intake_links.create_link(appointment=appointment, by=by, **kwargs)


def path_of(new: intake_links.NewLink) -> str:
    return urlsplit(new.url).path


def answers(**yes) -> dict:
    data = {f"q_{q.code}": "no" for q in QUESTIONS}
    data.update({f"q_{code}": "yes" for code in yes})
    return data


def unlock(client: Client, new, dob: str = DOB):
    client.get(path_of(new))
    return client.post(reverse("patient:start"), {"date_of_birth": dob})


def send_intake(client: Client, extra: dict | None = None, **yes):
    data = {
        **answers(**yes),
        "bothers": ["frown", "eyes_r"],
        "bothers_text": "My frown makes me look cross.",
        "keep": ["brows"],
        "keep_text": "Keep my brows lifted.",
        "allergies": "Latex",
        **(extra or {}),
    }
    return client.post(reverse("patient:intake"), data)


def message_of(response) -> str:
    found = re.search(r'data-testid="patient-message">(.*?)</p>', response.content.decode(), re.S)
    return found.group(1).strip() if found else ""


# --- the link's life ------------------------------------------------------------


def test_the_link_stores_only_a_hash_and_is_emailed(appointment, front_desk, client):
    client.force_login(front_desk)
    response = client.post(reverse("appointment_intake_send", args=[appointment.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    url = re.search(r'data-testid="intake-url">([^<]+)<', page).group(1)
    token = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    link = IntakeLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(IntakeLink.objects.values().get())
    assert "<svg" in page  # the QR code on screen
    assert len(mail.outbox) == 1 and url in mail.outbox[0].body
    assert mail.outbox[0].to == ["maya@example.test"]
    assert link.status == IntakeLink.Status.SENT


def test_a_double_tap_on_send_makes_one_link_and_one_email(appointment, front_desk, client):
    """Doors of ``clinic.once`` here: the desk's "Send the form" (a double tap, a second tab
    posting the same rendered form)."""
    client.force_login(front_desk)
    detail = client.get(reverse("appointment_detail", args=[appointment.pk])).content.decode()
    token = re.search(r'name="submit_token" value="([^"]+)"', detail).group(1)
    url = reverse("appointment_intake_send", args=[appointment.pk])
    first = client.post(url, {"submit_token": token})
    second = client.post(url, {"submit_token": token}, follow=True)
    assert first.status_code == 200 and "<svg" in first.content.decode()
    assert second.redirect_chain[-1][0] == reverse("appointment_detail", args=[appointment.pk])
    assert "The link was sent once" in second.content.decode()
    assert IntakeLink.objects.count() == 1 and len(mail.outbox) == 1


def test_a_mail_server_that_refuses_is_a_message_and_the_code_still_shows(
    appointment, front_desk, client, settings
):
    """Nothing listens on port 1: the SMTP connection is refused, as when the clinic's
    mail server is down. The link is made and its QR code shown, never a 500."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    client.force_login(front_desk)
    response = client.post(reverse("appointment_intake_send", args=[appointment.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="intake-mail-failed"' in page and "<svg" in page
    assert IntakeLink.objects.get().emailed_to is False


def test_a_link_expires_after_72_hours_or_at_the_visits_end(patient, injector, front_desk):
    now = timezone.now()
    far = make_appointment(
        patient=patient, injector=injector, starts_at=now + datetime.timedelta(days=6)
    )
    soon = make_appointment(
        patient=patient, injector=injector, starts_at=now + datetime.timedelta(hours=2)
    )
    made = new_link(far, front_desk, now=now).link
    assert made.expires_at == now + datetime.timedelta(hours=72)
    assert made.status_at(now + datetime.timedelta(hours=73)) == IntakeLink.Status.EXPIRED
    assert new_link(soon, front_desk, now=now).link.expires_at == soon.ends_at


def test_an_expired_link_opens_nothing(appointment, front_desk, client):
    new = new_link(appointment, front_desk, now=timezone.now() - datetime.timedelta(hours=73))
    response = unlock(client, new)
    assert message_of(response) == NOT_OPENED
    assert "Maya" not in response.content.decode()
    assert client.get(reverse("patient:intake")).content.decode().count("Hello") == 0


def test_the_link_works_in_one_device_session_only(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    assert unlock(client, new).status_code == 302  # the patient's phone
    other = Client()  # the email forwarded, opened on another device
    response = unlock(other, new)
    assert message_of(response) == NOT_OPENED
    assert other.get(reverse("patient:intake")).content.decode().find("Hello Maya") == -1
    page = client.get(reverse("patient:intake"))
    assert "Hello Maya" in page.content.decode()  # the first device keeps it


def test_a_mail_scanner_opening_the_link_does_not_use_it_up(appointment, front_desk, client):
    """Opening the address claims nothing (a scanner or a link preview fetches it first);
    the right date of birth binds the link to the patient's device."""
    new = new_link(appointment, front_desk)
    scanner = Client()
    scanner.get(path_of(new))
    scanner.get(reverse("patient:start"))
    link = IntakeLink.objects.get()
    assert link.binding_hash == "" and link.status == IntakeLink.Status.SENT
    assert unlock(client, new).status_code == 302  # the patient, afterwards
    assert "Hello Maya" in client.get(reverse("patient:intake")).content.decode()
    link.refresh_from_db()
    assert link.binding_hash and link.status == IntakeLink.Status.OPENED
    assert message_of(unlock(scanner, new)) == NOT_OPENED  # bound now: elsewhere refused


def test_a_finished_link_cannot_be_used_again(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    unlock(client, new)
    assert send_intake(client).status_code == 302
    again = send_intake(client)  # double submit, or the back button
    assert message_of(again) == NOT_OPENED
    assert message_of(unlock(client, new)) == NOT_OPENED
    assert PatientIntake.objects.count() == 1


def test_a_new_link_retires_the_old(appointment, front_desk, client):
    old = new_link(appointment, front_desk)
    new_link(appointment, front_desk)
    assert message_of(unlock(client, old)) == NOT_OPENED


def test_a_wrong_birth_date_gets_the_unknown_links_answer(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    wrong = unlock(client, new, dob="1985-04-13")
    unknown = Client()
    unknown.get(reverse("patient:open", args=["not-a-token-anyone-made"]))
    guessed = unknown.post(reverse("patient:start"), {"date_of_birth": DOB})
    assert wrong.status_code == guessed.status_code == 200
    assert message_of(wrong) == message_of(guessed) == NOT_OPENED
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", wrong.content.decode()) == strip.sub("", guessed.content.decode())
    for page in (wrong, guessed):
        assert "Maya" not in page.content.decode() and "Lockwood" not in page.content.decode()


def test_a_guessed_or_hash_token_opens_nothing(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    stored = IntakeLink.objects.get().token_hash
    for token in (stored, new.token[:-1] + ("A" if new.token[-1] != "A" else "B"), "x" * 43):
        c = Client()
        c.get(reverse("patient:open", args=[token]))
        assert message_of(c.post(reverse("patient:start"), {"date_of_birth": DOB})) == NOT_OPENED


def test_birth_date_attempts_are_rate_limited(appointment, front_desk, client, settings):
    settings.INTAKE_DOB_RATE_PER_LINK = "3/h"
    new = new_link(appointment, front_desk)
    for _ in range(3):
        assert message_of(unlock(client, new, dob="2001-01-01")) == NOT_OPENED
    limited = client.post(reverse("patient:start"), {"date_of_birth": DOB})  # the right one
    assert limited.status_code == 429
    assert TOO_MANY in limited.content.decode()
    assert client.get(reverse("patient:intake")).content.decode().find("Hello") == -1


def test_a_birth_date_that_is_no_date_gets_a_message(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    client.get(path_of(new))
    response = client.post(reverse("patient:start"), {"date_of_birth": "31/31/<b>"})
    assert response.status_code == 400
    assert "Enter your date of birth as day, month and year." in response.content.decode()


# --- the front desk sees the status only -----------------------------------------


def test_front_desk_sees_the_status_never_the_answers(
    appointment, front_desk, injector, client, desk_client
):
    """Guard (seen red with the answers planted in clinic/_intake_status.html).
    Doors: the appointment page (status card), the planning pages (403)."""
    new = new_link(appointment, front_desk)
    detail = reverse("appointment_detail", args=[appointment.pk])
    patient_side = Client()

    def status() -> str:
        page = desk_client.get(detail).content.decode()
        return re.search(r'data-testid="intake-status">([^<]+)<', page).group(1)

    assert status() == "Sent"
    unlock(patient_side, new)
    assert status() == "Opened"
    send_intake(patient_side, {"bothers_text": "Zebra-frown secret", "allergies": "Quokka"})
    assert status() == "Done"
    page = desk_client.get(detail).content.decode()
    for secret in ("Zebra-frown", "Quokka", "Frown lines", "patient said"):
        assert secret not in page
    visit = make_visit(patient=appointment.patient, injector=injector)
    assert desk_client.get(reverse("planning:screening", args=[visit.pk])).status_code == 403


# --- patient-reported until the injector confirms ----------------------------------


def test_patient_answers_never_count_as_screened_until_confirmed(
    appointment, front_desk, injector, injector_client
):
    """Guard (seen red with submit_intake planted to write a Screening). Doors: the
    patient's form, the screening page (pre-filled, marked), the photo and plan rules
    (screening_state), a second tab (the intake id posted with the form)."""
    visit = make_visit(patient=appointment.patient, injector=injector)
    patient_side = Client()
    unlock(patient_side, new_link(appointment, front_desk))
    assert send_intake(patient_side, pregnant_or_breastfeeding="yes").status_code == 302

    state = screening_state(visit=visit)
    assert state.needs_screening and not state.allows_planning and not state.allows_exam
    assert Screening.objects.filter(visit__patient=appointment.patient).count() == 0
    assert photo_refusal(visit=visit) is not None

    url = reverse("planning:screening", args=[visit.pk])
    page = injector_client.get(url).content.decode()
    assert 'data-testid="intake-prefilled"' in page and "Not yet checked" in page
    assert page.count('data-testid="patient-said"') == len(QUESTIONS)
    checked = re.search(r'name="q_pregnant_or_breastfeeding"[^>]*value="yes"[^>]*checked', page)
    assert checked, "the patient's yes is pre-filled"

    intake = pending_intake_for(visit=visit)
    # The injector asks again: not pregnant after all (a contradiction, both kept).
    response = injector_client.post(
        url, {**answers(), "intake": intake.pk, "allergies": "Latex", "notes": ""}
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    screening = Screening.objects.get(visit=visit)
    assert screening.answered_by == injector and screening.outcome == "clear"
    assert intake.confirmed_by == injector and intake.confirmed_at is not None
    assert intake.screening == screening
    assert intake.review["pregnant_or_breastfeeding"] == {"patient": True, "injector": False}
    assert intake.differences() == ["pregnant_or_breastfeeding"]
    page = injector_client.get(url).content.decode()
    diff = re.search(r'data-testid="intake-differences">(.*?)</ul>', page, re.S).group(1)
    assert "Pregnant" in diff and "Patient: <strong>yes</strong>" in diff
    assert "screening: <strong>no</strong>" in diff
    assert screening_state(visit=visit).allows_planning


def test_a_screening_saved_without_the_intake_on_screen_leaves_it_pending(
    appointment, front_desk, injector, injector_client
):
    visit = make_visit(patient=appointment.patient, injector=injector)
    patient_side = Client()
    unlock(patient_side, new_link(appointment, front_desk))
    send_intake(patient_side)
    url = reverse("planning:screening", args=[visit.pk])
    injector_client.post(url, answers())  # a tab opened before the intake arrived
    assert PatientIntake.objects.get().confirmed_at is None


def test_html_in_free_text_is_escaped(appointment, front_desk, injector, injector_client):
    """Guard (seen red with |safe planted on the bothers text in
    planning/_patient_intake.html). Doors: the screening page (pending and confirmed)."""
    visit = make_visit(patient=appointment.patient, injector=injector)
    patient_side = Client()
    unlock(patient_side, new_link(appointment, front_desk))
    send_intake(patient_side, {"bothers_text": HOSTILE, "keep_text": HOSTILE, "allergies": HOSTILE})
    page = injector_client.get(reverse("planning:screening", args=[visit.pk])).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


# --- the selfie -------------------------------------------------------------------


def test_a_selfie_goes_through_the_photo_pipeline(appointment, front_desk, client):
    unlock(client, new_link(appointment, front_desk))
    selfie = upload(jpeg_bytes((80, 120), gps=True), name="selfie.jpg")
    assert send_intake(client, {"selfie": selfie}).status_code == 302
    intake = PatientIntake.objects.get()
    assert intake.selfie_name.startswith("intake/")
    with private_storage().open(intake.selfie_name, "rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert not stored.getexif() and "exif" not in stored.info


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"%PDF-1.4 not a photo", "selfie.jpg", "this is not a photo we can read"),
        (b"\xff\xd8\xff" + b"0" * (MAX_BYTES + 1), "huge.jpg", "the limit is 15 MB per photo"),
    ],
    ids=["not-an-image", "huge"],
)
def test_a_non_image_or_huge_selfie_is_refused_with_a_message(
    appointment, front_desk, client, data, name, says
):
    new = new_link(appointment, front_desk)
    unlock(client, new)
    response = send_intake(client, {"selfie": upload(data, name=name)})
    assert response.status_code == 400
    error = re.search(r'data-testid="selfie-error">(.*?)</p>', response.content.decode(), re.S)
    assert error and says in error.group(1)
    assert PatientIntake.objects.count() == 0
    assert IntakeLink.objects.get().completed_at is None  # the patient can send again
    assert send_intake(client).status_code == 302


# --- kiosk and the patient's surface ----------------------------------------------


def test_kiosk_ends_the_staff_session_before_the_patients_form(
    appointment, front_desk, desk_client
):
    """Doors: the appointment page's "hand this tablet" button; the tablet's session."""
    response = desk_client.post(reverse("appointment_intake_kiosk", args=[appointment.pk]))
    assert response["Location"] == reverse("patient:start")
    home = desk_client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("login"))
    start = desk_client.get(reverse("patient:start")).content.decode()
    assert "Dora" not in start and "desk@test.clinic" not in start
    assert desk_client.post(reverse("patient:start"), {"date_of_birth": DOB}).status_code == 302
    page = desk_client.get(reverse("patient:intake")).content.decode()
    assert "Hello Maya" in page and "Dora" not in page
    done = send_intake(desk_client)
    assert done["Location"] == reverse("patient:done")
    assert 'data-testid="kiosk-return"' in desk_client.get(done["Location"]).content.decode()
    assert intake_links.SESSION_KEY not in desk_client.session


def test_the_patient_pages_link_nowhere_else(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    opened = client.get(path_of(new))
    assert opened["Location"] == reverse("patient:start")  # the token leaves the address bar
    assert opened["Referrer-Policy"] == "no-referrer"
    unlock(client, new)
    page = client.get(reverse("patient:intake"))
    assert page["Referrer-Policy"] == "same-origin"
    html = page.content.decode()
    targets = re.findall(r'(?:href|src|action)="([^"]+)"', html)
    assert targets and all(t.startswith(("/p/", "/static/patient/")) for t in targets), targets
    assert "main-menu" not in html and "bootstrap" not in html


# --- hostile input on the patient's forms ----------------------------------------


def test_hostile_values_on_the_patients_forms(
    appointment, front_desk, injector, injector_client, settings
):
    """Each field of the date-of-birth page and of the form in turn gets the hostile
    values of tests/test_hostile_forms.py (listed there as tested here): never a 500,
    a message when refused, nothing written raw; accepted text is shown escaped to
    the injector. Doors: /p/start/, /p/intake/, the screening page."""
    settings.INTAKE_DOB_RATE_PER_ADDRESS = "1000/h"  # one address opens many links here
    visit = make_visit(patient=appointment.patient, injector=injector)
    screening_url = reverse("planning:screening", args=[visit.pk])

    for value in hostile.FOR_DATE:
        c = Client()
        c.get(path_of(new_link(appointment, front_desk)))
        response = c.post(reverse("patient:start"), {"date_of_birth": value})
        assert response.status_code < 500, value
        body = response.content.decode()
        assert 'class="p-error"' in body or NOT_OPENED in body, value
        assert not any(raw in body for raw in hostile.RAW)

    def unlocked() -> Client:
        c = Client()
        unlock(c, new_link(appointment, front_desk))
        return c

    patient_side = unlocked()
    fields = {
        "allergies": hostile.FOR_TEXT,
        "medicines": hostile.FOR_TEXT,
        "bothers_text": hostile.FOR_TEXT,
        "keep_text": hostile.FOR_TEXT,
        "q_recent_toxin": [*hostile.FOR_CHOICE, ["yes", "no"]],
        "bothers": [*hostile.FOR_CHOICE, ["frown", hostile.SCRIPT]],
        "date_of_birth": hostile.FOR_DATE,  # not a field of this form: ignored
    }
    for name, values in fields.items():
        for value in values:
            response = send_intake(patient_side, {name: value})
            where = f"{name}={str(value)[:40]!r}"
            assert response.status_code in (302, 400), where
            if response.status_code == 400:
                body = response.content.decode()
                assert 'data-testid="form-errors"' in body, where
                assert not any(raw in body for raw in hostile.RAW), where
                continue
            page = injector_client.get(screening_url).content.decode()
            assert not any(raw in page for raw in hostile.RAW), where
            PatientIntake.objects.all().delete()  # the next value on a fresh link
            patient_side = unlocked()


def test_the_form_shows_the_consent_text_and_the_planned_areas(
    appointment, front_desk, injector, client
):
    consultation = make_visit(patient=appointment.patient, injector=injector, days_ago=10)
    make_plan(visit=consultation, by=injector, points=[("CORR", "L", 4), ("PROC", "C", 4)])
    unlock(client, new_link(appointment, front_desk))
    page = client.get(reverse("patient:intake")).content.decode()
    assert 'data-testid="consent-text"' in page
    assert 'data-testid="planned-regions"' not in page  # a draft plan is no plan yet
    make_plan(visit=consultation, by=injector, points=[("CORR", "R", 4)], final=True)
    page = client.get(reverse("patient:intake")).content.decode()
    regions = re.search(r'data-testid="planned-regions">([^<]+)<', page).group(1)
    assert "glabella" in regions.lower()


def test_a_cancelled_appointments_link_stops(appointment, front_desk, client):
    new = new_link(appointment, front_desk)
    assert unlock(client, new).status_code == 302
    appointment.status = "cancelled"
    appointment.cancel_reason = "Patient called"
    appointment.save(update_fields=["status", "cancel_reason"])
    assert message_of(client.get(reverse("patient:intake"))) == NOT_OPENED
    assert message_of(unlock(Client(), new)) == NOT_OPENED


def test_a_confirmed_selfie_joins_the_visits_photos_marked(
    appointment, front_desk, injector, injector_client
):
    visit = make_visit(patient=appointment.patient, injector=injector)
    patient_side = Client()
    unlock(patient_side, new_link(appointment, front_desk))
    selfie = upload(jpeg_bytes((90, 120)), name="selfie.jpg")
    send_intake(patient_side, {"selfie": selfie})
    assert not Photo.objects.filter(visit=visit).exists()  # not before the screening
    intake = PatientIntake.objects.get()
    url = reverse("planning:screening", args=[visit.pk])
    injector_client.post(url, {**answers(), "intake": intake.pk})
    photo = Photo.objects.get(visit=visit)
    assert photo.patient_uploaded and photo.uploaded_by == injector
    assert (photo.width, photo.height) == (90, 120)
    page = injector_client.get(reverse("planning:photos", args=[visit.pk])).content.decode()
    assert 'data-testid="patient-uploaded"' in page


def test_a_staff_session_never_holds_a_patients_link(appointment, front_desk, desk_client):
    """The desk's own browser opening the link (a click on the address) must not use
    up the patient's one device session."""
    new = new_link(appointment, front_desk)
    response = desk_client.get(path_of(new))
    assert response.status_code == 403
    assert "patient&#x27;s own device" in response.content.decode()
    assert IntakeLink.objects.get().binding_hash == ""
    assert unlock(Client(), new).status_code == 302  # the patient's phone still opens it


def test_the_demo_intake_is_pending_for_the_next_consultation(appointment, injector):
    from planning import demo_intake

    out = io.StringIO()
    demo_intake.seed(out)
    demo_intake.seed(out)  # idempotent
    intake = PatientIntake.objects.get()
    assert intake.link.appointment == appointment and intake.link.status == "done"
    visit = make_visit(patient=appointment.patient, injector=injector)
    assert pending_intake_for(visit=visit) == intake


def test_the_limit_answers_alike_for_an_unknown_and_a_real_link(appointment, front_desk, settings):
    """Each session without a link has its own bucket, as each link has: the 429
    tells an unknown link from a real one no sooner."""
    settings.INTAKE_DOB_RATE_PER_LINK = "2/h"
    clients = {"real": Client(), "unknown": Client(), "another unknown": Client()}
    clients["real"].get(path_of(new_link(appointment, front_desk)))
    clients["unknown"].get(reverse("patient:open", args=["made-up-token"]))
    clients["another unknown"].get(reverse("patient:open", args=["another-made-up-token"]))
    statuses = {}
    for name, c in clients.items():
        statuses[name] = [
            c.post(reverse("patient:start"), {"date_of_birth": "2000-01-01"}).status_code
            for _ in range(3)
        ]
    assert set(map(tuple, statuses.values())) == {(200, 200, 429)}, statuses
