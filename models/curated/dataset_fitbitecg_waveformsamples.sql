{{ recover_curated('FitbitEcg', 'WaveformSamples') }}
