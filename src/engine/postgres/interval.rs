//! `interval` values as PostgreSQL prints them (`IntervalStyle` `postgres`).

/// The fields of an interval: months, days and microseconds, each with its own sign.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Interval {
    months: i64,
    days: i64,
    micros: i64,
}

/// A field qualifier (`INTERVAL '1' YEAR`): the unit of a bare number, and what is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

const SECOND: f64 = 1_000_000.0;

/// `value` read as an interval (with the qualifier `fields`: the unit of a bare number,
/// then the smallest field kept) and printed back, or `None` when it is not plainly read.
pub(crate) fn normalize(value: &str, fields: Option<(Field, Option<Field>)>) -> Option<String> {
    let bare: Option<f64> = value.trim().parse().ok();
    let mut interval = match (bare, fields) {
        (Some(n), Some((unit, None))) => {
            let mut i = Interval::default();
            add(&mut i, n, unit)?;
            i
        }
        (Some(_), Some((_, Some(_)))) => return None,
        _ => parse(value)?,
    };
    if let Some((first, last)) = fields {
        truncate(&mut interval, last.unwrap_or(first));
    }
    Some(print(interval))
}

fn add(i: &mut Interval, n: f64, unit: Field) -> Option<()> {
    if !n.is_finite() || n.abs() > 1e12 {
        return None;
    }
    let whole = n.trunc();
    let fraction = n - whole;
    match unit {
        Field::Year => i.months += (n * 12.0).round() as i64,
        Field::Month => {
            i.months += whole as i64;
            let days = fraction * 30.0;
            i.days += days.trunc() as i64;
            i.micros += ((days - days.trunc()) * 86_400.0 * SECOND).round() as i64;
        }
        Field::Day => {
            i.days += whole as i64;
            i.micros += (fraction * 86_400.0 * SECOND).round() as i64;
        }
        Field::Hour => i.micros += (n * 3_600.0 * SECOND).round() as i64,
        Field::Minute => i.micros += (n * 60.0 * SECOND).round() as i64,
        Field::Second => i.micros += (n * SECOND).round() as i64,
    }
    Some(())
}

fn truncate(i: &mut Interval, last: Field) {
    let keep = |micros: i64, unit: i64| micros / unit * unit;
    match last {
        Field::Year => {
            i.months = i.months / 12 * 12;
            i.days = 0;
            i.micros = 0;
        }
        Field::Month => {
            i.days = 0;
            i.micros = 0;
        }
        Field::Day => i.micros = 0,
        Field::Hour => i.micros = keep(i.micros, 3_600_000_000),
        Field::Minute => i.micros = keep(i.micros, 60_000_000),
        Field::Second => {}
    }
}

/// `1 year 2 mons`, `3 days 04:05:06`, `-01:30:00`, `1 week`, `90 minutes`.
fn parse(value: &str) -> Option<Interval> {
    let lower = value.trim().to_ascii_lowercase();
    let mut words: Vec<String> = Vec::new();
    for word in lower.split_whitespace() {
        // `1day`, `2h`: split a number from its unit.
        let split = word
            .find(|c: char| c.is_ascii_alphabetic())
            .filter(|&k| k > 0 && !word.contains(':'));
        match split {
            Some(k) => {
                words.push(word[..k].to_string());
                words.push(word[k..].to_string());
            }
            None => words.push(word.to_string()),
        }
    }
    if words.is_empty() {
        return None;
    }
    let mut i = Interval::default();
    let mut k = 0;
    while k < words.len() {
        let word = &words[k];
        if word.contains(':') {
            i.micros += clock(word)?;
            k += 1;
            continue;
        }
        let n: f64 = word.parse().ok()?;
        let unit = words.get(k + 1).map(String::as_str);
        let (field, scale) = match unit {
            Some("year" | "years" | "y" | "yr" | "yrs") => (Field::Year, 1.0),
            Some("month" | "months" | "mon" | "mons") => (Field::Month, 1.0),
            Some("week" | "weeks" | "w") => (Field::Day, 7.0),
            Some("day" | "days" | "d") => (Field::Day, 1.0),
            Some("hour" | "hours" | "h" | "hr" | "hrs") => (Field::Hour, 1.0),
            Some("minute" | "minutes" | "min" | "mins" | "m") => (Field::Minute, 1.0),
            Some("second" | "seconds" | "sec" | "secs" | "s") => (Field::Second, 1.0),
            // A bare number is seconds.
            None if k + 1 == words.len() => (Field::Second, 1.0),
            _ => return None,
        };
        add(&mut i, n * scale, field)?;
        k += if unit.is_some() { 2 } else { 1 };
    }
    Some(i)
}

/// `[-]h:mm[:ss[.ffffff]]` in microseconds.
fn clock(word: &str) -> Option<i64> {
    let (negative, rest) = match word.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.len() > 3 || parts.len() < 2 {
        return None;
    }
    let hours: i64 = parts[0].parse().ok()?;
    let minutes: i64 = parts[1].parse().ok()?;
    let seconds: f64 = match parts.get(2) {
        Some(s) if s.chars().all(|c| c.is_ascii_digit() || c == '.') => s.parse().ok()?,
        Some(_) => return None,
        None => 0.0,
    };
    let micros = (hours * 3600 + minutes * 60) * 1_000_000 + (seconds * SECOND).round() as i64;
    Some(if negative { -micros } else { micros })
}

fn print(i: Interval) -> String {
    let mut out = String::new();
    let mut zero = true;
    let mut before_negative = false;
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        if !zero {
            out.push(' ');
        }
        let plus = if before_negative && value > 0 {
            "+"
        } else {
            ""
        };
        let plural = if value == 1 { "" } else { "s" };
        out.push_str(&format!("{plus}{value} {unit}{plural}"));
        before_negative = value < 0;
        zero = false;
    };
    part(i.months / 12, "year", &mut out);
    part(i.months % 12, "mon", &mut out);
    part(i.days, "day", &mut out);
    if zero || i.micros != 0 {
        let sign = if i.micros < 0 {
            "-"
        } else if before_negative {
            "+"
        } else {
            ""
        };
        let micros = i.micros.unsigned_abs();
        let seconds = micros / 1_000_000 % 60;
        let minutes = micros / 60_000_000 % 60;
        let hours = micros / 3_600_000_000;
        let fraction = micros % 1_000_000;
        let fraction = if fraction == 0 {
            String::new()
        } else {
            format!(".{fraction:06}").trim_end_matches('0').to_string()
        };
        if !zero {
            out.push(' ');
        }
        out.push_str(&format!(
            "{sign}{hours:02}:{minutes:02}:{seconds:02}{fraction}"
        ));
    }
    out
}
