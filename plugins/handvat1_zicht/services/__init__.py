"""The services of handvat 1, one module per aggregate:

* `cbs`: importing a KWB table (national reference data, in the system context).
* `figures`: what a gemeente reads: the indicator catalogue and the figures of its own
  gemeente and wijken.
* `own`: the coalition's own indicators per wijk (CSV upload).
"""
