//! The verdict ladder. (Being written.)
