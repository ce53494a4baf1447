"""An upload handler that stops storing a file once it passes the import size limit.

Django streams uploads to a temporary file; this handler stands first in line and skips the
rest of a file that is too big, so a 2 GB upload costs neither memory nor disk, and the page
answers with the limit in words instead of a 413 or a crash.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.import_upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
