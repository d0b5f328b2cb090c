"""The "Tải ảnh PNG" button under a chart (issue 20): `{% chart_png_button "chart-map" title unit.name year %}`.
static/js/chart_png.js wires every such button to its ECharts instance; the file name is made here, from the
chart's title, the unit and the year, without diacritics ("ban-do-ty-le-ho-ngheo-tinh-bac-kan-2023.png") so that
it survives every mail client and file system."""

from django import template
from django.utils.text import slugify

register = template.Library()


def png_filename(*parts) -> str:
    text = " ".join(str(part) for part in parts if part not in (None, ""))
    text = text.replace("đ", "d").replace("Đ", "D")
    return (slugify(text) or "bieu-do")[:120] + ".png"


@register.inclusion_tag("partials/chart_png_button.html")
def chart_png_button(chart_id, title, *parts, file_title=None, extra_class=""):
    """`parts` name the unit, the year...; the title and parts also head the image (data-title); `file_title`, when
    given, replaces the title in the file name (a shorter one)."""
    heading = " · ".join(str(part) for part in (title, *parts) if part not in (None, ""))
    return {"chart_id": chart_id, "filename": png_filename(file_title or title, *parts), "heading": heading,
            "extra_class": extra_class}
