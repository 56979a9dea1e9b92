"""A flat badge as SVG, drawn like Shields' "flat" style, offline and deterministic.

Text widths are estimated from a table of Verdana advance widths (the font Shields
measures with, at 11px), so no font file, canvas or network is needed. Each text carries
``textLength``, so a viewer whose fallback font is wider or narrower still fits the text
into the box. The same label, message and colours always give the same bytes.
"""

from __future__ import annotations

import re
import unicodedata

from threatgate.output.escape.xml import xml_clean_line, xml_escape_both_quotes

HEIGHT = 20
HORIZONTAL_PADDING = 5
FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
FONT_SIZE_PX = 11
DEFAULT_LABEL_COLOR = "#555"

#: Shields' named colours (and their aliases) as hex.
NAMED_COLORS = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellow": "#dfb317",
    "yellowgreen": "#a4a61d",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "grey": "#555",
    "lightgrey": "#9f9f9f",
    "gray": "#555",
    "lightgray": "#9f9f9f",
    "critical": "#e05d44",
    "important": "#fe7d37",
    "success": "#4c1",
    "informational": "#007ec6",
    "inactive": "#9f9f9f",
}

#: Advance widths of Verdana in thousandths of an em, printable ASCII.
_ASCII_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~",
        (
            # space ! " # $ % & ' ( ) * + , - . /
            352, 394, 459, 818, 636, 1076, 727, 269, 454, 454, 636, 818, 364, 454, 364, 454,
            # 0-9
            636, 636, 636, 636, 636, 636, 636, 636, 636, 636,
            # : ; < = > ? @
            454, 454, 818, 818, 818, 545, 1000,
            # A-Z
            684, 686, 698, 771, 632, 575, 775, 751, 421, 455, 693, 557, 843, 748, 787, 603,
            787, 695, 684, 616, 732, 684, 989, 685, 615, 685,
            # [ \ ] ^ _ `
            454, 454, 454, 818, 636, 636,
            # a-z
            601, 623, 521, 623, 596, 352, 623, 633, 274, 344, 592, 274, 973, 633, 607, 623,
            623, 427, 521, 394, 633, 592, 818, 592, 592, 525,
            # { | } ~
            635, 454, 635, 818,
        ),
        strict=True,
    )
)
#: Estimate for characters outside the table: wide (CJK) and other characters.
_WIDE_WIDTH = 1000
_OTHER_WIDTH = 750

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def char_width(char: str) -> int:
    """Advance width of one character, in thousandths of an em."""
    known = _ASCII_WIDTHS.get(char)
    if known is not None:
        return known
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_WIDTH
    return _OTHER_WIDTH


def text_width(text: str) -> int:
    """Width of ``text`` in pixels at Verdana 11px, rounded up to an odd number like Shields."""
    width = sum(char_width(c) for c in text) * FONT_SIZE_PX // 1000
    return width if width % 2 else width + 1


def resolve_color(color: str) -> str:
    """A Shields colour name or a 3- or 6-digit hex colour (``#`` optional) as ``#hex``."""
    named = NAMED_COLORS.get(color.lower())
    if named is not None:
        return named
    match = _HEX.fullmatch(color)
    if match is None:
        raise ValueError(f"unknown badge colour {color!r}: use a Shields colour name or hex")
    return f"#{match.group(1).lower()}"


def _brightness(hex_color: str) -> float:
    digits = hex_color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return (red * 299 + green * 587 + blue * 114) / 255000


def _text_colors(background: str) -> tuple[str, str]:
    """Text and shadow colour readable on ``background``."""
    return ("#fff", "#010101") if _brightness(background) <= 0.69 else ("#333", "#ccc")


def _text(content: str, x: int, width: int, background: str) -> str:
    fill, shadow = _text_colors(background)
    length = width * 10
    return (
        f'<text aria-hidden="true" x="{x}" y="150" fill="{shadow}" fill-opacity=".3" '
        f'transform="scale(.1)" textLength="{length}">{content}</text>'
        f'<text x="{x}" y="140" transform="scale(.1)" fill="{fill}" '
        f'textLength="{length}">{content}</text>'
    )


def render_badge_svg(
    label: str, message: str, color: str, label_color: str = DEFAULT_LABEL_COLOR
) -> str:
    """A flat badge: ``label`` on the left (omitted when empty), ``message`` on the right."""
    label = xml_clean_line(label)
    message = xml_clean_line(message)
    right_color = resolve_color(color)
    left_color = resolve_color(label_color)
    label_width = text_width(label) if label else 0
    message_width = text_width(message) if message else 0
    left = label_width + 2 * HORIZONTAL_PADDING if label else 0
    right = message_width + 2 * HORIZONTAL_PADDING
    width = left + right
    accessible = xml_escape_both_quotes(f"{label}: {message}" if label else message)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{accessible}">',
        f"<title>{accessible}</title>",
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>',
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
        "</clipPath>",
        f'<g clip-path="url(#r)"><rect width="{left}" height="{HEIGHT}" fill="{left_color}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{right_color}"/>'
        f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>',
        f'<g fill="#fff" text-anchor="middle" font-family="{FONT_FAMILY}" '
        'text-rendering="geometricPrecision" font-size="110">',
    ]
    if label:
        # Centre of the label box, in the tenfold coordinates of the scaled-down text.
        x = 10 * (1 + HORIZONTAL_PADDING) + 5 * label_width
        parts.append(_text(xml_escape_both_quotes(label), x, label_width, left_color))
    if message:
        margin = left - 1 if label else 0
        x = 10 * (margin + HORIZONTAL_PADDING) + 5 * message_width
        parts.append(_text(xml_escape_both_quotes(message), x, message_width, right_color))
    parts.append("</g></svg>\n")
    return "".join(parts)
