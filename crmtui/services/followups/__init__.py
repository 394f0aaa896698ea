"""Follow-ups: tasks, the queue, rules, templates, timeline, feedback."""
