//! warden-packet (skeleton)
