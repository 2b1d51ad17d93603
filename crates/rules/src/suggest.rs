//! "Did you mean" suggestions by edit distance.

/// Levenshtein distance between two short strings (byte based).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate within a distance proportional to the word length.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.len() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| {
            (
                distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `" (did you mean 'x'?)"` or an empty string.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    quote: &str,
) -> String {
    match closest(word, candidates) {
        Some(c) => format!(
            " (did you mean {quote}{c}{}?)",
            if quote == "'" { "'" } else { "" }
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn suggests() {
        assert_eq!(closest("contnet", ["content", "flow"]), Some("content"));
        assert_eq!(closest("zzzz", ["content", "flow"]), None);
        assert_eq!(
            did_you_mean("HOME_NETT", ["HOME_NET"], "$"),
            " (did you mean $HOME_NET?)"
        );
    }
}
