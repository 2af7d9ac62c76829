"""Issue 20: the patient summary's answer to "What if I dislike an effect?" from the
cycle's review (its sentences as rows the clinic edits in the Django admin;
``reports.summary_wording.DEFAULTS`` stand in for a missing row), and the referral
letter as a report job (``Kind.REFERRAL_LETTER``, a subject kind: the next step's id)."""

from django.db import migrations, models

# A copy of the defaults as shipped (the module may change later; this must not).
WORDING = [
    ('answer', 'dislike-moved', 'At your review {your_side} {short} still moved; your next treatment adds units on that side.'),
    ('answer', 'dislike-topped-up', 'At your review {your_side} {short} still moved and had a top-up; your next treatment starts from those units with the top-up on that side.'),
    ('answer', 'dislike-moved-both', 'At your review your {short} still moved on both sides; your next treatment adds units on both sides.'),
    ('answer', 'dislike-moved-middle', 'At your review your {short} still moved; your next treatment adds units to it.'),
    ('answer', 'dislike-settled', 'At your review the treated muscles had relaxed as planned; your next treatment keeps the same units unless you tell us otherwise.'),
    ('answer', 'dislike-reviewed', "If you dislike an effect, call us: we note what and on which side, and change that side's units at your next treatment, from about {next_date}."),
]


def load(apps, schema_editor):
    Wording = apps.get_model("reports", "SummaryWording")
    for kind, key, text in WORDING:
        Wording.objects.get_or_create(kind=kind, key=key, defaults={"text": text})


def unload(apps, schema_editor):
    Wording = apps.get_model("reports", "SummaryWording")
    Wording.objects.filter(kind="answer", key__in=[key for _, key, _ in WORDING]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0015_intake_link"),
        ("planning", "0010_patient_intake"),
        ("reports", "0007_history_part"),
    ]

    operations = [
        migrations.RunPython(load, unload),
        migrations.RemoveConstraint(
            model_name='reportjob',
            name='reportjob_session_kinds_have_subject',
        ),
        migrations.RemoveConstraint(
            model_name='reportjob',
            name='reportjob_kind_valid',
        ),
        migrations.RemoveConstraint(
            model_name='reportjob',
            name='reportjob_subject_matches_kind',
        ),
        migrations.AlterField(
            model_name='reportjob',
            name='kind',
            field=models.CharField(choices=[('consent', 'Consent'), ('injection_map', 'Injection map'), ('history', 'Treatment history'), ('history_export', 'Treatment history export (all patients)'), ('fhir', 'FHIR R4 export'), ('fhir_export', 'FHIR R4 export (all patients)'), ('patient_summary', 'Patient summary'), ('record', 'Complete medico-legal record'), ('patient_copy', "Patient's copy of the record"), ('referral_letter', 'Referral letter')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='reportjob',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['consent', 'injection_map', 'history', 'history_export', 'fhir', 'fhir_export', 'patient_summary', 'record', 'patient_copy', 'referral_letter'])), name='reportjob_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='reportjob',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('history_export', 'fhir_export')), ('patient__isnull', True), ('date_from__isnull', False), ('date_to__isnull', False)), models.Q(('kind__in', ('consent', 'injection_map', 'history', 'patient_summary', 'record', 'patient_copy', 'referral_letter', 'fhir')), ('patient__isnull', False)), _connector='OR'), name='reportjob_subject_matches_kind'),
        ),
        migrations.AddConstraint(
            model_name='reportjob',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('consent', 'injection_map', 'referral_letter')), _negated=True), models.Q(('subject_id__isnull', False), ('visit__isnull', False)), _connector='OR'), name='reportjob_session_kinds_have_subject'),
        ),
    ]
