"""What starts runs: schedules (rows fired by one doorbell), events and manual calls."""
