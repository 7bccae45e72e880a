"""Hall display: boards, window screens and voice announcements (Qt only in its Qt modules)."""
