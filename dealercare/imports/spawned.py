"""The entry point of the import's cleaning process (cleaner.py).

A spawned child unpickles its target before anything else runs, so the target lives in this
module, which imports nothing that needs Django's apps: it sets Django up first, then runs the
cleaner.
"""


def clean_in_child(out, path, table_fields, plan, tz, language, chunk_rows):
    import django

    django.setup()
    from dealercare.imports import cleaner

    cleaner.child_main(out, path, table_fields, plan, tz, language, chunk_rows)
