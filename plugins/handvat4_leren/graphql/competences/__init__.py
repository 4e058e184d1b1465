"""Competences and coverage: the coalition's framework, members' declarations for the
coalition lead, one's own competences, and the coverage per organisation and partner type
with its trend and the gaps (small cells suppressed)."""
