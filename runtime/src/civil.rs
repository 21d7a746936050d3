//! Time as Alma counts it: the GMT day (its daily quota starts afresh at midnight GMT) and civil
//! dates for messages and records. One copy, for the runtime, the local Alma and the tools (no
//! date library for these few needs).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds in a day.
pub const DAY_SECS: u64 = 86_400;

/// Seconds since 1970 (0 before it).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The GMT day of `t`: days since 1970-01-01.
pub fn gmt_day(t: SystemTime) -> u64 {
    unix_secs(t) / DAY_SECS
}

/// The next midnight GMT after `t`, when Alma's daily quota resets.
pub fn next_gmt_midnight(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs((gmt_day(t) + 1) * DAY_SECS)
}

/// A moment as a GMT calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// `t` as a GMT date and time (Howard Hinnant's days-to-civil algorithm).
pub fn civil(t: SystemTime) -> Civil {
    let secs = unix_secs(t);
    let z = (secs / DAY_SECS) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let rest = secs % DAY_SECS;
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: (rest / 3600) as u32,
        minute: (rest % 3600 / 60) as u32,
        second: (rest % 60) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_gmt_days() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(
            civil(at(0)),
            Civil {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0
            }
        );
        assert_eq!(
            (civil(at(951_782_400)).month, civil(at(951_782_400)).day),
            (2, 29)
        );
        let c = civil(at(1_796_526_245));
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (2026, 12, 6, 3, 4, 5)
        );
        assert_eq!(gmt_day(at(DAY_SECS * 3 + 5)), 3);
        assert_eq!(next_gmt_midnight(at(DAY_SECS * 3 + 5)), at(DAY_SECS * 4));
        assert_eq!(next_gmt_midnight(at(DAY_SECS * 4)), at(DAY_SECS * 5));
    }
}
