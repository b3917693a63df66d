//! The pipeline wired end to end. (Being written.)
