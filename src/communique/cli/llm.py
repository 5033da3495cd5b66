"""The ``--method llm`` options of ``communique extract`` and their run (see :mod:`communique.extract.llm`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Reporter, positive, write_result
from communique.io.read import MAX_SMALL_BYTES, read_text
from communique.schema.errors import issue


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``--method llm`` on the ``extract`` parser."""
    group = parser.add_argument_group("--method llm (any OpenAI-compatible chat-completions server)")
    group.add_argument("--base-url", metavar="URL", help="the server, e.g. http://localhost:8000/v1")
    group.add_argument("--model", metavar="NAME", help="the model name the server knows")
    group.add_argument(
        "--api-key-env", metavar="VAR", default="OPENAI_API_KEY", help="environment variable holding the API key"
    )
    group.add_argument("--prompt", metavar="FILE", help="instructions to use instead of the built-in ones")
    group.add_argument("--few-shot", type=_count, default=0, metavar="N", help="worked examples to include (0-2)")
    group.add_argument("--concurrency", type=positive, default=4, metavar="K", help="requests in flight (default 4)")
    group.add_argument("--cache", metavar="DIR", help="cache answers here; a rerun then sends nothing")
    group.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="wall-clock deadline of each request, retries and their waits included (default 300)",
    )
    group.add_argument(
        "--max-answer-bytes",
        type=positive,
        default=4 * 2**20,
        metavar="N",
        help="a longer response is refused, having read no more than N bytes (default 4194304: 4 MB)",
    )
    group.add_argument(
        "--retries",
        type=_count,
        default=4,
        metavar="N",
        help="retries on connection failures, 408, 409, 429, 5xx, within the deadline (default 4)",
    )
    group.add_argument(
        "--max-chars", type=positive, default=12000, metavar="N", help="longer documents go by sections of this size"
    )


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not 0 < number < math.inf:
        raise argparse.ArgumentTypeError("must be a number of seconds more than 0")
    return number


def run_llm(args: argparse.Namespace, paths: list[Path], reporter: Reporter) -> int:
    from pydantic import ValidationError

    from communique.api import load_corpus_document
    from communique.extract.llm import (
        EXAMPLES,
        INSTRUCTIONS,
        LLMSettings,
        base_url_problem,
        extract_llm,
        usage_summary,
    )
    from communique.schema.predictions import prediction_data, prediction_line

    usage = [
        issue("missing-field", f"--method llm needs {flag}")
        for flag, value in (("--base-url", args.base_url), ("--model", args.model))
        if not value
    ]
    if args.base_url and (problem := base_url_problem(args.base_url)) is not None:
        usage.append(problem)
    if args.few_shot > len(EXAMPLES):
        usage.append(issue("invalid-value", f"--few-shot is at most {len(EXAMPLES)}"))
    if args.prompt and not Path(args.prompt).exists():  # one that is no regular file is refused when read
        usage.append(issue("file-not-found", "no such prompt file", file=args.prompt))
    if usage:
        reporter.problems(usage)
        return reporter.finish(EXIT_USAGE)
    docs = []
    for path in paths:
        try:
            docs.append(load_corpus_document(path))
        except (OSError, ValidationError):
            reporter.problems([issue("corpus-invalid", "not a readable corpus document", file=str(path))])
            return reporter.finish(EXIT_PROBLEMS)
    settings = LLMSettings(
        base_url=args.base_url,
        model=args.model,
        api_key_env=args.api_key_env,
        instructions=read_text(args.prompt, MAX_SMALL_BYTES) if args.prompt else INSTRUCTIONS,
        few_shot=args.few_shot,
        concurrency=args.concurrency,
        cache=Path(args.cache) if args.cache else None,
        timeout=args.timeout,
        max_answer_bytes=args.max_answer_bytes,
        max_retries=args.retries,
        max_chars=args.max_chars,
    )
    lines, warnings = extract_llm(docs, settings)  # a CommuniqueError (no openai) is reported by cli.common.run
    reporter.problems(warnings)
    reporter.note(usage_summary(lines))
    summary = {"method": "llm", "documents": len(lines), "model": args.model}
    if reporter.json and not args.out:
        return reporter.finish(EXIT_OK, {**summary, "predictions": [prediction_data(line) for line in lines]})
    write_result(reporter, "".join(prediction_line(line) for line in lines), args.out)
    return reporter.finish(EXIT_OK, {**summary, "out": args.out})
