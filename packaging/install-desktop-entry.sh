#!/usr/bin/env bash
# Install the desktop entry and icon for the current user, using this checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps
mkdir -p "$apps" "$icons"
sed "s|^Exec=.*|Exec=$here/.venv/bin/python -m ui %f|" "$here/packaging/heritage-studio.desktop" > "$apps/heritage-studio.desktop"
cp "$here/assets/icons/heritage-studio.svg" "$icons/heritage-studio.svg"
echo "installed $apps/heritage-studio.desktop"
