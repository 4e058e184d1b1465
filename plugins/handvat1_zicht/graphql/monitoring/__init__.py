"""Dienende monitoring: per wijk the CBS figures beside the coalition's own work (counted
by the other modules, small cells suppressed), with rates per 100 births."""
