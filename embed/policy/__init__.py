"""Moderation policy: what happens to a comment (pipeline, word and link rules, the site's
spam model, Akismet, ban lookups). Decides; never writes through services."""
