"""Calendar columns as the time axis: year + quarter/month, a lone year, period text, Excel day numbers."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rgan.cli import _data_source, build_parser
from rgan.data import DataConfig, DataError, load_csv
from rgan.data.calendar import period_label, write_calendar
from rgan.data.export import own_layout_frame

# Copies of the two small public tables (statsmodels' example data sets, as in ../shared/data), so these run anywhere.
SHARED_DATA = Path(__file__).resolve().parent / "data"


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _values(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"gdp": rng.normal(size=n).round(3), "rate": rng.uniform(0, 5, size=n).round(3)}


def _quarterly(n: int = 30, start_year: int = 1972, start_quarter: int = 2) -> pd.DataFrame:
    periods = pd.period_range(pd.Period(year=start_year, quarter=start_quarter, freq="Q"), periods=n)
    return pd.DataFrame({"year": periods.year, "quarter": periods.quarter, **_values(n)})


def _read(table: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(table.to_csv(index=False)))


# ------------------------------------------------------------------------------------------- detected
def test_year_and_quarter_are_the_time_axis_not_features() -> None:
    data = load_csv(_csv(_quarterly()), DataConfig(seq_len=8))
    r = data.report
    assert r.layout == "time_rows" and data.feature_names == ["gdp", "rate"]
    assert r.time_columns == ["year", "quarter"] and r.time_column == "year"
    assert (r.time_frequency, r.time_span) == ("quarterly", "1972Q2–1979Q3")
    assert "Time: year + quarter (quarterly, 1972Q2–1979Q3)" in r.lines()
    assert list(data.frame.columns) == ["year", "quarter", "gdp", "rate"]  # the preview shows the calendar


@pytest.mark.parametrize("names", [("Year", "Month"), ("yr", "mon"), ("YEAR", "mm")])
def test_year_and_month_are_monthly_with_names_matched_case_insensitively(names) -> None:
    periods = pd.period_range("2001-11", periods=40, freq="M")
    frame = pd.DataFrame({names[0]: periods.year, names[1]: periods.month, **_values(40)})
    r = load_csv(_csv(frame), DataConfig(seq_len=6)).report
    assert r.time_columns == list(names) and (r.time_frequency, r.time_span) == ("monthly", "2001-11–2005-02")


def test_a_lone_year_column_is_yearly() -> None:
    frame = pd.DataFrame({"year": np.arange(1950, 1990), **_values(40)})
    data = load_csv(_csv(frame), DataConfig(seq_len=5))
    assert data.report.time_columns == ["year"] and data.feature_names == ["gdp", "rate"]
    assert (data.report.time_frequency, data.report.time_span) == ("yearly", "1950–1989")


def test_a_lone_year_column_newest_first_is_reversed() -> None:
    frame = pd.DataFrame({"year": np.arange(1999, 1959, -1), **_values(40)})
    data = load_csv(_csv(frame), DataConfig(seq_len=5))
    assert data.report.time_columns == ["year"] and any("newest first" in n for n in data.report.notes)


@pytest.mark.parametrize("style, freq, first", [
    ("{y}Q{p}", "quarterly", "1974Q1"), ("{y}-Q{p}", "quarterly", "1974-Q1"), ("{y}q{p}", "quarterly", "1974q1"),
    ("{y}-{p:02d}", "monthly", "1974-03"), ("{y}M{p}", "monthly", "1974M3"), ("{y}M{p:02d}", "monthly", "1974M03"),
])
def test_period_text_is_the_time_axis_and_is_written_back_in_its_own_style(style, freq, first) -> None:
    n = 30
    if freq == "quarterly":
        periods = pd.period_range("1974Q1", periods=n, freq="Q")
        parts = periods.quarter
    else:
        periods = pd.period_range("1974-03", periods=n, freq="M")
        parts = periods.month
    cells = [style.format(y=y, p=p) for y, p in zip(periods.year, parts)]
    assert cells[0] == first
    frame = pd.DataFrame({"period": cells, **_values(n)})
    data = load_csv(_csv(frame), DataConfig(seq_len=8))
    r = data.report
    assert r.time_columns == ["period"] and data.feature_names == ["gdp", "rate"]
    assert r.time_frequency == freq and "period" not in r.dropped_columns
    out = _read(own_layout_frame(data.real_units(1), data.feature_names, data.to_dict_info()))
    assert out["period"].astype(str).tolist() == cells[:8]  # same style, consecutive periods


def test_a_real_monthly_date_column_stays_dates() -> None:
    dates = pd.date_range("2000-01-01", periods=30, freq="MS").strftime("%Y-%m-%d")
    data = load_csv(_csv(pd.DataFrame({"date": dates, **_values(30)})), DataConfig(seq_len=8))
    assert data.report.time_columns == ["date"] and "calendar" not in data.layout_info
    assert data.report.time_frequency == "monthly" and data.report.time_span == "2000-01-01–2002-06-01"


def test_excel_day_numbers_under_a_date_name_are_daily_dates() -> None:
    frame = pd.DataFrame({"Date": np.arange(43831, 43871), **_values(40)})  # 2020-01-01 ...
    data = load_csv(_csv(frame), DataConfig(seq_len=8))
    r = data.report
    assert r.time_columns == ["Date"] and data.feature_names == ["gdp", "rate"]
    assert (r.time_frequency, r.time_span) == ("daily", "2020-01-01–2020-02-09")
    out = own_layout_frame(data.real_units(1), data.feature_names, data.to_dict_info())
    assert out["Date"].tolist() == list(range(43831, 43839))  # day numbers again, as in the file


def test_weekly_excel_day_numbers() -> None:
    frame = pd.DataFrame({"date": np.arange(43831, 43831 + 7 * 30, 7), **_values(30)})
    assert load_csv(_csv(frame), DataConfig(seq_len=8)).report.time_frequency == "weekly"


def _panel(years: np.ndarray | None = None) -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(3)
    for firm in ("General Motors", "Chrysler", "GE", "IBM"):
        for year in (np.arange(1935, 1955) if years is None else years):
            rows.append({"invest": round(rng.normal(100, 10), 2), "value": round(rng.normal(1000, 50), 1),
                         "firm": firm, "year": int(year)})
    return pd.DataFrame(rows)


def test_a_panel_with_a_text_id_and_a_year_is_long_and_yearly() -> None:
    data = load_csv(_csv(_panel()), DataConfig(seq_len=8))
    r = data.report
    assert (r.layout, r.id_column, r.time_columns) == ("long", "firm", ["year"])
    assert (r.time_frequency, r.time_span) == ("yearly", "1935–1954")
    assert data.feature_names == ["invest", "value"]
    out = own_layout_frame(data.real_units(2), data.feature_names, data.to_dict_info())
    assert out["year"].tolist() == list(range(1935, 1943)) * 2  # year carried on per sample


def test_grunfeld_stays_long_with_a_yearly_step() -> None:
    data = load_csv(SHARED_DATA / "grunfeld_panel.csv", DataConfig(seq_len=8))
    r = data.report
    assert (r.layout, r.id_column, r.time_column, r.time_frequency) == ("long", "firm", "year", "yearly")
    assert data.feature_names == ["invest", "value", "capital"]
    assert any(line.startswith("Time: year (yearly, 1935–1954)") for line in r.lines())


# --------------------------------------------------------------------------------------- not detected
@pytest.mark.parametrize("year, why", [
    (np.round(np.linspace(1.5, 40.2, 40), 1), "decimals"),
    (np.r_[np.arange(1950, 1970), np.arange(1975, 1990, 3)[:5], np.arange(1995, 2010)[:15]], "irregular gaps"),
    (np.random.default_rng(0).permutation(np.arange(1950, 1990)), "not in time order"),
])
def test_a_year_named_measurement_stays_a_feature(year, why) -> None:
    frame = pd.DataFrame({"year": year, **_values(len(year))})
    data = load_csv(_csv(frame), DataConfig(seq_len=5))
    assert "year" in data.feature_names, why
    assert data.report.time_columns == [] and "calendar" not in data.layout_info


def test_quarter_numbers_out_of_range_are_not_a_calendar() -> None:
    frame = _quarterly(20)
    frame["quarter"] = np.arange(20) % 6 + 1  # 5 and 6 are no quarters
    data = load_csv(_csv(frame), DataConfig(seq_len=5))
    assert "quarter" in data.feature_names and data.report.time_columns == []


def test_a_panel_whose_year_goes_back_within_an_id_is_not_a_calendar() -> None:
    frame = _panel()
    frame.loc[frame["firm"] == "GE", "year"] = frame.loc[frame["firm"] == "GE", "year"].to_numpy()[::-1]
    r = load_csv(_csv(frame), DataConfig(seq_len=8)).report
    assert r.layout == "long" and r.time_frequency != "yearly"


# ------------------------------------------------------------------------------------------ overrides
@pytest.mark.parametrize("chosen", [("year", "quarter"), ("quarter", "year"), ["year", "quarter"]])
def test_several_time_columns_chosen(chosen) -> None:
    config = DataConfig(time_column=chosen, seq_len=8)
    assert isinstance(config.time_column, tuple) and config.time_columns == tuple(chosen)
    r = load_csv(_csv(_quarterly()), config).report
    assert set(r.time_columns) == {"year", "quarter"} and r.time_frequency == "quarterly"
    assert r.feature_names == ["gdp", "rate"]


def test_one_time_column_chosen_overrides_detection() -> None:
    assert DataConfig(time_column=["year"]).time_column == "year"  # a list of one (JSON) is one column
    frame = pd.DataFrame({"year": np.arange(1950, 1990), "step": np.arange(40), **_values(40)})
    r = load_csv(_csv(frame), DataConfig(time_column="step", seq_len=5)).report
    assert r.time_columns == ["step"] and "year" in r.feature_names


@pytest.mark.parametrize("chosen, message", [
    (("gdp", "rate"), ("Columns 'gdp' + 'rate' do not make a calendar: several time columns must be a year and a "
                       "quarter (1-4) or month (1-12) column")),
    (("year", "nope"), "Column 'nope' not found; the columns are: year, quarter, gdp, rate."),
    (("year", "year"), "time_column names a column twice (year, year); choose each column once."),
])
def test_a_wrong_choice_of_time_columns_is_a_clear_data_error(chosen, message) -> None:
    with pytest.raises(DataError) as e:
        load_csv(_csv(_quarterly()), DataConfig(time_column=chosen, seq_len=8))
    assert str(e.value).startswith(message)


@pytest.mark.parametrize("argv, expected", [
    (["--time-column", "year", "--time-column", "quarter"], ("year", "quarter")),
    (["--time-column", "year,quarter"], ("year", "quarter")),
    (["--time-column", "year, quarter"], ("year", "quarter")),
    (["--time-column", "date"], "date"),
    ([], None),
])
def test_cli_time_columns_repeated_or_comma_separated(tmp_path, argv, expected) -> None:
    csv = tmp_path / "q.csv"
    csv.write_bytes(_csv(_quarterly()))
    args = build_parser().parse_args(["train", "--data", str(csv), "--out", str(tmp_path / "o"), *argv])
    assert _data_source(args).config.time_column == expected


# ------------------------------------------------------------------------------------------- export
def test_interest_inflation_round_trips_year_and_quarter() -> None:
    data = load_csv(SHARED_DATA / "interest_inflation_quarterly.csv", DataConfig(seq_len=8))
    assert data.feature_names == ["Dp", "R"]  # the calendar is not generated
    assert data.report.time_text() == "year + quarter (quarterly, 1972Q2–1998Q4)"
    info = data.to_dict_info()
    samples = np.random.default_rng(0).normal(size=(3, data.seq_len, data.n_features))  # (N, T, F)
    out = _read(own_layout_frame(samples, data.feature_names, info))
    assert list(out.columns) == ["sample_id", "year", "quarter", "Dp", "R"]
    for _, one in out.groupby("sample_id"):
        ordinals = (one["year"] - 1970) * 4 + one["quarter"] - 1
        assert one["quarter"].between(1, 4).all() and (np.diff(ordinals) == 1).all()
        assert (one["year"].iloc[0], one["quarter"].iloc[0]) == (1972, 2)  # from the file's first period


def test_longer_samples_carry_the_calendar_on_across_years() -> None:
    data = load_csv(_csv(_quarterly(12, 1999, 3)), DataConfig(seq_len=4))
    out = own_layout_frame(np.zeros((1, 7, 2)), data.feature_names, data.to_dict_info())
    assert list(zip(out["year"], out["quarter"])) == [(1999, 3), (1999, 4), (2000, 1), (2000, 2), (2000, 3),
                                                      (2000, 4), (2001, 1)]


def test_a_checkpoint_without_a_calendar_record_exports_as_before() -> None:
    old = {"layout": "time_rows", "file": {"columns": ["year", "gdp"], "time_column": "year", "time_kind": "integer",
                                           "time_start": 1950.0, "time_step": 1.0}}
    out = own_layout_frame(np.ones((1, 3, 1)), ["gdp"], old)
    assert out["year"].tolist() == [1950, 1951, 1952] and list(out.columns) == ["year", "gdp"]


def test_the_calendar_record_is_plain_data_and_writes_every_kind() -> None:
    data = load_csv(_csv(_quarterly()), DataConfig(seq_len=8))
    record = data.to_dict_info()["file"]["calendar"]
    assert record == {"columns": ["year", "quarter"], "kind": "year_part", "freq": "Q", "step": 1, "style": "",
                      "start": 9}
    assert all(type(v) in (str, int, list) for v in record.values())
    assert write_calendar({"columns": ["p"], "kind": "text", "freq": "M", "style": "{y}M{p:02d}"},
                          np.array([0, 11]))["p"].tolist() == ["1970M01", "1970M12"]
    assert write_calendar({"columns": ["d"], "kind": "excel", "freq": "D"}, np.array([0]))["d"].tolist() == [25569]
    assert period_label("Q", 9) == "1972Q2" and period_label("Y", -35) == "1935"
