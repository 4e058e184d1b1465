"""The logic of handvat 4, per aggregate:

- `competences`: the coalition's competence framework, the competences members gain (by
  attending, by a confirmed declaration, or evidenced by handvat 3's bekendheid through the
  `member_knowledge` hook), and the coverage per partner organisation and partner type with
  the gaps.
- `activities`: learning activities with their dates, registrations, the waiting list that
  moves up, attendance, the calendar (iCal) and reminders.
- `library`: the practice library shared by every coalition: the life cycle of an example
  and its versions, review, withdrawal, experience notes and adoption into the plan van
  aanpak (through the `add_plan_action` hook).
- `search`: Dutch full-text search over the published examples, on both databases.
- `figures`: the coalition's figures on learning together, small cells suppressed.
- `dates`: Dutch calendar days (Amsterdam time).
"""
