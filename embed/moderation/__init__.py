"""Moderation: the decision pipeline for new and edited comments, bans, the site's own spam
model, and the moderators' actions with their audit log."""
