//! warden-flow (skeleton)
