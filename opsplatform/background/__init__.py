"""What runs in the background, by name: the scheduled jobs (schedule) and the kinds of task a worker runs
(task_kinds). Above the domains whose work they start; the machinery that runs tasks is jobs.tasks, beneath them."""
