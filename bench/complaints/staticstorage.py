"""The production static storage, minus the rewriting of source-map comments.

dealercare/static/vendor/tabler.min.{css,js} end with `sourceMappingURL=tabler.min.*.map`, and
the .map files are not vendored, so `collectstatic` with config.settings.prod's
CompressedManifestStaticFilesStorage stops with MissingFileError. Until the project vendors
the maps (or strips the comments), the benchmark collects with this storage: every file is
hashed, compressed and linked exactly as in production; only the two comments stay as they are.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class BenchStaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (extension, tuple(p for p in patterns if "sourceMappingURL" not in str(p)))
        for extension, patterns in CompressedManifestStaticFilesStorage.patterns
    )
