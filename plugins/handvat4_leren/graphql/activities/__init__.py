"""Learning activities: their dates, registrations with the waiting list, and attendance."""
