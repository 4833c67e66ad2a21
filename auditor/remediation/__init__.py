"""From findings to fixes: ``plan`` (pure: findings -> reviewed changes) and ``apply`` (the writes,
each checked against the account's current values first and read back after).

Modules, one job each: ``fields`` (what can be written and how it reads back), ``plan`` (the pure
planner), ``planfile`` (the plan's JSON, hashes and Markdown), ``journal`` (what apply did, line by
line), ``wire`` (reads and writes through the fetch's request code and pacer), ``apply`` (the
careful loop), ``pace`` (the one seam to the rate limiter).
"""
