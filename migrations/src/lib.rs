//! Database migrations (sea-orm-migration), to come with the durable runtime issue.
