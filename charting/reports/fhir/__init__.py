"""The FHIR R4 export: a patient's record, or the clinic's over dates, as one Bundle.

``codes`` holds the code systems (our own, under ``settings.CLINIC_BASE_URL``, and
the few standard codes a cited source gives); ``bundle`` loads the record in a
constant number of queries and writes the resources. docs/fhir.md maps our models
to FHIR and cites every standard code.
"""
