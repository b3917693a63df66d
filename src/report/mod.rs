//! Reports: what people read. (Stub: being written.)
