"""The occupations a worker joining by phone chooses from: a short list of what informal workers
in Laos mostly do, and "other". The code is what an application keeps."""

from __future__ import annotations

OCCUPATIONS: dict[str, dict[str, str]] = {
    "farmer": {"lo": "ກະສິກອນ", "en": "Farmer"},
    "trader": {"lo": "ຄ້າຂາຍ", "en": "Trader, vendor"},
    "driver": {"lo": "ຂັບລົດ", "en": "Driver"},
    "construction": {"lo": "ກໍ່ສ້າງ", "en": "Construction"},
    "craft": {"lo": "ຫັດຖະກຳ", "en": "Handicraft"},
    "services": {"lo": "ບໍລິການ, ສ້ອມແປງ", "en": "Services, repairs"},
    "other": {"lo": "ອື່ນໆ", "en": "Other"},
}
