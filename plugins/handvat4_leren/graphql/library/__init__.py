"""The practice library every coalition shares: writing, reviewing, publishing and
withdrawing examples, reading and searching the published ones, adopting one into the plan
van aanpak and leaving an experience note."""
