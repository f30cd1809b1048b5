"""Charts drawn on the server as inline SVG: no JavaScript, nothing from a CDN, and the page's
Content-Security-Policy stays strict. Every text is escaped here; colours are SVG attributes
(the policy refuses `style=`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

INK, MUTED, LINE, STRIPE = "#1d2733", "#5b6775", "#d7dde4", "#f5f7f9"
REACHED, ENDED, RATE, RATE_HIGH = "#0b5d8a", "#b42318", "#c99a2e", "#b42318"
HIGH_RATE = 0.25  # a screen refusing one key in four is worth a look: drawn in red

WIDTH, LABEL_X, BAR_X, BAR_W = 960, 178, 186, 480
RATE_X, RATE_W = 806, 90
ROW, BAR_H, TOP = 24, 14, 58


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # the bar's length (sessions that reached the node)
    part: int = 0  # drawn in red at the bar's end (sessions that ended there)
    rate: float | None = None  # 0..1 in the right-hand column (invalid inputs); None: no input
    tip: str = ""  # shown on hover


def funnel_chart(bars: Sequence[Bar], title: str) -> Markup:
    """Horizontal bars, one per row in the given order, with the `part` and the `rate` beside."""
    top = max((b.value for b in bars), default=0) or 1
    height = TOP + ROW * len(bars) + 8
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>", *_legend()]
    for i, bar in enumerate(bars):
        out.append(_row(i, bar, top))
    out.append("</svg>")
    return Markup("".join(out))


def _legend() -> list[str]:
    return [
        _swatch(BAR_X, 14, REACHED), _text(BAR_X + 16, 24, _("reached the screen")),
        _swatch(BAR_X + 150, 14, ENDED),
        _text(BAR_X + 166, 24, _("of those, ended there (timeout, incomplete, failed)")),
        _text(RATE_X, 24, _("keys refused")),
        f'<line x1="0" y1="{TOP - 10}" x2="{WIDTH}" y2="{TOP - 10}" stroke="{LINE}"/>',
        _text(LABEL_X, TOP - 16, _("screen"), anchor="end", colour=MUTED),
        _text(BAR_X, TOP - 16, _("sessions"), colour=MUTED),
        _text(RATE_X, TOP - 16, _("share of the keys typed there"), colour=MUTED),
    ]


def _row(i: int, bar: Bar, top: int) -> str:
    y = TOP + i * ROW
    mid = y + ROW / 2 + 4  # text baseline, centred on the row
    parts = [f"<g><title>{escape(bar.tip or bar.label)}</title>"]
    if i % 2:
        parts.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW}" fill="{STRIPE}"/>')
    parts.append(_text(LABEL_X, mid, _short(bar.label), anchor="end", colour=INK if bar.value else MUTED))
    length = BAR_W * bar.value / top
    bar_y = y + (ROW - BAR_H) / 2
    if bar.value:
        parts.append(f'<rect x="{BAR_X}" y="{bar_y}" width="{max(length, 1.5):.1f}" height="{BAR_H}" '
                     f'fill="{REACHED}"/>')
    if bar.part and bar.value:
        cut = min(length, max(BAR_W * bar.part / top, 2.0))  # never drawn longer than the bar it belongs to
        parts.append(f'<rect x="{BAR_X + length - cut:.1f}" y="{bar_y}" width="{cut:.1f}" height="{BAR_H}" '
                     f'fill="{ENDED}"/>')
    figures = f'<tspan fill="{INK if bar.value else MUTED}">{bar.value:,}</tspan>'
    if bar.part:
        figures += f'<tspan fill="{ENDED}"> · {escape(_("%(n)s ended", n=f"{bar.part:,}"))}</tspan>'
    parts.append(f'<text x="{BAR_X + length + 6:.1f}" y="{mid}">{figures}</text>')
    parts.append(_rate(y, mid, bar.rate))
    parts.append("</g>")
    return "".join(parts)


def _rate(y: int, mid: float, rate: float | None) -> str:
    if rate is None:
        return _text(RATE_X, mid, "–", colour=MUTED)
    colour = RATE_HIGH if rate >= HIGH_RATE else RATE
    track = (f'<rect x="{RATE_X}" y="{y + (ROW - 8) / 2}" width="{RATE_W}" height="8" fill="{LINE}"/>'
             f'<rect x="{RATE_X}" y="{y + (ROW - 8) / 2}" width="{RATE_W * min(rate, 1.0):.1f}" height="8" '
             f'fill="{colour}"/>')
    return track + _text(RATE_X + RATE_W + 6, mid, f"{rate:.0%}", colour=colour if rate >= HIGH_RATE else INK)


def _swatch(x: int, y: int, colour: str) -> str:
    return f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'


def _text(x: float, y: float, content: str, anchor: str = "start", colour: str = INK) -> str:
    # The colour sits on a <tspan>: admin.css sets `fill` on `svg text`, which beats an attribute there.
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"><tspan fill="{colour}">{escape(content)}</tspan></text>'


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


DAY_W, DAY_H, DAY_TOP, DAY_LEFT = 960, 180, 24, 48


def daily_chart(days: Sequence[tuple[str, int]], title: str, unit: str) -> Markup:
    """One column a day (label, value), oldest first: the trend of a figure over the period."""
    top = max((v for _d, v in days), default=0) or 1
    height = DAY_TOP + DAY_H + 34
    step = (DAY_W - DAY_LEFT - 8) / max(len(days), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {DAY_W} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>",
           _text(DAY_LEFT - 6, DAY_TOP + 4, f"{top:,}", anchor="end", colour=MUTED),
           _text(DAY_LEFT - 6, DAY_TOP + DAY_H, "0", anchor="end", colour=MUTED),
           f'<line x1="{DAY_LEFT}" y1="{DAY_TOP + DAY_H}" x2="{DAY_W}" y2="{DAY_TOP + DAY_H}" stroke="{LINE}"/>']
    every = max(1, len(days) // 10)  # at most about ten dates under the columns
    for i, (label, value) in enumerate(days):
        x = DAY_LEFT + i * step
        h = DAY_H * value / top
        out.append(f"<g><title>{escape(label)} · {escape(unit)}: {value:,}</title>"
                   f'<rect x="{x + step * 0.15:.1f}" y="{DAY_TOP + DAY_H - h:.1f}" width="{step * 0.7:.1f}" '
                   f'height="{max(h, 0.5 if value else 0):.1f}" fill="{REACHED}"/></g>')
        if i % every == 0 or i == len(days) - 1:
            out.append(_text(x + step / 2, DAY_TOP + DAY_H + 18, label, anchor="middle", colour=MUTED))
    out.append("</svg>")
    return Markup("".join(out))
