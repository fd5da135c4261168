"""The rollups' change log: a flush that moves a survey response, case or dossier to another local day or commune,
or deletes one, records the (day, commune) it leaves, in the same transaction. New and updated rows need no log
(the refresh finds them by their own timestamps); only what leaves a day cannot be seen there afterwards."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .cases import Case
from .dossiers import Dossier
from .rollups import RollupChange
from .surveys import SurveyResponse

#: model -> the attribute holding its local day (the rollups group by it and by ``unit_id``); both are mapped with
#: ``active_history=True``, so a row set while its attributes were expired (after a commit) still knows its old day
#: and commune here
DAY_OF = {SurveyResponse: "answered_day", Case: "received_day", Dossier: "received_day"}


def _left(obj, day_name: str) -> tuple | None:
    """The (day, unit) an updated row leaves, or None when it stays where it was."""
    state = inspect(obj)
    day, unit = state.attrs[day_name].history, state.attrs["unit_id"].history
    if not (day.deleted or unit.deleted):
        return None
    old_day = day.deleted[0] if day.deleted else getattr(obj, day_name)
    old_unit = unit.deleted[0] if unit.deleted else obj.unit_id
    return (old_day, old_unit) if old_day is not None and old_unit is not None else None


@event.listens_for(Session, "before_flush")
def record(session: Session, flush_context, instances) -> None:
    pairs: set[tuple] = set()
    for obj in session.deleted:
        name = DAY_OF.get(type(obj))
        if name is not None:
            committed = inspect(obj).committed_state
            day = committed.get(name, getattr(obj, name))
            unit = committed.get("unit_id", obj.unit_id)
            if day is not None and unit is not None:
                pairs.add((day, unit))
    for obj in session.dirty:
        name = DAY_OF.get(type(obj))
        if name is not None and (pair := _left(obj, name)) is not None:
            pairs.add(pair)
    now = utcnow()
    for day, unit in sorted(pairs):
        session.add(RollupChange(day=day, unit_id=unit, recorded_at=now))
