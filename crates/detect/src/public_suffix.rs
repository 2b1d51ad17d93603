//! The `domain` and `tld` transforms' lookups: the registrable domain
//! (`www.bbc.co.uk` → `bbc.co.uk`) and the public suffix (`co.uk`) of a
//! host name, from Mozilla's Public Suffix List as compiled into the
//! `psl` crate.
//!
//! Both answers are the tail of the given name, returned as a sub-slice of
//! it (the name's own letter case is kept); the list is matched without
//! regard to ASCII case. `None` when the name has no such part (a bare
//! public suffix has no registrable domain; an empty name has neither).

/// Longest name looked up without allocating (DNS names are at most 253
/// bytes).
const STACK_NAME: usize = 256;

/// The registrable domain of `name` (`domain` transform).
pub fn registrable_domain(name: &[u8]) -> Option<&[u8]> {
    tail_of(name, |n| psl::domain(n).map(|d| d.as_bytes().len()))
}

/// The public suffix of `name` (`tld` transform).
pub fn public_suffix(name: &[u8]) -> Option<&[u8]> {
    tail_of(name, |n| psl::suffix(n).map(|s| s.as_bytes().len()))
}

/// Runs `lookup` on the lower-cased `name` and returns the tail of `name`
/// as long as the part it found.
fn tail_of(name: &[u8], lookup: impl Fn(&[u8]) -> Option<usize>) -> Option<&[u8]> {
    let len = if name.iter().any(u8::is_ascii_uppercase) {
        if name.len() <= STACK_NAME {
            let mut buf = [0u8; STACK_NAME];
            let lower = &mut buf[..name.len()];
            lower.copy_from_slice(name);
            lower.make_ascii_lowercase();
            lookup(lower)?
        } else {
            lookup(&name.to_ascii_lowercase())?
        }
    } else {
        lookup(name)?
    };
    (len > 0 && len <= name.len()).then(|| &name[name.len() - len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_and_suffix_of_host_names() {
        assert_eq!(
            registrable_domain(b"www.suricata.io"),
            Some(&b"suricata.io"[..])
        );
        assert_eq!(
            registrable_domain(b"www.bbc.co.uk"),
            Some(&b"bbc.co.uk"[..])
        );
        assert_eq!(public_suffix(b"www.bbc.co.uk"), Some(&b"co.uk"[..]));
        assert_eq!(public_suffix(b"suricata.io"), Some(&b"io"[..]));
        // a bare public suffix has no registrable domain
        assert_eq!(registrable_domain(b"co.uk"), None);
        assert_eq!(registrable_domain(b""), None);
        assert_eq!(public_suffix(b""), None);
    }

    #[test]
    fn case_is_ignored_for_the_lookup_and_kept_in_the_answer() {
        assert_eq!(
            registrable_domain(b"WWW.BBC.Co.UK"),
            Some(&b"BBC.Co.UK"[..])
        );
        let long = format!("{}.example.co.uk", "A".repeat(300));
        assert_eq!(
            registrable_domain(long.as_bytes()),
            Some(&b"example.co.uk"[..])
        );
    }

    #[test]
    fn hostile_names_do_not_panic() {
        for n in [
            &b"."[..],
            b"..",
            b"\xff\xfe.\x00",
            b"a..b",
            b".com",
            b"com.",
        ] {
            let _ = registrable_domain(n);
            let _ = public_suffix(n);
        }
    }
}
