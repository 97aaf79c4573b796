"""smsync against real PostgreSQL and MariaDB servers through their real drivers: flow, permissions, faults,
concurrency. Every test here is marked ``server`` and creates (and drops) its own databases."""
