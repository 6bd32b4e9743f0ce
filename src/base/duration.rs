//! Durations as people write them on the command line (`5s`, `500ms`,
//! `1m`, `2.5s`, `5`) and as the tool writes them back (`60s`, `1.5s`,
//! `500ms`): one syntax, read in one place and printed in one place, so a
//! message names a bound the way its flag is written.
//!
//! Hand-written on purpose: `humantime` (the usual crate) rejects the
//! fractions (`2.5s`) and bare numbers (`5`) that `--timeout` takes, has no
//! bound, and prints `1s 500ms` where a flag's value reads `1.5s`; this is
//! thirty lines with their own tests.

use std::time::Duration;

/// Parses a duration, then checks it is more than 0 and at most
/// `max_secs`; a value out of range is named `what`, its bound `max_text`.
pub fn parse_bounded(
    s: &str,
    what: &str,
    max_secs: f64,
    max_text: &str,
) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (try 5s, 500ms or 1m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("invalid duration unit in {s:?} (use ms, s or m)")),
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= max_secs) {
        return Err(format!(
            "{what} {s:?} must be more than 0 and at most {max_text}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `60s`, `1.5s`, `500ms`: a duration the way its flag is written, which
/// [`parse_bounded`] reads back (above a second, to a tenth of a second).
pub fn format(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_is_read_and_written_back_the_same_way() {
        for (text, millis, back) in [
            ("5s", 5000, "5s"),
            ("500ms", 500, "500ms"),
            ("1m", 60_000, "60s"),
            ("2.5s", 2500, "2.5s"),
            ("5", 5000, "5s"),
        ] {
            let d = parse_bounded(text, "duration", 3600.0, "1 hour").unwrap();
            assert_eq!(d, Duration::from_millis(millis), "{text}");
            assert_eq!(format(d), back);
            assert_eq!(
                parse_bounded(&format(d), "duration", 3600.0, "1 hour"),
                Ok(d)
            );
        }
        for bad in ["0s", "-1s", "5h", "x", "2m", "inf"] {
            assert!(
                parse_bounded(bad, "duration", 60.0, "1 minute").is_err(),
                "{bad}"
            );
        }
    }
}
