"""GSM-7 versus UCS-2: which encoding a text needs on the air, and how long it is there.

Shared by USSD screens (182 GSM-7 / 80 UCS-2 characters) and SMS parts (160 / 70).
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each takes two septets (escape + char)

GSM7 = "GSM-7"
UCS2 = "UCS-2"


def encoding_of(text: str) -> str:
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
            return UCS2
    return GSM7


def length_in(text: str, encoding: str) -> int:
    """Characters as the network counts them: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == GSM7:
        return len(text) + sum(1 for ch in text if ch in GSM7_EXTENDED)
    return len(text.encode("utf-16-le")) // 2


def measure(text: str) -> tuple[str, int]:
    """(encoding, length) of `text`."""
    enc = encoding_of(text)
    return enc, length_in(text, enc)
