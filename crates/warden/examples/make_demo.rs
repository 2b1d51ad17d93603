//! Writes the demo capture shipped in `demo/` (made by warden's own packet
//! builder, no third-party traffic): `cargo run --example make_demo -- demo/demo.pcap`.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo/demo.pcap".to_string());
    common::demo_capture().write(std::path::Path::new(&out));
    eprintln!("wrote {out}");
}
