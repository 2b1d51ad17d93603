//! warden-capture (skeleton)
