"""Discord glue: one extension per job. Cogs translate; services decide."""
