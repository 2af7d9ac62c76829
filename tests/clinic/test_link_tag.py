"""``{% link %}`` (clinic/templatetags/links.py) writes what ``{% url %}`` writes for a
pattern whose one argument is a row's id, under any script prefix; a value that is not
an id is refused as ``{% url %}`` refuses it. Doors: the chart's steps, the signed
chart and its reports card (templates/charting/_steps.html, chart_signed.html,
reports/_visit_reports.html)."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, set_script_prefix

NAMES = ["charting:consent", "charting:chart", "charting:aftercare", "charting:addendum",
         "reports:patient_summary", "reports:injection_map", "reports:download"]  # fmt: skip


def _link(name, pk) -> str:
    return Template("{% load links %}{% link name pk %}").render(Context({"name": name, "pk": pk}))


def _url(name, pk) -> str:
    return Template("{% url name pk %}").render(Context({"name": name, "pk": pk}))


@pytest.mark.parametrize("prefix", ["/", "/clinic/"])
def test_a_link_is_the_url(prefix):
    set_script_prefix(prefix)
    try:
        for name in NAMES:
            for pk in (1, 73, 123456):
                link, url = _link(name, pk), _url(name, pk)
                assert link == url and url.startswith(prefix) and str(pk) in url
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("pk", ["12/../../admin", "x", None, " 7 ", "-5", -5, 12.9, True, "١٢"])
def test_a_link_refuses_what_is_not_an_id(pk):
    with pytest.raises((ValueError, TypeError, NoReverseMatch)):
        _link("charting:chart", pk)
    with pytest.raises((NoReverseMatch, TemplateSyntaxError)):
        _url("charting:chart", pk)
