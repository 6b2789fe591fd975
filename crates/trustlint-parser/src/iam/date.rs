//! Values of the `Date…` condition operators as IAM parses them when it stores a policy:
//! an ISO 8601 date-time (`2019-07-16T12:00:00Z`, `2016-12-13T21:20:37.593194+00:00`,
//! `2020-01-01`) or a non-negative epoch in seconds. IAM rejects a policy with any other
//! date value ("The policy failed legacy parsing").

/// The years IAM accepts (those of a Java `Date`).
const YEARS: std::ops::RangeInclusive<i64> = -292_275_054..=292_278_993;

/// True when IAM would accept `value` for a `Date…` operator.
pub fn is_valid_date(value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    if value.contains('t') || value.contains('-') {
        is_iso_8601(&value).is_some()
    } else {
        value.parse::<i64>().is_ok_and(|seconds| seconds >= 0)
    }
}

fn number_in(text: &str, range: std::ops::RangeInclusive<i64>) -> Option<()> {
    text.parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .map(|_| ())
}

/// `[-]YEAR[-MM[-DD]][tHH[:MM[:SS[.FRACTION][z|+HH[:MM]]]]]`, lower-cased.
fn is_iso_8601(value: &str) -> Option<()> {
    let (date, time) = value.split_once('t').unwrap_or((value, ""));
    let (negative, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let date_parts: Vec<&str> = date.split('-').collect();
    if date_parts.len() > 3 {
        return None;
    }
    let year = date_parts.first()?;
    let year = if negative {
        format!("-{year}")
    } else {
        (*year).to_string()
    };
    number_in(&year, YEARS)?;
    if let Some(month) = date_parts.get(1) {
        number_in(month, 1..=12)?;
    }
    if let Some(day) = date_parts.get(2) {
        number_in(day, 1..=31)?;
    }

    let time_parts: Vec<&str> = time.split(':').collect();
    if let Some(hours) = time_parts.first().filter(|h| !h.is_empty()) {
        number_in(hours, 0..=23)?;
    }
    if let Some(minutes) = time_parts.get(1) {
        number_in(minutes, 0..=59)?;
    }
    if let Some(&seconds_and_zone) = time_parts.get(2) {
        let seconds = if let Some((seconds, after)) = seconds_and_zone.split_once('z') {
            after.is_empty().then_some(seconds)?
        } else if let Some((seconds, zone)) = seconds_and_zone.split_once('+') {
            let (zone_hours, zone_minutes) = match zone.split_once(':') {
                Some((hours, minutes)) => (hours, Some(minutes)),
                None => (zone, None),
            };
            (zone_hours.len() == 2).then_some(())?;
            number_in(zone_hours, 0..=23)?;
            if let Some(zone_minutes) = zone_minutes {
                (zone_minutes.len() == 2).then_some(())?;
                number_in(zone_minutes, 0..=59)?;
            }
            seconds
        } else {
            seconds_and_zone
        };
        let (whole, fraction) = match seconds.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (seconds, None),
        };
        number_in(whole, 0..=59)?;
        if let Some(fraction) = fraction {
            number_in(fraction, 0..=999_999_999)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_dates() {
        for ok in [
            "2019-07-16T12:00:00Z",
            "2020-01-01T00:00:01Z",
            "2019-07-01T13:20:15Z",
            "2016-12-13T21:20:37.593194+00:00",
            "2016-12-13t2:00:00.593194+23",
            "2020-01-01",
            "01T",
            "-292275054",
            "1563278400",
            "0",
        ] {
            assert!(is_valid_date(ok), "{ok}");
        }
    }

    #[test]
    fn rejected_dates() {
        for bad in [
            "bad",
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
            "2019-07-16T25:00:00Z",
            "2019-07-16T12:00:00Zx",
            "2019-07-16-01",
            "",
        ] {
            assert!(!is_valid_date(bad), "{bad}");
        }
    }
}
