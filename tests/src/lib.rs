//! Integration tests over HTTP on SQLite and PostgreSQL, to come with the runtime and API issues.
