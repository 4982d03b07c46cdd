"""Time: cron over cronsim with zones, cron in words, schedule phrases to cron."""
