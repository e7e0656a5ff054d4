//! The mainland-China working-day calendar (SPEC §0): weekends off, the State Council's yearly
//! holidays off, make-up working days (调休) on. Built-in data covers 2020–2026 (the
//! `chinese_holiday` crate, checked against four other sources); an administrator adds or
//! corrects days and declares further years known (see [`Calendar::with_overrides`]). Asked about
//! a day it does not know, the calendar answers from the weekday rule and says so.
//!
//! Periods are counted as the regulations say: working days only where the text says 工作日,
//! counted from the day after the trigger with the last day included; calendar months
//! elsewhere, the same day of the end month or its last day, and a last day that falls on a
//! rest day moves to the next working day (Civil Code arts. 201–203).
use crate::Date;
use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// First and last day the built-in data answers for.
pub const BUILTIN_FIRST: (i16, i8, i8) = (2020, 1, 1);
/// `chinese_holiday` stops at 2026-12-25; later days of 2026 belong to the 2027 schedule
/// (New Year make-up days), which the State Council publishes late in the year.
pub const BUILTIN_LAST: (i16, i8, i8) = (2026, 12, 25);

/// Why a day is or is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// 工作日 Monday–Friday
    Weekday,
    /// 周末 Saturday or Sunday
    Weekend,
    /// 法定节假日 a holiday, with its name
    Holiday { name: String },
    /// 调休上班 a make-up working day, with the holiday it makes up for
    MakeUpWorkday { name: String },
}

impl Reason {
    pub fn label(&self) -> String {
        match self {
            Reason::Weekday => "工作日".into(),
            Reason::Weekend => "周末".into(),
            Reason::Holiday { name } => format!("{name}假期"),
            Reason::MakeUpWorkday { name } => format!("{name}调休上班"),
        }
    }
}

/// One day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: Date,
    pub working: bool,
    pub reason: Reason,
    /// Whether the year's official schedule is known; if not, the answer follows the weekday
    /// rule and may be wrong.
    pub known: bool,
}

/// An administrator's entry: a day that is off (holiday) or on (make-up workday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub date: Date,
    pub working: bool,
    pub name: String,
}

/// The calendar: built-in data plus administrators' overrides and declared years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<Date, Override>,
    /// Years whose official schedule an administrator has entered in full.
    known_years: BTreeSet<i16>,
}

fn builtin_covers(d: Date) -> bool {
    let first = Date::new(BUILTIN_FIRST.0, BUILTIN_FIRST.1, BUILTIN_FIRST.2).unwrap_or(d);
    let last = Date::new(BUILTIN_LAST.0, BUILTIN_LAST.1, BUILTIN_LAST.2).unwrap_or(d);
    d >= first && d <= last
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn festival_name(k: chinese_holiday::DayKind) -> &'static str {
    use chinese_holiday::DayKind::*;
    match k {
        NewYearsDayHoliday | NewYearsDayWorkday => "元旦",
        SpringFestivalHoliday | SpringFestivalWorkday => "春节",
        ChingMingFestivalHoliday | ChingMingFestivalWorkday => "清明节",
        InternationalWorkersDayHoliday | InternationalWorkersDayWorkday => "劳动节",
        DragonBoatFestivalHoliday | DragonBoatFestivalWorkday => "端午节",
        MidAutumnFestivalHoliday | MidAutumnFestivalWorkday => "中秋节",
        NationalDayHoliday | NationalDayWorkday => "国庆节",
        _ => "其他",
    }
}

impl Calendar {
    /// The built-in calendar only.
    pub fn builtin() -> Calendar {
        Calendar::default()
    }

    /// The built-in calendar with administrators' entries and declared years.
    pub fn with_overrides(overrides: Vec<Override>, known_years: Vec<i16>) -> Calendar {
        Calendar {
            overrides: overrides.into_iter().map(|o| (o.date, o)).collect(),
            known_years: known_years.into_iter().collect(),
        }
    }

    /// Whether the schedule of the day's year is known (built in, or declared by an administrator).
    pub fn knows(&self, d: Date) -> bool {
        builtin_covers(d) || self.known_years.contains(&d.year())
    }

    pub fn day(&self, d: Date) -> Day {
        if let Some(o) = self.overrides.get(&d) {
            let reason = if o.working {
                if is_weekend(d) {
                    Reason::MakeUpWorkday {
                        name: o.name.clone(),
                    }
                } else {
                    Reason::Weekday
                }
            } else if o.name.is_empty() && is_weekend(d) {
                Reason::Weekend
            } else {
                Reason::Holiday {
                    name: o.name.clone(),
                }
            };
            return Day {
                date: d,
                working: o.working,
                reason,
                known: true,
            };
        }
        if builtin_covers(d) {
            let k =
                chinese_holiday::chinese_holiday((d.year() as u16, d.month() as u8, d.day() as u8));
            use chinese_holiday::DayKind::*;
            let reason = match k {
                NormalWorkday => Reason::Weekday,
                NormalHoliday => Reason::Weekend,
                k if k.is_workday() => Reason::MakeUpWorkday {
                    name: festival_name(k).into(),
                },
                k => Reason::Holiday {
                    name: festival_name(k).into(),
                },
            };
            return Day {
                date: d,
                working: k.is_workday(),
                reason,
                known: true,
            };
        }
        let weekend = is_weekend(d);
        Day {
            date: d,
            working: !weekend,
            reason: if weekend {
                Reason::Weekend
            } else {
                Reason::Weekday
            },
            known: self.known_years.contains(&d.year()),
        }
    }

