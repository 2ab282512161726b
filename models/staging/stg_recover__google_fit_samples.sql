{{ recover_staging('GoogleFitSamples') }}
