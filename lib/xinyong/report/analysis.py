"""What a report says, as data: the unit and overview analyses every writer shares.

:class:`UnitAnalysis` (one unit of a :class:`~.load.Run`) and :class:`OverviewAnalysis` (all units of it)
return pandas data frames and small frozen dataclasses — no HTML, no jinja2. The HTML blocks
(:mod:`.sections`, :mod:`.overview`) are one writer over them; a Word or PDF writer takes the same
frames. Numbers stay numbers (floats, ints, ``NaN``/``None`` where unknown, never 0); the words for
codes and the number formats are in :mod:`xinyong.labels`. A few columns are sentences already
(an action's ``state`` and ``todo``, a gate condition's ``values``): they are what the report says
about the unit, the same in every format.

The parts, each in its own module: :mod:`.frames` (the counting both analyses share), :mod:`.unit_types`
(the unit's frozen records), :mod:`.verdict` (the verdict's sentences), :mod:`.todo` (what the unit must
do), :mod:`.unit_analysis` and :mod:`.overview_analysis`. A writer imports its names from here.
"""
from .frames import (EPS, UNKNOWN_STATUSES, bonus_section, comparison, counted_sections, deadline_key,
                     object_frame, records_of, reported_median)
from .overview_analysis import (GRADES_NOTE, ROSTER_COLUMNS, OverviewAnalysis, invalid_rows, roster_sentence,
                                state_counts, units_line)
from .todo import FACT_STOPS, UnitTodo, facts_of, quote_name
from .unit_analysis import UnitAnalysis
from .unit_types import Peers, Previous, Standing, Todo
from .verdict import (UNQUALIFIED_LEAD, VETO_LEAD, UnitVerdict, VerdictLine, cap_sentence, consequence_sentence,
                      grade_sentence, rank_sentence, reading_sentence)

__all__ = ["EPS", "FACT_STOPS", "GRADES_NOTE", "ROSTER_COLUMNS", "UNKNOWN_STATUSES", "UNQUALIFIED_LEAD", "VETO_LEAD",
           "OverviewAnalysis", "Peers", "Previous", "Standing", "Todo", "UnitAnalysis", "UnitTodo", "UnitVerdict",
           "VerdictLine", "bonus_section", "cap_sentence", "comparison", "consequence_sentence", "counted_sections",
           "deadline_key", "facts_of", "grade_sentence", "invalid_rows", "object_frame", "quote_name",
           "rank_sentence", "reading_sentence", "records_of", "reported_median", "roster_sentence", "state_counts",
           "units_line"]
