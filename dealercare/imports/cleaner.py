"""Reading and cleaning a file's rows ahead of the writer: in a thread, or for a big file in a
second process.

Reading cells, converting them (dates, phones, VINs...) and the pinyin of names are pure Python
and about 40% of an import's CPU time. A thread overlaps that work with the database's, but
shares the interpreter lock with the writer; a child process runs it on another core while this
process resolves and writes the previous chunk. The child starts a fresh interpreter (spawn: no
inherited connections, locks or threads) and sets Django up, about a second, so it is used for
files of at least settings.IMPORT_PROCESS_MIN_ROWS rows. It touches no database: it sends chunks
of CleanRows and the search keys of their names (pickled, through a pipe), and the parent seeds
its name-key cache with them, so the pinyin is not worked out twice. A child that fails or dies
fails the import (CleanerCrashed; nothing is kept), and a child whose parent died ends itself.

Either way the consumer sees the same chunks in the same order, and a file the reader cannot
read raises ImportFileError with the reader's message.
"""

import dataclasses
import itertools
import multiprocessing
import queue
import threading
import traceback

from django.conf import settings
from django.utils import translation

from . import readers, spawned
from .rows import CleanRow, RowBuilder, RowError
from .upsert import CHUNK_ROWS, name_search_keys, remember_name_keys

DEPTH = 2  # chunks cleaned ahead of the writer (thread)


def clean_chunks(path, table, builder, chunk_rows=None):
    """Chunks of CleanRows read from the file (pure work, no database)."""
    rows = readers.iter_rows(path, table)
    while chunk := list(itertools.islice(rows, chunk_rows or CHUNK_ROWS)):
        yield [builder.build(number, cells) for number, cells in chunk]


def _name_keys(chunk):
    """{name: search keys} of a chunk's customer names (kinds as plain str: cheap to pickle)."""
    found = {}
    for row in chunk:
        name = row.customer.get("name")
        if name and name not in found:
            found[name] = frozenset((str(kind), term) for kind, term in name_search_keys(name))
    return found


def use_process(rows_estimate):
    """Whether a file of about `rows_estimate` rows is cleaned in a second process."""
    threshold = settings.IMPORT_PROCESS_MIN_ROWS
    if not threshold or rows_estimate < threshold:
        return False
    # A daemonic process (some task runners' workers) may not start children.
    return not multiprocessing.current_process().daemon


def cleaned(path, table, builder, *, rows_estimate=0):
    """The file's chunks of CleanRows, prepared ahead of the consumer (see the module's text)."""
    if use_process(rows_estimate):
        return _in_process(path, table, builder, CHUNK_ROWS)
    return prefetched(_warmed(clean_chunks(path, table, builder, CHUNK_ROWS)))


def _warmed(chunks):
    """The chunks, with their names' search keys cached by the reader thread as it goes."""
    for chunk in chunks:
        for row in chunk:
            if name := row.customer.get("name"):
                name_search_keys(name)
        yield chunk


def prefetched(chunks, depth=DEPTH):
    """Iterate `chunks` while a thread prepares the next ones.

    Reading and converting chunk N+1 overlaps the database writing chunk N (the server works
    while Python waits for it). Exceptions of the producer (ImportFileError) surface here.
    """
    items = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()
    language = translation.get_language()  # the active language is per thread: pass it on

    def produce():
        try:
            if language:
                translation.activate(language)
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        items.put((chunk, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((done, None))
        except BaseException as error:  # handed to the consumer, re-raised there
            items.put((done, error))

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            chunk, error = items.get()
            if chunk is done:
                if error is not None:
                    raise error
                return
            yield chunk
    finally:
        stop.set()
        thread.join(timeout=5)


def _flat(row):
    """A CleanRow as plain tuples: pickled several times faster than the dataclasses."""
    errors = [(e.number, e.field, e.value, e.message) for e in row.errors]
    return (row.number, row.customer, row.vehicle, row.event, row.raw, errors)


def _unflat(flat):
    number, customer, vehicle, event, raw, errors = flat
    return CleanRow(number, customer, vehicle, event, raw, [RowError(*e) for e in errors])


class CleanerCrashed(RuntimeError):
    """The cleaning process failed on something other than the file (a bug, or it was killed)."""


def child_main(out, path, table_fields, plan, tz, language, chunk_rows):
    """The child process, once Django is set up (spawned.py): send ("chunk", rows, name keys)
    messages, then one of ("done",), ("file", message) or ("crash", traceback).

    `out` is the writing end of a pipe: a send waits until the parent takes the message, which
    keeps the child one chunk ahead; a parent that is gone breaks the pipe and ends the child.
    """
    try:
        for message in _messages(path, table_fields, plan, tz, language, chunk_rows):
            out.send(message)
    except OSError:  # a broken pipe: the importing process ended, nobody is listening
        pass
    finally:
        out.close()


def _messages(path, table_fields, plan, tz, language, chunk_rows):
    try:
        translation.activate(language or settings.LANGUAGE_CODE)
        table = readers.Table(**table_fields)
        for chunk in clean_chunks(path, table, RowBuilder(plan, tz), chunk_rows):
            yield ("chunk", [_flat(row) for row in chunk], _name_keys(chunk))
        yield ("done",)
    except readers.ImportFileError as error:
        yield ("file", str(error.message))
    except Exception:  # told to the parent, which fails the job with its own message
        yield ("crash", traceback.format_exc())


def _in_process(path, table, builder, chunk_rows=None):
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=spawned.clean_in_child, name="import-cleaner", daemon=True,
        args=(sender, str(path), dataclasses.asdict(table), builder.plan_spec, builder.tz,
              translation.get_language(), chunk_rows or CHUNK_ROWS),
    )  # fmt: skip
    child.start()
    sender.close()  # the child holds the only writing end: if it dies, the pipe ends (EOF)
    try:
        while True:
            try:
                message = receiver.recv()
            except (EOFError, OSError):  # ended between messages, or in the middle of one
                child.join(timeout=5)
                raise CleanerCrashed(
                    f"the import's cleaning process ended (exit code {child.exitcode})"
                ) from None
            if message[0] == "chunk":
                remember_name_keys(message[2])
                yield [_unflat(row) for row in message[1]]
            elif message[0] == "done":
                return
            elif message[0] == "file":
                raise readers.ImportFileError(message[1])
            else:
                raise CleanerCrashed(message[1])
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
