#!/usr/bin/env bash
# Re-creates the ding's audio guides from their narration texts with espeak-ng,
# one sentence per line, so the pauses fall between sentences as a real guide's would.
# Needs espeak-ng, sox and ffmpeg (Debian packages). Output is deterministic for a
# given espeak-ng/lame version; the committed MP3s were made with espeak-ng 1.51.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# speak VOICE SPEED TEXT_FILE OUT_MP3
speak() {
    local voice="$1" speed="$2" text="$3" out="$4"
    local n=0 parts=()
    sox -D -n -r 22050 -c 1 -b 16 "$work/pause.wav" trim 0 0.7
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ -z "${line// }" ]] && continue
        n=$((n + 1))
        espeak-ng -v "$voice" -s "$speed" -w "$work/s$n.wav" -- "$line"
        parts+=("$work/s$n.wav" "$work/pause.wav")
    done < "$text"
    sox -D "$work/pause.wav" "${parts[@]}" "$work/all.wav"
    ffmpeg -hide_banner -loglevel error -y -i "$work/all.wav" \
        -ac 1 -ar 22050 -c:a libmp3lame -b:a 64k \
        -map_metadata -1 -fflags +bitexact -flags:a +bitexact "$out"
    printf '%s: %s s\n' "$(basename "$out")" "$(sox --i -D "$work/all.wav")"
}

ding="$here/shang-bronze-ding"
speak en-us 150 "$ding/audio_guide_en.txt" "$ding/audio_guide_en.mp3"
speak cmn-latn-pinyin 140 "$ding/audio_guide_zh.txt" "$ding/audio_guide_zh.mp3"
