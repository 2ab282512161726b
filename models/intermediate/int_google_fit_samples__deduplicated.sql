{{ recover_deduplicate('GoogleFitSamples') }}
