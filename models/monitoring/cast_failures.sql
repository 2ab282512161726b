{{ recover_cast_failures() }}
