"""The front desk's pages (and the home page), mounted at the site's root by config.urls."""

from django.urls import path

from .views import appointments, feeds, intake, patients, schedule, system, waitlist

urlpatterns = [
    path("", system.home, name="home"),
    path("healthz", system.healthz, name="healthz"),
    path("location/", system.switch_location, name="switch_location"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path("day/", schedule.day_view, name="schedule_day"),
    path("week/", schedule.week_view, name="schedule_week"),
    path("my-day/", schedule.my_day, name="my_day"),
    path("appointments/new/", appointments.appointment_book, name="appointment_book"),
    path(
        "appointments/<int:appointment_id>/",
        appointments.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "appointments/<int:appointment_id>/status/",
        appointments.appointment_status,
        name="appointment_status",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        appointments.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/intake/",
        intake.intake_send,
        name="appointment_intake_send",
    ),
    path(
        "appointments/<int:appointment_id>/intake/kiosk/",
        intake.intake_kiosk,
        name="appointment_intake_kiosk",
    ),
    path("waitlist/", waitlist.waitlist_page, name="waitlist"),
    path("waitlist/new/", waitlist.waitlist_add, name="waitlist_add"),
    path(
        "waitlist/<int:waitlist_entry_id>/remove/",
        waitlist.waitlist_remove,
        name="waitlist_remove",
    ),
    path("waitlist/<int:waitlist_entry_id>/book/", waitlist.waitlist_book, name="waitlist_book"),
    path("calendar-feed/", feeds.calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar-feed/rotate/", feeds.calendar_feed_rotate, name="calendar_feed_rotate"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
]
