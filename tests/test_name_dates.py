"""Dates in names (core.engine.name_dates): the loose display rule and the strict product rule."""
import datetime as dt

from sar_change.core.engine.name_dates import label_dates, product_date
from sar_change.models.sar_to_optical import conditions


def test_label_dates_loose_rule():
    assert label_dates("S1A_20211209_ASC to 2022-01-02 (VV)") == ["2021-12-09", "2022-01-02"]
    assert label_dates("mixed 2020-0101 and 202002-03") == ["2020-01-01", "2020-02-03"]  # each dash optional
    assert label_dates("scan_19990715") == ["1999-07-15"]  # 1900s accepted
    assert label_dates("odd 20201331 and 20210230") == ["2020-13-31", "2021-02-30"]  # no calendar check
    assert label_dates("120200101 or 202001011 or 18990101 or 20204001") == []  # digit runs, 1800s, day 40
    assert label_dates(None) == [] and label_dates("") == []


def test_product_date_strict_rule():
    assert product_date("S1A_IW_GRDH_1SDV_20211209T053000_20211209T053025.tif") == dt.date(2021, 12, 9)
    assert product_date("stack_2021-12-09.tif") is None  # no dashes
    assert product_date("scan_19990715.tif") is None  # 2000-2099 only
    assert product_date("sar_20201331_20210105.tif") == dt.date(2021, 1, 5)  # month 13 is no match
    assert product_date("sar_20210230_20210305.tif") is None  # first match no calendar date: not skipped
    assert product_date("a.tif") is None and product_date("") is None


def test_date_from_name_is_the_product_rule_on_the_base_name():
    assert conditions.date_from_name("/data/20200101/S1B_20211209_ASC_VV_VH.tif") == dt.date(2021, 12, 9)
    assert conditions.date_from_name("/data/20200101/s1.tif") is None
