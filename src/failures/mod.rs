//! Failures: every red thing in a run. (Being written.)