    pub fn is_working(&self, d: Date) -> bool {
        self.day(d).working
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, d: Date) -> Counted {
        let mut cur = d;
        let mut unknown = BTreeSet::new();
        loop {
            let day = self.day(cur);
            if !day.known {
                unknown.insert(cur.year());
            }
            if day.working {
                return Counted {
                    date: cur,
                    unknown_years: unknown.into_iter().collect(),
                };
            }
            cur = crate::lifecycle::add_days(cur, 1);
        }
    }

    /// "Within N working days of `from`": counted from the day after, the last day included.
    /// N = 0 is the trigger day itself.
    pub fn add_working_days(&self, from: Date, n: u32) -> Counted {
        let mut cur = from;
        let mut left = n;
        let mut unknown = BTreeSet::new();
        while left > 0 {
            cur = crate::lifecycle::add_days(cur, 1);
            let day = self.day(cur);
            if !day.known {
                unknown.insert(cur.year());
            }
            if day.working {
                left -= 1;
            }
        }
        Counted {
            date: cur,
            unknown_years: unknown.into_iter().collect(),
        }
    }

    /// Working days after `from` up to and including `to` (0 when `to` ≤ `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut cur = from;
        while cur < to {
            cur = crate::lifecycle::add_days(cur, 1);
            if self.is_working(cur) {
                n += 1;
            }
        }
        n
    }

    /// "Within N months of `from`": the same day of the end month (or its last day), moved to
    /// the next working day when it is a rest day (Civil Code arts. 201–203).
    pub fn add_months(&self, from: Date, months: u32) -> Counted {
        self.next_working_day(crate::lifecycle::add_months(from, months))
    }

    /// "Within N days of `from`" (calendar days), the last day moved off a rest day.
    pub fn add_days(&self, from: Date, days: u32) -> Counted {
        self.next_working_day(crate::lifecycle::add_days(from, days as i64))
    }

    /// "每月 N 日前" for the month of `month_of`: the N-th of that month, included (not moved:
    /// a monthly report day is a fixed date the authority sets).
    pub fn day_of_month(month_of: Date, n: i8) -> Date {
        let last = month_of.days_in_month();
        Date::new(month_of.year(), month_of.month(), n.min(last)).unwrap_or(month_of)
    }
}

/// A counted due date, with the years whose schedule was not known while counting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub date: Date,
    pub unknown_years: Vec<i16>,
}

impl Counted {
    /// A warning in Chinese when the count crossed a year the calendar does not know.
    pub fn warning(&self) -> Option<String> {
        if self.unknown_years.is_empty() {
            None
        } else {
            let years: Vec<String> = self.unknown_years.iter().map(|y| y.to_string()).collect();
            Some(format!("{} 年的节假日安排尚未录入，已按周一至周五为工作日推算，结果可能有误；请管理员录入当年安排后复核", years.join("、")))
        }
    }
}

