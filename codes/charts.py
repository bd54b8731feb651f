"""The measures of the dashboard's bar chart, drawn as SVG by its template."""

from django.utils.formats import date_format

BAR_WIDTH = 20
BAR_STEP = 28
BAR_TOP = 18
BAR_MAX_HEIGHT = 100


def bar_chart(months, counts):
    """A bar for each month's count; the tallest is BAR_MAX_HEIGHT high."""
    peak = max(counts, default=0)
    return {
        "bars": [
            _bar(index, month, count, peak)
            for index, (month, count) in enumerate(zip(months, counts, strict=True))
        ],
        "total": sum(counts),
        "width": BAR_STEP * len(months),
        "height": BAR_TOP + BAR_MAX_HEIGHT + 20,
        "baseline": BAR_TOP + BAR_MAX_HEIGHT,
        "label_y": BAR_TOP + BAR_MAX_HEIGHT + 15,
    }


def _bar(index, month, count, peak):
    height = round(count * BAR_MAX_HEIGHT / peak) if peak else 0
    if count and not height:
        height = 1
    x = index * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2
    return {
        "month": month,
        "label": date_format(month, "M"),
        "title": f"{date_format(month, 'F Y')}: {count}",
        "count": count,
        "x": x,
        "y": BAR_TOP + BAR_MAX_HEIGHT - height,
        "width": BAR_WIDTH,
        "height": height,
        "middle": x + BAR_WIDTH // 2,
        "count_y": BAR_TOP + BAR_MAX_HEIGHT - height - 4,
    }
