//! Static checks on a recipe's files. (Stub: being written.)
