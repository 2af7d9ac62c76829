"""``{% kept when=<condition> name=<value> ... %}…{% endkept %}``: a part of a page
drawn once per process and kept (``clinic.fragments.kept_part``; issue 22).

When ``when`` is false (or keeping is off: ``clinic.fragments.keeping``), the block
is drawn from the page's context like any other markup. When it is true, the block
is drawn from the named values alone (plain values: ``clinic.fragments.plain``, the
model rows given as ``clinic.fragments.Shown`` stand-ins), those values are its key,
and a name or attribute the block reads that they do not hold is an error
(``PartMissing``), never a blank. So the same markup serves a page that can change
(drawn every time, with its forms and tokens) and one that cannot (kept)."""

from __future__ import annotations

from django import template
from django.template.base import token_kwargs
from django.urls import get_script_prefix
from django.utils.translation import get_language

from clinic import fragments

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist, when, values: dict):
        self.nodelist = nodelist
        self.when = when
        self.values = sorted(values.items())

    def render(self, context):
        if not (fragments.keeping.on and self.when.resolve(context)):
            return self.nodelist.render(context)
        items = tuple((name, value.resolve(context)) for name, value in self.values)
        where = (get_language(), get_script_prefix())
        return fragments.kept_part(self, context.template, items, where)


@register.tag("kept")
def do_kept(parser, token):
    bits = token.split_contents()
    values = token_kwargs(bits[1:], parser)
    if "when" not in values or len(values) != len(bits) - 1:
        raise template.TemplateSyntaxError(
            "{% kept %} takes when=<condition> and name=<value> pairs only"
        )
    when = values.pop("when")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, when, values)
