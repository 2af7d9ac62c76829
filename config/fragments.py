"""The Jinja2 environment of the hot fragments (settings: TEMPLATES, "fragments").

Autoescape is always on. The filters are the Django templates' ones, under the
same names, so a fragment writes units, sides and volumes as the pages do. An
undefined name is an error, not an empty string: a misspelt variable fails the
tests instead of vanishing.
"""

from __future__ import annotations

import jinja2
from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import floatformat, pluralize
from django.utils.text import capfirst

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
    env.globals.update(lr_difference=sides.difference)
    return env
