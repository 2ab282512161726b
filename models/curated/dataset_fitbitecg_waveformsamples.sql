{{ recover_child('FitbitEcg', 'WaveformSamples') }}
