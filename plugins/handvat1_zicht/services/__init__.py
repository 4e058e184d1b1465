"""The services of handvat 1, one module per aggregate:

* `cbs`: importing a KWB table (national reference data, in the system context).
* `figures`: what a gemeente reads: the indicator catalogue and the figures of its own
  gemeente and wijken.
* `own`: the coalition's own indicators per wijk (CSV upload).
* `monitoring`: the figures beside the coalition's own work per wijk (other modules'
  `wijk_activity`), small cells suppressed.
* `startfoto`: startfoto's and vervolgfoto's (copies of the figures, fixed), and comparing them.
* `charts`, `exports`, `report`: the downloads: charts as PNG/SVG, CSV tables, the
  printable report.
* `dates`: "today" as Amsterdam's date.
* `plan`: goals, actions and progress of the plan van aanpak, its calendar feed, and the
  actions other modules propose (`add_plan_action`).
* `voices`: sessions with parents and experts by experience, and their anonymous quotes.
"""
