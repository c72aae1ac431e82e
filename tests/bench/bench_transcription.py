"""Transcription speed and memory: our job API against faster-whisper called directly.

Run: .venv/bin/python tests/bench/bench_transcription.py [--quick]
(or through pytest: .venv/bin/python -m pytest -q -s tests/bench/bench_transcription.py -p no:cacheprovider)

For each case the same file is transcribed by (a) faster-whisper directly in
a fresh process (load + transcribe, same settings: int8, beam 5,
temperature 0, word timestamps) and (b) `studio.transcripts.transcribe_source`
(job record, child inference process, streamed ffmpeg decoding, storing the
revision and search passages). Peak memory is the RSS high-water mark of the
process that ran inference. Figures are printed as a table and as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generators import model_files
from generators.transcription import FasterWhisperTranscriber
from studio import jobs, transcripts, users
from studio.ingest import import_file
from studio.project import Project

GUIDE = ROOT / "projects" / "sample-sources" / "shang-bronze-ding" / "audio_guide_en.mp3"

DIRECT = r"""
import json, sys, time
from faster_whisper import WhisperModel
from generators.transcription.worker import peak_rss_mb
model_dir, audio, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)
t1 = time.perf_counter()
c1 = time.process_time()
segments, info = model.transcribe(audio, beam_size=5, temperature=0.0, word_timestamps=True,
                                  language="en", condition_on_previous_text=True)
n = len(list(segments))
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "transcribe_s": t2 - t1, "segments": n, "duration": info.duration,
                  "cpu_s": time.process_time() - c1,
                  "peak_rss_mb": peak_rss_mb()}))
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def direct(model: str, audio: Path, threads: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", DIRECT, str(model_files.model_dir(model)), str(audio), str(threads)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def ours(
    project: Project, source_id: int, engine: FasterWhisperTranscriber, model: str, threads: int
) -> dict[str, float]:
    with project.read() as s:
        person = users.get_user(s, "Bench")
    t0 = time.perf_counter()
    outcome = transcripts.transcribe_source(
        project,
        source_id,
        engine,
        user=person,
        overrides={"model": model, "cpu_threads": threads, "language": "en"},
    )
    total = time.perf_counter() - t0
    with project.read() as s:
        job = next(j for j in jobs.list_jobs(s) if j.id == outcome.job_id).result
    return {
        "total_s": total,
        "load_s": job["load_s"],
        "peak_rss_mb": job["worker_peak_rss_mb"],
        "segments": job["segments"],
        "cpu_s": job["worker_cpu_s"],
    }


def make_long(src: Path, dest: Path, minutes: float) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(src),
            "-t",
            str(minutes * 60),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            str(dest),
        ],
        check=True,
    )
    return dest


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def run(quick: bool = False) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        files = {"guide": GUIDE}
        if not quick:
            files["10min"] = make_long(GUIDE, tmpdir / "guide-10min.mp3", 10)
        with Project.create(tmpdir / "Bench.studio") as project:
            with project.session() as s:
                users.add_user(s, "Bench", "curator", admin=True)
            ids = {
                k: import_file(project, p, exhibit_id=None, actor="Bench", language="en")[0] for k, p in files.items()
            }
            cases = [("whisper-base", "guide", 2), ("whisper-tiny.en", "guide", 2), ("whisper-base", "guide", 1)]
            if not quick:
                cases += [("whisper-base", "10min", 2), ("whisper-tiny.en", "10min", 2)]
            for model, key, threads in cases:
                audio_s = duration(files[key])
                before = load()
                d = direct(model, files[key], threads)
                with FasterWhisperTranscriber() as engine:
                    cold = ours(project, ids[key], engine, model, threads)
                    warm = ours(project, ids[key], engine, model, threads) if key == "guide" else None
                row: dict[str, object] = {
                    "model": model,
                    "audio": key,
                    "audio_s": round(audio_s, 1),
                    "threads": threads,
                    "direct_load_s": round(d["load_s"], 2),
                    "direct_transcribe_s": round(d["transcribe_s"], 2),
                    "direct_rtf": round(d["transcribe_s"] / audio_s, 3),
                    "direct_peak_mb": round(d["peak_rss_mb"]),
                    "direct_cpu_s": round(d["cpu_s"], 1),
                    "ours_cold_s": round(cold["total_s"], 2),
                    "ours_load_s": round(cold["load_s"], 2),
                    "ours_peak_mb": round(cold["peak_rss_mb"]),
                    "ours_cold_cpu_s": cold["cpu_s"],
                    "cold_ratio": round(cold["total_s"] / (d["load_s"] + d["transcribe_s"]), 3),
                    "load_before": before,
                    "load_after": load(),
                }
                if warm is not None:
                    row.update(
                        {
                            "ours_warm_s": round(warm["total_s"], 2),
                            "ours_rtf": round(warm["total_s"] / audio_s, 3),
                            "ours_warm_cpu_s": warm["cpu_s"],
                            "warm_cpu_ratio": round(warm["cpu_s"] / d["cpu_s"], 3),
                            "warm_ratio": round(warm["total_s"] / d["transcribe_s"], 3),
                        }
                    )
                else:
                    row["ours_rtf"] = round((cold["total_s"] - cold["load_s"]) / audio_s, 3)
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def test_bench_transcription() -> None:
    run(quick=os.environ.get("BENCH_QUICK") == "1")


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
