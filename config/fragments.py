"""The Jinja2 environment of the hot fragments (settings: TEMPLATES, "fragments").

Autoescape is always on. The filters are the Django templates' ones, under the
same names, so a fragment writes units, sides and volumes as the pages do. An
undefined name is an error, not an empty string: a misspelt variable fails the
tests instead of vanishing.
"""

from __future__ import annotations

import jinja2
from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, pluralize
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import json_script
from django.utils.text import capfirst
from django.utils.timezone import template_localtime

from clinic.links import kept_links
from planning import sides
from planning.face import svg_x, svg_y
from planning.templatetags.dose import side_name, units, volume_for

# What ``getattr`` finds on a plain dict: the class's names (a dict has no others).
_DICT_NAMES = frozenset(dir(dict))


class FragmentEnvironment(jinja2.Environment):
    """Jinja2's environment, with ``row.key`` on a plain dict read without the
    AttributeError Jinja2 raises and catches first (issue 22, fourth pass: the plan
    page's rows are dicts, ~500 lookups a request). The same result: Jinja2 tries the
    attribute, then the item; on a plain dict the attribute exists only for the names
    of the class, so any other name goes to the item at once."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        try:  # Jinja2's first step, without its call (a lookup is a few microseconds)
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)


def date(value, fmt: str) -> str:
    """Django's ``date`` filter as a page applies it: an aware datetime on the
    clinic's clock first (the filter ``expects_localtime``)."""
    return date_filter(template_localtime(value), fmt)


def url(name: str, pk: int) -> str:
    """``{% url name pk %}``, each pattern reversed once per process
    (``clinic.links.kept_links``)."""
    return kept_links()(name, pk)


def page_part(name: str, /, **context):
    """A Django template of the pages (``templates/``) rendered with ``context``: a
    part a fragment places that other pages include too, kept in one template (the
    face diagram, the dose checks' list)."""
    return render_to_string(name, context)


def environment(**options) -> jinja2.Environment:
    if options.pop("autoescape", True) is not True:
        raise ImproperlyConfigured("The fragments engine escapes every value: keep autoescape.")
    options["undefined"] = jinja2.StrictUndefined
    env = FragmentEnvironment(autoescape=True, **options)
    env.filters.update(
        units=units, side_name=side_name, volume_for=volume_for, svg_x=svg_x, svg_y=svg_y
    )
    env.filters.update(pluralize=pluralize, capfirst=capfirst, floatformat=floatformat)
    env.filters.update(of_side=sides.of_side)
    env.filters.update(date=date, json_script=json_script)
    env.globals.update(lr_difference=sides.difference, side_columns=sides.columns)
    env.globals.update(url=url, static=static, page_part=page_part)
    # The plan editor's page (planning/plan_editor.jinja) places the rows the pages'
    # tags draw (planning.templatetags): the same functions, one markup.
    from planning.templatetags import face_svg
    from planning.templatetags.visit_header import visit_header

    env.globals.update(
        visit_header=visit_header,
        **{
            name: getattr(face_svg, name)
            for name in (
                "plan_point_rows", "suggestion_rows", "past_plan_rows",
                "plan_total_rows", "cycle_dose_rows",
            )
        },
    )  # fmt: skip
    return env
