from studio.cli import main

# Guarded: process pools that spawn (card rendering, transcription) re-import
# the main module in each child, which must not run the CLI again.
if __name__ == "__main__":
    raise SystemExit(main())
