"""Dates written in layer and file names (QGIS-free).

Two rules, kept apart on purpose because their callers need different ones:

- ``label_dates``: for display (the run's layer names and the GUI's date order):
  every YYYYMMDD or YYYY-MM-DD in a name (each dash optional), years 1900-2099,
  month and day only checked for their first digit (00-19, 00-39), no calendar
  check: a loose match that never rejects a name a user typed a date into.
- ``product_date``: for computing (the sun and season of a SAR-to-optical model's
  conditions): the first YYYYMMDD in a file name as Sentinel-1 product and SAR
  Change stack names carry it (years 2000-2099, months 01-12, days 01-31), and
  only when it is a calendar date; otherwise None, so the caller asks for the date.
"""
import datetime as _dt
import re

#: YYYYMMDD or YYYY-MM-DD (each dash optional), 1900-2099, loose month and day digits.
LABEL_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?!\d)")
#: YYYYMMDD of a product name, 2000-2099, months 01-12, days 01-31.
PRODUCT_DATE = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


def date_parts(text, pattern):
    """(year, month, day) digit strings of each match of ``pattern`` in ``text``, in order (no calendar
    check); ``text`` None or empty gives []."""
    return pattern.findall(text or "")


def label_dates(text):
    """Dates written YYYYMMDD or YYYY-MM-DD in ``text`` (``LABEL_DATE``), as 'YYYY-MM-DD' strings in order
    of appearance; not checked against the calendar."""
    return ["-".join(parts) for parts in date_parts(text, LABEL_DATE)]


def product_date(name):
    """The first YYYYMMDD of ``name`` (``PRODUCT_DATE``, e.g. S1A_20211209_ASC_VV_VH.tif or
    S1A_IW_GRDH_1SDV_20211209T053000_...) as a ``datetime.date``; None when there is none or it is no
    calendar date (e.g. 20210230: later dates in the name are not tried)."""
    found = date_parts(name, PRODUCT_DATE)
    if not found:
        return None
    try:
        return _dt.date(*(int(part) for part in found[0]))
    except ValueError:
        return None
