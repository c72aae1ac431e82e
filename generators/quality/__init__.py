"""Quality figures for drafts and transcripts, computed the same way everywhere.

Pure functions on plain data: the evaluation harness (studio.evaluation), the
candidate picker and the benchmarks all call these, so a figure in a report
means the same thing as the figure that chose a candidate.
"""
