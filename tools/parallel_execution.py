"""Sphinx extension: execute the pages that need it in parallel, into the execution cache, before
Sphinx reads them one by one.

With ``execute_notebooks: cache`` myst-nb executes each notebook page while reading it, so a
clean build runs the chapters one after another. Just before reading, this extension finds the
pages whose code has no entry in the jupyter-cache yet, executes them in a pool of processes
(one per core; ``BOOK_EXECUTION_WORKERS`` sets the number, 1 turns the pool off) exactly as
myst-nb would (the page's folder as working directory, the book's timeout, errors not allowed)
and stores the results in the cache. myst-nb then finds every page in the cache and executes
nothing. A page that fails is not stored: myst-nb executes it again and reports the error as
usual, so warnings stay errors under ``-W``. A no-change rebuild reads no page and runs nothing.
"""

import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path, PurePosixPath

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def _execute(notebook_json, cwd, allow_errors, timeout):
    """Run in a worker process: the executed notebook as JSON, its run time, and any error."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.reads(notebook_json, as_version=4)
    result = single_nb_execution(
        notebook, cwd=cwd, allow_errors=allow_errors, timeout=timeout, meta_override=True
    )
    error = None if result.err is None else f"{type(result.err).__name__}: {result.err}"
    return nbformat.writes(result.nb), result.time, error


def _pages_to_execute(app, env, docnames, cache):
    """(docname, path, notebook, read format, config) for each page with code not in the cache."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    pages = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        config = env.mystnb_config
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            continue
        # The same per-notebook adjustments myst-nb makes before executing (myst_nb/sphinx_.py).
        kernel = notebook.metadata.get("kernelspec", {}).get("name")
        for pattern, alias in (config.kernel_rgx_aliases or {}).items():
            if kernel is not None and re.fullmatch(pattern, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
        if config.metadata_key in notebook.metadata:
            overrides = nb_node_to_dict(notebook.metadata[config.metadata_key])
            overrides.pop("output_folder", None)
            config = config.copy(**overrides)
        if config.execution_mode != "cache" or config.execution_in_temp:
            continue
        posix = PurePosixPath(path.as_posix())
        if any(posix.match(pattern) for pattern in config.execution_excludepatterns or ()):
            continue
        try:
            cache.match_cache_notebook(notebook)
            continue  # already cached
        except KeyError:
            pass
        pages.append((docname, path, notebook, reader.read_fmt, config))
    return pages


def execute_in_parallel(app, env, docnames):
    if env.mystnb_config.execution_mode != "cache":
        return
    workers = int(os.environ.get("BOOK_EXECUTION_WORKERS", os.cpu_count() or 1))
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_path = (
        env.mystnb_config.execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    )
    cache = get_cache(str(cache_path))
    pages = _pages_to_execute(app, env, docnames, cache)
    if workers < 2 or len(pages) < 2:
        return
    import nbformat

    start = time.perf_counter()
    LOGGER.info(f"executing {len(pages)} pages in parallel ({min(workers, len(pages))} processes)")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(pages)), mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        futures = {
            pool.submit(
                _execute,
                nbformat.writes(notebook),
                str(path.parent),
                config.execution_allow_errors,
                config.execution_timeout,
            ): (docname, path, read_fmt)
            for docname, path, notebook, read_fmt, config in pages
        }
        for future, (docname, path, read_fmt) in futures.items():
            executed, seconds, error = future.result()
            if error is not None:
                # Left out of the cache: myst-nb runs the page again and reports the error itself.
                LOGGER.info(f"{docname}: failed in the parallel run ({error.splitlines()[0]})")
                continue
            record = (
                cache.add_nb_to_project(str(path), read_data=read_fmt)
                if read_fmt
                else cache.add_nb_to_project(str(path))
            )
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.reads(executed, as_version=4),
                    record.uri,
                    data={"execution_seconds": seconds},
                ),
                check_validity=False,
                overwrite=True,
            )
            LOGGER.info(f"{docname}: executed in {seconds:.1f} s")
    LOGGER.info(f"executed {len(pages)} pages in {time.perf_counter() - start:.1f} s")


def _cache_of(app, env):
    from jupyter_cache import get_cache

    path = env.mystnb_config.execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    return get_cache(str(path))


def write_executed_notebook(app, doctree):
    """Put the cached outputs into the page's ``jupyter_execute/<page>.ipynb``.

    For a page served from the cache, myst-nb renders the cached outputs but writes the notebook
    it read from the source, without outputs; sphinx-book-theme then offers that copy as the
    page's .ipynb download. Rewriting it with the outputs merged keeps the download the executed
    notebook, whichever process executed the page.
    """
    env = app.env
    if env.mystnb_config.execution_mode != "cache":
        return
    written = Path(app.outdir).parent / "jupyter_execute" / f"{env.docname}.ipynb"
    if not written.is_file():
        return
    import nbformat

    notebook = nbformat.read(written, as_version=4)
    if any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"):
        return  # executed by myst-nb itself
    try:
        _, merged = _cache_of(app, env).merge_match_into_notebook(notebook)
    except KeyError:
        return  # not in the cache (an excluded page)
    written.write_text(nbformat.writes(merged), encoding="utf-8")


def setup(app):
    app.connect("env-before-read-docs", execute_in_parallel)
    app.connect("doctree-read", write_executed_notebook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
