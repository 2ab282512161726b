{{ recover_curated('GoogleFitSamples') }}
