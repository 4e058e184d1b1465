from core.plugin import EventType
from tests.support.declared_module import MODULE_KEY

THING_ADDED = f"{MODULE_KEY}.thing.added"

EVENT_TYPES = [EventType(THING_ADDED, "Een ding is toegevoegd (thing_id).")]
