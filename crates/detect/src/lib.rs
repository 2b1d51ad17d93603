//! warden-detect (skeleton)
