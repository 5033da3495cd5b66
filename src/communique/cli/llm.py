"""The ``--method llm`` options of ``communique extract`` and their run (see :mod:`communique.extract.llm`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from communique.cli.output import format_text
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def add_llm_options(parser: Any) -> None:
    """The options of ``--method llm`` on the ``extract`` parser."""
    group = parser.add_argument_group("--method llm (any OpenAI-compatible chat-completions server)")
    group.add_argument("--base-url", metavar="URL", help="the server, e.g. http://localhost:8000/v1")
    group.add_argument("--model", metavar="NAME", help="the model name the server knows")
    group.add_argument(
        "--api-key-env", metavar="VAR", default="OPENAI_API_KEY", help="environment variable holding the API key"
    )
    group.add_argument("--prompt", metavar="FILE", help="instructions to use instead of the built-in ones")
    group.add_argument("--few-shot", type=_count, default=0, metavar="N", help="worked examples to include (0-2)")
    group.add_argument("--concurrency", type=_positive, default=4, metavar="K", help="requests in flight (default 4)")
    group.add_argument("--cache", metavar="DIR", help="cache answers here; a rerun then sends nothing")
    group.add_argument("--timeout", type=_seconds, default=120.0, metavar="S", help="seconds per request (default 120)")
    group.add_argument(
        "--retries", type=_count, default=4, metavar="N", help="retries on 429, 5xx, timeouts (default 4)"
    )
    group.add_argument(
        "--max-chars", type=_positive, default=12000, metavar="N", help="longer documents go by sections of this size"
    )


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _print(issues: list[Issue]) -> None:
    for found in issues:
        print(format_text(found), file=sys.stderr)


def run_llm(args: argparse.Namespace, paths: list[Path]) -> int:
    from pydantic import ValidationError

    from communique.api import load_corpus_document
    from communique.extract.llm import EXAMPLES, INSTRUCTIONS, LLMSettings, extract_llm, usage_summary

    usage = [
        issue("missing-field", f"--method llm needs {flag}")
        for flag, value in (("--base-url", args.base_url), ("--model", args.model))
        if not value
    ]
    if args.few_shot > len(EXAMPLES):
        usage.append(issue("invalid-value", f"--few-shot is at most {len(EXAMPLES)}"))
    if args.prompt and not Path(args.prompt).is_file():
        usage.append(issue("file-not-found", "no such prompt file", file=args.prompt))
    if usage:
        _print(usage)
        return EXIT_USAGE
    docs = []
    for path in paths:
        try:
            docs.append(load_corpus_document(path))
        except (OSError, ValidationError):
            _print([issue("corpus-stale", "not a readable corpus document", file=str(path))])
            return EXIT_PROBLEMS
    settings = LLMSettings(
        base_url=args.base_url,
        model=args.model,
        api_key_env=args.api_key_env,
        instructions=Path(args.prompt).read_text(encoding="utf-8") if args.prompt else INSTRUCTIONS,
        few_shot=args.few_shot,
        concurrency=args.concurrency,
        cache=Path(args.cache) if args.cache else None,
        timeout=args.timeout,
        max_retries=args.retries,
        max_chars=args.max_chars,
    )
    try:
        lines, warnings = extract_llm(docs, settings)
    except CommuniqueError as exc:
        _print(exc.issues)
        return EXIT_PROBLEMS
    _print(warnings)
    print(usage_summary(lines), file=sys.stderr)
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if args.out:
        write_atomic(Path(args.out), text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
