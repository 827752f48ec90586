//! `Range: bytes=...` requests (RFC 9110 §14): one range, served as 206; several, or none
//! that fits, answered as the RFC allows.

/// What to send for a `Range` header over a body of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// No usable range: the whole body, 200.
    Full,
    /// Bytes `start..end` (end exclusive), 206.
    Part { start: i64, end: i64 },
    /// No byte of the range exists: 416.
    Unsatisfiable,
}

pub fn answer(header: Option<&str>, size: i64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Full;
    };
    // Several ranges would need a multipart answer; the whole body is as correct.
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let parsed = |s: &str| s.trim().parse::<i64>().ok().filter(|n| *n >= 0);
    let (start, end) = match (first.trim().is_empty(), parsed(first), parsed(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) if suffix > 0 => ((size - suffix).max(0), size),
        (true, _, _) => return RangeAnswer::Unsatisfiable,
        (false, Some(start), None) if last.trim().is_empty() => (start, size),
        (false, Some(start), Some(last)) if last >= start => (start, (last + 1).min(size)),
        _ => return RangeAnswer::Full,
    };
    if start >= size {
        return RangeAnswer::Unsatisfiable;
    }
    RangeAnswer::Part { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(answer(None, 100), RangeAnswer::Full);
        assert_eq!(answer(Some("bytes=0-9"), 100), RangeAnswer::Part { start: 0, end: 10 });
        assert_eq!(
            answer(Some("bytes=90-"), 100),
            RangeAnswer::Part { start: 90, end: 100 }
        );
        assert_eq!(
            answer(Some("bytes=-10"), 100),
            RangeAnswer::Part { start: 90, end: 100 }
        );
        assert_eq!(
            answer(Some("bytes=-500"), 100),
            RangeAnswer::Part { start: 0, end: 100 }
        );
        assert_eq!(
            answer(Some("bytes=50-5000"), 100),
            RangeAnswer::Part { start: 50, end: 100 }
        );
        assert_eq!(answer(Some("bytes=100-"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer(Some("bytes=-0"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer(Some("bytes=0-1,5-6"), 100), RangeAnswer::Full);
        assert_eq!(answer(Some("bytes=9-1"), 100), RangeAnswer::Full);
        assert_eq!(answer(Some("items=0-1"), 100), RangeAnswer::Full);
    }
}
