"""What starts runs: schedules (APScheduler as the doorbell), events and manual calls."""
