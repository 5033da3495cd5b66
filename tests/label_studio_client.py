"""Drives a running Label Studio server with ``label-studio-sdk``; run by Label Studio's own Python.

Label Studio (and the SDK that comes with it) lives in its own virtualenv, because its pins would fight
the project's; the round-trip test runs this script with that virtualenv's interpreter::

    python label_studio_client.py URL TOKEN CONFIG.xml TASKS.json OUT_FOLDER

It creates a project with the labelling configuration, imports the tasks with their pre-annotations,
submits each task's pre-annotation as the annotator's annotation (what an annotator who accepts it does),
and writes the project's JSON export to ``OUT_FOLDER/export.json``. A summary goes to stdout as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from label_studio_sdk import LabelStudio


def main(url: str, token: str, config: Path, tasks: Path, out: Path) -> None:
    client = LabelStudio(base_url=url, api_key=token)
    project = client.projects.create(title="communique round trip", label_config=config.read_text(encoding="utf-8"))
    payload = json.loads(tasks.read_text(encoding="utf-8"))
    client.projects.import_tasks(id=project.id, request=payload, return_task_ids=True)
    submitted = 0
    for task in client.tasks.list(project=project.id):
        for prediction in client.predictions.list(task=task.id):
            client.annotations.create(id=task.id, result=prediction.result, parent_prediction=prediction.id)
            submitted += 1
    exported = b"".join(
        client.projects.exports.download_sync(id=project.id, export_type="JSON", download_all_tasks=True)
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "export.json").write_bytes(exported)
    print(json.dumps({"project": project.id, "tasks": len(payload), "annotations": submitted}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
