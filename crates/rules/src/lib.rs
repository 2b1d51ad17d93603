//! warden-rules (skeleton)
