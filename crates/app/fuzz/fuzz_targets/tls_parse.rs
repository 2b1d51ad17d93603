//! Fuzz target: feed arbitrary bytes to the TLS parser, to both directions,
//! cut into chunks whose sizes come from the input, and read every
//! accessor and the EVE fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_app::tls::TlsState;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(cut).max(1);
    let mut st = TlsState::new();
    for (i, piece) in rest.chunks(chunk).enumerate() {
        st.parse(i % 3 != 2, piece);
    }
    // The same bytes whole, in each direction.
    let mut whole = TlsState::new();
    whole.parse(true, rest);
    whole.parse(false, rest);
    for s in [&st, &whole] {
        let _ = (s.sni(), s.ja3_hash(), s.ja3_string(), s.ja4_hash());
        let _ = (s.ja3s_hash(), s.ja3s_string(), s.version(), s.ssl_state());
        let _ = (s.cert_subject(), s.cert_issuer(), s.cert_serial(), s.cert_fingerprint());
        let _ = s.certs().count();
        let _ = (s.cert_expired(0), s.cert_valid(0), s.eve(), s.events().len());
    }
});
