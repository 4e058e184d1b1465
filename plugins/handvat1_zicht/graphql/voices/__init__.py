"""The voice of parents: sessions with the spiegelgroep or experts by experience, and
anonymous quotes linked to the goals of the plan."""
