{{ recover_parent('GoogleFitSamples') }}
