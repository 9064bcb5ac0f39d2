"""French as written in Canada (fr-CA): "28 novembre 2026", 24-hour time written "14 h 30", numeric
dates year first (2026-11-28), a comma before decimals and a non-breaking space between thousands.

The first input format of each kind is what the portal's <input type="date"> and <input
type="time"> widgets are filled with: it must be the ISO form those inputs read.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H\xa0\\h\xa0i"
DATETIME_FORMAT = "j F Y, H\xa0\\h\xa0i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H\xa0\\h\xa0i"
FIRST_DAY_OF_WEEK = 0  # Sunday, as Canadian calendars show it

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H h %M", "%Hh%M"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
