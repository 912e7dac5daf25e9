"""The site's dashboard at /dashboard/ on the site's own host: server-rendered pages over the
moderation services in `embed.moderation`, with a little progressive JavaScript.

Every page needs a member of the site's team (`role_of`); settings and the team are the
owner's. Each view validates with a form, calls one service or query, and renders.
"""
