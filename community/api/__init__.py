"""The open API v1 (docs/api.md): the shared framework every app's API module builds on
(`framework`), and the community's own resources (`me`)."""
