"""Stored page URLs and allowed origins in today's canonical forms (core.urlnorm): key-less
threads whose URLs now agree are merged into the oldest; origins are stored in ASCII."""

from django.db import migrations


def forwards(apps, schema_editor):
    from embed.cache import everything_stale
    from embed.renormalise import origins_renormalise, thread_urls_renormalise

    report = thread_urls_renormalise(
        thread_model=apps.get_model("embed", "Thread"),
        comment_model=apps.get_model("embed", "Comment"),
    )
    origins_renormalise(settings_model=apps.get_model("embed", "SiteSettings"))
    if report.threads_merged or report.urls_changed:
        # Cached pages and counts were built from the threads as they were.
        schema_editor.connection.on_commit(everything_stale)


class Migration(migrations.Migration):
    dependencies = [("embed", "0003_thread_url_per_key")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
