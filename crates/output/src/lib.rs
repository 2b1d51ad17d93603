//! warden-output (skeleton)
