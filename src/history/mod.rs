//! The index of every run. (Stub: being written.)
