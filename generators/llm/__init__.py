"""Language-model engines behind one protocol (`base.LanguageModel`): embedded llama.cpp and Ollama."""