/// Parse an import file: one day per line, `YYYY-MM-DD,休|班,名称` (名称 optional for 班);
/// blank lines and lines starting with `#` are skipped. All errors are reported at once.
pub fn parse_import(text: &str) -> Result<Vec<Override>, Vec<String>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split([',', '，', '\t']).map(str::trim).collect();
        let date = parts.first().and_then(|d| d.parse::<Date>().ok());
        let working = match parts.get(1).copied() {
            Some("休") | Some("off") | Some("holiday") => Some(false),
            Some("班") | Some("on") | Some("work") => Some(true),
            _ => None,
        };
        match (date, working) {
            (Some(date), Some(working)) => out.push(Override {
                date,
                working,
                name: parts.get(2).unwrap_or(&"").to_string(),
            }),
            _ => errs.push(format!(
                "第 {} 行格式应为“YYYY-MM-DD,休或班,名称”：{line}",
                i + 1
            )),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    // SPEC §0: working days follow the State Council's schedule, make-up days included.
    #[test]
    fn spring_festival_2025_is_off_and_its_make_up_saturday_is_on() {
        let c = Calendar::builtin();
        assert!(
            !c.is_working(d("2025-01-29")),
            "春节 2025-01-29 is a holiday"
        );
        assert_eq!(
            c.day(d("2025-01-29")).reason,
            Reason::Holiday {
                name: "春节".into()
            }
        );
        assert!(
            c.is_working(d("2025-01-26")),
            "Sunday 2025-01-26 is a make-up workday"
        );
        assert_eq!(
            c.day(d("2025-01-26")).reason,
            Reason::MakeUpWorkday {
                name: "春节".into()
            }
        );
        assert!(!c.is_working(d("2025-02-04")));
        assert!(c.is_working(d("2025-02-05")));
        assert!(
            c.is_working(d("2025-02-08")),
            "Saturday 2025-02-08 is a make-up workday"
        );
    }

    // Shangcheng 项目实施: filing within 5 working days, counted from the day after.
    #[test]
    fn five_working_days_from_before_national_day_2025_skip_the_holiday() {
        let c = Calendar::builtin();
        // 2025-09-28 (Sunday) is a make-up workday; Oct 1–8 off; Oct 11 (Saturday) make-up.
        let due = c.add_working_days(d("2025-09-29"), 5);
        // 09-30 (1), 10-01..08 off, 10-09 (2), 10-10 (3), 10-11 Saturday make-up (4), 10-12 off, 10-13 (5)
        assert_eq!(due.date, d("2025-10-13"));
        assert!(c.is_working(d("2025-10-11")) && !c.is_working(d("2025-10-12")));
        assert!(due.warning().is_none());
    }

    #[test]
    fn working_days_count_the_last_day_and_not_the_trigger() {
        let c = Calendar::builtin();
        assert_eq!(c.add_working_days(d("2024-03-04"), 1).date, d("2024-03-05"));
        assert_eq!(
            c.add_working_days(d("2024-03-08"), 1).date,
            d("2024-03-11"),
            "Friday + 1 → Monday"
        );
        assert_eq!(c.add_working_days(d("2024-03-08"), 0).date, d("2024-03-08"));
        assert_eq!(c.working_days_between(d("2024-03-04"), d("2024-03-11")), 5);
    }

    #[test]
    fn spring_festival_2024_ten_working_days() {
        let c = Calendar::builtin();
        // 2024: Feb 10–17 off, Feb 4 (Sun) and Feb 18 (Sun) make-up workdays.
        assert!(c.is_working(d("2024-02-04")));
        assert!(c.is_working(d("2024-02-18")));
        assert!(!c.is_working(d("2024-02-16")));
        let due = c.add_working_days(d("2024-02-06"), 10);
        // 02-07, 02-08, 02-09, 02-18, 02-19, 02-20, 02-21, 02-22, 02-23, 02-26
        assert_eq!(due.date, d("2024-02-26"));
    }

    // Civil Code art. 203: a period whose last day is a holiday ends on the next working day.
    #[test]
    fn six_months_ending_in_national_day_2026_moves_to_the_next_working_day() {
        let c = Calendar::builtin();
        let due = c.add_months(d("2026-04-01"), 6);
        assert!(!c.is_working(d("2026-10-01")));
        assert!(due.date > d("2026-10-01"));
        assert!(c.is_working(due.date));
        let mut x = d("2026-10-01");
        while x < due.date {
            assert!(!c.is_working(x), "{x} skipped although working");
            x = crate::lifecycle::add_days(x, 1);
        }
    }

    #[test]
    fn month_end_periods_take_the_last_day_of_the_end_month() {
        let c = Calendar::builtin();
        assert_eq!(
            crate::lifecycle::add_months(d("2025-08-31"), 6),
            d("2026-02-28")
        );
        // 2026-02-28 is a Saturday → the next working day.
        assert!(c.is_working(c.add_months(d("2025-08-31"), 6).date));
    }

    #[test]
    fn unknown_years_are_flagged_not_silently_assumed() {
        let c = Calendar::builtin();
        let day = c.day(d("2027-05-03"));
        assert!(!day.known);
        let due = c.add_working_days(d("2026-12-20"), 10);
        assert_eq!(due.unknown_years, vec![2026, 2027]);
        assert!(due.warning().unwrap().contains("2027"));
        // An administrator enters 2027's schedule: the warning goes away and holidays apply.
        let c = Calendar::with_overrides(
            vec![Override {
                date: d("2027-01-01"),
                working: false,
                name: "元旦".into(),
            }],
            vec![2026, 2027],
        );
        assert!(!c.is_working(d("2027-01-01")));
        assert!(c.add_working_days(d("2026-12-20"), 10).warning().is_none());
    }

    #[test]
    fn import_reports_every_bad_line() {
        let ok = parse_import("# 2027\n2027-01-01,休,元旦\n2027-02-06,班,春节\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert!(ok[1].working);
        let errs = parse_import("2027-01-01,休,元旦\n2027-13-01,休\nfoo\n").unwrap_err();
        assert_eq!(errs.len(), 2);
    }
}
